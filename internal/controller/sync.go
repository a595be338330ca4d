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
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

const (
	day = 24 * time.Hour
	// notFoundRecheck is the oldest shared list trusted to say an account is
	// not connected.
	notFoundRecheck = 30 * time.Second
)

// reconcileNormal observes the account in Boring and brings status, the
// Secret and events in line with it. It mutates sa.Status only.
func (r *SocialAccountReconciler) reconcileNormal(ctx context.Context, sa *boringv1alpha1.SocialAccount) (ctrl.Result, error) {
	refresh := sa.EffectiveRefreshInterval()
	if sa.IsPaused() {
		r.setSynced(sa, false, boringv1alpha1.ReasonPaused, "Paused by the "+boringv1alpha1.PausedAnnotation+" annotation; no calls to Boring")
		return ctrl.Result{}, nil
	}

	creds, err := r.credentialsFor(sa)
	var session boring.Session
	if err == nil {
		session, err = r.session(ctx, creds)
	}
	if err != nil {
		if isCredentialsMissing(err) {
			r.setSynced(sa, false, boringv1alpha1.ReasonCredentialsMissing, err.Error())
			r.markPendingIfUnknown(sa)
			// The Secret watch resyncs as soon as the credentials appear.
			return ctrl.Result{RequeueAfter: refresh}, nil
		}
		return ctrl.Result{}, err
	}

	request := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]
	force := request != "" && request != sa.Status.LastHandledSyncRequest
	snap, err := r.Boring.Accounts(ctx, session, refresh, force)
	if err == nil && !force {
		if _, ok := snap.Lookup(sa.Spec.AccountID); !ok && refresh > notFoundRecheck {
			// Maybe connected after the shared list was taken: look again,
			// at most once per notFoundRecheck per credential.
			snap, err = r.Boring.Accounts(ctx, session, notFoundRecheck, false)
		}
	}
	if err != nil {
		return r.syncFailed(ctx, sa, err)
	}
	if force {
		sa.Status.LastHandledSyncRequest = request
	}
	now := r.Clock.Now()
	r.Metrics.Synced(sa, now)

	acct, found := snap.Lookup(sa.Spec.AccountID)
	if !found {
		r.transitionEvent(sa, corev1.EventTypeWarning, boringv1alpha1.EventAccountNotFound,
			"Account %s is not connected in Boring under this session (disconnected, or another user's)", sa.Spec.AccountID)
		r.setReady(sa, false, boringv1alpha1.ReasonAccountNotFound,
			fmt.Sprintf("Boring lists no account %s under this session; reconnect it in Boring and update spec.accountID", sa.Spec.AccountID))
		r.setSynced(sa, true, boringv1alpha1.ReasonSyncSucceeded, "Synced with Boring")
		sa.Status.ObservedGeneration = sa.Generation
		return ctrl.Result{RequeueAfter: min(refresh, 5*time.Minute)}, nil
	}

	observe(sa, acct, now)
	ready, reason, msg := readiness(sa, acct, now)
	if reason != boringv1alpha1.ReasonPlatformMismatch {
		conflict, err := r.ensureSecret(ctx, sa, acct)
		if err != nil {
			return ctrl.Result{}, err
		}
		sa.Status.SecretName = sa.EffectiveSecretName()
		if conflict {
			sa.Status.SecretName = ""
			if ready {
				ready, reason = false, boringv1alpha1.ReasonSecretConflict
				msg = fmt.Sprintf("Secret %s exists and is not owned by this SocialAccount; rename it or set spec.secretName", sa.EffectiveSecretName())
			}
		}
	}
	r.readinessEvents(sa, reason, msg)
	r.setReady(sa, ready, reason, msg)
	r.setSynced(sa, true, boringv1alpha1.ReasonSyncSucceeded, "Synced with Boring")
	r.expiryWarnings(sa, now)
	sa.Status.ObservedGeneration = sa.Generation

	next := nextSync(now, refresh, sa.EffectiveExpiryWarningDays(), sa.Status.LastExpiryWarningTime,
		timeOf(sa.Status.ExpiresAt), timeOf(sa.Status.DataAccessExpiresAt))
	logf.FromContext(ctx).V(1).Info("Synced", "ready", ready, "reason", reason, "requeueAfter", next)
	return ctrl.Result{RequeueAfter: next}, nil
}

