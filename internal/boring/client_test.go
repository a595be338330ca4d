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
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

const (
	session = boring.Session("s3cr3t-session-value")
	user    = "alice"
)

var (
	fbID = "fb-0001"
	igID = "ig-0001"
	thID = "th-0001"
)

func newBackend(t testing.TB) *boringtest.Server {
	t.Helper()
	srv := boringtest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddSession(string(session), user)
	srv.AddSession("bob-session", "bob")
	exp := time.Now().Add(45*24*time.Hour + time.Hour).UTC().Truncate(time.Second)
	data := time.Now().Add(80 * 24 * time.Hour).UTC().Truncate(time.Second)
	srv.AddAccount(user, boringtest.Account{ID: fbID, Platform: "facebook", Valid: true,
		Name: "My Page", PlatformID: "1234", DataAccessExpiresAt: &data})
	srv.AddAccount(user, boringtest.Account{ID: igID, Platform: "instagram", Valid: true,
		ExpiresAt: &exp, Name: "myig", PlatformID: "1784", AccountType: "BUSINESS"})
	srv.AddAccount(user, boringtest.Account{ID: thID, Platform: "threads", Valid: true,
		ExpiresAt: &exp, Name: "myth", PlatformID: "99", ProfilePicture: "https://example.com/p.png"})
	srv.AddAccount("bob", boringtest.Account{ID: "bob-1", Platform: "facebook", Valid: true, Name: "Bob"})
	return srv
}

