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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring"
)

// canned answers every request with one status and body, without a network,
// so decoding can be fuzzed and benchmarked alone.
type canned struct {
	status int
	header http.Header
	body   []byte
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	h := c.header
	if h == nil {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	return &http.Response{
		StatusCode: c.status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)),
	}, nil
}

func cannedClient(tb testing.TB, rt http.RoundTripper) *boring.Client {
	tb.Helper()
	c, err := boring.NewClient("https://boring.invalid", boring.Options{
		HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1, MaxBodyBytes: 1 << 20,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// FuzzDecodeResponses feeds arbitrary answers to every call: the client must
// never panic, and every failure must be one of the typed kinds.
func FuzzDecodeResponses(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"accounts":[{"account_id":"a","social_channel_type":"facebook","is_valid":true,"expires_at":null,` +
			`"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","page_name":"P","page_id":"1",` +
			`"data_access_expires_at":"2026-03-01T00:00:00Z"}]}`},
		{200, `{"accounts":[{"account_id":"b","social_channel_type":"instagram","expires_at":"2026-02-01T00:00:00+02:00"}]}`},
		{200, `{"success":true,"data":{"is_valid":true,"expires_at":"2026-02-01T00:00:00Z","days_until_expiry":45,"platform":"threads","account_name":"x"}}`},
		{200, `{"success":true,"message":"Account disconnected successfully"}`},
		{200, `{"success":false,"error":"AccountNotFound","message":"Account not found or does not belong to this user"}`},
		{401, `{"success":false,"error":"Unauthorized","message":"Authentication required"}`},
		{429, `{"success":false,"error":"RateLimitExceeded","retry_after":12.5}`},
		{400, `{"success":false,"error":"InvalidAccountId"}`},
		{502, `<html>bad gateway</html>`},
		{200, `{"accounts":[{"account_id":`},
		{200, `{"accounts":[{"expires_at":"not a time"}]}`},
		{200, `null`},
		{200, ``},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	known := []error{boring.ErrUnauthorized, boring.ErrAccountNotFound, boring.ErrAccountDisabled,
		boring.ErrRateLimited, boring.ErrUnavailable, boring.ErrResponseTooLarge, boring.ErrBadRequest}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		c := cannedClient(t, &canned{status: status, body: body})
		ctx := context.Background()
		_, e1 := c.ListAccounts(ctx, session)
		_, e2 := c.TokenInfo(ctx, session, "a")
		e3 := c.Disconnect(ctx, session, "a")
		for _, err := range []error{e1, e2, e3} {
			if err == nil {
				continue
			}
			var apiErr *boring.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			matched := 0
			for _, k := range known {
				if errors.Is(err, k) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("error matches %d kinds, want 1: %v", matched, err)
			}
		}
		if status >= 300 && (e1 == nil || e3 == nil) {
			t.Fatalf("status %d accepted as success", status)
		}
	})
}

func listBody(n int) []byte {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	accounts := make([]boring.Account, n)
	for i := range accounts {
		a := boring.Account{AccountID: fmt.Sprintf("acct-%06d-4a7b-8c9d-0e1f2a3b4c5d", i), IsValid: true,
			CreatedAt: exp.Add(-90 * 24 * time.Hour), UpdatedAt: exp.Add(-24 * time.Hour)}
		switch i % 3 {
		case 0:
			a.Platform, a.PageName, a.PageID = boring.PlatformFacebook, "Page", "123456789"
			a.DataAccessExpiresAt = &exp
		case 1:
			a.Platform, a.IGUsername, a.IGAccountID, a.AccountType = boring.PlatformInstagram, "user", "17841400000", "BUSINESS"
			a.ExpiresAt = &exp
		default:
			a.Platform, a.ThreadsUsername, a.ThreadsID = boring.PlatformThreads, "user", "99887766"
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
	cache := boring.NewCache(cannedClient(b, rt), boring.CacheOptions{})
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