// syncFailed records a failed call to Boring; status other than Synced is
// kept as it was, and so is the Secret.
func (r *SocialAccountReconciler) syncFailed(ctx context.Context, sa *boringv1alpha1.SocialAccount, err error) (ctrl.Result, error) {
	switch {
	case errors.Is(err, boring.ErrUnauthorized):
		r.transitionEvent(sa, corev1.EventTypeWarning, boringv1alpha1.EventUnauthorized,
			"Boring rejected the session in the credentials Secret; log in to Boring again and update the Secret")
		r.setSynced(sa, false, boringv1alpha1.ReasonUnauthorized, "Boring rejected the session; update the credentials Secret")
		r.markPendingIfUnknown(sa)
		// A new session arrives through the Secret watch; until then retry slowly.
		return ctrl.Result{RequeueAfter: sa.EffectiveRefreshInterval()}, nil
	case errors.Is(err, boring.ErrRateLimited):
		r.setSynced(sa, false, boringv1alpha1.ReasonRateLimited, "Boring asked to slow down: "+err.Error())
		r.markPendingIfUnknown(sa)
		wait, ok := boring.RetryAfter(err)
		if !ok {
			return ctrl.Result{}, err // exponential backoff
		}
		return ctrl.Result{RequeueAfter: wait + time.Second}, nil
	case errors.Is(err, context.Canceled):
		return ctrl.Result{}, err
	default:
		r.setSynced(sa, false, boringv1alpha1.ReasonBackendUnavailable, "Boring is unavailable: "+err.Error())
		r.markPendingIfUnknown(sa)
		logf.FromContext(ctx).Info("Boring unavailable, backing off", "error", err.Error())
		return ctrl.Result{}, err // exponential backoff, capped
	}
}

// observe copies what Boring says about the account into status.
func observe(sa *boringv1alpha1.SocialAccount, acct *boring.Account, now time.Time) {
	st := &sa.Status
	st.Platform = boringv1alpha1.Platform(acct.Platform)
	st.AccountName = acct.Name()
	st.IsValid = ptr.To(acct.IsValid)
	st.ExpiresAt = metaTime(acct.ExpiresAt)
	st.DaysUntilExpiry = nil
	if acct.ExpiresAt != nil {
		st.DaysUntilExpiry = ptr.To(int32(boring.DaysUntil(now, *acct.ExpiresAt)))
	}
	st.DataAccessExpiresAt = metaTime(acct.DataAccessExpiresAt)
	st.Facebook, st.Instagram, st.Threads = nil, nil, nil
	switch acct.Platform {
	case boring.PlatformFacebook:
		st.Facebook = &boringv1alpha1.FacebookStatus{PageName: acct.PageName, PageID: acct.PageID}
	case boring.PlatformInstagram:
		st.Instagram = &boringv1alpha1.InstagramStatus{Username: acct.IGUsername, AccountID: acct.IGAccountID, AccountType: acct.AccountType}
	case boring.PlatformThreads:
		st.Threads = &boringv1alpha1.ThreadsStatus{Username: acct.ThreadsUsername, UserID: acct.ThreadsID, ProfilePictureURL: acct.ThreadsProfilePicture}
	}
}

// readiness decides the Ready condition from the account, before the Secret.
func readiness(sa *boringv1alpha1.SocialAccount, acct *boring.Account, now time.Time) (bool, string, string) {
	switch {
	case sa.Spec.Platform != "" && string(sa.Spec.Platform) != string(acct.Platform):
		return false, boringv1alpha1.ReasonPlatformMismatch,
			fmt.Sprintf("spec.platform is %s but Boring says account %s is on %s", sa.Spec.Platform, acct.AccountID, acct.Platform)
	case acct.ExpiresAt != nil && !acct.ExpiresAt.After(now):
		return false, boringv1alpha1.ReasonTokenExpired,
			fmt.Sprintf("Token expired at %s; reconnect the account in Boring", acct.ExpiresAt.UTC().Format(time.RFC3339))
	case !acct.IsValid:
		return false, boringv1alpha1.ReasonTokenInvalid,
			"Boring reports the token invalid (permissions revoked or password changed); reconnect the account in Boring"
	}
	return true, boringv1alpha1.ReasonTokenValid, "Token is valid"
}

// readinessEvents raises an event when Ready changes to reason.
func (r *SocialAccountReconciler) readinessEvents(sa *boringv1alpha1.SocialAccount, reason, msg string) {
	cur := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady)
	if cur != nil && cur.Reason == reason {
		return
	}
	switch reason {
	case boringv1alpha1.ReasonTokenValid:
		r.event(sa, corev1.EventTypeNormal, boringv1alpha1.EventSynced, "Sync",
			"Account %s (%s) is connected and its token is valid", sa.Status.AccountName, sa.Status.Platform)
	case boringv1alpha1.ReasonTokenInvalid:
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventTokenInvalid, "Sync", "%s", msg)
	case boringv1alpha1.ReasonTokenExpired:
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventTokenExpired, "Sync", "%s", msg)
	case boringv1alpha1.ReasonPlatformMismatch:
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventPlatformMismatch, "Sync", "%s", msg)
	case boringv1alpha1.ReasonSecretConflict:
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventSecretConflict, "Sync", "%s", msg)
	}
}

