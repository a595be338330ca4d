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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// TestReadinessPriority lists every Ready reason in priority order: each row
// adds one more fact that a higher rule outranks, so the row's reason must
// win over everything below it.
func TestReadinessPriority(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	expired := now.Add(-time.Hour)
	later := now.Add(10 * day)
	healthy := readinessFacts{Observed: true, Found: true, AccountID: "a1", Platform: wire.PlatformInstagram,
		AccountName: "me", Valid: true, ExpiresAt: &later, Now: now, SecretName: "s"}
	with := func(mut ...func(*readinessFacts)) readinessFacts {
		f := healthy
		for _, m := range mut {
			m(&f)
		}
		return f
	}
	conflict := func(f *readinessFacts) { f.SecretConflict = true }
	invalid := func(f *readinessFacts) { f.Valid = false }
	expire := func(f *readinessFacts) { f.ExpiresAt = &expired }
	mismatch := func(f *readinessFacts) { f.WantPlatform = boringv1alpha1.PlatformThreads }
	notFound := func(f *readinessFacts) { f.Found = false }
	reconnected := func(f *readinessFacts) { f.ReconnectedAs = "a2" }
	disabled := func(f *readinessFacts) { f.Disabled = true }
	unobserved := func(f *readinessFacts) { f.Observed = false }
	previous := func(f *readinessFacts) {
		f.Previous = &metav1.Condition{Status: metav1.ConditionTrue, Reason: boringv1alpha1.ReasonTokenValid, Message: "before"}
	}
	disconnectFailed := func(f *readinessFacts) { f.DisconnectFailed = errors.New("boom") }

	tests := []struct {
		name   string
		facts  readinessFacts
		status metav1.ConditionStatus
		reason string
	}{
		{"everything fails: the disconnect wins", with(conflict, invalid, expire, mismatch, notFound, disabled, unobserved, previous, disconnectFailed),
			metav1.ConditionFalse, boringv1alpha1.ReasonDisconnectFailed},
		{"not observed, known before: the last verdict stands", with(conflict, invalid, expire, mismatch, notFound, disabled, unobserved, previous),
			metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid},
		{"not observed, never known: pending", with(conflict, invalid, expire, mismatch, notFound, disabled, unobserved),
			metav1.ConditionFalse, boringv1alpha1.ReasonPending},
		{"disabled", with(conflict, invalid, expire, mismatch, notFound, reconnected, disabled), metav1.ConditionFalse, boringv1alpha1.ReasonAccountDisabled},
		{"reconnected under a new ID", with(conflict, invalid, expire, mismatch, notFound, reconnected), metav1.ConditionFalse, boringv1alpha1.ReasonAccountReconnected},
		{"not listed", with(conflict, invalid, expire, mismatch, notFound), metav1.ConditionFalse, boringv1alpha1.ReasonAccountNotFound},
		{"other platform", with(conflict, invalid, expire, mismatch), metav1.ConditionFalse, boringv1alpha1.ReasonPlatformMismatch},
		{"expired", with(conflict, invalid, expire), metav1.ConditionFalse, boringv1alpha1.ReasonTokenExpired},
		{"invalid", with(conflict, invalid), metav1.ConditionFalse, boringv1alpha1.ReasonTokenInvalid},
		{"Secret taken", with(conflict), metav1.ConditionFalse, boringv1alpha1.ReasonSecretConflict},
		{"healthy", with(), metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid},
		{"the platform asked for", with(func(f *readinessFacts) { f.WantPlatform = boringv1alpha1.PlatformInstagram }),
			metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid},
		{"never expires", with(func(f *readinessFacts) { f.ExpiresAt = nil }), metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid},
		{"expiring this very second", with(func(f *readinessFacts) { f.ExpiresAt = &now }), metav1.ConditionFalse, boringv1alpha1.ReasonTokenExpired},
	}
	if len(tests) < len(readinessRules) {
		t.Fatalf("%d rules, but only %d rows", len(readinessRules), len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := readiness(tc.facts)
			if v.Status != tc.status || v.Reason != tc.reason {
				t.Fatalf("got %s/%s (%s), want %s/%s", v.Status, v.Reason, v.Message, tc.status, tc.reason)
			}
			if v.Message == "" {
				t.Error("a verdict needs a message")
			}
		})
	}
}

