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

// Package accountapi serves Boring's documented account endpoints
// (GET /api/accounts, DELETE /api/accounts/{account_id}, POST /api/token/info)
// over the cluster's SocialAccounts, from the manager's cache, so scripts and
// dashboards written for Boring work against the cluster. Callers present a
// Kubernetes bearer token (header or session cookie); they see and delete
// only what RBAC lets them list, get and delete.
package accountapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// maxBodyBytes bounds a request body; token info bodies are tiny.
const maxBodyBytes = 64 << 10

// Handler serves the account API.
type Handler struct {
	// Reader lists SocialAccounts, normally the manager's cache.
	Reader client.Reader
	// Writer deletes SocialAccounts.
	Writer client.Writer
	// Recorder records who deleted a SocialAccount (optional).
	Recorder events.EventRecorder
	Auth     Authorizer
	Clock    clock.PassiveClock
	// ResponseTTL is how long an answer of GET /api/accounts may be reused
	// for one caller while no SocialAccount changes. Every reuse also asks
	// Auth again for the access decisions the answer rests on, so revoked
	// access stops showing data as soon as a review would. Zero reuses
	// nothing.
	ResponseTTL time.Duration
	// Keepers decides whether another SocialAccount keeps an account
	// connected: the controller's own decision, so the DELETE answer says
	// what the controller will do. Without it the answer says the operator
	// decides.
	Keepers Keepers

	mux       *http.ServeMux
	responses *responseCache
}

// Keepers finds another SocialAccount that keeps sa's account connected in
// Boring (leaving marks those deleted with it); an error means it cannot be
// told. The SocialAccount controller implements it.
type Keepers interface {
	KeptBy(ctx context.Context, sa *boringv1alpha1.SocialAccount, leaving func(*boringv1alpha1.SocialAccount) bool) (*boringv1alpha1.SocialAccount, error)
}

// NewHandler returns the API's http.Handler.
func NewHandler(reader client.Reader, writer client.Writer, auth Authorizer, clk clock.PassiveClock) *Handler {
	if clk == nil {
		clk = clock.RealClock{}
	}
	h := &Handler{Reader: reader, Writer: writer, Auth: auth, Clock: clk, mux: http.NewServeMux(), responses: newResponseCache()}
	h.mux.HandleFunc("GET /api/accounts", h.authenticated(h.list))
	h.mux.HandleFunc("DELETE /api/accounts/{account_id}", h.authenticated(h.delete))
	h.mux.HandleFunc("POST /api/token/info", h.authenticated(h.tokenInfo))
	// Known paths with another method: 405 in the documented error shape.
	h.mux.HandleFunc("/api/accounts", methodNotAllowed(http.MethodGet))
	h.mux.HandleFunc("/api/accounts/{account_id}", methodNotAllowed(http.MethodDelete))
	h.mux.HandleFunc("/api/token/info", methodNotAllowed(http.MethodPost))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "No such endpoint")
	})
	return h
}

// ServeHTTP implements http.Handler; a panic answers 500 without a trace.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logf.FromContext(r.Context()).Error(nil, "Account API handler panicked", "path", r.URL.Path)
			writeError(w, http.StatusInternalServerError, wire.ErrorInternalServerError, "Internal error")
		}
	}()
	// ServeMux would redirect unclean paths with an HTML body; an API client
	// gets a JSON 404 instead.
	if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != p {
		writeError(w, http.StatusNotFound, "NotFound", "No such endpoint")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use "+allow)
	}
}

type authedHandler func(w http.ResponseWriter, r *http.Request, caller *Caller)

// authenticated runs next for callers with a valid Kubernetes token, given as
// "Authorization: Bearer <token>" or as the session cookie.
func (h *Handler) authenticated(next authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := bearerToken(r)
		if token == "" {
			writeError(w, http.StatusUnauthorized, wire.ErrorUnauthorized, "A Kubernetes bearer token is required (Authorization: Bearer, or the session cookie)")
			return
		}
		caller, err := h.Auth.Authenticate(r.Context(), token)
		if errors.Is(err, ErrReviewBudget) {
			writeRateLimited(w)
			return
		}
		if err != nil {
			logf.FromContext(r.Context()).Error(err, "Failed to review a token")
			writeError(w, http.StatusServiceUnavailable, wire.ErrorServiceUnavailable, "Could not check the token; try again")
			return
		}
		if caller == nil {
			writeError(w, http.StatusUnauthorized, wire.ErrorUnauthorized, "The token was not accepted")
			return
		}
		next(w, r, caller)
	}
}

func bearerToken(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	if c, err := r.Cookie("session"); err == nil {
		return c.Value
	}
	return ""
}

// accountList is Boring's list shape (wire.AccountList) with our entries.
type accountList struct {
	Accounts []account `json:"accounts"`
}

