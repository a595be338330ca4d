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

package boring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

func listBody(n int) []byte {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	accounts := make([]wire.Account, n)
	for i := range accounts {
		a := wire.Account{AccountID: fmt.Sprintf("acct-%06d-4a7b-8c9d-0e1f2a3b4c5d", i), IsValid: true,
			CreatedAt: exp.Add(-90 * 24 * time.Hour), UpdatedAt: exp.Add(-24 * time.Hour)}
		switch i % 3 {
		case 0:
			a.Platform, a.PageName, a.PageID = wire.PlatformFacebook, "Page", "123456789"
			a.DataAccessExpiresAt = &exp
		case 1:
			a.Platform, a.IGUsername, a.IGAccountID, a.AccountType = wire.PlatformInstagram, "user", "17841400000", "BUSINESS"
			a.ExpiresAt = &exp
		default:
			a.Platform, a.ThreadsUsername, a.ThreadsID = wire.PlatformThreads, "user", "99887766"
			a.ThreadsProfilePicture = "https://cdn.example.com/p.jpg"
			a.ExpiresAt = &exp
		}
		accounts[i] = a
	}
	body, _ := json.Marshal(map[string]any{"accounts": accounts})
	return body
}

// BenchmarkListAccountsDecode10k measures decoding a 10,000-account list.
func BenchmarkListAccountsDecode10k(b *testing.B) {
	body := listBody(10_000)
	c, err := boring.NewClient("https://boring.invalid", boring.Options{
		HTTPClient: &http.Client{Transport: &canned{status: 200, body: body}}, MaxAttempts: 1,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		list, err := c.ListAccounts(ctx, session)
		if err != nil || len(list) != 10_000 {
			b.Fatalf("got %d accounts, %v", len(list), err)
		}
	}
}

// BenchmarkCacheHitParallel measures a shared-cache lookup that hits.
func BenchmarkCacheHitParallel(b *testing.B) {
	rt := &countingCanned{canned: canned{status: 200, body: listBody(1000)}}
	cache := boring.NewCache(cannedClient(b, rt), nil, 0)
	ctx := context.Background()
	if _, err := cache.Accounts(ctx, session, time.Hour, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			snap, err := cache.Accounts(ctx, session, time.Hour, false)
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := snap.Lookup("acct-000500-4a7b-8c9d-0e1f2a3b4c5d"); !ok {
				b.Fatal("lookup missed")
			}
		}
	})
	if n := rt.count(); n != 1 {
		b.Fatalf("cache hits made %d upstream requests", n)
	}
}

type countingCanned struct {
	canned
	mu sync.Mutex
	n  int
}

func (c *countingCanned) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.canned.RoundTrip(req)
}

func (c *countingCanned) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