func TestReadinessMessages(t *testing.T) {
	now := time.Now()
	f := readinessFacts{Observed: true, Wanted: "account gone-1", AccountID: "gone-1", Now: now}
	if v := readiness(f); v.Message == "" || !strings.Contains(v.Message, "gone-1") {
		t.Errorf("AccountNotFound should name the account: %q", v.Message)
	}
	f = readinessFacts{Observed: true, AccountID: "old-1", ReconnectedAs: "new-2", Now: now}
	if v := readiness(f); !strings.Contains(v.Message, "new-2") || !strings.Contains(v.Message, "spec.platformAccountID") {
		t.Errorf("AccountReconnected should name the new ID and the way to follow reconnects: %q", v.Message)
	}
	f = readinessFacts{Observed: true, Found: true, Valid: true, AccountName: "bakery", Platform: wire.PlatformThreads, Now: now}
	if v := readiness(f); v.Message != "Account bakery (threads) is connected and its token is valid" {
		t.Errorf("TokenValid message: %q", v.Message)
	}
}

// TestTransitionEvents: an event comes from a change of reason, never from
// the same reason again, and only for reasons that have one.
func TestTransitionEvents(t *testing.T) {
	valid := verdict{Status: metav1.ConditionTrue, Reason: boringv1alpha1.ReasonTokenValid}
	invalid := verdict{Status: metav1.ConditionFalse, Reason: boringv1alpha1.ReasonTokenInvalid}
	pending := verdict{Status: metav1.ConditionFalse, Reason: boringv1alpha1.ReasonPending}
	cond := func(v verdict) *metav1.Condition { return &metav1.Condition{Status: v.Status, Reason: v.Reason} }
	tests := map[string]struct {
		previous *metav1.Condition
		next     verdict
		want     eventSpec
		ok       bool
	}{
		"first verdict":           {nil, valid, eventSpec{"Normal", boringv1alpha1.EventSynced}, true},
		"same reason again":       {cond(valid), valid, eventSpec{}, false},
		"valid to invalid":        {cond(valid), invalid, eventSpec{"Warning", boringv1alpha1.EventTokenInvalid}, true},
		"to a reason without one": {cond(valid), pending, eventSpec{}, false},
		"back to valid":           {cond(invalid), valid, eventSpec{"Normal", boringv1alpha1.EventSynced}, true},
	}
	for name, tc := range tests {
		got, ok := transition(readinessEvents, tc.previous, tc.next)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: got %v %v, want %v %v", name, got, ok, tc.want, tc.ok)
		}
	}
	for reason, e := range readinessEvents {
		if e.Type != "Normal" && e.Type != "Warning" || e.Reason == "" {
			t.Errorf("%s raises a malformed event %+v", reason, e)
		}
	}
}

func TestSyncOutcome(t *testing.T) {
	apiErr := func(kind error) error { return fmt.Errorf("listing: %w", kind) }
	tests := map[string]struct {
		err    error
		status metav1.ConditionStatus
		reason string
	}{
		"success":             {nil, metav1.ConditionTrue, boringv1alpha1.ReasonSyncSucceeded},
		"paused":              {errPaused, metav1.ConditionFalse, boringv1alpha1.ReasonPaused},
		"paused deletion":     {errPausedDisconnect, metav1.ConditionFalse, boringv1alpha1.ReasonPaused},
		"credentials missing": {&mapping.MissingError{Reason: "no Secret"}, metav1.ConditionFalse, boringv1alpha1.ReasonCredentialsMissing},
		"unauthorized":        {apiErr(boring.ErrUnauthorized), metav1.ConditionFalse, boringv1alpha1.ReasonUnauthorized},
		"rate limited":        {apiErr(boring.ErrRateLimited), metav1.ConditionFalse, boringv1alpha1.ReasonRateLimited},
		"disabled":            {apiErr(boring.ErrAccountDisabled), metav1.ConditionFalse, boringv1alpha1.ReasonAccountDisabled},
		"anything else":       {errors.New("connection refused"), metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable},
	}
	for name, tc := range tests {
		v := syncOutcome(tc.err)
		if v.Status != tc.status || v.Reason != tc.reason || v.Message == "" {
			t.Errorf("%s: got %+v, want %s/%s", name, v, tc.status, tc.reason)
		}
	}
	if v := syncOutcome(errPausedDisconnect); !strings.Contains(v.Message, "not disconnected") {
		t.Errorf("a paused deletion should say the account is not disconnected: %q", v.Message)
	}
}