// account is one entry of GET /api/accounts: Boring's documented fields plus
// where the SocialAccount lives.
type account struct {
	wire.Account
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func toAccount(sa *boringv1alpha1.SocialAccount) account {
	return account{Namespace: sa.Namespace, Name: sa.Name, Account: mapping.AccountOf(sa)}
}

// visible filters SocialAccounts to the synced, live ones in namespaces where
// caller may do verb. One review per namespace, cached.
func (h *Handler) visible(ctx context.Context, caller *Caller, verb string, items []boringv1alpha1.SocialAccount) ([]*boringv1alpha1.SocialAccount, error) {
	sas, _, err := h.visibleBecause(ctx, caller, verb, items)
	return sas, err
}

// visibleBecause is visible that also returns the access decisions the
// answer rests on: namespace ("" for every namespace) -> allowed.
func (h *Handler) visibleBecause(ctx context.Context, caller *Caller, verb string, items []boringv1alpha1.SocialAccount) ([]*boringv1alpha1.SocialAccount, map[string]bool, error) {
	all, err := h.Auth.Allowed(ctx, caller, verb, "")
	if err != nil {
		return nil, nil, err
	}
	allowed := map[string]bool{"": all}
	out := make([]*boringv1alpha1.SocialAccount, 0, len(items))
	for i := range items {
		sa := &items[i]
		if !sa.DeletionTimestamp.IsZero() || sa.Status.Platform == "" {
			continue
		}
		ok, seen := allowed[sa.Namespace]
		if !all && !seen {
			if ok, err = h.Auth.Allowed(ctx, caller, verb, sa.Namespace); err != nil {
				return nil, nil, err
			}
			allowed[sa.Namespace] = ok
		}
		if all || ok {
			out = append(out, sa)
		}
	}
	slices.SortFunc(out, func(a, b *boringv1alpha1.SocialAccount) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out, allowed, nil
}

// stillDecided reports whether every access decision an answer rests on is
// still the same: a remembered answer never outlives the decisions behind
// it (each is a cache lookup, reviewed again past its TTL).
func (h *Handler) stillDecided(ctx context.Context, caller *Caller, verb string, decisions map[string]bool) bool {
	for ns, was := range decisions {
		if now, err := h.Auth.Allowed(ctx, caller, verb, ns); err != nil || now != was {
			return false
		}
	}
	return true
}

// ObjectsChanged tells the handler that some SocialAccount changed, so
// remembered answers of GET /api/accounts are stale. The manager wires it to
// the SocialAccount informer; without it nothing is remembered.
func (h *Handler) ObjectsChanged() { h.responses.invalidate() }

func (h *Handler) list(w http.ResponseWriter, r *http.Request, caller *Caller) {
	ns := r.URL.Query().Get("namespace")
	// A dashboard polling with one token gets the same bytes until a
	// SocialAccount changes or an access decision behind the answer does; no
	// list, sort or encode.
	key := caller.key + "\x00" + ns
	version := h.responses.version()
	if got, ok := h.responses.get(key, version, h.Clock.Now()); ok && h.stillDecided(r.Context(), caller, "list", got.decisions) {
		writeRaw(w, http.StatusOK, got.body)
		return
	}
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	var list boringv1alpha1.SocialAccountList
	if err := h.Reader.List(r.Context(), &list, opts...); err != nil {
		h.internalError(w, r, err)
		return
	}
	sas, decisions, err := h.visibleBecause(r.Context(), caller, "list", list.Items)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	accounts := make([]account, 0, len(sas))
	for _, sa := range sas {
		accounts = append(accounts, toAccount(sa))
	}
	body, err := json.Marshal(accountList{accounts})
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	body = append(body, '\n')
	if h.ResponseTTL > 0 {
		h.responses.put(key, version, h.Clock.Now().Add(h.ResponseTTL), decisions, body)
	}
	writeRaw(w, http.StatusOK, body)
}

// byAccountID lists the SocialAccounts mapping id that caller may do verb
// on. When there are none, or the lookup fails, it has answered and returns
// false.
func (h *Handler) byAccountID(w http.ResponseWriter, r *http.Request, caller *Caller, verb, id string) ([]*boringv1alpha1.SocialAccount, bool) {
	var list boringv1alpha1.SocialAccountList
	err := h.Reader.List(r.Context(), &list, client.MatchingFields{index.AccountID: id}, client.UnsafeDisableDeepCopy)
	var sas []*boringv1alpha1.SocialAccount
	if err == nil {
		sas, err = h.visible(r.Context(), caller, verb, list.Items)
	}
	switch {
	case err != nil:
		h.internalError(w, r, err)
		return nil, false
	case len(sas) == 0:
		writeNotFound(w)
		return nil, false
	}
	return sas, true
}

// delete deletes the SocialAccounts mapping the ID that the caller may
// delete; their finalizers then disconnect in Boring. The answer keeps
// Boring's documented message when the account will be disconnected, and
// says what will happen instead otherwise.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request, caller *Caller) {
	id := r.PathValue("account_id")
	sas, ok := h.byAccountID(w, r, caller, "delete", id)
	if !ok {
		return
	}
	outcomes := h.deleteOutcomes(r.Context(), caller, sas)
	log := logf.FromContext(r.Context())
	for _, sa := range sas {
		if h.Recorder != nil {
			h.Recorder.Eventf(sa, nil, corev1.EventTypeNormal, EventDeleteRequested, "Delete",
				"Deleted through the account API by %s", caller.Username)
		}
		if err := h.Writer.Delete(r.Context(), sa.DeepCopy(), client.Preconditions{UID: &sa.UID}); client.IgnoreNotFound(err) != nil {
			h.internalError(w, r, err)
			return
		}
		log.Info("Deleted SocialAccount through the account API", "socialAccount", klog.KObj(sa), "user", caller.Username)
	}
	message := wire.MessageDisconnected
	if len(outcomes) > 0 {
		message = strings.Join(outcomes, "; ")
	}
	writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Message: message})
}

