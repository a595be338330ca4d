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

package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

func sizes() []int {
	spec := os.Getenv("BENCH_SIZES")
	if spec == "" {
		spec = "100,1000,5000"
	}
	var out []int
	for _, s := range strings.Split(spec, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// quietWindow is how long a refresh window with nothing new upstream is
// watched: a little over the 1m refreshInterval every SocialAccount uses.
const quietWindow = 70 * time.Second

// BenchmarkController creates N SocialAccounts at once under one credential
// and reports: time until all are Ready next to a plain client doing the same
// number of writes; upstream list calls; API-server writes per SocialAccount
// at creation and during a quiet refresh window; the manager's peak RSS.
// Run once per size: go test -bench Controller -benchtime 1x.
func BenchmarkController(b *testing.B) {
	for _, n := range sizes() {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			c := startCluster(b)
			prepareNamespace(b, c)
			srv := seedBackend(n)
			defer srv.Close()
			m := startManager(b, c, srv.URL())

			before := c.requestCounts(b)
			start := time.Now()
			if err := createSocialAccounts(c, n, time.Minute, false); err != nil {
				b.Fatal(err)
			}
			waitReady(b, c, n, 20*time.Minute)
			ready := time.Since(start)
			created := delta(before, c.requestCounts(b), isWrite)
			delete(created, "POST socialaccounts") // the driver's own creates
			events := created["POST events"] + created["PATCH events"]
			objectWrites := sum(created) - events
			upstreamCreate := srv.Count(boringtest.EndpointList)

			q0 := c.requestCounts(b)
			u0 := srv.Count(boringtest.EndpointList)
			time.Sleep(quietWindow)
			quiet := delta(q0, c.requestCounts(b), func(k string) bool {
				// The baseline namespace is done; only the operator writes now.
				return isWrite(k)
			})
			upstreamQuiet := srv.Count(boringtest.EndpointList) - u0
			rss := m.peakRSS(b)
			reconciles := m.metric(b, "controller_runtime_reconcile_total")

			var apiRow string
			if n == 1000 {
				apiRow = benchAccountAPI(b, c, m)
			}
			_ = m.cmd.Process.Signal(os.Interrupt)
			_ = m.cmd.Wait()
			_ = c.env.Stop()

			baseTime := baseline(b, n)
			ratio := ready.Seconds() / baseTime.Seconds()

			b.ReportMetric(ready.Seconds(), "ready-s")
			b.ReportMetric(baseTime.Seconds(), "baseline-s")
			b.ReportMetric(ratio, "ratio")
			b.ReportMetric(objectWrites/float64(n), "writes/SA")
			b.ReportMetric(events/float64(n), "events/SA")
			b.ReportMetric(sum(quiet), "quiet-writes")
			b.ReportMetric(float64(upstreamQuiet), "upstream/window")
			b.ReportMetric(rss, "peak-RSS-MiB")
			report(b, "controller.md", fmt.Sprintf("| %d | %.1f s | %.1f s | %.2f | %d | %d | %.2f | %.2f | %.0f | %.0f MiB |",
				n, ready.Seconds(), baseTime.Seconds(), ratio, upstreamCreate, upstreamQuiet,
				objectWrites/float64(n), events/float64(n), sum(quiet), rss))
			report(b, "controller-writes.md", fmt.Sprintf("| %d | %s | %s | %s |", n, describe(created), describe(quiet), describe(reconciles)))
			if apiRow != "" {
				report(b, "api.md", apiRow)
			}
		})
	}
}

