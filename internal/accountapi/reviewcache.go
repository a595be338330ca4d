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
	"time"

	"k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"
)

// reviewCache exists so that a busy caller costs a handful of TokenReviews
// and SubjectAccessReviews, not one per request: it remembers review answers
// with the time they were made, keyed by a hash (never the token). It is
// apimachinery's LRUExpireCache on the Reviewer's clock: an entry goes when
// its keep ends, and when full the least recently used goes first.
type reviewCache[V any] struct {
	clock clock.PassiveClock
	lru   *cache.LRUExpireCache
}

// reviewed is an answer and when the API server gave it.
type reviewed[V any] struct {
	value V
	at    time.Time
}

func newReviewCache[V any](clk clock.PassiveClock, maxEntries int) *reviewCache[V] {
	return &reviewCache[V]{clock: clk, lru: cache.NewLRUExpireCacheWithClock(maxEntries, clk)}
}

// get returns the remembered answer for key, if its keep has not ended.
func (c *reviewCache[V]) get(key string) (reviewed[V], bool) {
	v, ok := c.lru.Get(key)
	if !ok {
		return reviewed[V]{}, false
	}
	return v.(reviewed[V]), true
}

// put remembers an answer given now, for keep.
func (c *reviewCache[V]) put(key string, v V, keep time.Duration) {
	c.lru.Add(key, reviewed[V]{value: v, at: c.clock.Now()}, keep)
}
