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
	"bytes"
	"context"
	"errors"
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
// watched: exactly the 1m refreshInterval every SocialAccount uses, so each
// SocialAccount is due once in it and each credential's list once. (A longer
// window can hold two of a credential's lists, a minute apart.)
const quietWindow = time.Minute

// runs is how many times a size is measured (min/median/max): BENCH_RUNS,
// or three. One run is not enough at any size: the machine's speed drifts
// between the manager's span and the baseline's minutes later (the control
// plane's CPU for the same baseline writes has moved by more than half), so one
// ratio can land 0.15 either side of the median.
func runs() int {
	if r, err := strconv.Atoi(os.Getenv("BENCH_RUNS")); err == nil && r > 0 {
		return r
	}
	return 3
}

// spread formats min/median/max of xs (one value when there is one run).
func spread(xs []float64, format string) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 1 {
		return fmt.Sprintf(format, s[0])
	}
	return fmt.Sprintf(format+" / "+format+" / "+format, s[0], s[len(s)/2], s[len(s)-1])
}

// BenchmarkController measures convergence fairly: N SocialAccounts under one
// credential exist before the manager starts, and the span runs from the
// manager's start until all are Ready. The baseline is a plain client doing
// the manager's writes per SocialAccount (finalizer patch, Secret create,
// status patch, event) over SocialAccounts that also exist beforehand, at the
// same concurrency, on a fresh control plane, in the same run. The first run
// of each size also measures a quiet refresh window, a restart of the manager
// over N Ready SocialAccounts, the manager's peak RSS and (N=1,000) the
// account API; BENCH_CONVERGENCE_ONLY=1 leaves those out
// (hack/bench-compare.sh).
func BenchmarkController(b *testing.B) {
	for _, n := range sizes() {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			// Per run: time to all Ready, baseline, ratio, manager CPU, time to
			// first Ready, write latency in the manager's and the baseline's span.
			k := runs()
			readies, bases, ratios := make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k)
			cpus, firsts, lats, baseLats := make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k)
			// CPU seconds in each span: the control plane (API server and
			// etcd) and the driver (this process).
			planes, drivers, basePlanes, baseDrivers := make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k), make([]float64, 0, k)
			for run := range k {
				c := startCluster(b)
				prepareNamespace(b, c)
				srv := seedBackend(n)
				if err := createSocialAccounts(c, n, time.Minute, false); err != nil {
					b.Fatal(err)
				}
				before := c.requestCounts(b)
				w0, cpu0 := c.writeTime(b), c.cpu(b)
				start := time.Now()
				m := startManager(b, c, srv.URL())
				var cpuProfile, serverProfile <-chan error
				if run == 0 {
					cpuProfile = m.profileCPU(envInt("BENCH_CPU_PROFILE_SECONDS", 8), fmt.Sprint(n))
					serverProfile = c.profileCPU(envInt("BENCH_CPU_PROFILE_SECONDS", 8), fmt.Sprint(n))
				}
				firstReady := waitReady(b, c, n, 20*time.Minute)
				ready := time.Since(start)
				used := c.cpu(b).since(cpu0)
				planes, drivers = append(planes, used.apiserver+used.etcd), append(drivers, used.driver)
				cpus = append(cpus, m.cpuSeconds(b))
				firsts = append(firsts, firstReady.Sub(start).Seconds())
				lats = append(lats, c.writeTime(b).meanSince(w0))
				ws := captureWrites(b, c, benchNamespace)
				if run == 0 {
					if err := errors.Join(<-cpuProfile, <-serverProfile); err != nil {
						b.Fatal(err)
					}
				}
				if run == 0 && os.Getenv("BENCH_CONVERGENCE_ONLY") == "" {
					firstRun(b, c, srv, m, n, before)
				} else {
					m.stop()
				}
				srv.Close()
				_ = c.env.Stop()
				base, baseLat, baseUsed := baseline(b, ws)
				baseLats = append(baseLats, baseLat)
				basePlanes, baseDrivers = append(basePlanes, baseUsed.apiserver+baseUsed.etcd), append(baseDrivers, baseUsed.driver)
				readies, bases = append(readies, ready.Seconds()), append(bases, base.Seconds())
				ratios = append(ratios, ready.Seconds()/base.Seconds())
			}
			b.ReportMetric(median(readies), "ready-s")
			b.ReportMetric(median(bases), "baseline-s")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(median(cpus), "manager-cpu-s")
			b.ReportMetric(median(firsts), "first-ready-s")
			report(b, "convergence.md", fmt.Sprintf("| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", n, len(readies),
				spread(readies, "%.1f s"), spread(firsts, "%.2f s"), spread(cpus, "%.1f s"), spread(planes, "%.1f s"), spread(drivers, "%.1f s"), spread(lats, "%.1f ms"),
				spread(bases, "%.1f s"), spread(basePlanes, "%.1f s"), spread(baseDrivers, "%.1f s"), spread(baseLats, "%.1f ms"), spread(ratios, "%.2f")))
		})
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// firstRun measures, once per size, what needs no repetition: writes and
// upstream calls at creation, a quiet refresh window, a restart, peak RSS,
// and at N=1,000 the account API. It stops the manager.
func firstRun(b *testing.B, c *cluster, srv *boringtest.Server, m *manager, n int, before map[string]float64) {
	created := delta(before, c.requestCounts(b), isWrite)
	events := created["POST events"] + created["PATCH events"]
	objectWrites := sum(created) - events
	upstreamCreate := srv.Count(boringtest.EndpointList)

	q0 := c.requestCounts(b)
	u0 := srv.Count(boringtest.EndpointList)
	time.Sleep(quietWindow)
	quiet := delta(q0, c.requestCounts(b), isWrite)
	upstreamQuiet := srv.Count(boringtest.EndpointList) - u0
	rss := m.peakRSS(b)
	status := m.procStatus(b)
	m.profile(b, "heap", fmt.Sprint(n))
	m.profile(b, "allocs", fmt.Sprint(n))
	reconciles := m.metric(b, "controller_runtime_reconcile_total")
	var apiRow string
	if n == 1000 {
		apiRow = benchAccountAPI(b, c, m)
	}
	m.stop()

	restartRow := benchRestart(b, c, srv, n)

	b.ReportMetric(objectWrites/float64(n), "writes/SA")
	b.ReportMetric(events/float64(n), "events/SA")
	b.ReportMetric(sum(quiet), "quiet-writes")
	b.ReportMetric(float64(upstreamQuiet), "upstream/window")
	b.ReportMetric(rss, "peak-RSS-MiB")
	report(b, "controller.md", fmt.Sprintf("| %d | %d | %d | %.2f | %.2f | %.0f | %.0f MiB | %.0f MiB (%.0f MiB anonymous, %.0f MiB the mapped binary) |",
		n, upstreamCreate, upstreamQuiet, objectWrites/float64(n), events/float64(n), sum(quiet), rss,
		status["VmRSS:"], status["RssAnon:"], status["RssFile:"]))
	report(b, "controller-writes.md", fmt.Sprintf("| %d | %s | %s | %s |", n, describe(created), describe(quiet), describe(reconciles)))
	report(b, "restart.md", restartRow)
	if apiRow != "" {
		report(b, "api.md", apiRow)
	}
}

