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
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// readinessFacts is everything a reconcile learnt that bears on the Ready
// condition. The reconciler gathers them; readiness alone decides.
type readinessFacts struct {
	// Previous is the Ready condition before this reconcile (nil: never set).
	Previous *metav1.Condition
	// DisconnectFailed is why the disconnect on deletion failed, if it did.
	DisconnectFailed error
	// Observed is true when Boring answered for this account in this
	// reconcile; the facts below mean something only then.
	Observed bool
	// Disabled: Boring answered that the account is disabled.
	Disabled bool
	// Wanted says what was looked up ("account abc", "instagram account
	// 1784..."); Found whether Boring lists it; AccountID the account_id
	// found (or looked up).
	Wanted    string
	Found     bool
	AccountID string
	// ReconnectedAs is the account_id the same platform account is now
	// connected as, when the account_id looked up is gone.
	ReconnectedAs string
	// WantPlatform is spec.platform ("" accepts any); Platform what Boring says.
	WantPlatform boringv1alpha1.Platform
	Platform     wire.Platform
	AccountName  string
	Valid        bool
	ExpiresAt    *time.Time
	Now          time.Time
	// SecretConflict: a Secret of SecretName exists that this SocialAccount
	// does not own.
	SecretConflict bool
	SecretName     string
}

// verdict is the Ready condition a rule decides.
type verdict struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

// readinessRule returns a verdict when it applies to the facts.
type readinessRule func(f *readinessFacts) (verdict, bool)

// readinessRules in order of priority: the first rule that applies names
// the reason. A failing disconnect outranks everything (the object is going
// away); without a fresh observation the last verdict stands; then what
// Boring said, from "no such account" down to "valid".
var readinessRules = []readinessRule{
	ruleDisconnectFailed,
	ruleNotObserved,
	ruleAccountDisabled,
	ruleAccountReconnected,
	ruleAccountNotFound,
	rulePlatformMismatch,
	ruleTokenExpired,
	ruleTokenInvalid,
	ruleSecretConflict,
	ruleTokenValid,
}

// readiness decides the Ready condition from the facts.
func readiness(f readinessFacts) verdict {
	for _, rule := range readinessRules {
		if v, ok := rule(&f); ok {
			return v
		}
	}
	// ruleTokenValid always applies; this is unreachable.
	panic("no readiness rule applied")
}

func notReady(reason, format string, args ...any) (verdict, bool) {
	return verdict{Status: metav1.ConditionFalse, Reason: reason, Message: fmt.Sprintf(format, args...)}, true
}

func ruleDisconnectFailed(f *readinessFacts) (verdict, bool) {
	if f.DisconnectFailed == nil {
		return verdict{}, false
	}
	var blocked *errDisconnectBlocked
	if errors.As(f.DisconnectFailed, &blocked) {
		return notReady(boringv1alpha1.ReasonDisconnectBlocked,
			"Not disconnecting the account in Boring until it is known whether another SocialAccount keeps it, retrying: %v", blocked.err)
	}
	return notReady(boringv1alpha1.ReasonDisconnectFailed, "Failed to disconnect the account in Boring, retrying: %v", f.DisconnectFailed)
}

func ruleNotObserved(f *readinessFacts) (verdict, bool) {
	switch {
	case f.Observed:
		return verdict{}, false
	case f.Previous != nil:
		return verdict{Status: f.Previous.Status, Reason: f.Previous.Reason, Message: f.Previous.Message}, true
	}
	return notReady(boringv1alpha1.ReasonPending, "Not synced with Boring yet; see the Synced condition")
}

func ruleAccountDisabled(f *readinessFacts) (verdict, bool) {
	if !f.Disabled {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonAccountDisabled, "Boring reports the %s disabled; reconnect it in Boring", f.Wanted)
}

func ruleAccountReconnected(f *readinessFacts) (verdict, bool) {
	if f.Found || f.ReconnectedAs == "" {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonAccountReconnected,
		"Account %s was reconnected in Boring as %s: set spec.accountID to %s, or map the account by spec.platformAccountID to follow reconnects",
		f.AccountID, f.ReconnectedAs, f.ReconnectedAs)
}

func ruleAccountNotFound(f *readinessFacts) (verdict, bool) {
	if f.Found {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonAccountNotFound,
		"Boring lists no %s under this session (disconnected, or another user's); connect it in Boring", f.Wanted)
}

func rulePlatformMismatch(f *readinessFacts) (verdict, bool) {
	if f.WantPlatform == "" || f.WantPlatform == mapping.Platform(f.Platform) {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonPlatformMismatch,
		"spec.platform is %s but Boring says account %s is on %s", f.WantPlatform, f.AccountID, f.Platform)
}

func ruleTokenExpired(f *readinessFacts) (verdict, bool) {
	if !wire.Expired(f.Now, f.ExpiresAt) {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonTokenExpired, "Token expired at %s; reconnect the account in Boring", f.ExpiresAt.UTC().Format(time.RFC3339))
}

func ruleTokenInvalid(f *readinessFacts) (verdict, bool) {
	if f.Valid {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonTokenInvalid,
		"Boring reports the token invalid (permissions revoked or password changed); reconnect the account in Boring")
}

