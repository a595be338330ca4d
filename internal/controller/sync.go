/*
Copyright 2026 The boring-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

const (
	// notFoundRecheck is the oldest shared list trusted to say an account
	// is not connected: a newly connected account shows up within it, not
	// after a whole refreshInterval.
	notFoundRecheck = 30 * time.Second
	// notFoundRetry bounds the wait before looking again for an account
	// Boring does not list.
	notFoundRetry = 5 * time.Minute
)

// syncScope is what one reconcile of a SocialAccount learns, phase by phase.
type syncScope struct {
	sa      *boringv1alpha1.SocialAccount
	now     time.Time
	refresh time.Duration
	session boring.Session
	// credentials is the Secret the session was read from.
	credentials types.NamespacedName
	// request is the sync-requested-at value a forced sync handles ("": none).
	request string
	// acct is the account as Boring lists it (nil: not listed).
	acct     *wire.Account
	resolved Resolution
	facts    readinessFacts
}

func (r *SocialAccountReconciler) newScope(sa *boringv1alpha1.SocialAccount) *syncScope {
	now := r.Clock.Now()
	s := &syncScope{sa: sa, now: now, refresh: sa.EffectiveRefreshInterval()}
	if v := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]; v != "" && v != sa.Status.LastHandledSyncRequest {
		s.request = v
	}
	s.facts = readinessFacts{
		Previous:     meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady),
		Wanted:       "account " + sa.Spec.AccountID,
		AccountID:    sa.ResolvedAccountID(),
		WantPlatform: sa.Spec.Platform,
		SecretName:   sa.EffectiveSecretName(),
		Now:          now,
	}
	if pid := sa.Spec.PlatformAccountID; pid != "" {
		s.facts.Wanted = fmt.Sprintf("%s account with platform ID %s", sa.Spec.Platform, pid)
	}
	return s
}

// reconcileNormal syncs the SocialAccount with Boring: session, account,
// status, Secret, account ID change, Ready, warnings, next sync. It mutates
// sa.Status only (and restarts rollout targets); the caller patches status.
func (r *SocialAccountReconciler) reconcileNormal(ctx context.Context, sa *boringv1alpha1.SocialAccount) (ctrl.Result, error) {
	s := r.newScope(sa)
	err := r.resolveSession(ctx, s)
	if err == nil {
		err = r.fetchAccount(ctx, s)
	}
	if err != nil {
		return r.syncFailed(ctx, s, err)
	}
	r.observe(s)
	if err := r.reconcileSecret(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.followAccountID(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	r.decideReady(s)
	r.setSynced(s, nil)
	r.warnExpiry(s)
	sa.Status.ObservedGeneration = sa.Generation
	return ctrl.Result{RequeueAfter: r.nextSyncOf(ctx, s)}, nil
}

// resolveSession finds the session the SocialAccount syncs with; paused
// SocialAccounts get none.
func (r *SocialAccountReconciler) resolveSession(ctx context.Context, s *syncScope) error {
	if s.sa.IsPaused() {
		return errPaused
	}
	session, creds, err := r.sessionOf(ctx, s.sa)
	s.session, s.credentials = session, creds
	if err == nil && s.sa.DeletionTimestamp.IsZero() && mustDisconnect(s.sa) {
		err = r.protectCredentials(ctx, s.sa)
	}
	return err
}

// fetchAccount finds the account in the credential's shared list: fresh
// from Boring on a forced sync, and listed again (at most every
// notFoundRecheck per credential) before saying it is not there.
func (r *SocialAccountReconciler) fetchAccount(ctx context.Context, s *syncScope) error {
	force := s.request != ""
	snap, err := r.Accounts.Accounts(ctx, s.session, s.refresh, force)
	if err == nil && !force && s.refresh > notFoundRecheck && ResolveAccount(snap, s.sa).Account == nil {
		snap, err = r.Accounts.Accounts(ctx, s.session, notFoundRecheck, false)
	}
	if err != nil {
		return err
	}
	if force {
		s.sa.Status.LastHandledSyncRequest = s.request
	}
	s.resolved = ResolveAccount(snap, s.sa)
	s.acct = s.resolved.Account
	s.facts.Observed, s.facts.Found, s.facts.ReconnectedAs = true, s.acct != nil, s.resolved.ReconnectedAs
	if s.acct != nil {
		s.facts.AccountID = s.acct.AccountID
	}
	r.Metrics.Synced(s.sa, s.now, s.credentials, snap)
	return nil
}

// observe copies what Boring says about the account into status. An account
// Boring no longer lists keeps its last known identity but nothing that
// calls it valid.
func (r *SocialAccountReconciler) observe(s *syncScope) {
	st := &s.sa.Status
	a := s.acct
	if a == nil {
		st.IsValid = ptr.To(false)
		st.ExpiresAt, st.DaysUntilExpiry, st.DataAccessExpiresAt = nil, nil, nil
		return
	}
	f := &s.facts
	f.Platform, f.AccountName, f.Valid, f.ExpiresAt = a.Platform, a.Name(), a.IsValid, a.ExpiresAt
	st.Platform = a.Platform.API()
	st.AccountName = a.Name()
	st.IsValid = ptr.To(a.IsValid && !wire.Expired(s.now, a.ExpiresAt))
	st.ExpiresAt = metaTime(a.ExpiresAt)
	st.DaysUntilExpiry = nil
	if a.ExpiresAt != nil {
		st.DaysUntilExpiry = ptr.To(int32(wire.DaysUntil(s.now, *a.ExpiresAt)))
	}
	st.DataAccessExpiresAt = metaTime(a.DataAccessExpiresAt)
	st.Facebook, st.Instagram, st.Threads = nil, nil, nil
	switch a.Platform {
	case wire.PlatformFacebook:
		st.Facebook = &boringv1alpha1.FacebookStatus{PageName: a.PageName, PageID: a.PageID}
	case wire.PlatformInstagram:
		st.Instagram = &boringv1alpha1.InstagramStatus{Username: a.IGUsername, AccountID: a.IGAccountID, AccountType: a.AccountType}
	case wire.PlatformThreads:
		st.Threads = &boringv1alpha1.ThreadsStatus{Username: a.ThreadsUsername, UserID: a.ThreadsID, ProfilePictureURL: a.ThreadsProfilePicture}
	}
}

// reconcileSecret writes the account-ID Secret once Boring confirmed the
// account is the one the spec asks for.
func (r *SocialAccountReconciler) reconcileSecret(ctx context.Context, s *syncScope) error {
	f := &s.facts
	if s.acct == nil || (f.WantPlatform != "" && f.WantPlatform != f.Platform.API()) {
		return nil
	}
	conflict, err := r.ensureSecret(ctx, s.sa, s.acct)
	if err != nil {
		return err
	}
	f.SecretConflict = conflict
	s.sa.Status.SecretName = s.sa.EffectiveSecretName()
	if conflict {
		s.sa.Status.SecretName = ""
	}
	return nil
}

// followAccountID records the account_id in use. When it changed (a
// reconnect followed by platformAccountID, or a new spec.accountID), the
// Secret already holds the new one: restart the workloads that read it.
// The first resolution restarts nothing.
func (r *SocialAccountReconciler) followAccountID(ctx context.Context, s *syncScope) error {
	if s.acct == nil {
		return nil
	}
	sa, previous, current := s.sa, s.sa.Status.AccountID, s.acct.AccountID
	if previous == current {
		return nil
	}
	if s.resolved.Matches > 1 {
		r.eventf(sa, corev1.EventTypeWarning, boringv1alpha1.EventAmbiguousAccount,
			"%d accounts in Boring are the %s; using %s (valid first, then the newest)", s.resolved.Matches, s.facts.Wanted, current)
	}
	if previous != "" {
		if sa.Spec.PlatformAccountID != "" {
			r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventAccountReconnected,
				"account_id changed from %s to %s (the account was reconnected in Boring)", previous, current)
		}
		if err := r.restartTargets(ctx, s); err != nil {
			return err
		}
	}
	sa.Status.AccountID = current
	return nil
}

// decideReady sets Ready from the facts, with an event when it changed.
func (r *SocialAccountReconciler) decideReady(s *syncScope) {
	v := readiness(s.facts)
	if e, ok := transition(readinessEvents, s.facts.Previous, v); ok {
		r.event(s.sa, e, "Sync", v.Message)
	}
	r.setCondition(s.sa, boringv1alpha1.ConditionReady, v)
}

// setSynced sets Synced from how the sync ended, with an event when it changed.
func (r *SocialAccountReconciler) setSynced(s *syncScope, err error) {
	v := syncOutcome(err)
	previous := meta.FindStatusCondition(s.sa.Status.Conditions, boringv1alpha1.ConditionSynced)
	if e, ok := transition(syncEvents, previous, v); ok {
		r.event(s.sa, e, "Sync", v.Message)
	}
	r.setCondition(s.sa, boringv1alpha1.ConditionSynced, v)
}

// syncFailed records a sync that brought no account data: status other than
// the conditions is kept as it was, and so is the Secret. AccountDisabled is
// an answer, not an outage: Ready says so.
func (r *SocialAccountReconciler) syncFailed(ctx context.Context, s *syncScope, err error) (ctrl.Result, error) {
	if errors.Is(err, context.Canceled) {
		return ctrl.Result{}, err
	}
	s.facts.Disabled = errors.Is(err, boring.ErrAccountDisabled)
	s.facts.Observed = s.facts.Disabled
	r.decideReady(s)
	r.setSynced(s, err)
	switch {
	case errors.Is(err, errPaused):
		return ctrl.Result{}, nil // unpausing is an annotation change, which syncs
	case isCredentialsMissing(err), errors.Is(err, boring.ErrUnauthorized), s.facts.Disabled:
		// A fix arrives through the Secret watch or a spec change; until
		// then look again slowly.
		return ctrl.Result{RequeueAfter: s.refresh}, nil
	}
	if wait, ok := boring.RetryAfter(err); ok {
		return ctrl.Result{RequeueAfter: wait + time.Second}, nil
	}
	logf.FromContext(ctx).Info("Boring unavailable, backing off", "error", err.Error())
	return ctrl.Result{}, err // exponential backoff, capped
}

// warnExpiry raises TokenExpiringSoon / DataAccessExpiringSoon at most once
// a day while inside the warning window.
func (r *SocialAccountReconciler) warnExpiry(s *syncScope) {
	st := &s.sa.Status
	if !warningDue(s.now, st.LastExpiryWarningTime) {
		return
	}
	days := s.sa.EffectiveExpiryWarningDays()
	warned := false
	if t := timeOf(st.ExpiresAt); inWarningWindow(s.now, t, days) {
		r.eventf(s.sa, corev1.EventTypeWarning, boringv1alpha1.EventTokenExpiringSoon,
			"Token expiring in %d days (%s); reconnect the account in Boring", wire.DaysUntil(s.now, *t), t.UTC().Format(time.RFC3339))
		warned = true
	}
	if t := timeOf(st.DataAccessExpiresAt); inWarningWindow(s.now, t, days) {
		r.eventf(s.sa, corev1.EventTypeWarning, boringv1alpha1.EventDataAccessExpiringSoon,
			"Facebook data access expiring in %d days (%s); re-authorise it in Boring", wire.DaysUntil(s.now, *t), t.UTC().Format(time.RFC3339))
		warned = true
	}
	if warned {
		st.LastExpiryWarningTime = metaTime(&s.now)
	}
}

func (r *SocialAccountReconciler) nextSyncOf(ctx context.Context, s *syncScope) time.Duration {
	st := &s.sa.Status
	next := nextSync(s.now, s.refresh, s.sa.EffectiveExpiryWarningDays(), st.LastExpiryWarningTime,
		timeOf(st.ExpiresAt), timeOf(st.DataAccessExpiresAt))
	if s.acct == nil {
		next = min(next, notFoundRetry)
	}
	logf.FromContext(ctx).V(1).Info("Synced", "ready", meta.IsStatusConditionTrue(st.Conditions, boringv1alpha1.ConditionReady), "requeueAfter", next)
	return next
}

func (r *SocialAccountReconciler) setCondition(sa *boringv1alpha1.SocialAccount, typ string, v verdict) {
	meta.SetStatusCondition(&sa.Status.Conditions, metav1.Condition{
		Type: typ, Status: v.Status, Reason: v.Reason, Message: v.Message,
		ObservedGeneration: sa.Generation,
		LastTransitionTime: metav1.NewTime(r.Clock.Now().Truncate(time.Second)),
	})
}

func (r *SocialAccountReconciler) event(sa *boringv1alpha1.SocialAccount, e eventSpec, action, note string) {
	r.Recorder.Eventf(sa, nil, e.Type, e.Reason, action, "%s", note)
}

func (r *SocialAccountReconciler) eventf(sa *boringv1alpha1.SocialAccount, eventType, reason, format string, args ...any) {
	r.Recorder.Eventf(sa, nil, eventType, reason, "Sync", format, args...)
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	// Status holds whole seconds; compare like with like, or every sync
	// would look like a change.
	return &metav1.Time{Time: t.UTC().Truncate(time.Second)}
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}