func describe(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

const (
	apiClients  = 50
	apiDuration = 10 * time.Second
)

// benchAccountAPI loads GET /api/accounts with 50 concurrent clients over
// loopback, with every SocialAccount of the run visible to the caller, and
// counts the API-server requests the load causes.
func benchAccountAPI(b *testing.B, c *cluster, m *manager) string {
	b.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "dashboard", Namespace: benchNamespace}}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "dashboard", Namespace: benchNamespace},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{boringv1alpha1.GroupVersion.Group},
			Resources: []string{"socialaccounts"}, Verbs: []string{"list"}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "dashboard", Namespace: benchNamespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "dashboard"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "dashboard", Namespace: benchNamespace}},
	}
	if err := c.client.Create(ctx, sa); err != nil {
		b.Fatal(err)
	}
	if err := c.client.Create(ctx, role); err != nil {
		b.Fatal(err)
	}
	if err := c.client.Create(ctx, binding); err != nil {
		b.Fatal(err)
	}
	tr := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3600))}}
	if err := c.client.SubResource("token").Create(ctx, sa, tr); err != nil {
		b.Fatal(err)
	}
	token := tr.Status.Token

	transport := &http.Transport{MaxIdleConnsPerHost: apiClients, MaxConnsPerHost: apiClients}
	httpClient := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	url := "http://" + m.apiAddr + "/api/accounts"
	// get reads the whole answer; count (only for the warm-up) checks it.
	get := func(count bool) (int, int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := httpClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer func() { _ = resp.Body.Close() }()
		if !count {
			_, err = io.Copy(io.Discard, resp.Body)
			return resp.StatusCode, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.Count(string(body), `"account_id"`), err
	}
	// Warm up, and check the caller sees every account.
	if code, n, err := get(true); err != nil || code != http.StatusOK || n != 1000 {
		b.Fatalf("warm-up: %d, %d accounts, %v", code, n, err)
	}

	before := c.requestCounts(b)
	var mu sync.Mutex
	var latencies []time.Duration
	failures := 0
	deadline := time.Now().Add(apiDuration)
	var wg sync.WaitGroup
	for range apiClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				code, _, err := get(false)
				if err != nil || code != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			failures += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Everything but the API server's own lease renewals.
	during := delta(before, c.requestCounts(b), func(k string) bool { return !strings.HasSuffix(k, " leases") })
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(float64(len(latencies)-1)*p)] }
	rps := float64(len(latencies)) / apiDuration.Seconds()
	reviews := during["POST tokenreviews"] + during["POST subjectaccessreviews"]

	b.ReportMetric(rps, "api-req/s")
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "api-p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "api-p99-ms")
	b.ReportMetric(reviews, "api-reviews")
	return fmt.Sprintf("| 1000 | %d | %.0f | %.1f ms | %.1f ms | %d | %.0f | %s |",
		apiClients, rps, float64(pct(0.50).Microseconds())/1000, float64(pct(0.99).Microseconds())/1000,
		failures, sum(during), describe(during))
}

// BenchmarkPlatformMapping creates 1,000 SocialAccounts mapped by
// platformAccountID under one credential and counts Boring list calls at
// creation and over a quiet refresh window: resolving by platform ID must
// cost no more upstream calls than mapping by account ID.
func BenchmarkPlatformMapping(b *testing.B) {
	const n = 1000
	c := startCluster(b)
	prepareNamespace(b, c)
	srv := seedBackend(n)
	defer srv.Close()
	m := startManager(b, c, srv.URL())
	start := time.Now()
	if err := createSocialAccounts(c, n, time.Minute, true); err != nil {
		b.Fatal(err)
	}
	waitReady(b, c, n, 20*time.Minute)
	ready := time.Since(start)
	upstreamCreate := srv.Count(boringtest.EndpointList)
	u0 := srv.Count(boringtest.EndpointList)
	time.Sleep(quietWindow)
	upstreamQuiet := srv.Count(boringtest.EndpointList) - u0
	_ = m.cmd.Process.Signal(os.Interrupt)
	_ = m.cmd.Wait()
	_ = c.env.Stop()
	b.ReportMetric(ready.Seconds(), "ready-s")
	b.ReportMetric(float64(upstreamCreate), "upstream-at-creation")
	b.ReportMetric(float64(upstreamQuiet), "upstream/window")
	report(b, "platform.md", fmt.Sprintf("| %d | %.1f s | %d | %d |", n, ready.Seconds(), upstreamCreate, upstreamQuiet))
}