// benchRestart starts a new manager over n Ready SocialAccounts (the old one
// stopped) and waits until each has been checked against Boring again (the
// new manager's last-sync series). It counts what the restart cost: object
// writes, events, upstream lists and API-server reads (GET and LIST).
func benchRestart(b *testing.B, c *cluster, srv *boringtest.Server, n int) string {
	b.Helper()
	r0 := c.requestCounts(b)
	u0 := srv.Count(boringtest.EndpointList)
	start := time.Now()
	m := startManager(b, c, srv.URL())
	deadline := start.Add(5 * time.Minute)
	for m.seriesCount(b, "boring_socialaccount_last_sync_timestamp_seconds") < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d SocialAccounts not re-verified 5 minutes after a restart", n)
		}
		time.Sleep(250 * time.Millisecond)
	}
	verified := time.Since(start)
	d := delta(r0, c.requestCounts(b), func(k string) bool {
		verb, resource, _ := strings.Cut(k, " ")
		return resource != "" && resource != "leases" && verb != "WATCH"
	})
	writes, events, reads := 0.0, 0.0, 0.0
	for k, v := range d {
		verb, resource, _ := strings.Cut(k, " ")
		switch {
		case resource == "events" && isWrite(k):
			events += v
		case isWrite(k):
			writes += v
		case verb == "GET" || verb == "LIST":
			reads += v
		}
	}
	upstream := srv.Count(boringtest.EndpointList) - u0
	m.stop()
	b.ReportMetric(verified.Seconds(), "restart-verified-s")
	b.ReportMetric(writes, "restart-writes")
	b.ReportMetric(reads/float64(n), "restart-reads/SA")
	return fmt.Sprintf("| %d | %.1f s | %.0f | %.0f | %d | %.0f (%.3f per SA) | %s |",
		n, verified.Seconds(), writes, events, upstream, reads, reads/float64(n), describe(d))
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
	get := func(url string) (int, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := httpClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	apiURL := "http://" + m.apiAddr + "/api/accounts"
	// Warm up, check the caller sees every account, and keep the answer for
	// the static handler.
	code, answer, err := get(apiURL)
	if err != nil || code != http.StatusOK || strings.Count(string(answer), `"account_id"`) != 1000 {
		b.Fatalf("warm-up: %d, %d accounts, %v", code, strings.Count(string(answer), `"account_id"`), err)
	}

	before := c.requestCounts(b)
	api := loadTest(func() (int, error) { code, _, err := get(apiURL); return code, err })
	// Everything but the API server's own lease renewals.
	during := delta(before, c.requestCounts(b), func(k string) bool { return !strings.HasSuffix(k, " leases") })
	reviews := during["POST tokenreviews"] + during["POST subjectaccessreviews"]

	// The same bytes from a handler that does nothing else, in a process of
	// its own as the manager is, on the same loopback, with the same
	// clients, right after.
	staticURL := startStaticServer(b, answer) + "/api/accounts"
	if code, body, err := get(staticURL); err != nil || code != http.StatusOK || !bytes.Equal(body, answer) {
		b.Fatalf("static handler warm-up: %d, %v", code, err)
	}
	baseline := loadTest(func() (int, error) { code, _, err := get(staticURL); return code, err })
	ratio := api.rps / baseline.rps

	b.ReportMetric(api.rps, "api-req/s")
	b.ReportMetric(api.p99, "api-p99-ms")
	b.ReportMetric(baseline.rps, "static-req/s")
	b.ReportMetric(ratio, "api/static")
	b.ReportMetric(reviews, "api-reviews")
	return fmt.Sprintf("| 1000 | %d | %.0f | %.1f ms | %.1f ms | %d | %.0f | %.1f ms | %.1f ms | %.2f | %.0f | %s |",
		apiClients, api.rps, api.p50, api.p99, api.failures, baseline.rps, baseline.p50, baseline.p99, ratio,
		sum(during), describe(during))
}

