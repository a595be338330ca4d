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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// reconnectURL is the --dashboard-url of the tests: the Reconnect links must
// follow it.
const reconnectURL = "https://boring.example.com/connect"

// testDashboard runs `kubectl boring dashboard` against the fixture and
// drives it in headless Chromium.
func testDashboard(f *fixture) {
	t := f.t
	ctx := newBrowser(t)
	ns := "dash"
	owner := f.namespace(ns)
	now := time.Now()
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, a := range []boringtest.Account{
		{ID: "dash-ig-ok", Platform: "instagram", Valid: true, ExpiresAt: at(40*day + time.Hour), Name: "clientabakery", PlatformID: "1"},
		{ID: "dash-th-soon", Platform: "threads", Valid: true, ExpiresAt: at(3*day + time.Hour), Name: "clientanews", PlatformID: "2"},
		{ID: "dash-ig-invalid", Platform: "instagram", Valid: false, ExpiresAt: at(20 * day), Name: "clientbflowers", PlatformID: "3"},
		{ID: "dash-fb", Platform: "facebook", Valid: true, DataAccessExpiresAt: at(80*day + time.Hour), Name: "Client A Bakery", PlatformID: "4"},
		{ID: "dash-th-live", Platform: "threads", Valid: true, ExpiresAt: at(50 * day), Name: "clientalive", PlatformID: "5"},
		{ID: "dash-unmapped", Platform: "instagram", Valid: true, ExpiresAt: at(30 * day), Name: "clientcnew", PlatformID: "6"},
	} {
		f.backend.AddAccount(owner, a)
	}
	f.socialAccount(ns, "bakery-instagram", boringv1alpha1.SocialAccountSpec{AccountID: "dash-ig-ok",
		RolloutRestartTargets: []boringv1alpha1.RolloutTarget{{Kind: boringv1alpha1.RolloutTargetDeployment, Name: "publisher"}}})
	f.socialAccount(ns, "news-threads", boringv1alpha1.SocialAccountSpec{AccountID: "dash-th-soon"})
	f.socialAccount(ns, "flowers-instagram", boringv1alpha1.SocialAccountSpec{AccountID: "dash-ig-invalid"})
	f.socialAccount(ns, "bakery-facebook", boringv1alpha1.SocialAccountSpec{Platform: boringv1alpha1.PlatformFacebook, PlatformAccountID: "4"})
	f.socialAccount(ns, "live-threads", boringv1alpha1.SocialAccountSpec{AccountID: "dash-th-live"})
	f.waitSynced(ns, 5)
	other := "dash-other"
	f.oneAccount(other, "other-threads", true)

	run := f.startDashboard(t, f.kubeconfig, "-n", ns, "--dashboard-url", reconnectURL)
	u, err := url.Parse(run.url)
	must(t, err)
	if host := u.Hostname(); host != "127.0.0.1" {
		t.Errorf("the dashboard listens on %s by default, want loopback 127.0.0.1", u.Host)
	}
	origin := u.Scheme + "://" + u.Host
	grantClipboard(t, ctx, origin)
	must(t, chromedp.Do(ctx, timezone("UTC"), focused(), chromedp.EmulateViewport(1280, 900), chromedp.Navigate(run.url)))
	waitFor(t, ctx, "five rows", `document.querySelectorAll("#accounts li.account").length === 5`, 20*time.Second)

	t.Run("rows and order", func(t *testing.T) {
		got := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("#accounts li.account")).map(e => e.dataset.key + " " + e.dataset.state)`)
		want := []string{"dash/flowers-instagram bad", "dash/news-threads expiring", "dash/bakery-instagram ok",
			"dash/live-threads ok", "dash/bakery-facebook ok"}
		if !slices.Equal(got, want) {
			t.Errorf("rows, most urgent first:\n got %q\nwant %q", got, want)
		}
		row := func(key string) string {
			return evaluate[string](t, ctx, fmt.Sprintf(`document.querySelector('#accounts li[data-key=%q]').innerText`, key))
		}
		for key, wants := range map[string][]string{
			"dash/flowers-instagram": {"Token invalid", "clientbflowers", "The token is invalid: reconnect the account in Boring", "dash-ig-invalid"},
			"dash/news-threads":      {"Expiring", "3 days left", "warning window 7 days", "threads", "Secret news-threads"},
			"dash/bakery-instagram":  {"OK", "40 days left", "restarts Deployment publisher", "credentials dash/boring-session", "dash-ig-ok"},
			"dash/bakery-facebook":   {"80 days left (data access)", "Client A Bakery"},
		} {
			text := row(key)
			for _, w := range wants {
				if !strings.Contains(text, w) {
					t.Errorf("row %s lacks %q:\n%s", key, w, text)
				}
			}
		}
		if id := evaluate[string](t, ctx, `document.querySelector('li[data-key="dash/news-threads"] button.copy').dataset.accountId`); id != "dash-th-soon" {
			t.Errorf("Copy ID of news-threads carries %q, want dash-th-soon", id)
		}
		links := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("#accounts a.reconnect")).map(a => a.href)`)
		if len(links) != 5 || links[0] != reconnectURL {
			t.Errorf("Reconnect links %q, want 5 to %s", links, reconnectURL)
		}
		waitFor(t, ctx, "the unmapped account and the credentials' health",
			`document.querySelector('#unmapped li[data-account-id="dash-unmapped"]') !== null && document.querySelector('#credentials li[data-key="dash/boring-session"][data-state="ok"]') !== null`, 10*time.Second)
		if s := evaluate[string](t, ctx, `document.getElementById("summary").innerText`); s != "2 of 5 SocialAccounts need attention · 1 unmapped in Boring" {
			t.Errorf("header: %q", s)
		}
		// Every control can be reached with the keyboard and has a name.
		unnamed := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("button, a")).filter(e => e.tabIndex < 0 || !(e.getAttribute("aria-label") || e.innerText.trim())).map(e => e.outerHTML)`)
		if len(unnamed) > 0 {
			t.Errorf("controls without a name or out of the tab order: %q", unnamed)
		}
	})

	t.Run("copy ID", func(t *testing.T) {
		evaluate[chromedp.Void](t, ctx, `navigator.clipboard.writeText("nothing yet")`, chromedp.EvalAwaitPromise)
		sel := `li[data-key="dash/bakery-instagram"] button.copy`
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))))
		waitFor(t, ctx, "the Copied feedback", `document.querySelector('li[data-key="dash/bakery-instagram"] .feedback').innerText === "Copied"`, 5*time.Second)
		if got := evaluate[string](t, ctx, `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise); got != "dash-ig-ok" {
			t.Errorf("the clipboard holds %q, want the account ID dash-ig-ok", got)
		}
	})

	t.Run("sync now", func(t *testing.T) {
		lists := f.backend.CountFor(boringtest.EndpointList, owner)
		evaluate[chromedp.Void](t, ctx, `window.notReloaded = true`)
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`li[data-key="dash/news-threads"] button.sync`))))
		waitFor(t, ctx, "the sync handled", `document.querySelector('li[data-key="dash/news-threads"] .sync-state.handled') !== null`, 30*time.Second)
		sa := &boringv1alpha1.SocialAccount{}
		must(t, f.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "news-threads"}, sa))
		requested := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]
		if requested == "" || sa.Status.LastHandledSyncRequest != requested {
			t.Errorf("annotation %q, handled %q", requested, sa.Status.LastHandledSyncRequest)
		}
		if got := f.backend.CountFor(boringtest.EndpointList, owner); got <= lists {
			t.Errorf("Sync now listed no fresh accounts in Boring (%d lists before, %d after)", lists, got)
		}
		if !evaluate[bool](t, ctx, `window.notReloaded === true`) {
			t.Error("the page reloaded")
		}
	})

	t.Run("invalid turns red live", func(t *testing.T) {
		key := `li[data-key="dash/live-threads"]`
		if state := evaluate[string](t, ctx, `document.querySelector('`+key+`').dataset.state`); state != "ok" {
			t.Fatalf("live-threads starts %q, want ok", state)
		}
		must(t, f.backend.UpdateAccount("dash-th-live", func(a *boringtest.Account) { a.Valid = false }))
		start := time.Now()
		requestSyncAs(t, f, types.NamespacedName{Namespace: ns, Name: "live-threads"})
		waitFor(t, ctx, "live-threads to turn red", `document.querySelector('`+key+`').dataset.state === "bad"`, 30*time.Second)
		t.Logf("token made invalid in the stand-in -> operator sync -> red on the page: %s", time.Since(start).Round(time.Millisecond))
		if !evaluate[bool](t, ctx, `window.notReloaded === true`) {
			t.Error("the page reloaded")
		}
		color := evaluate[string](t, ctx, `getComputedStyle(document.querySelector('`+key+` .badge')).color`)
		if color != "rgb(180, 35, 24)" {
			t.Errorf("the invalid row's badge is %s, want the red rgb(180, 35, 24)", color)
		}
		if text := evaluate[string](t, ctx, `document.querySelector('`+key+` .badge').innerText`); text != "Token invalid" {
			t.Errorf("the badge says %q: colour alone must not carry the state", text)
		}
	})

	t.Run("connection lost and back", func(t *testing.T) {
		// A second dashboard, stopped under the page: the page says so, and
		// comes back by itself when a dashboard serves the port again.
		second := f.startDashboard(t, f.kubeconfig, "-n", ns)
		must(t, chromedp.Do(ctx, chromedp.Navigate(second.url)))
		waitFor(t, ctx, "rows", `document.querySelectorAll("#accounts li.account").length === 5`, 20*time.Second)
		evaluate[chromedp.Void](t, ctx, `window.notReloaded = true`)
		second.stop()
		waitFor(t, ctx, "the lost-connection notice", `!document.getElementById("connection").hidden`, 20*time.Second)
		su, err := url.Parse(second.url)
		must(t, err)
		f.startDashboard(t, f.kubeconfig, "-n", ns, "--port", su.Port())
		waitFor(t, ctx, "the page to reconnect", `document.getElementById("connection").hidden && document.querySelectorAll("#accounts li.account").length === 5`, 30*time.Second)
		if !evaluate[bool](t, ctx, `window.notReloaded === true`) {
			t.Error("the page reloaded")
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(run.url)))
		waitFor(t, ctx, "rows", `document.querySelectorAll("#accounts li.account").length === 5`, 20*time.Second)
	})

	t.Run("screenshots", func(t *testing.T) { screenshots(t, ctx) })

	t.Run("cross-origin POST refused", func(t *testing.T) {
		// Another page on another loopback port tries to press Sync now.
		attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = fmt.Fprintf(w, `<!doctype html><script>
window.results = [];
const body = JSON.stringify({namespace: "dash", name: "bakery-facebook"});
Promise.allSettled([
  fetch(%[1]q, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body}).then(() => "sent", e => "error " + e),
  fetch(%[1]q, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": "guess"}, body}).then(r => "answered " + r.status, e => "blocked " + e),
]).then(r => { window.results = r.map(x => x.value); window.done = true; });
</script>`, run.url+"api/sync")
		}))
		defer attacker.Close()
		must(t, chromedp.Do(ctx, chromedp.Navigate(attacker.URL)))
		waitFor(t, ctx, "the attacker's requests", `window.done === true`, 10*time.Second)
		results := evaluate[[]string](t, ctx, `window.results`)
		if len(results) != 2 || !strings.HasPrefix(results[1], "blocked") {
			t.Errorf("the cross-origin fetch with the token header was not blocked by the browser: %q", results)
		}
		if !strings.Contains(run.stderr.String(), fmt.Sprintf("refused POST /api/sync (Host %q, Origin %q)", u.Host, attacker.URL)) {
			t.Errorf("the dashboard did not refuse the cross-origin POST:\n%s", run.stderr)
		}
		sa := &boringv1alpha1.SocialAccount{}
		must(t, f.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "bakery-facebook"}, sa))
		if v, ok := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]; ok {
			t.Errorf("a cross-origin page requested a sync (%q)", v)
		}
	})

	t.Run("security checks", func(t *testing.T) { testDashboardSecurity(t, f, run) })

	// Last on this namespace: it breaks its session.
	t.Run("credentials health", func(t *testing.T) {
		must(t, chromedp.Do(ctx, chromedp.Navigate(run.url)))
		waitFor(t, ctx, "rows", `document.querySelectorAll("#accounts li.account").length === 5`, 20*time.Second)
		f.backend.RevokeSession(ns + "-session")
		requestSyncAs(t, f, types.NamespacedName{Namespace: ns, Name: "bakery-instagram"})
		cred := `document.querySelector('#credentials li[data-key="dash/boring-session"]')`
		waitFor(t, ctx, "the credentials Secret marked rejected", cred+`.dataset.state === "bad"`, 30*time.Second)
		if text := evaluate[string](t, ctx, cred+`.innerText`); !strings.Contains(text, "Session rejected") {
			t.Errorf("the credentials Secret says %q", text)
		}
		waitFor(t, ctx, "the row's failed sync", `document.querySelector('li[data-key="dash/bakery-instagram"] .sync-problem') !== null`, 10*time.Second)
		if s := evaluate[string](t, ctx, `document.getElementById("summary").innerText`); !strings.Contains(s, "1 credentials Secret rejected") {
			t.Errorf("header: %q", s)
		}
	})

	t.Run("one namespace of rights", func(t *testing.T) {
		bg := context.Background()
		must(t, f.c.Create(bg, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "socialaccount-viewer"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{boringv1alpha1.GroupVersion.Group}, Resources: []string{"socialaccounts"}, Verbs: []string{"get", "list", "watch"}}}}))
		must(t, f.c.Create(bg, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "socialaccount-viewer"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "socialaccount-viewer"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "dash-viewer"}}}))
		viewer := writeKubeconfig(t, f.env, "dash-viewer", nil)
		waitAllowed(t, f, "dash-viewer", other)
		view := f.startDashboard(t, viewer, "-A", "-n", other)
		if !strings.Contains(view.stdout.String(), "Dashboard of namespace dash-other: ") {
			t.Errorf("the dashboard did not say it fell back to dash-other: %s", view.stdout)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(view.url)))
		waitFor(t, ctx, "the one row", `document.querySelectorAll("#accounts li.account").length === 1`, 20*time.Second)
		keys := evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("#accounts li.account")).map(e => e.dataset.key)`)
		if !slices.Equal(keys, []string{"dash-other/other-threads"}) {
			t.Errorf("a user with rights in dash-other sees %q", keys)
		}
		note := evaluate[string](t, ctx, `document.getElementById("note").hidden ? "" : document.getElementById("note").innerText`)
		if !strings.Contains(note, "You may not list SocialAccounts in all namespaces: showing namespace dash-other") {
			t.Errorf("the page does not say it shows one namespace: %q", note)
		}
		// Sync now needs patch, which this user lacks: the page says so.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`li[data-key="dash-other/other-threads"] button.sync`))))
		waitFor(t, ctx, "the refusal", `document.querySelector('li[data-key="dash-other/other-threads"] .sync-state.error') !== null`, 10*time.Second)
		if msg := evaluate[string](t, ctx, `document.querySelector('li[data-key="dash-other/other-threads"] .sync-state').innerText`); !strings.Contains(msg, "forbidden") {
			t.Errorf("Sync now without the right to patch says %q", msg)
		}
	})
}

// requestSyncAs sets the sync-request annotation as the admin would with
// kubectl boring sync.
func requestSyncAs(t *testing.T, f *fixture, key types.NamespacedName) {
	t.Helper()
	r := f.run("sync", key.Name, "-n", key.Namespace)
	if r.code != 0 {
		t.Fatalf("sync: %s", r.stderr)
	}
}

// screenshots saves the page wide, narrow and dark: into docs/dashboard/
// with UPDATE_DASHBOARD_SCREENSHOTS=1, else into a temporary folder (the
// shots are still taken, and docs/dashboard.md must show each file).
func screenshots(t *testing.T, ctx context.Context) {
	dir := t.TempDir()
	docs := filepath.Join("..", "..", "docs")
	update := os.Getenv("UPDATE_DASHBOARD_SCREENSHOTS") != ""
	if update {
		dir = filepath.Join(docs, "dashboard")
		must(t, os.MkdirAll(dir, 0o755))
	}
	// The header's counts and the rows are drawn; the time-dependent
	// feedback is not part of the picture.
	shots := []struct {
		file          string
		width, height int64
		dark          bool
	}{
		{"dashboard-wide.png", 1280, 900, false},
		{"dashboard-narrow.png", 360, 780, false},
		{"dashboard-dark.png", 1280, 900, true},
	}
	for _, s := range shots {
		must(t, chromedp.Do(ctx, darkMode(s.dark), chromedp.EmulateViewport(s.width, s.height)))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, err)
		if len(png) < 1000 || !strings.HasPrefix(string(png), "\x89PNG") {
			t.Fatalf("%s: not a PNG (%d bytes)", s.file, len(png))
		}
		must(t, os.WriteFile(filepath.Join(dir, s.file), png, 0o644))
	}
	must(t, chromedp.Do(ctx, darkMode(false), chromedp.EmulateViewport(1280, 900)))
	md, err := os.ReadFile(filepath.Join(docs, "dashboard.md"))
	must(t, err)
	for _, s := range shots {
		if !strings.Contains(string(md), "](dashboard/"+s.file+")") {
			t.Errorf("docs/dashboard.md does not show dashboard/%s", s.file)
		}
		if _, err := os.Stat(filepath.Join(docs, "dashboard", s.file)); err != nil {
			t.Errorf("docs/dashboard/%s is missing (UPDATE_DASHBOARD_SCREENSHOTS=1 make test writes it): %v", s.file, err)
		}
	}
	if update {
		t.Logf("wrote the screenshots into %s", dir)
	}
}

// testDashboardSecurity checks the headers and the checks of a state change
// with plain HTTP requests, each of which a browser page could send.
func testDashboardSecurity(t *testing.T, f *fixture, run *dashboardRun) {
	u, err := url.Parse(run.url)
	must(t, err)
	page, header := get(t, run.url, "")
	csp := header.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q, want default-src 'self'", csp)
	}
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	token := m[1]
	for _, path := range []string{"static/app.js", "static/app.css", "api/state"} {
		if _, h := get(t, run.url+path, ""); h.Get("Content-Security-Policy") != csp {
			t.Errorf("%s: Content-Security-Policy %q", path, h.Get("Content-Security-Policy"))
		}
	}
	// DNS rebinding: a name that resolves here but is not ours.
	if status := getStatus(t, run.url, "rebind.example:"+u.Port()); status != http.StatusMisdirectedRequest {
		t.Errorf("Host rebind.example: status %d, want 421", status)
	}
	if status := getStatus(t, run.url, "localhost:"+u.Port()); status != http.StatusOK {
		t.Errorf("Host localhost: status %d, want 200", status)
	}
	if status := getStatus(t, run.url, "127.0.0.1:1"); status != http.StatusMisdirectedRequest {
		t.Errorf("Host with another port: status %d, want 421", status)
	}
	origin := "http://" + u.Host
	target := types.NamespacedName{Namespace: "dash", Name: "bakery-facebook"}
	body := `{"namespace":"dash","name":"bakery-facebook"}`
	for name, tc := range map[string]struct {
		origin, token, contentType, host string
		want                             int
	}{
		"other origin":     {origin: "http://127.0.0.1:1", token: token, contentType: "application/json", want: http.StatusForbidden},
		"no origin":        {token: token, contentType: "application/json", want: http.StatusForbidden},
		"no token":         {origin: origin, contentType: "application/json", want: http.StatusForbidden},
		"wrong token":      {origin: origin, token: token + "x", contentType: "application/json", want: http.StatusForbidden},
		"a form's type":    {origin: origin, token: token, contentType: "application/x-www-form-urlencoded", want: http.StatusUnsupportedMediaType},
		"rebinding host":   {origin: "http://rebind.example:" + u.Port(), token: token, contentType: "application/json", host: "rebind.example:" + u.Port(), want: http.StatusMisdirectedRequest},
		"other namespace":  {origin: origin, token: token, contentType: "application/json", want: http.StatusForbidden},
		"missing resource": {origin: origin, token: token, contentType: "application/json", want: http.StatusNotFound},
	} {
		b := body
		switch name {
		case "other namespace":
			b = `{"namespace":"dash-other","name":"other-threads"}`
		case "missing resource":
			b = `{"namespace":"dash","name":"nope"}`
		}
		if got := post(t, run.url+"api/sync", b, tc.origin, tc.token, tc.contentType, tc.host); got != tc.want {
			t.Errorf("%s: status %d, want %d", name, got, tc.want)
		}
	}
	sa := &boringv1alpha1.SocialAccount{}
	must(t, f.c.Get(context.Background(), target, sa))
	if v, ok := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]; ok {
		t.Fatalf("a refused request set the annotation to %q", v)
	}
	// The same request from the page itself goes through.
	if got := post(t, run.url+"api/sync", body, origin, token, "application/json", ""); got != http.StatusOK {
		t.Errorf("the page's own request: status %d, want 200", got)
	}
	must(t, f.c.Get(context.Background(), target, sa))
	if sa.Annotations[boringv1alpha1.SyncRequestedAnnotation] == "" {
		t.Error("the page's own sync request did not set the annotation")
	}
}

func get(t *testing.T, u, host string) (string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	must(t, err)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(b), resp.Header
}

func getStatus(t *testing.T, u, host string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	must(t, err)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func post(t *testing.T, u, body, origin, token, contentType, host string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	must(t, err)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	req.Header.Set("Content-Type", contentType)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// waitAllowed waits until RBAC lets user list SocialAccounts in ns (the
// authorizer sees a new binding a moment later).
func waitAllowed(t *testing.T, f *fixture, user, ns string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		review := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: user,
			ResourceAttributes: &authzv1.ResourceAttributes{Namespace: ns, Verb: "watch",
				Group: boringv1alpha1.GroupVersion.Group, Resource: "socialaccounts"}}}
		if err := f.c.Create(ctx, review); err != nil {
			return false, err
		}
		return review.Status.Allowed, nil
	})
	if err != nil {
		t.Fatalf("RBAC never let %s watch SocialAccounts in %s: %v", user, ns, err)
	}
}