func ruleSecretConflict(f *readinessFacts) (verdict, bool) {
	if !f.SecretConflict {
		return verdict{}, false
	}
	return notReady(boringv1alpha1.ReasonSecretConflict,
		"Secret %s exists and is not owned by this SocialAccount; rename it or set spec.secretName", f.SecretName)
}

func ruleTokenValid(f *readinessFacts) (verdict, bool) {
	return verdict{Status: metav1.ConditionTrue, Reason: boringv1alpha1.ReasonTokenValid,
		Message: fmt.Sprintf("Account %s (%s) is connected and its token is valid", f.AccountName, f.Platform)}, true
}

// eventSpec is an event to raise.
type eventSpec struct {
	Type, Reason string
}

// readinessEvents is the event raised when Ready changes to a reason; a
// reason without an entry raises none.
var readinessEvents = map[string]eventSpec{
	boringv1alpha1.ReasonTokenValid:         {corev1.EventTypeNormal, boringv1alpha1.EventSynced},
	boringv1alpha1.ReasonTokenInvalid:       {corev1.EventTypeWarning, boringv1alpha1.EventTokenInvalid},
	boringv1alpha1.ReasonTokenExpired:       {corev1.EventTypeWarning, boringv1alpha1.EventTokenExpired},
	boringv1alpha1.ReasonAccountNotFound:    {corev1.EventTypeWarning, boringv1alpha1.EventAccountNotFound},
	boringv1alpha1.ReasonAccountReconnected: {corev1.EventTypeWarning, boringv1alpha1.EventAccountReconnected},
	boringv1alpha1.ReasonAccountDisabled:    {corev1.EventTypeWarning, boringv1alpha1.EventAccountDisabled},
	boringv1alpha1.ReasonPlatformMismatch:   {corev1.EventTypeWarning, boringv1alpha1.EventPlatformMismatch},
	boringv1alpha1.ReasonSecretConflict:     {corev1.EventTypeWarning, boringv1alpha1.EventSecretConflict},
	boringv1alpha1.ReasonDisconnectFailed:   {corev1.EventTypeWarning, boringv1alpha1.EventDisconnectFailed},
	boringv1alpha1.ReasonDisconnectBlocked:  {corev1.EventTypeWarning, boringv1alpha1.EventDisconnectBlocked},
}

// syncEvents is the event raised when Synced changes to a reason. An
// outage raises none: it is transient, and the condition says it.
var syncEvents = map[string]eventSpec{
	boringv1alpha1.ReasonUnauthorized: {corev1.EventTypeWarning, boringv1alpha1.EventUnauthorized},
}

var (
	// errPaused stops a sync: the paused annotation forbids calls to Boring.
	errPaused = errors.New("paused by the " + boringv1alpha1.PausedAnnotation + " annotation")
	// errPausedDisconnect is errPaused holding up a deletion.
	errPausedDisconnect = fmt.Errorf("%w: not disconnecting", errPaused)
)

// syncOutcome is the Synced condition after a sync that ended with err.
func syncOutcome(err error) verdict {
	failed := func(reason, msg string) verdict {
		return verdict{Status: metav1.ConditionFalse, Reason: reason, Message: msg}
	}
	switch {
	case err == nil:
		return verdict{Status: metav1.ConditionTrue, Reason: boringv1alpha1.ReasonSyncSucceeded, Message: "Synced with Boring"}
	case errors.Is(err, errPausedDisconnect):
		return failed(boringv1alpha1.ReasonPaused, "Paused: the account is not disconnected until the "+boringv1alpha1.PausedAnnotation+" annotation is removed")
	case errors.Is(err, errPaused):
		return failed(boringv1alpha1.ReasonPaused, "Paused by the "+boringv1alpha1.PausedAnnotation+" annotation; no calls to Boring")
	case errors.As(err, new(*errDisconnectBlocked)):
		return failed(boringv1alpha1.ReasonDisconnectBlocked, "Cannot tell whether another SocialAccount keeps the account: "+err.Error())
	case mapping.IsMissing(err):
		return failed(boringv1alpha1.ReasonCredentialsMissing, err.Error())
	case errors.Is(err, boring.ErrUnauthorized):
		return failed(boringv1alpha1.ReasonUnauthorized, err.Error())
	case errors.Is(err, boring.ErrRateLimited):
		return failed(boringv1alpha1.ReasonRateLimited, "Boring asked to slow down: "+err.Error())
	case errors.Is(err, boring.ErrAccountDisabled):
		return failed(boringv1alpha1.ReasonAccountDisabled, "Boring answered that the account is disabled: "+err.Error())
	}
	return failed(boringv1alpha1.ReasonBackendUnavailable, "Boring is unavailable: "+err.Error())
}

// transition is the event to raise when a condition's reason changes from
// previous (nil: never set) to next; ok is false when nothing changed or the
// new reason raises no event.
func transition(events map[string]eventSpec, previous *metav1.Condition, next verdict) (eventSpec, bool) {
	if previous != nil && previous.Reason == next.Reason {
		return eventSpec{}, false
	}
	e, ok := events[next.Reason]
	return e, ok
}
