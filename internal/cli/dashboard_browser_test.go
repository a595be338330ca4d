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

package cli_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/aiagent-me/boring-operator/internal/cli"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

// chromiumPath finds Debian's chromium ($CHROMIUM first).
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium for one test and returns its tab. It
// fails under CI=true when Chromium is missing, and skips elsewhere.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		const msg = "chromium not found: the dashboard's browser tests need Debian's chromium (`make test` installs it when run as root; or apt-get install chromium)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		// Chromium's own traffic (updates, sync, metrics, QUIC probes) is
		// off: the tests talk to loopback only, and names resolve to nothing.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium (%s): %v", path, err)
	}
	return ctx
}

// syncBuffer is safe for concurrent writers: the dashboard's goroutines,
// the in-process operator's log.
type syncBuffer = envtestutil.SyncBuffer

// dashboardRun is one `kubectl boring dashboard` running in-process.
type dashboardRun struct {
	url            string
	stdout, stderr *syncBuffer
	stop           func()
}

// startDashboard runs the dashboard as kubeconfig's user with --open, whose
// opener hands the URL to the test, until stop or the end of the test.
func (f *fixture) startDashboard(t *testing.T, kubeconfig string, args ...string) *dashboardRun {
	t.Helper()
	run := &dashboardRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	urls := make(chan string, 1)
	o := &cli.Options{
		IOStreams:   genericiooptions.IOStreams{In: strings.NewReader(""), Out: run.stdout, ErrOut: run.stderr},
		ConfigFlags: genericclioptions.NewConfigFlags(true), Now: time.Now,
		OpenBrowser: func(url string) error { urls <- url; return nil },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	argv := append([]string{"--kubeconfig", kubeconfig, "dashboard", "--open", "--boring-url", f.backend.URL()}, args...)
	go func() { done <- cli.Execute(ctx, o.Command(), argv, run.stderr) }()
	var once sync.Once
	run.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("dashboard exited %d: %s", code, run.stderr)
				}
			case <-time.After(30 * time.Second):
				t.Error("the dashboard did not stop within 30 s of its context")
			}
		})
	}
	t.Cleanup(run.stop)
	select {
	case run.url = <-urls:
	case code := <-done:
		t.Fatalf("dashboard exited %d before serving: %s", code, run.stderr)
	case <-time.After(time.Minute):
		t.Fatalf("the dashboard did not start within a minute: %s", run.stderr)
	}
	return run
}

// grantClipboard lets the page at origin read and write the clipboard, as a
// person answering the browser's prompt would.
func grantClipboard(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: origin,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
}

// focused makes the page behave as the focused window, as it is for a
// person using it (the Clipboard API needs focus; headless has no window).
func focused() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
}

func darkMode(on bool) chromedp.Action[chromedp.Void] {
	value := "light"
	if on {
		value = "dark"
	}
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}}})
		return err
	})
}

func timezone(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: id})
		return err
	})
}

// evaluate runs JavaScript in the page and decodes its result.
func evaluate[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript predicate in the page until it holds.
func waitFor(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, predicate, err)
	}
}
