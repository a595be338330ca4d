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
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/aiagent-me/boring-operator/internal/boring"
)

// secretVersions exists because the manager caches only Secrets' metadata,
// never their data: it remembers, per Secret, the resourceVersion last read
// or written and what it held (the session values of a credentials Secret,
// or the digest of an account-ID Secret verified at that version), so steady
// state reads no Secret from the API server and a changed resourceVersion is
// what triggers a fresh read.
type secretVersions struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]secretVersion
}

type secretVersion struct {
	resourceVersion string
	sessions        map[string]boring.Session
	// desired is a digest of the account-ID Secret's desired content.
	desired string
}

func newSecretVersions() *secretVersions {
	return &secretVersions{entries: map[types.NamespacedName]secretVersion{}}
}

// session is the value of dataKey read at resourceVersion rv, if remembered.
func (s *secretVersions) session(key types.NamespacedName, rv, dataKey string) (boring.Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok || e.resourceVersion != rv {
		return "", false
	}
	v, ok := e.sessions[dataKey]
	return v, ok && v != ""
}

func (s *secretVersions) rememberSession(key types.NamespacedName, rv, dataKey string, v boring.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e.resourceVersion != rv || e.sessions == nil {
		e = secretVersion{resourceVersion: rv, sessions: map[string]boring.Session{}}
	}
	e.sessions[dataKey] = v
	s.entries[key] = e
}

// verified reports whether the Secret was last seen holding desired at rv.
func (s *secretVersions) verified(key types.NamespacedName, rv, desired string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return ok && e.resourceVersion == rv && e.desired == desired
}

func (s *secretVersions) rememberVerified(key types.NamespacedName, rv, desired string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = secretVersion{resourceVersion: rv, desired: desired}
}

func (s *secretVersions) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
}
