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
	"k8s.io/utils/clock"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Upstream is what the Cache needs from Boring; *Client implements it.
type Upstream interface {
	ListAccounts(ctx context.Context, session Session) ([]wire.Account, error)
	Disconnect(ctx context.Context, session Session, accountID string) error
}

// Snapshot is one answer of GET /api/accounts for one credential.
type Snapshot struct {
	// Accounts by account ID.
	Accounts map[string]*wire.Account
	// FetchedAt is when the answer arrived (by the cache's clock).
	FetchedAt time.Time

	byPlatformID map[platformKey][]*wire.Account
}

type platformKey struct {
	platform wire.Platform
	id       string
}

// NewSnapshot indexes a list of accounts fetched at t.
func NewSnapshot(list []wire.Account, t time.Time) *Snapshot {
	s := &Snapshot{Accounts: make(map[string]*wire.Account, len(list)), FetchedAt: t,
		byPlatformID: make(map[platformKey][]*wire.Account, len(list))}
	for i := range list {
		a := &list[i]
		s.Accounts[a.AccountID] = a
		if pid := a.PlatformAccountID(); pid != "" {
			k := platformKey{a.Platform, pid}
			s.byPlatformID[k] = append(s.byPlatformID[k], a)
		}
	}
	return s
}

// Lookup returns the account with the given ID, if Boring listed it.
func (s *Snapshot) Lookup(accountID string) (*wire.Account, bool) {
	a, ok := s.Accounts[accountID]
	return a, ok
}

// ByPlatformID returns the accounts of the platform with that platform ID
// (page_id, ig_account_id or threads_id): more than one when the same
// account was connected twice.
func (s *Snapshot) ByPlatformID(p wire.Platform, id string) []*wire.Account {
	return s.byPlatformID[platformKey{p, id}]
}

// Cache exists so that upstream calls scale with credentials, not with
// SocialAccounts: it shares account lists between callers, keyed by
// credential. Any number of concurrent lookups under one session cost one
// GET /api/accounts (single-flight), and the answer is reused while it is
// younger than the age each caller accepts. Failures are remembered for
// ErrorTTL (or a rate limit's Retry-After) so that the many callers of a
// failing credential do not each call Boring. Entries nobody asked for in a
// day are dropped, so a rotated session's list does not stay in memory.
type Cache struct {
	upstream Upstream
	clock    clock.PassiveClock
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

// idleEntry is how long an entry nobody asks for is kept.
const idleEntry = 24 * time.Hour

// NewCache returns a Cache over upstream. errorTTL is how long a failure is
// reused (5s when zero).
func NewCache(upstream Upstream, clk clock.PassiveClock, errorTTL time.Duration) *Cache {
	if clk == nil {
		clk = clock.RealClock{}
	}
	if errorTTL <= 0 {
		errorTTL = 5 * time.Second
	}
	return &Cache{upstream: upstream, clock: clk, errorTTL: errorTTL, entries: map[string]*cacheEntry{}}
}

// Accounts returns the accounts under session, from memory when the last
// answer is younger than maxAge, otherwise from one shared call to Boring.
// force skips the memory (a forced sync) and refreshes it for everyone.
func (c *Cache) Accounts(ctx context.Context, session Session, maxAge time.Duration, force bool) (*Snapshot, error) {
	key := session.Fingerprint()
	if !force {
		if snap, err, ok := c.remembered(key, maxAge); ok {
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

// remembered answers from memory: a fresh enough list, or a recent failure.
func (c *Cache) remembered(key string, maxAge time.Duration) (*Snapshot, error, bool) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		return nil, nil, false
	}
	e.used = now
	switch {
	case e.err != nil && now.Before(e.errUntil):
		return nil, e.err, true
	case e.snap != nil && now.Sub(e.snap.FetchedAt) < maxAge:
		return e.snap, nil, true
	}
	return nil, nil, false
}

func (c *Cache) fetch(ctx context.Context, key string, session Session) (*Snapshot, error) {
	list, err := c.upstream.ListAccounts(ctx, session)
	now := c.clock.Now()
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
	snap := NewSnapshot(list, now)
	e.snap, e.err = snap, nil
	return snap, nil
}

// Disconnect soft-deletes the account in Boring and forgets the session's
// list, so the next lookup no longer sees the account.
func (c *Cache) Disconnect(ctx context.Context, session Session, accountID string) error {
	err := c.upstream.Disconnect(ctx, session, accountID)
	c.mu.Lock()
	delete(c.entries, session.Fingerprint())
	c.mu.Unlock()
	return err
}
