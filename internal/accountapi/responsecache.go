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
	"sync/atomic"
	"time"
)

// maxResponses bounds the remembered answers (one per caller and filter).
const maxResponses = 256

// responseCache exists because encoding 1,000 accounts for every poll of a
// dashboard costs far more than the API server's answer: it remembers
// encoded answers of GET /api/accounts per caller and filter, valid while no
// SocialAccount changed (version, bumped by the informer) and until expires.
// Each answer carries the access decisions it rests on, which the handler
// checks again before reusing it. At most maxResponses are held.
type responseCache struct {
	ver atomic.Uint64
	// enabled turns on at the first invalidate: without change notices,
	// nothing may be remembered.
	enabled atomic.Bool

	mu      sync.Mutex
	entries map[string]response
}

type response struct {
	version uint64
	expires time.Time
	// decisions are the access decisions the answer rests on: namespace
	// ("" for all) -> allowed.
	decisions map[string]bool
	body      []byte
}

func newResponseCache() *responseCache {
	return &responseCache{entries: map[string]response{}}
}

func (c *responseCache) version() uint64 { return c.ver.Load() }

func (c *responseCache) invalidate() {
	c.enabled.Store(true)
	c.ver.Add(1)
}

func (c *responseCache) get(key string, version uint64, now time.Time) (response, bool) {
	if !c.enabled.Load() {
		return response{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.version != version || !now.Before(e.expires) {
		return response{}, false
	}
	return e, true
}

func (c *responseCache) put(key string, version uint64, expires time.Time, decisions map[string]bool, body []byte) {
	if !c.enabled.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxResponses {
		clear(c.entries)
	}
	c.entries[key] = response{version: version, expires: expires, decisions: decisions, body: body}
}
