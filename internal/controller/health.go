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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// credentialsHealth is what Boring last said of each credentials Secret's
// session: the operator's most likely failure (a dashboard session that
// expired or was signed out) made visible per Secret, as gauges, and as one
// event on the Secret per transition.
type credentialsHealth struct {
	mu    sync.Mutex
	state map[types.NamespacedName]*sessionHealth
}

type sessionHealth struct {
	// authorized is false once Boring answered Unauthorized to the session,
	// true again after an answer that was not.
	authorized bool
	// lastSuccess is when Boring last listed the accounts of the session.
	lastSuccess time.Time
}

func newCredentialsHealth() *credentialsHealth {
	return &credentialsHealth{state: map[types.NamespacedName]*sessionHealth{}}
}

// observe records how Boring answered a list under the Secret's session at
// now, and reports whether that turned the session unauthorized (turned < 0)
// or authorized again after being unauthorized (turned > 0). Answers that
// say nothing about the session (an outage) change nothing.
func (h *credentialsHealth) observe(secret types.NamespacedName, err error, now time.Time) (turned int) {
	unauthorized := errors.Is(err, boring.ErrUnauthorized)
	if err != nil && !unauthorized {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st, known := h.state[secret]
	if !known {
		st = &sessionHealth{authorized: true}
		h.state[secret] = st
	}
	switch {
	case unauthorized && st.authorized:
		st.authorized = false
		return -1
	case !unauthorized:
		st.lastSuccess = now
		if !st.authorized {
			st.authorized = true
			return 1
		}
	}
	return 0
}

// snapshot is the state of the Secrets in use (others are forgotten, so a
// Secret no SocialAccount uses any more leaves no series behind).
func (h *credentialsHealth) snapshot(inUse map[types.NamespacedName]bool) map[types.NamespacedName]sessionHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[types.NamespacedName]sessionHealth, len(h.state))
	for k, st := range h.state {
		if !inUse[k] {
			delete(h.state, k)
			continue
		}
		out[k] = *st
	}
	return out
}

// errSessionRefused is Boring's Unauthorized for the session of a Secret.
type errSessionRefused struct {
	secret types.NamespacedName
	err    error
}

func (e *errSessionRefused) Error() string {
	return fmt.Sprintf("Boring refused the session in credentials Secret %s (expired or signed out): "+
		"copy a fresh session from Boring's dashboard and run: kubectl boring session set %s", e.secret, e.secret)
}

func (e *errSessionRefused) Unwrap() error { return e.err }

// recordSessionHealth records Boring's answer for the scope's credentials and
// raises the Secret's event when the session turned.
func (r *SocialAccountReconciler) recordSessionHealth(ctx context.Context, s *syncScope, err error) error {
	secret := s.credentials.Secret
	turned := r.health.observe(secret, err, s.now)
	if errors.Is(err, boring.ErrUnauthorized) {
		err = &errSessionRefused{secret: secret, err: err}
	}
	if turned == 0 {
		return err
	}
	ref := secretMeta()
	if gerr := r.Credentials.Get(ctx, secret, ref); gerr != nil {
		logf.FromContext(ctx).Error(gerr, "Failed to read credentials Secret for its event", "secret", secret)
		return err
	}
	var users boringv1alpha1.SocialAccountList
	n := 0
	if lerr := r.List(ctx, &users, client.MatchingFields{index.Credentials: secret.String()}, client.UnsafeDisableDeepCopy); lerr == nil {
		n = len(users.Items)
	}
	if turned < 0 {
		r.Recorder.Eventf(ref, nil, corev1.EventTypeWarning, boringv1alpha1.EventSessionUnauthorized, "Sync",
			"Boring refused this session (expired or signed out); %d SocialAccounts depend on it and are no longer synced. "+
				"Renew it: copy a fresh session from Boring's dashboard and run kubectl boring session set %s", n, secret)
	} else {
		r.Recorder.Eventf(ref, nil, corev1.EventTypeNormal, boringv1alpha1.EventSessionAuthorized, "Sync",
			"Boring accepts this session again; its %d SocialAccounts sync again", n)
	}
	return err
}

// inUse is the set of credentials Secrets that SocialAccounts use.
func credentialsInUse(defaults mapping.Defaults, items []boringv1alpha1.SocialAccount) map[types.NamespacedName]bool {
	out := map[types.NamespacedName]bool{}
	for i := range items {
		if creds, err := defaults.CredentialsOf(&items[i]); err == nil {
			out[creds.Secret] = true
		}
	}
	return out
}