// EventDeleteRequested is the event recorded on a SocialAccount deleted
// through the account API, naming the user who asked.
const EventDeleteRequested = "DeleteRequested"

// deleteOutcomes says, for each SocialAccount about to be deleted that will
// not disconnect the account, why not; none means Boring's own message holds.
// Whether another mapping keeps the account is the controller's decision
// (Keepers); the answer names that mapping only when the caller may read it.
func (h *Handler) deleteOutcomes(ctx context.Context, caller *Caller, deleting []*boringv1alpha1.SocialAccount) []string {
	gone := map[types.UID]bool{}
	for _, sa := range deleting {
		gone[sa.UID] = true
	}
	leaving := func(o *boringv1alpha1.SocialAccount) bool { return gone[o.UID] }
	var out []string
	for _, sa := range deleting {
		name := sa.Namespace + "/" + sa.Name
		switch {
		case sa.EffectiveDeletionPolicy() == boringv1alpha1.DeletionPolicyOrphan:
			out = append(out, fmt.Sprintf("SocialAccount %s deleted; the account stays connected in Boring (deletionPolicy Orphan)", name))
			continue
		case sa.IsPaused():
			out = append(out, fmt.Sprintf("SocialAccount %s deleted; the account will be disconnected once its %s annotation is removed",
				name, boringv1alpha1.PausedAnnotation))
			continue
		case h.Keepers == nil:
			out = append(out, fmt.Sprintf("SocialAccount %s deleted; the operator disconnects the account unless another SocialAccount keeps it (see its events)", name))
			continue
		}
		keeper, err := h.Keepers.KeptBy(ctx, sa, leaving)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("SocialAccount %s deleted; the operator disconnects the account once it can tell that no other SocialAccount keeps it (see its events)", name))
		case keeper != nil:
			who := "another SocialAccount"
			if ok, err := h.Auth.Allowed(ctx, caller, "get", keeper.Namespace); err == nil && ok {
				who = "SocialAccount " + keeper.Namespace + "/" + keeper.Name
			}
			out = append(out, fmt.Sprintf("SocialAccount %s deleted; the account stays connected in Boring: %s still maps it", name, who))
		}
	}
	return out
}

func (h *Handler) tokenInfo(w http.ResponseWriter, r *http.Request, caller *Caller) {
	var body wire.TokenInfoRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, wire.ErrorInvalidRequest, "The body must be a JSON object like {\"account_id\":\"...\"}")
		return
	}
	if body.AccountID == nil || *body.AccountID == "" {
		writeError(w, http.StatusBadRequest, wire.ErrorMissingParameter, "account_id is required")
		return
	}
	sas, ok := h.byAccountID(w, r, caller, "get", *body.AccountID)
	if !ok {
		return
	}
	st := &sas[0].Status
	info := wire.NewTokenInfo(h.Clock.Now(), st.IsValid != nil && *st.IsValid, timePtr(st.ExpiresAt),
		mapping.WirePlatform(st.Platform), st.AccountName)
	writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Data: &info})
}

func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if errors.Is(err, ErrReviewBudget) {
		writeRateLimited(w)
		return
	}
	logf.FromContext(r.Context()).Error(err, "Account API request failed", "path", r.URL.Path)
	writeError(w, http.StatusInternalServerError, wire.ErrorInternalServerError, "Internal error")
}

// writeRateLimited answers 429 in Boring's shape, as Boring itself would.
func writeRateLimited(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	body := wire.Failure(wire.ErrorRateLimitExceeded, "Too many new callers to review; retry in a second")
	body.RetryAfter = 1
	writeJSON(w, http.StatusTooManyRequests, body)
}

func writeNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, wire.ErrorAccountNotFound, wire.MessageAccountNotFound)
}

func writeError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, wire.Failure(name, msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"success":false,"error":"InternalServerError","message":"Internal error"}`)
	}
	writeRaw(w, status, append(body, '\n'))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func timePtr(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}