// expiryWarnings raises TokenExpiringSoon / DataAccessExpiringSoon at most
// once a day while inside the warning window.
func (r *SocialAccountReconciler) expiryWarnings(sa *boringv1alpha1.SocialAccount, now time.Time) {
	st := &sa.Status
	if last := st.LastExpiryWarningTime; last != nil && now.Sub(last.Time) < day {
		return
	}
	window := time.Duration(sa.EffectiveExpiryWarningDays()) * day
	warned := false
	if t := timeOf(st.ExpiresAt); t != nil && t.After(now) && t.Sub(now) < window {
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventTokenExpiringSoon, "Sync",
			"Token expiring in %d days (%s); reconnect the account in Boring", boring.DaysUntil(now, *t), t.UTC().Format(time.RFC3339))
		warned = true
	}
	if t := timeOf(st.DataAccessExpiresAt); t != nil && t.After(now) && t.Sub(now) < window {
		r.event(sa, corev1.EventTypeWarning, boringv1alpha1.EventDataAccessExpiringSoon, "Sync",
			"Facebook data access expiring in %d days (%s); re-authorise it in Boring", boring.DaysUntil(now, *t), t.UTC().Format(time.RFC3339))
		warned = true
	}
	if warned {
		st.LastExpiryWarningTime = metaTime(&now)
	}
}

// nextSync is how long to wait before the next sync: the earliest of the next
// refresh, the next change of daysUntilExpiry, the opening of the warning
// window, the next daily warning and expiry itself, for the token and for
// Facebook data access. Never less than a second.
func nextSync(now time.Time, refresh time.Duration, warnDays int32, lastWarning *metav1.Time, expiries ...*time.Time) time.Duration {
	next := now.Add(refresh)
	consider := func(t time.Time) {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	window := time.Duration(warnDays) * day
	for _, exp := range expiries {
		if exp == nil || !exp.After(now) {
			continue
		}
		left := exp.Sub(now)
		// daysUntilExpiry = floor(left/day) drops at exp - floor(left/day)*day.
		consider(exp.Add(-(left / day) * day))
		consider(exp.Add(-window))
		consider(*exp)
		if lastWarning != nil && left < window {
			consider(lastWarning.Add(day))
		}
	}
	// Land just past a boundary, so the sync sees the new value.
	wait := next.Sub(now) + 100*time.Millisecond
	if wait < time.Second {
		wait = time.Second
	}
	return wait
}

func (r *SocialAccountReconciler) setReady(sa *boringv1alpha1.SocialAccount, ok bool, reason, msg string) {
	r.setCondition(sa, boringv1alpha1.ConditionReady, ok, reason, msg)
}

func (r *SocialAccountReconciler) setSynced(sa *boringv1alpha1.SocialAccount, ok bool, reason, msg string) {
	r.setCondition(sa, boringv1alpha1.ConditionSynced, ok, reason, msg)
}

// markPendingIfUnknown gives a never-synced SocialAccount a Ready=False
// condition, so `kubectl get` shows why it is not ready yet.
func (r *SocialAccountReconciler) markPendingIfUnknown(sa *boringv1alpha1.SocialAccount) {
	if meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady) == nil {
		r.setReady(sa, false, boringv1alpha1.ReasonPending, "Not synced with Boring yet; see the Synced condition")
	}
}

func (r *SocialAccountReconciler) setCondition(sa *boringv1alpha1.SocialAccount, typ string, ok bool, reason, msg string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&sa.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: msg,
		ObservedGeneration: sa.Generation,
		LastTransitionTime: metav1.NewTime(r.Clock.Now().Truncate(time.Second)),
	})
}

// transitionEvent raises an event when the condition it belongs to changes
// to that reason, not on every sync.
func (r *SocialAccountReconciler) transitionEvent(sa *boringv1alpha1.SocialAccount, eventType, reason, format string, args ...any) {
	for _, c := range sa.Status.Conditions {
		if c.Reason == reason {
			return
		}
	}
	r.event(sa, eventType, reason, "Sync", format, args...)
}

func (r *SocialAccountReconciler) event(sa *boringv1alpha1.SocialAccount, eventType, reason, action, format string, args ...any) {
	r.Recorder.Eventf(sa, nil, eventType, reason, action, format, args...)
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
