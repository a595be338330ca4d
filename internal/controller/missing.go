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
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// relistEvery bounds the extra lists asked for an account missing from a
// shared list: at most one per credential this often, however many
// SocialAccounts wait for new accounts under it.
const relistEvery = 10 * time.Second

// missingRetries is how long to wait before looking again for an account
// Boring does not list, by the number of misses so far; the last repeats.
var missingRetries = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}

// missingAccounts remembers the SocialAccounts whose account Boring did not
// list, to look again soon and then less often, and when each credential was
// last listed afresh for them.
type missingAccounts struct {
	mu     sync.Mutex
	misses map[types.NamespacedName]miss
	relist map[types.NamespacedName]time.Time
}

type miss struct {
	count int
	at    time.Time
}

func newMissingAccounts() *missingAccounts {
	return &missingAccounts{misses: map[types.NamespacedName]miss{}, relist: map[types.NamespacedName]time.Time{}}
}

// changedSince is when the SocialAccount last changed in a way a list from
// before cannot answer: its creation, a spec change not synced yet (now), or
// the last time its account was missing.
func (m *missingAccounts) changedSince(s *syncScope) time.Time {
	since := s.sa.CreationTimestamp.Time
	if s.sa.Generation != s.sa.Status.ObservedGeneration {
		since = s.now
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.misses[types.NamespacedName{Namespace: s.sa.Namespace, Name: s.sa.Name}]; ok && last.at.After(since) {
		since = last.at
	}
	return since
}

// mayRelist reports whether the credential may be listed afresh now, and if
// so counts it.
func (m *missingAccounts) mayRelist(secret types.NamespacedName, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.relist[secret]; ok && now.Sub(last) < relistEvery {
		return false
	}
	m.relist[secret] = now
	return true
}

// record notes whether the SocialAccount's account was found at now.
func (m *missingAccounts) record(key types.NamespacedName, found bool, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if found {
		delete(m.misses, key)
		return
	}
	last := m.misses[key]
	m.misses[key] = miss{count: last.count + 1, at: now}
}

// retryAfter is the wait before looking again for a missing account.
func (m *missingAccounts) retryAfter(key types.NamespacedName) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.misses[key].count
	return missingRetries[min(max(n, 1), len(missingRetries))-1]
}

// forget drops what is remembered of a SocialAccount that is gone.
func (m *missingAccounts) forget(key types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.misses, key)
}
