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

package cli

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

// The page: plain HTML, CSS and JS embedded in the binary, nothing fetched
// from elsewhere at run time.
//
//go:embed dashboard
var dashboardFiles embed.FS

var indexTemplate = template.Must(template.ParseFS(dashboardFiles, "dashboard/index.html"))

// contentSecurityPolicy lets the page load only its own files: no inline
// script or style, no other origin, no framing.
const contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// csrfHeader carries the per-process token on state-changing requests. A
// custom header also makes a cross-origin fetch need a CORS preflight, which
// the dashboard never grants.
const csrfHeader = "X-CSRF-Token"

// handler serves the page, its files, the state, the event stream and the
// sync requests, behind the Host and Origin checks.
func (d *dashboard) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.serveIndex)
	static, _ := fs.Sub(dashboardFiles, "dashboard/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/state", d.serveState)
	mux.HandleFunc("GET /api/events", d.serveEvents)
	mux.HandleFunc("POST /api/sync", d.serveSync)
	return d.guard(mux)
}

// guard answers only requests whose Host is this server (a DNS-rebinding
// page sends its own name), and sets the security headers on every answer.
func (d *dashboard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !d.hostAllowed(r.Host) {
			d.refuse(w, r, http.StatusMisdirectedRequest, "this dashboard answers only to "+d.origin())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed accepts the bound port under an IP literal or "localhost".
// A DNS-rebinding attack needs a name of its own that resolves here, so any
// other name is refused; an IP literal cannot be rebound.
func (d *dashboard) hostAllowed(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port != d.port {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return d.localhost
	}
	return net.ParseIP(host) != nil
}

// origin is the page's own origin, as browsers send it in Origin.
func (d *dashboard) origin() string { return "http://" + d.addr }

// sameOrigin accepts a state-changing request only from the page itself:
// Origin must be this server (under the name the browser used, which
// hostAllowed checked) and the per-process token must match.
func (d *dashboard) sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" || origin != "http://"+r.Host {
		return fmt.Errorf("cross-origin request refused (Origin %q)", origin)
	}
	token := r.Header.Get(csrfHeader)
	if subtle.ConstantTimeCompare([]byte(token), []byte(d.csrf)) != 1 {
		return fmt.Errorf("missing or wrong %s", csrfHeader)
	}
	return nil
}

func (d *dashboard) serveIndex(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	if err := indexTemplate.Execute(&b, map[string]any{"CSRF": d.csrf, "State": d.snapshot()}); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func (d *dashboard) serveState(w http.ResponseWriter, _ *http.Request) {
	writeDashboardJSON(w, http.StatusOK, d.snapshot())
}

// serveEvents streams server-sent events: the whole state first, then each
// change. A subscriber that falls behind is dropped; EventSource reconnects
// and starts again from a whole state.
func (d *dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, snap := d.subscribe()
	defer d.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := writeEvent(w, "snapshot", snap); err != nil {
		return
	}
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, open := <-ch:
			if !open {
				return
			}
			if _, err := w.Write(msg); err != nil {
				return
			}
		case <-keepalive.C:
			if _, err := w.Write([]byte(": keepalive\n\n")); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

// sseMessage encodes one server-sent event.
func sseMessage(event string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return []byte("event: " + event + "\ndata: " + string(data) + "\n\n"), nil
}

func writeEvent(w http.ResponseWriter, event string, v any) error {
	msg, err := sseMessage(event, v)
	if err != nil {
		return err
	}
	_, err = w.Write(msg)
	return err
}

// serveSync sets the sync-request annotation on one SocialAccount, with the
// user's rights, as `kubectl boring sync` does.
func (d *dashboard) serveSync(w http.ResponseWriter, r *http.Request) {
	if err := d.sameOrigin(r); err != nil {
		d.refuse(w, r, http.StatusForbidden, err.Error())
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		d.refuse(w, r, http.StatusUnsupportedMediaType, "want application/json")
		return
	}
	var req struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	if err := dec.Decode(&req); err != nil || req.Namespace == "" || req.Name == "" {
		writeDashboardJSON(w, http.StatusBadRequest, errorBody("want {\"namespace\": ..., \"name\": ...}"))
		return
	}
	if d.scope != "" && req.Namespace != d.scope {
		writeDashboardJSON(w, http.StatusForbidden, errorBody("namespace "+req.Namespace+" is not shown here"))
		return
	}
	key := types.NamespacedName{Namespace: req.Namespace, Name: req.Name}
	value := d.now().UTC().Format(time.RFC3339Nano)
	if err := requestSync(r.Context(), d.client, key, value); err != nil {
		status := http.StatusBadGateway
		switch {
		case apierrors.IsForbidden(err):
			status = http.StatusForbidden
		case apierrors.IsNotFound(err):
			status = http.StatusNotFound
		}
		writeDashboardJSON(w, status, errorBody(apiError(err, "patch", "socialaccount", key).Error()))
		return
	}
	writeDashboardJSON(w, http.StatusOK, map[string]string{"requested": value})
}

// refuse answers a request the checks turned away, and says so on the
// terminal: a refused request is someone else's page trying.
func (d *dashboard) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d.logf("refused %s %s (Host %q, Origin %q): %s", r.Method, r.URL.Path, r.Host, r.Header.Get("Origin"), msg)
	writeDashboardJSON(w, status, errorBody(msg))
}

func writeDashboardJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is the JSON of a refused or failed request.
func errorBody(msg string) map[string]string { return map[string]string{"error": msg} }
