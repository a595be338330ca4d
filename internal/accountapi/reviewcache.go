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

package accountapi

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// reviewCache exists so that a busy caller costs a handful of TokenReviews
// and SubjectAccessReviews, not one per request: it remembers review answers
// for a short TTL, keyed by a hash of the token (never the token). It holds
// at most max entries; when full, expired ones are swept and, if it is
// still full, everything is dropped (answers are cheap to get again).
type reviewCache[V any] struct {
	clock clock.PassiveClock
	ttl   time.Duration
	max   int

	mu      sync.Mutex
	entries map[string]reviewEntry[V]
}

type reviewEntry[V any] struct {
	value   V
	expires time.Time
}

func newReviewCache[V any](clk clock.PassiveClock, ttl time.Duration, maxEntries int) *reviewCache[V] {
	return &reviewCache[V]{clock: clk, ttl: ttl, max: maxEntries, entries: map[string]reviewEntry[V]{}}
}

// get returns the remembered answer for key while it is fresh.
func (c *reviewCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.clock.Now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put remembers an answer for the TTL.
func (c *reviewCache[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[key] = reviewEntry[V]{value: v, expires: now.Add(c.ttl)}
}
