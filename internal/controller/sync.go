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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// reconcileNormal syncs the SocialAccount with Boring. The phases run in
// order over the scope; the first error ends the sync through syncFailed,
// which keeps the last good observation. Only a sync that got through every
// phase changes what status says about the account.
func (r *SocialAccountReconciler) reconcileNormal(ctx context.Context, s *syncScope) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(s.sa, boringv1alpha1.Finalizer) {
		if err := r.addFinalizer(ctx, s.sa); err != nil {
			return ctrl.Result{}, err
		}
	}
	for _, phase := range []func(context.Context, *syncScope) error{
		r.resolveSession,
		r.fetchAccount,
		r.reconcileSecret,
		r.followAccountID,
	} {
		if err := phase(ctx, s); err != nil {
			return r.syncFailed(ctx, s, err)
		}
	}
	s.sa.Status = *s.observed
	if s.request != "" {
		s.sa.Status.LastHandledSyncRequest = s.request
	}
	r.decideReady(s)
	r.setSynced(s, nil)
	r.warnExpiry(s)
	s.sa.Status.ObservedGeneration = s.sa.Generation
	return ctrl.Result{RequeueAfter: r.nextSyncOf(ctx, s)}, nil
}

// addFinalizer puts the disconnect finalizer on sa: the first write to every
// new SocialAccount.
func (r *SocialAccountReconciler) addFinalizer(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	read := sa.ResourceVersion
	if err := patchMetadata(ctx, r.Client, sa, func(o client.Object) { controllerutil.AddFinalizer(o, boringv1alpha1.Finalizer) }); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	r.written.wroteOver(sa.UID, read)
	return nil
}

// resolveSession finds the session the SocialAccount syncs with; paused
// SocialAccounts get none.
func (r *SocialAccountReconciler) resolveSession(ctx context.Context, s *syncScope) error {
	if s.sa.IsPaused() {
		return errPaused
	}
	creds, err := r.Defaults.CredentialsOf(s.sa)
	if err != nil {
		return err
	}
	s.credentials = creds
	s.session, err = r.sessions.read(ctx, creds)
	return err
}

// fetchAccount finds the account in the credential's shared list and
// observes it into the scope. A forced sync asks Boring afresh. An account
// missing from a list older than the SocialAccount's last change (creation,
// spec change, the last miss) is looked up afresh once for the credential, so
// an account connected a moment ago is found in seconds.
func (r *SocialAccountReconciler) fetchAccount(ctx context.Context, s *syncScope) error {
	force := s.request != ""
	snap, err := r.Accounts.Accounts(ctx, s.session, s.refresh, force)
	if err == nil && !force && mapping.Resolve(snap, s.sa).Account == nil &&
		snap.FetchedAt.Before(r.missing.changedSince(s)) && r.missing.mayRelist(s.credentials.Secret, s.now) {
		snap, err = r.Accounts.Accounts(ctx, s.session, 0, true)
	}
	if err = r.recordSessionHealth(ctx, s, err); err != nil {
		return err
	}
	s.resolved = mapping.Resolve(snap, s.sa)
	s.acct = s.resolved.Account
	r.missing.record(client.ObjectKeyFromObject(s.sa), s.acct != nil, s.now)
	s.observed = s.sa.Status.DeepCopy()
	mapping.Observe(s.observed, s.acct, s.now)
	f := &s.facts
	f.Observed, f.Found, f.ReconnectedAs = true, s.acct != nil, s.resolved.ReconnectedAs
	if a := s.acct; a != nil {
		f.AccountID, f.Platform, f.AccountName, f.Valid, f.ExpiresAt = a.AccountID, a.Platform, a.Name(), a.IsValid, a.ExpiresAt
	}
	r.Metrics.Synced(s.sa, s.now, s.credentials.Secret, snap)
	return nil
}

// reconcileSecret writes the account-ID Secret once Boring confirmed the
// account is the one the spec asks for.
func (r *SocialAccountReconciler) reconcileSecret(ctx context.Context, s *syncScope) error {
	f := &s.facts
	if s.acct == nil || (f.WantPlatform != "" && f.WantPlatform != mapping.Platform(f.Platform)) {
		return nil
	}
	conflict, err := r.ensureSecret(ctx, s.sa, s.acct)
	if err != nil {
		return err
	}
	f.SecretConflict = conflict
	s.observed.SecretName = s.sa.EffectiveSecretName()
	if conflict {
		s.observed.SecretName = ""
	}
	return nil
}

