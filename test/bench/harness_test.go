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

// Package bench measures the operator end to end on envtest: the manager as
// its own process (its real flags, its real client configuration), the Boring
// stand-in in this process, and the kube-apiserver's own request counters as
// the record of writes. `make bench` runs it and writes docs/benchmarks.md.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

const (
	benchNamespace = "bench"
	session        = "bench-session"
	// concurrency is the manager's --max-concurrent-syncs default, used for
	// the driver and the baseline too.
	concurrency = 10
)

// cluster is one envtest control plane with an admin client and a way to
// read the API server's own request counters.
type cluster struct {
	env        *envtest.Environment
	cfg        *rest.Config
	client     client.Client
	watcher    client.WithWatch
	raw        kubernetes.Interface
	kubeconfig string
}

// TestMain lets the test binary serve as the static handler of the account
// API comparison (startStaticServer): a process of its own, as the manager is.
func TestMain(m *testing.M) {
	if addr := os.Getenv("BENCH_STATIC_ADDR"); addr != "" {
		serveStatic(addr, os.Getenv("BENCH_STATIC_FILE"))
		return
	}
	os.Exit(m.Run())
}

func serveStatic(addr, file string) {
	answer, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		})}
	_ = srv.ListenAndServe()
}

// startStaticServer runs this test binary as a server answering every
// request with answer, and returns its base URL.
func startStaticServer(b *testing.B, answer []byte) string {
	b.Helper()
	file := filepath.Join(b.TempDir(), "answer.json")
	if err := os.WriteFile(file, answer, 0o600); err != nil {
		b.Fatal(err)
	}
	addr := freeAddr(b)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "BENCH_STATIC_ADDR="+addr, "BENCH_STATIC_FILE="+file)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(b, addr, 30*time.Second, "the static server")
	return "http://" + addr
}

// waitListening waits until addr accepts connections.
func waitListening(b *testing.B, addr string, timeout time.Duration, what string) {
	b.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = conn.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not start", what)
		}
	}
}

func init() {
	// envtest logs through controller-runtime; the benchmark prints tables only.
	logf.SetLogger(logr.Discard())
}

func startCluster(b *testing.B) *cluster {
	b.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		b.Skip("KUBEBUILDER_ASSETS not set; run `make bench`")
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = boringv1alpha1.AddToScheme(scheme)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = env.Stop() })
	// Like the manager (controller-runtime's GetConfig): no client-side
	// throttling, so the driver and the baseline meet the same server limits.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	c := &cluster{env: env, cfg: cfg}
	if c.client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		b.Fatal(err)
	}
	if c.watcher, err = client.NewWithWatch(cfg, client.Options{Scheme: scheme}); err != nil {
		b.Fatal(err)
	}
	if c.raw, err = kubernetes.NewForConfig(cfg); err != nil {
		b.Fatal(err)
	}
	user, err := env.AddUser(envtest.User{Name: "bench-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		b.Fatal(err)
	}
	c.kubeconfig = filepath.Join(b.TempDir(), "kubeconfig")
	if err := os.WriteFile(c.kubeconfig, kc, 0o600); err != nil {
		b.Fatal(err)
	}
	return c
}

// serverMetrics scrapes the API server's own metrics.
func (c *cluster) serverMetrics(b *testing.B) map[string]*dto.MetricFamily {
	b.Helper()
	raw, err := c.raw.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	return families
}

// writeTime is the API server's time spent on writes so far: sum and count
// of apiserver_request_duration_seconds over write verbs.
type writeTime struct{ sum, count float64 }