func newClient(t testing.TB, url string, mutate ...func(*boring.Options)) *boring.Client {
	t.Helper()
	opts := boring.Options{Timeout: 2 * time.Second, BaseBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	for _, m := range mutate {
		m(&opts)
	}
	c, err := boring.NewClient(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListAccountsDecodesEveryPlatform(t *testing.T) {
	srv := newBackend(t)
	c := newClient(t, srv.URL())
	list, err := c.ListAccounts(context.Background(), session)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("want 3 accounts of alice, got %d", len(list))
	}
	byID := map[string]wire.Account{}
	for _, a := range list {
		byID[a.AccountID] = a
	}
	fb, ig, th := byID[fbID], byID[igID], byID[thID]
	if fb.Platform != wire.PlatformFacebook || fb.Name() != "My Page" || fb.PageID != "1234" || fb.ExpiresAt != nil || fb.DataAccessExpiresAt == nil {
		t.Errorf("facebook account decoded wrong: %+v", fb)
	}
	if ig.Platform != wire.PlatformInstagram || ig.Name() != "myig" || ig.IGAccountID != "1784" || ig.AccountType != "BUSINESS" || ig.ExpiresAt == nil {
		t.Errorf("instagram account decoded wrong: %+v", ig)
	}
	if th.Platform != wire.PlatformThreads || th.Name() != "myth" || th.ThreadsID != "99" || th.ThreadsProfilePicture == "" {
		t.Errorf("threads account decoded wrong: %+v", th)
	}
	if fb.CreatedAt.IsZero() || fb.UpdatedAt.IsZero() {
		t.Errorf("timestamps not decoded: %+v", fb)
	}
}

func TestTokenInfoAndDisconnect(t *testing.T) {
	srv := newBackend(t)
	c := newClient(t, srv.URL())
	ctx := context.Background()

	info, err := c.TokenInfo(ctx, session, igID)
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsValid || info.Platform != wire.PlatformInstagram || info.AccountName != "myig" || info.DaysUntilExpiry == nil || *info.DaysUntilExpiry != 45 {
		t.Errorf("token info wrong: %+v", info)
	}
	fbInfo, err := c.TokenInfo(ctx, session, fbID)
	if err != nil {
		t.Fatal(err)
	}
	if fbInfo.ExpiresAt != nil || fbInfo.DaysUntilExpiry != nil {
		t.Errorf("facebook token should never expire: %+v", fbInfo)
	}

	if err := c.Disconnect(ctx, session, igID); err != nil {
		t.Fatal(err)
	}
	if !srv.Disconnected(igID) {
		t.Error("stand-in did not record the disconnect")
	}
	if err := c.Disconnect(ctx, session, igID); !errors.Is(err, boring.ErrAccountNotFound) {
		t.Errorf("second disconnect: want ErrAccountNotFound, got %v", err)
	}
	list, err := c.ListAccounts(ctx, session)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.AccountID == igID {
			t.Error("disconnected account still listed")
		}
	}
}

// TestContract runs every endpoint against every documented error and fault
// and checks the typed error and the number of requests made.
func TestContract(t *testing.T) {
	type call func(c *boring.Client, ctx context.Context) error
	calls := map[boringtest.Endpoint]call{
		boringtest.EndpointList: func(c *boring.Client, ctx context.Context) error {
			_, err := c.ListAccounts(ctx, session)
			return err
		},
		boringtest.EndpointTokenInfo: func(c *boring.Client, ctx context.Context) error {
			_, err := c.TokenInfo(ctx, session, igID)
			return err
		},
		boringtest.EndpointDisconnect: func(c *boring.Client, ctx context.Context) error {
			return c.Disconnect(ctx, session, igID)
		},
	}
	const attempts = 3
	tests := map[string]struct {
		fault    boringtest.Fault
		wantErr  error
		requests int
		check    func(t *testing.T, err error)
	}{
		"ok":                           {requests: 1},
		"401 Unauthorized":             {fault: boringtest.Fault{Status: 401}, wantErr: boring.ErrUnauthorized, requests: 1},
		"401 InvalidToken":             {fault: boringtest.Fault{Status: 401, ErrorName: "InvalidToken"}, wantErr: boring.ErrUnauthorized, requests: 1},
		"401 TokenExpired":             {fault: boringtest.Fault{Status: 401, ErrorName: "TokenExpired"}, wantErr: boring.ErrUnauthorized, requests: 1},
		"404 AccountNotFound":          {fault: boringtest.Fault{Status: 404}, wantErr: boring.ErrAccountNotFound, requests: 1},
		"404 with another name":        {fault: boringtest.Fault{Status: 404, ErrorName: "NotFound"}, wantErr: boring.ErrUnavailable, requests: attempts},
		"404 HTML from a proxy":        {fault: boringtest.Fault{Status: 404, Body: "<html>404 Not Found</html>"}, wantErr: boring.ErrUnavailable, requests: attempts},
		"200 without accounts":         {fault: boringtest.Fault{Body: "{}"}, wantErr: boring.ErrUnavailable, requests: attempts},
		"400 InvalidAccountId":         {fault: boringtest.Fault{Status: 400, ErrorName: "InvalidAccountId"}, wantErr: boring.ErrAccountNotFound, requests: 1},
		"400 AccountDisabled":          {fault: boringtest.Fault{Status: 400, ErrorName: "AccountDisabled"}, wantErr: boring.ErrAccountDisabled, requests: 1},
		"400 InvalidRequest":           {fault: boringtest.Fault{Status: 400, ErrorName: "InvalidRequest"}, wantErr: boring.ErrBadRequest, requests: 1},
		"400 MissingParameter":         {fault: boringtest.Fault{Status: 400, ErrorName: "MissingParameter"}, wantErr: boring.ErrBadRequest, requests: 1},
		"500 InternalServerError":      {fault: boringtest.Fault{Status: 500}, wantErr: boring.ErrUnavailable, requests: attempts},
		"503 ServiceUnavailable":       {fault: boringtest.Fault{Status: 503}, wantErr: boring.ErrUnavailable, requests: attempts},
		"504 Timeout":                  {fault: boringtest.Fault{Status: 504}, wantErr: boring.ErrUnavailable, requests: attempts},
		"500 once, then ok":            {fault: boringtest.Fault{Status: 500, Times: 1}, requests: 2},
		"429 Retry-After short":        {fault: boringtest.Fault{Status: 429, RetryAfter: "0"}, wantErr: boring.ErrRateLimited, requests: attempts},
		"429 twice then ok":            {fault: boringtest.Fault{Status: 429, RetryAfter: "0", Times: 2}, requests: 3},
		"429 Retry-After too long":     {fault: boringtest.Fault{Status: 429, RetryAfter: "120"}, wantErr: boring.ErrRateLimited, requests: 1, check: wantRetryAfter(120 * time.Second)},
		"429 retry_after in body":      {fault: boringtest.Fault{Status: 429, RetryAfterBody: 30}, wantErr: boring.ErrRateLimited, requests: 1, check: wantRetryAfter(30 * time.Second)},
		"429 Retry-After past the cap": {fault: boringtest.Fault{Status: 429, RetryAfter: "100000"}, wantErr: boring.ErrRateLimited, requests: 1, check: wantRetryAfter(15 * time.Minute)},
		"429 absurd retry_after":       {fault: boringtest.Fault{Status: 429, RetryAfterBody: 1e300}, wantErr: boring.ErrRateLimited, requests: 1, check: wantRetryAfter(15 * time.Minute)},
		"malformed body":               {fault: boringtest.Fault{Malformed: true}, wantErr: boring.ErrUnavailable, requests: attempts},
		"truncated body":               {fault: boringtest.Fault{Truncated: true}, wantErr: boring.ErrUnavailable, requests: attempts},
		"connection reset":             {fault: boringtest.Fault{Reset: true}, wantErr: boring.ErrUnavailable, requests: attempts},
		"hang past the timeout":        {fault: boringtest.Fault{Hang: true}, wantErr: boring.ErrUnavailable, requests: attempts},
		"latency within the timeout":   {fault: boringtest.Fault{Latency: 20 * time.Millisecond}, requests: 1},
		"oversized body":               {fault: boringtest.Fault{OversizeBytes: 256 << 10}, wantErr: boring.ErrResponseTooLarge, requests: 1},
	}
	for ep, do := range calls {
		for name, tc := range tests {
			t.Run(string(ep)+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := newBackend(t)
				c := newClient(t, srv.URL(), func(o *boring.Options) {
					o.Timeout = 300 * time.Millisecond
					o.MaxAttempts = attempts
					o.MaxBodyBytes = 128 << 10
				})
				srv.SetFault(ep, tc.fault) // the zero Fault changes nothing
				err := do(c, context.Background())
				switch {
				case tc.wantErr == nil && err != nil:
					t.Fatalf("want success, got %v", err)
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Fatalf("want %v, got %v", tc.wantErr, err)
				}
				if got := srv.Count(ep); got != tc.requests {
					t.Errorf("want %d requests, got %d", tc.requests, got)
				}
				if err != nil && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), string(session)) {
					t.Errorf("session leaked into the error: %v", err)
				}
				if tc.check != nil {
					tc.check(t, err)
				}
			})
		}
	}
}