// followAccountID records the account_id in use. When it changed (a
// reconnect followed by platformAccountID, or a new spec.accountID), the
// Secret already holds the new one: restart the workloads that read it.
// The first resolution restarts nothing. A failed restart fails the sync,
// status keeps the old ID, and the retry restarts again.
func (r *SocialAccountReconciler) followAccountID(ctx context.Context, s *syncScope) error {
	if s.acct == nil {
		return nil
	}
	sa, previous, current := s.sa, s.sa.Status.AccountID, s.acct.AccountID
	if previous == current {
		return nil
	}
	if previous != "" {
		if err := r.restartTargets(ctx, s); err != nil {
			return err
		}
		if sa.Spec.PlatformAccountID != "" {
			r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventAccountReconnected,
				"account_id changed from %s to %s (the account was reconnected in Boring)", previous, current)
		}
	}
	if s.resolved.Matches > 1 {
		r.eventf(sa, corev1.EventTypeWarning, boringv1alpha1.EventAmbiguousAccount,
			"%d accounts in Boring are the %s; using %s (valid first, then the newest)", s.resolved.Matches, s.facts.Wanted, current)
	}
	s.observed.AccountID = current
	return nil
}

// decideReady sets Ready from the facts, with an event when it changed.
func (r *SocialAccountReconciler) decideReady(s *syncScope) {
	v := readiness(s.facts)
	if e, ok := transition(readinessEvents, s.facts.Previous, v); ok {
		r.event(s.sa, e, "Sync", v.Message)
	}
	s.setCondition(boringv1alpha1.ConditionReady, v)
}

// setSynced sets Synced from how the sync ended, with an event when it changed.
func (r *SocialAccountReconciler) setSynced(s *syncScope, err error) {
	v := syncOutcome(err)
	previous := meta.FindStatusCondition(s.sa.Status.Conditions, boringv1alpha1.ConditionSynced)
	if e, ok := transition(syncEvents, previous, v); ok {
		r.event(s.sa, e, "Sync", v.Message)
	}
	s.setCondition(boringv1alpha1.ConditionSynced, v)
}

// syncFailed is the one failure path of a sync: what status says about the
// account stays as it was (the last good observation), and so does the
// Secret; Synced says what went wrong; a sync request stays unhandled.
// AccountDisabled is an answer, not an outage: Ready says so.
func (r *SocialAccountReconciler) syncFailed(ctx context.Context, s *syncScope, err error) (ctrl.Result, error) {
	if errors.Is(err, context.Canceled) {
		return ctrl.Result{}, err
	}
	s.facts.Disabled = errors.Is(err, boring.ErrAccountDisabled)
	s.facts.Observed = s.facts.Disabled
	r.decideReady(s)
	r.setSynced(s, err)
	return failureRequeue(ctx, s, err)
}

// failureRequeue is when to look again after a failed sync.
func failureRequeue(ctx context.Context, s *syncScope, err error) (ctrl.Result, error) {
	switch {
	case errors.Is(err, errPaused):
		return ctrl.Result{}, nil // unpausing is an annotation change, which syncs
	case mapping.IsMissing(err), errors.Is(err, boring.ErrUnauthorized), s.facts.Disabled:
		// A fix arrives through the Secret watch or a spec change; until
		// then look again slowly.
		return ctrl.Result{RequeueAfter: s.refresh}, nil
	}
	if wait, ok := boring.RetryAfter(err); ok {
		return ctrl.Result{RequeueAfter: wait + time.Second}, nil
	}
	logf.FromContext(ctx).Info("Sync failed, backing off", "error", err.Error())
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
		st.LastExpiryWarningTime = mapping.MetaTime(&s.now)
	}
}

// nextSyncOf is when to sync again after a successful sync.
func (r *SocialAccountReconciler) nextSyncOf(ctx context.Context, s *syncScope) time.Duration {
	st := &s.sa.Status
	next := nextSync(s.now, s.refresh, s.sa.EffectiveExpiryWarningDays(), st.LastExpiryWarningTime,
		timeOf(st.ExpiresAt), timeOf(st.DataAccessExpiresAt))
	if s.acct == nil {
		next = min(next, r.missing.retryAfter(client.ObjectKeyFromObject(s.sa)))
	}
	logf.FromContext(ctx).V(1).Info("Synced", "ready", meta.IsStatusConditionTrue(st.Conditions, boringv1alpha1.ConditionReady), "requeueAfter", next)
	return next
}