func (c *cluster) writeTime(b *testing.B) writeTime {
	b.Helper()
	var w writeTime
	if f := c.serverMetrics(b)["apiserver_request_duration_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			l := labels(m)
			if isWrite(l["verb"] + " " + l["resource"]) {
				w.sum += m.GetHistogram().GetSampleSum()
				w.count += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return w
}

// meanSince is the mean write latency since before, in milliseconds.
func (w writeTime) meanSince(before writeTime) float64 {
	if n := w.count - before.count; n > 0 {
		return (w.sum - before.sum) / n * 1000
	}
	return 0
}

// cpuUse is the CPU time (seconds) used so far by the control plane's two
// processes and by this process, the driver: in the manager's span it serves
// the Boring stand-in and watches for Ready, in the baseline's it also does
// the writes.
type cpuUse struct{ apiserver, etcd, driver float64 }

func (c *cluster) cpu(b *testing.B) cpuUse {
	b.Helper()
	u := cpuUse{apiserver: processCPU(c.serverMetrics(b)), etcd: processCPU(scrape(b, c.env.ControlPlane.Etcd.URL.String()+"/metrics"))}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	u.driver = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	return u
}

// since is the CPU used between before and u.
func (u cpuUse) since(before cpuUse) cpuUse {
	return cpuUse{apiserver: u.apiserver - before.apiserver, etcd: u.etcd - before.etcd, driver: u.driver - before.driver}
}

// processCPU is a process's process_cpu_seconds_total.
func processCPU(families map[string]*dto.MetricFamily) float64 {
	if f := families["process_cpu_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
		return f.GetMetric()[0].GetCounter().GetValue()
	}
	return 0
}

// requestCounts reads apiserver_request_total, keyed "VERB resource[/sub]".
func (c *cluster) requestCounts(b *testing.B) map[string]float64 {
	b.Helper()
	families := c.serverMetrics(b)
	out := map[string]float64{}
	f := families["apiserver_request_total"]
	if f == nil {
		return out
	}
	for _, m := range f.GetMetric() {
		l := labels(m)
		key := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key] += m.GetCounter().GetValue()
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// isWrite tells the writes apart; the API server's own lease renewals are
// not the operator's and are left out.
func isWrite(key string) bool {
	verb, resource, _ := strings.Cut(key, " ")
	if resource == "leases" {
		return false
	}
	switch verb {
	case "POST", "PUT", "PATCH", "DELETE", "APPLY":
		return true
	}
	return false
}

// delta is after-before for the keys matching keep.
func delta(before, after map[string]float64, keep func(string) bool) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if keep(k) && v-before[k] > 0 {
			out[k] = v - before[k]
		}
	}
	return out
}

func sum(m map[string]float64) float64 {
	var s float64
	for _, v := range m {
		s += v
	}
	return s
}

// manager runs the operator's binary against the cluster.
type manager struct {
	once        sync.Once
	cmd         *exec.Cmd
	apiAddr     string
	metricsAddr string
	pprofAddr   string
}

// profile saves the manager's pprof profile (heap, allocs, ...) to
// $BENCH_PROFILE_DIR/<name>-<label>.pb.gz, when that is set.
func (m *manager) profile(b *testing.B, name, label string) {
	b.Helper()
	if err := m.saveProfile(name, name, label); err != nil {
		b.Fatal(err)
	}
}

// profileCPU starts a CPU profile of the manager's first seconds in the
// background (BENCH_PROFILE_DIR only); wait for the returned channel before
// stopping the manager.
func (m *manager) profileCPU(seconds int, label string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- m.saveProfile("profile?seconds="+strconv.Itoa(seconds), "cpu", label) }()
	return done
}

// profileCPU starts a CPU profile of the API server's next seconds in the
// background, saved as $BENCH_PROFILE_DIR/apiserver-cpu-<label>.pb.gz
// (BENCH_PROFILE_DIR only); wait for the returned channel before stopping
// the control plane.
func (c *cluster) profileCPU(seconds int, label string) <-chan error {
	done := make(chan error, 1)
	dir := os.Getenv("BENCH_PROFILE_DIR")
	if dir == "" {
		done <- nil
		return done
	}
	go func() {
		raw, err := c.raw.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
			Param("seconds", strconv.Itoa(seconds)).Timeout(time.Duration(seconds+60) * time.Second).DoRaw(context.Background())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "apiserver-cpu-"+label+".pb.gz"), raw, 0o644)
		}
		done <- err
	}()
	return done
}

func (m *manager) saveProfile(query, name, label string) error {
	dir := os.Getenv("BENCH_PROFILE_DIR")
	if dir == "" || m.pprofAddr == "" {
		return nil
	}
	resp, err := http.Get("http://" + m.pprofAddr + "/debug/pprof/" + query)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	f, err := os.Create(filepath.Join(dir, name+"-"+label+".pb.gz"))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	_, err = io.Copy(f, resp.Body)
	return err
}

// cpuSeconds is the CPU time (user + system) the manager has used so far.
func (m *manager) cpuSeconds(b *testing.B) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which ends at the last ')'.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux the bench runs on.
const clockTicks = 100

// families scrapes the manager's own metrics endpoint.
func (m *manager) families(b *testing.B) map[string]*dto.MetricFamily {
	b.Helper()
	return scrape(b, "http://"+m.metricsAddr+"/metrics")
}