// loadResult is what a load test measured.
type loadResult struct {
	rps, p50, p99 float64
	failures      int
}

// loadTest runs get from apiClients goroutines for apiDuration.
func loadTest(get func() (int, error)) loadResult {
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
				code, err := get()
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
	slices.Sort(latencies)
	if len(latencies) == 0 {
		return loadResult{failures: failures}
	}
	pct := func(p float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*p)].Microseconds()) / 1000
	}
	return loadResult{rps: float64(len(latencies)) / apiDuration.Seconds(), p50: pct(0.50), p99: pct(0.99), failures: failures}
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
	m.stop()
	_ = c.env.Stop()
	b.ReportMetric(ready.Seconds(), "ready-s")
	b.ReportMetric(float64(upstreamCreate), "upstream-at-creation")
	b.ReportMetric(float64(upstreamQuiet), "upstream/window")
	report(b, "platform.md", fmt.Sprintf("| %d | %.1f s | %d | %d |", n, ready.Seconds(), upstreamCreate, upstreamQuiet))
}

// BenchmarkManyCredentials spreads SocialAccounts over many namespaces, each
// with its own credentials Secret and Boring session (100 namespaces of 100 by
// default: BENCH_CREDENTIALS x BENCH_PER_CREDENTIAL). It needs
// BENCH_MANY_CREDENTIALS=1: at 10,000 it takes about six minutes on 2 cores.
// Reported: convergence next to the plain-client baseline doing the same
// writes, upstream lists at creation and in a quiet refresh window (one per
// credential each), and the manager's peak RSS.
func BenchmarkManyCredentials(b *testing.B) {
	if os.Getenv("BENCH_MANY_CREDENTIALS") == "" {
		b.Skip("BENCH_MANY_CREDENTIALS not set")
	}
	creds, per := envInt("BENCH_CREDENTIALS", 100), envInt("BENCH_PER_CREDENTIAL", 100)
	n := creds * per
	c := startCluster(b)
	srv := boringtest.NewServer()
	defer srv.Close()
	exp := time.Now().Add(30*24*time.Hour + 12*time.Hour).UTC().Truncate(time.Second)
	ctx := context.Background()
	for k := range creds {
		ns, user := fmt.Sprintf("team-%03d", k), fmt.Sprintf("user-%03d", k)
		srv.AddSession(ns+"-session", user)
		for i := range per {
			srv.AddAccount(user, boringtest.Account{ID: fmt.Sprintf("%s-%s", ns, accountID(i)), Platform: "instagram", Valid: true,
				ExpiresAt: &exp, Name: fmt.Sprintf("user%d", i), PlatformID: platformID(k*per + i), AccountType: "BUSINESS"})
		}
		if err := c.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
		if err := c.client.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: ns, Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
			StringData: map[string]string{"session": ns + "-session"},
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := parallel(n, func(j int) error {
		ns := fmt.Sprintf("team-%03d", j/per)
		return c.client.Create(ctx, &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sa-%06d", j%per), Namespace: ns},
			Spec: boringv1alpha1.SocialAccountSpec{AccountID: fmt.Sprintf("%s-%s", ns, accountID(j%per)),
				CredentialsRef:  &boringv1alpha1.CredentialsReference{Name: "boring-session"},
				RefreshInterval: &metav1.Duration{Duration: time.Minute}},
		})
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	m := startManager(b, c, srv.URL())
	waitReadyIn(b, c, "", n, 30*time.Minute)
	ready := time.Since(start)
	ws := captureWrites(b, c, "")
	upstreamCreate := srv.Count(boringtest.EndpointList)
	u0 := srv.Count(boringtest.EndpointList)
	time.Sleep(quietWindow)
	upstreamQuiet := srv.Count(boringtest.EndpointList) - u0
	rss := m.peakRSS(b)
	m.profile(b, "heap", fmt.Sprintf("many-%d", n))
	m.stop()
	_ = c.env.Stop()
	base, _, _ := baseline(b, ws)
	ratio := ready.Seconds() / base.Seconds()
	b.ReportMetric(ready.Seconds(), "ready-s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(upstreamQuiet), "upstream/window")
	b.ReportMetric(rss, "peak-RSS-MiB")
	report(b, "many.md", fmt.Sprintf("| %d | %d | %.1f s | %.1f s | %.2f | %d | %d | %.0f MiB |",
		n, creds, ready.Seconds(), base.Seconds(), ratio, upstreamCreate, upstreamQuiet, rss))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
