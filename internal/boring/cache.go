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

package boring

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Snapshot is one answer of GET /api/accounts for one credential.
type Snapshot struct {
	// Accounts by account ID.
	Accounts map[string]*Account
	// FetchedAt is when the answer arrived (by the cache's clock).
	FetchedAt time.Time
}

// Lookup returns the account with the given ID, if Boring listed it.
func (s *Snapshot) Lookup(accountID string) (*Account, bool) {
	a, ok := s.Accounts[accountID]
	return a, ok
}

// Cache shares account lists between callers, keyed by credential: any
// number of concurrent lookups under one session cost one GET /api/accounts
// (single-flight), and the answer is reused while it is younger than the age
// each caller accepts. Failures are remembered for ErrorTTL so that many
// callers of a failing credential do not each call Boring.
type Cache struct {
	client Interface
	now    func() time.Time
	// ErrorTTL is how long a failed lookup is answered from memory (5s). A
	// rate limit is remembered until its Retry-After.
	errorTTL time.Duration

	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	snap     *Snapshot
	err      error
	errUntil time.Time
	used     time.Time
}

// idleEntry is how long an entry nobody asks for is kept: a rotated
// session's list should not stay in memory forever.
const idleEntry = 24 * time.Hour

// CacheOptions tune a Cache.
type CacheOptions struct {
	// Now is the clock (time.Now).
	Now func() time.Time
	// ErrorTTL is how long a failure is reused (5s).
	ErrorTTL time.Duration
}

// NewCache returns a Cache over client.
func NewCache(client Interface, opts CacheOptions) *Cache {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ErrorTTL <= 0 {
		opts.ErrorTTL = 5 * time.Second
	}
	return &Cache{client: client, now: opts.Now, errorTTL: opts.ErrorTTL, entries: map[string]*cacheEntry{}}
}

// Client returns the client behind the cache.
func (c *Cache) Client() Interface { return c.client }

// Accounts returns the accounts under session, from memory when the last
// answer is younger than maxAge, otherwise from one shared call to Boring.
// force skips the memory (a forced sync) and refreshes it for everyone.
func (c *Cache) Accounts(ctx context.Context, session Session, maxAge time.Duration, force bool) (*Snapshot, error) {
	key := session.Fingerprint()
	if !force {
		now := c.now()
		c.mu.Lock()
		e := c.entries[key]
		var snap *Snapshot
		var err error
		if e != nil {
			e.used = now
			if e.err != nil && now.Before(e.errUntil) {
				err = e.err
			} else if e.snap != nil && now.Sub(e.snap.FetchedAt) < maxAge {
				snap = e.snap
			}
		}
		c.mu.Unlock()
		if err != nil || snap != nil {
			return snap, err
		}
	}
	flightKey := key
	if force {
		flightKey = "force/" + key
	}
	// The shared call must not die with the caller that happened to start it.
	ch := c.group.DoChan(flightKey, func() (any, error) {
		return c.fetch(context.WithoutCancel(ctx), key, session)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Snapshot), nil
	}
}

func (c *Cache) fetch(ctx context.Context, key string, session Session) (*Snapshot, error) {
	list, err := c.client.ListAccounts(ctx, session)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, old := range c.entries {
		if now.Sub(old.used) > idleEntry {
			delete(c.entries, k)
		}
	}
	e := c.entries[key]
	if e == nil {
		e = &cacheEntry{}
		c.entries[key] = e
	}
	e.used = now
	if err != nil {
		ttl := c.errorTTL
		if ra, ok := RetryAfter(err); ok && ra > ttl {
			ttl = ra
		}
		e.err, e.errUntil = err, now.Add(ttl)
		return nil, err
	}
	snap := &Snapshot{Accounts: make(map[string]*Account, len(list)), FetchedAt: now}
	for i := range list {
		snap.Accounts[list[i].AccountID] = &list[i]
	}
	e.snap, e.err = snap, nil
	return snap, nil
}

// Invalidate forgets what is remembered for session, so the next lookup
// calls Boring (after a disconnect, or when the credential changes).
func (c *Cache) Invalidate(session Session) {
	c.mu.Lock()
	delete(c.entries, session.Fingerprint())
	c.mu.Unlock()
}