// scrape reads a Prometheus text endpoint over plain HTTP.
func scrape(b *testing.B, url string) map[string]*dto.MetricFamily {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return families
}

// metric sums a counter of the manager's own metrics.
func (m *manager) metric(b *testing.B, name string) map[string]float64 {
	b.Helper()
	out := map[string]float64{}
	if f := m.families(b)[name]; f != nil {
		for _, m := range f.GetMetric() {
			l := labels(m)
			key := l["result"] + l["code"] + l["endpoint"]
			if c := l["controller"]; c != "" {
				// Reconciles, by controller: which one did the work.
				key = c + " " + key
			}
			out[key] += m.GetCounter().GetValue()
		}
	}
	return out
}

// stop interrupts the manager and waits for it to exit.
func (m *manager) stop() {
	m.once.Do(func() {
		_ = m.cmd.Process.Signal(os.Interrupt)
		_ = m.cmd.Wait()
	})
}

// seriesCount is how many series of a metric the manager exports now.
func (m *manager) seriesCount(b *testing.B, name string) int {
	b.Helper()
	if f := m.families(b)[name]; f != nil {
		return len(f.GetMetric())
	}
	return 0
}

func startManager(b *testing.B, c *cluster, boringURL string) *manager {
	b.Helper()
	bin := os.Getenv("MANAGER_BIN")
	if bin == "" {
		b.Skip("MANAGER_BIN not set; run `make bench`")
	}
	apiAddr, metricsAddr := freeAddr(b), freeAddr(b)
	cmd := exec.Command(bin,
		"--kubeconfig="+c.kubeconfig,
		"--boring-url="+boringURL,
		"--metrics-bind-address="+metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address=0",
		"--api-bind-address="+apiAddr,
		"--zap-log-level=error",
	)
	pprofAddr := ""
	if os.Getenv("BENCH_PROFILE_DIR") != "" {
		pprofAddr = freeAddr(b)
		cmd.Args = append(cmd.Args, "--pprof-bind-address="+pprofAddr)
	}
	cmd.Args = append(cmd.Args, strings.Fields(os.Getenv("MANAGER_ARGS"))...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	m := &manager{cmd: cmd, apiAddr: apiAddr, metricsAddr: metricsAddr, pprofAddr: pprofAddr}
	b.Cleanup(m.stop)
	waitListening(b, apiAddr, 60*time.Second, "the manager")
	return m
}

// peakRSS is the manager's high-water resident set, in MiB.
func (m *manager) peakRSS(b *testing.B) float64 {
	b.Helper()
	return m.procStatus(b)["VmHWM:"]
}

// procStatus reads the manager's /proc/<pid>/status memory lines, in MiB
// (VmHWM: peak resident; RssAnon: heap, stacks; RssFile: the mapped binary).
func (m *manager) procStatus(b *testing.B) map[string]float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[2] == "kB" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			out[f[0]] = kb / 1024
		}
	}
	return out
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// parallel runs fn(i) for i in [0,n) on concurrency goroutines.
func parallel(n int, fn func(i int) error) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// seedBackend gives the stand-in n Instagram accounts under one session.
func seedBackend(n int) *boringtest.Server {
	srv := boringtest.NewServer()
	srv.AddSession(session, "bench")
	exp := time.Now().Add(30*24*time.Hour + 12*time.Hour).UTC().Truncate(time.Second)
	for i := range n {
		srv.AddAccount("bench", boringtest.Account{
			ID: accountID(i), Platform: "instagram", Valid: true, ExpiresAt: &exp,
			Name: fmt.Sprintf("user%d", i), PlatformID: platformID(i), AccountType: "BUSINESS",
		})
	}
	return srv
}

func accountID(i int) string { return fmt.Sprintf("acct-%06d", i) }

func platformID(i int) string { return strconv.Itoa(1784000 + i) }

func prepareNamespace(b *testing.B, c *cluster) {
	b.Helper()
	ctx := context.Background()
	if err := c.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: benchNamespace}}); err != nil {
		b.Fatal(err)
	}
	if err := c.client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: benchNamespace, Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{"session": session},
	}); err != nil {
		b.Fatal(err)
	}
}

func createSocialAccounts(c *cluster, n int, refresh time.Duration, byPlatformID bool) error {
	return parallel(n, func(i int) error {
		spec := boringv1alpha1.SocialAccountSpec{
			AccountID:       accountID(i),
			CredentialsRef:  &boringv1alpha1.CredentialsReference{Name: "boring-session"},
			RefreshInterval: &metav1.Duration{Duration: refresh},
		}
		if byPlatformID {
			spec.AccountID = ""
			spec.PlatformAccountID, spec.Platform = platformID(i), boringv1alpha1.PlatformInstagram
		}
		return c.client.Create(context.Background(), &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sa-%06d", i), Namespace: benchNamespace},
			Spec:       spec,
		})
	})
}