func wantRetryAfter(d time.Duration) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		got, ok := boring.RetryAfter(err)
		if !ok || got != d {
			t.Errorf("want RetryAfter %s, got %s (%v)", d, got, ok)
		}
	}
}

func TestWrongSessionAndForeignAccount(t *testing.T) {
	srv := newBackend(t)
	c := newClient(t, srv.URL())
	ctx := context.Background()
	if _, err := c.ListAccounts(ctx, "nope"); !errors.Is(err, boring.ErrUnauthorized) {
		t.Errorf("unknown session: want ErrUnauthorized, got %v", err)
	}
	if err := c.Disconnect(ctx, session, "bob-1"); !errors.Is(err, boring.ErrAccountNotFound) {
		t.Errorf("foreign account: want ErrAccountNotFound, got %v", err)
	}
	if srv.Disconnected("bob-1") {
		t.Error("another user's account was disconnected")
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, string(session)) {
			t.Error("session in request path")
		}
	}
}

func TestCancelEndsHungCallPromptly(t *testing.T) {
	srv := newBackend(t)
	// The cancel comes once the request is being served, so it ends a call
	// in flight, not one still dialling.
	arrived := make(chan struct{})
	var once sync.Once
	srv.SetFault(boringtest.EndpointList, boringtest.Fault{Hang: true, Before: func() { once.Do(func() { close(arrived) }) }})
	c := newClient(t, srv.URL(), func(o *boring.Options) { o.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListAccounts(ctx, session)
		done <- err
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("hung call returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not end the hung call")
	}
	if got := srv.Count(boringtest.EndpointList); got != 1 {
		t.Errorf("a cancelled call must not retry: %d requests", got)
	}
}

// TestRedirectNotFollowed: the redirect points at a URL that would answer
// the list, so a client that followed it would succeed with two requests.
func TestRedirectNotFollowed(t *testing.T) {
	srv := newBackend(t)
	srv.SetFault(boringtest.EndpointList, boringtest.Fault{Status: http.StatusFound, Location: srv.URL() + "/api/accounts", Times: 1})
	c := newClient(t, srv.URL())
	if _, err := c.ListAccounts(context.Background(), session); err == nil {
		t.Fatal("a redirect must not count as success")
	}
	if got := srv.Count(boringtest.EndpointList); got != 1 {
		t.Errorf("want 1 request, got %d", got)
	}
}

func TestSessionNeverPrints(t *testing.T) {
	for _, s := range []string{fmt.Sprint(session), fmt.Sprintf("%v %+v %#v %s %q", session, session, session, session, session)} {
		if strings.Contains(s, string(session)) {
			t.Errorf("session printed: %s", s)
		}
	}
}

func TestCacheSingleFlight(t *testing.T) {
	srv := newBackend(t)
	srv.SetFault(boringtest.EndpointList, boringtest.Fault{Latency: 100 * time.Millisecond})
	cache := boring.NewCache(newClient(t, srv.URL()), nil, 0)
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap, err := cache.Accounts(context.Background(), session, time.Minute, false)
			if err != nil {
				failures.Add(1)
				return
			}
			if _, ok := snap.Lookup(igID); !ok {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d lookups failed", failures.Load())
	}
	if got := srv.Count(boringtest.EndpointList); got != 1 {
		t.Fatalf("1,000 concurrent lookups under one credential made %d upstream requests, want 1", got)
	}
}

func TestCacheTTLForceAndErrors(t *testing.T) {
	srv := newBackend(t)
	clk := testingclock.NewFakePassiveClock(time.Now())
	advance := func(d time.Duration) { clk.SetTime(clk.Now().Add(d)) }
	cache := boring.NewCache(newClient(t, srv.URL()), clk, time.Second)
	ctx := context.Background()
	get := func(force bool) error {
		_, err := cache.Accounts(ctx, session, time.Minute, force)
		return err
	}
	mustCount := func(want int) {
		t.Helper()
		if got := srv.Count(boringtest.EndpointList); got != want {
			t.Fatalf("want %d upstream requests, got %d", want, got)
		}
	}
	_ = get(false)
	_ = get(false)
	mustCount(1)
	advance(61 * time.Second)
	_ = get(false)
	mustCount(2)
	_ = get(true)
	mustCount(3)
	// A second credential has its own entry.
	if _, err := cache.Accounts(ctx, "bob-session", time.Minute, false); err != nil {
		t.Fatal(err)
	}
	mustCount(4)

	// Failures are remembered briefly, then retried.
	srv.SetFault(boringtest.EndpointList, boringtest.Fault{Status: 401})
	advance(2 * time.Minute)
	if err := get(false); !errors.Is(err, boring.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	if err := get(false); !errors.Is(err, boring.ErrUnauthorized) {
		t.Fatalf("want remembered ErrUnauthorized, got %v", err)
	}
	mustCount(5)
	srv.ClearFaults()
	advance(2 * time.Second)
	if err := get(false); err != nil {
		t.Fatalf("want recovery after the error TTL, got %v", err)
	}
	mustCount(6)

	// A disconnect through the cache forgets the list: the account is gone
	// from the very next lookup.
	if err := cache.Disconnect(ctx, session, igID); err != nil {
		t.Fatal(err)
	}
	snap, err := cache.Accounts(ctx, session, time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Lookup(igID); ok {
		t.Fatal("disconnected account still in the cached list")
	}
	mustCount(7)
}

// TestMetricsCountRequests checks the RoundTripper's counters on the
// registry it was given, labelled by endpoint and code, never by ID.
func TestMetricsCountRequests(t *testing.T) {
	srv := newBackend(t)
	reg := prometheus.NewPedanticRegistry()
	m, err := boring.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL(), func(o *boring.Options) { o.Metrics = m })
	count := func() map[string]float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, f := range families {
			if f.GetName() != "boring_api_requests_total" {
				continue
			}
			for _, m := range f.GetMetric() {
				key := ""
				for _, l := range m.GetLabel() {
					key += l.GetName() + "=" + l.GetValue() + ","
				}
				out[key] = m.GetCounter().GetValue()
			}
		}
		return out
	}
	before := count()
	if _, err := boring.NewMetrics(reg); err == nil {
		t.Error("registering the metrics twice must fail, not double count")
	}
	_, _ = c.ListAccounts(context.Background(), session)
	_ = c.Disconnect(context.Background(), session, "no-such-id")
	srv.SetFault(boringtest.EndpointTokenInfo, boringtest.Fault{Reset: true, Times: 1}) // no answer, then a retry
	if _, err := c.TokenInfo(context.Background(), session, igID); err != nil {
		t.Fatal(err)
	}
	after := count()
	for _, code := range []string{"error", "200"} {
		key := "code=" + code + ",endpoint=POST /api/token/info,"
		if d := after[key] - before[key]; d != 1 {
			t.Errorf("token info %s counted %v times", code, d)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	timed := map[string]uint64{}
	for _, f := range families {
		if f.GetName() == "boring_api_request_duration_seconds" {
			for _, m := range f.GetMetric() {
				timed[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	if timed["POST /api/token/info"] != 2 || timed["GET /api/accounts"] != 1 {
		t.Errorf("requests timed: %v", timed)
	}
	if d := after["code=200,endpoint=GET /api/accounts,"] - before["code=200,endpoint=GET /api/accounts,"]; d != 1 {
		t.Errorf("list 200 counted %v times", d)
	}
	if d := after["code=404,endpoint=DELETE /api/accounts/{id},"] - before["code=404,endpoint=DELETE /api/accounts/{id},"]; d != 1 {
		t.Errorf("disconnect 404 counted %v times", d)
	}
	for k := range after {
		if strings.Contains(k, "no-such-id") || strings.Contains(k, string(session)) {
			t.Errorf("label leaks an ID or session: %s", k)
		}
	}
}