// waitReady watches until n SocialAccounts are Ready and returns when the
// first one was. A watch, not a polling list: listing thousands of objects
// every few hundred milliseconds would load the API server more than the
// controller does.
func waitReady(b *testing.B, c *cluster, n int, timeout time.Duration) time.Time {
	b.Helper()
	return waitReadyIn(b, c, benchNamespace, n, timeout)
}

// waitReadyIn is waitReady in one namespace, or in all ("").
func waitReadyIn(b *testing.B, c *cluster, ns string, n int, timeout time.Duration) time.Time {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	first, err := watchReady(ctx, c, ns, n)
	if err != nil {
		b.Fatal(err)
	}
	return first
}

// watchReady lists and then watches the SocialAccounts of ns until n are
// Ready, and returns when the first one was.
func watchReady(ctx context.Context, c *cluster, ns string, n int) (time.Time, error) {
	ready := map[string]bool{}
	var first time.Time
	mark := func(sa *boringv1alpha1.SocialAccount) {
		r := meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady)
		if r && first.IsZero() {
			first = time.Now()
		}
		ready[sa.Namespace+"/"+sa.Name] = r
	}
	var list boringv1alpha1.SocialAccountList
	if err := c.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return first, err
	}
	for i := range list.Items {
		mark(&list.Items[i])
	}
	w, err := c.watcher.Watch(ctx, &boringv1alpha1.SocialAccountList{},
		client.InNamespace(ns), &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
	if err != nil {
		return first, err
	}
	defer w.Stop()
	count := func() int {
		k := 0
		for _, r := range ready {
			if r {
				k++
			}
		}
		return k
	}
	for count() < n {
		select {
		case <-ctx.Done():
			return first, fmt.Errorf("%d of %d Ready: %w", count(), n, ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return first, errors.New("watch closed")
			}
			if sa, ok := ev.Object.(*boringv1alpha1.SocialAccount); ok {
				mark(sa)
			}
		}
	}
	return first, nil
}

// written is what the manager wrote for one SocialAccount: its spec and
// status, its account-ID Secret and its event.
type written struct {
	spec   boringv1alpha1.SocialAccountSpec
	status boringv1alpha1.SocialAccountStatus
	secret *corev1.Secret
	event  *eventsv1.Event
}

// captureWrites reads back what the manager wrote for the SocialAccounts in
// ns ("" for all), in a stable order, so the baseline can write the same
// bytes: the same status, the same Secret content and the same event.
func captureWrites(b *testing.B, c *cluster, ns string) []written {
	b.Helper()
	ctx := context.Background()
	var sas boringv1alpha1.SocialAccountList
	var secrets corev1.SecretList
	var evs eventsv1.EventList
	for _, l := range []struct {
		list client.ObjectList
		opts []client.ListOption
	}{
		{&sas, []client.ListOption{client.InNamespace(ns)}},
		{&secrets, []client.ListOption{client.InNamespace(ns), client.MatchingLabels{boringv1alpha1.ManagedByLabel: boringv1alpha1.ManagedByValue}}},
		{&evs, []client.ListOption{client.InNamespace(ns)}},
	} {
		if err := c.client.List(ctx, l.list, l.opts...); err != nil {
			b.Fatal(err)
		}
	}
	secretOf := map[string]*corev1.Secret{}
	for i := range secrets.Items {
		secretOf[secrets.Items[i].Namespace+"/"+secrets.Items[i].Name] = &secrets.Items[i]
	}
	eventOf := map[string]*eventsv1.Event{}
	for i := range evs.Items {
		e := &evs.Items[i]
		if key := e.Regarding.Namespace + "/" + e.Regarding.Name; e.Regarding.Kind == "SocialAccount" && eventOf[key] == nil {
			eventOf[key] = e
		}
	}
	if len(evs.Items) == 0 {
		b.Fatal("the manager wrote no event")
	}
	out := make([]written, 0, len(sas.Items))
	for _, sa := range sas.Items {
		key := sa.Namespace + "/" + sa.Name
		w := written{spec: sa.Spec, status: sa.Status, secret: secretOf[sa.Namespace+"/"+sa.EffectiveSecretName()], event: eventOf[key]}
		if w.secret == nil {
			b.Fatalf("no Secret for SocialAccount %s", key)
		}
		if w.event == nil { // events are sent in the background; one may still be on its way
			w.event = &evs.Items[0]
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b written) int {
		return strings.Compare(a.secret.Namespace+a.secret.Name, b.secret.Namespace+b.secret.Name)
	})
	return out
}

// baseline times a plain client doing the manager's writes for SocialAccounts
// that already exist, without any controller logic: per account, at the
// manager's concurrency, the finalizer patch, the Secret, the status patch
// and the event, each with the content the manager wrote (captureWrites). It
// runs on its own fresh control plane so nothing else competes, and its
// SocialAccounts are created before the clock starts, as the manager's are.
// It returns the span and the API server's mean write latency in it (ms).
func baseline(b *testing.B, ws []written) (time.Duration, float64, cpuUse) {
	b.Helper()
	n := len(ws)
	c := startCluster(b)
	defer func() { _ = c.env.Stop() }()
	ctx := context.Background()
	ns := "baseline"
	if err := c.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		b.Fatal(err)
	}
	sas := make([]*boringv1alpha1.SocialAccount, n)
	if err := parallel(n, func(i int) error {
		sas[i] = &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sa-%06d", i), Namespace: ns},
			Spec:       ws[i].spec,
		}
		return c.client.Create(ctx, sas[i])
	}); err != nil {
		b.Fatal(err)
	}
	w0, cpu0 := c.writeTime(b), c.cpu(b)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	start := time.Now()
	profiled := c.profileCPU(envInt("BENCH_CPU_PROFILE_SECONDS", 8), fmt.Sprintf("baseline-%d", n))
	// The span ends as the manager's does: when a watch has seen every
	// SocialAccount Ready.
	wrote := make(chan error, 1)
	go func() {
		err := writeAsManager(ctx, c, ns, sas, ws)
		if err != nil {
			cancel()
		}
		wrote <- err
	}()
	_, watchErr := watchReady(ctx, c, ns, n)
	if err := <-wrote; err != nil {
		b.Fatal(err)
	}
	if watchErr != nil {
		b.Fatal(watchErr)
	}
	span := time.Since(start)
	if err := <-profiled; err != nil {
		b.Fatal(err)
	}
	return span, c.writeTime(b).meanSince(w0), c.cpu(b).since(cpu0)
}

// writeAsManager writes, at the manager's concurrency, what the manager
// wrote for each SocialAccount.
func writeAsManager(ctx context.Context, c *cluster, ns string, sas []*boringv1alpha1.SocialAccount, ws []written) error {
	return parallel(len(sas), func(i int) error {
		sa, w := sas[i], ws[i]
		base := sa.DeepCopy()
		sa.Finalizers = []string{boringv1alpha1.Finalizer}
		if err := c.client.Patch(ctx, sa, client.MergeFrom(base)); err != nil {
			return err
		}
		ref := metav1.NewControllerRef(sa, boringv1alpha1.GroupVersion.WithKind("SocialAccount"))
		if err := c.client.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: sa.Name, Namespace: ns, Labels: w.secret.Labels, Annotations: w.secret.Annotations,
				OwnerReferences: []metav1.OwnerReference{*ref}},
			Type: w.secret.Type,
			Data: w.secret.Data,
		}, client.FieldOwner("boring-operator")); err != nil {
			return err
		}
		base = sa.DeepCopy()
		sa.Status = *w.status.DeepCopy()
		if err := c.client.Status().Patch(ctx, sa, client.MergeFrom(base)); err != nil {
			return err
		}
		ev := w.event.DeepCopy()
		now := time.Now()
		ev.ObjectMeta = metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", sa.Name, now.UnixNano()), Namespace: ns}
		ev.EventTime = metav1.NewMicroTime(now)
		ev.Regarding = corev1.ObjectReference{Kind: "SocialAccount", APIVersion: boringv1alpha1.GroupVersion.String(),
			Namespace: ns, Name: sa.Name, UID: sa.UID, ResourceVersion: sa.ResourceVersion}
		return c.client.Create(ctx, ev)
	})
}

// report appends a markdown row to $BENCH_REPORT, if set.
func report(b *testing.B, file, row string) {
	b.Helper()
	dir := os.Getenv("BENCH_REPORT_DIR")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, file), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := fmt.Fprintln(f, row); err != nil {
		b.Fatal(err)
	}
}
