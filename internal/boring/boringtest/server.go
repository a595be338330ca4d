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

// Package boringtest is a stand-in for the Boring publishing service that
// speaks its documented account API (GET /api/accounts, DELETE
// /api/accounts/{id}, POST /api/token/info) with session-cookie auth and
// soft deletes. Tests run it in-process (NewServer, like httptest) and inject
// faults per endpoint; `make dev` runs it in-process too, seeded from a JSON
// file. It is an oracle for the client: it keeps accounts in its own Account
// type and writes every answer from its own key literals, checked against the
// examples of Boring's documentation (wire/testdata), never through the
// client's structs, so a wrong JSON tag in the client fails a test.
package boringtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Endpoint names one of the three endpoints, for faults and counters.
type Endpoint string

// The stand-in's endpoints.
const (
	EndpointList       Endpoint = "list"
	EndpointDisconnect Endpoint = "disconnect"
	EndpointTokenInfo  Endpoint = "tokeninfo"
)

// Fault changes how an endpoint answers. Zero fields do nothing.
type Fault struct {
	// Status answers with this HTTP status and ErrorName's JSON error body.
	Status int
	// ErrorName is the "error" field of the body (derived from Status when empty).
	ErrorName string
	// RetryAfter is sent as the Retry-After header, when not empty.
	RetryAfter string
	// RetryAfterBody is sent as the body's retry_after seconds, when > 0.
	RetryAfterBody float64
	// Latency delays the answer.
	Latency time.Duration
	// Hang never answers until the client goes away or the server closes.
	Hang bool
	// Malformed answers 200 with a body that is not JSON.
	Malformed bool
	// Truncated answers 200 with a JSON body cut in the middle.
	Truncated bool
	// Reset closes the connection without an answer.
	Reset bool
	// OversizeBytes answers 200 with a valid JSON body of at least this size.
	OversizeBytes int
	// Location is sent as the Location header (with a 3xx Status, a redirect).
	Location string
	// Body answers Status (200 when zero) with exactly this body, such as an
	// HTML error page from a proxy or a JSON shape Boring never sends.
	Body string
	// EchoRequest answers Status (502 when zero) with an HTML error page that
	// echoes the request's headers, the session cookie included, as some
	// proxies' error pages do.
	EchoRequest bool
	// Before runs before the answer, while the caller waits for it: a test
	// can change the world between a request and its answer.
	Before func()
	// Times limits the fault to the next n requests (0: until cleared).
	Times int
}

// Request is one entry of the request log. The session is never kept.
type Request struct {
	Endpoint Endpoint
	Method   string
	Path     string
	Status   int
	// User is the user the session belongs to ("" when unknown).
	User string
}

// Server is the stand-in. Its zero value is not usable; see New.
type Server struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]string // session -> user
	accounts map[string]*account
	faults   map[Endpoint]*Fault
	log      []Request
	counts   map[Endpoint]int
	hang     chan struct{}

	httpServer *httptest.Server
}

// Account is a connected account as the stand-in stores it: its own shape,
// not Boring's JSON, which the stand-in writes key by key.
type Account struct {
	// ID is Boring's account_id.
	ID string
	// Platform is "facebook", "instagram" or "threads".
	Platform string
	Valid    bool
	// ExpiresAt is nil for a token that never expires (Facebook).
	ExpiresAt *time.Time
	// Name is the page_name, ig_username or threads_username.
	Name string
	// PlatformID is the page_id, ig_account_id or threads_id.
	PlatformID string
	// DataAccessExpiresAt is Facebook's data_access_expires_at.
	DataAccessExpiresAt *time.Time
	// AccountType is Instagram's account_type.
	AccountType string
	// ProfilePicture is Threads' threads_profile_picture.
	ProfilePicture string
	// CreatedAt and UpdatedAt default to the stand-in's clock.
	CreatedAt, UpdatedAt time.Time
}

type account struct {
	Account
	owner        string
	disconnected bool
}

// New returns a stand-in with no sessions or accounts and the real clock.
func New() *Server {
	return &Server{
		now:      time.Now,
		sessions: map[string]string{},
		accounts: map[string]*account{},
		faults:   map[Endpoint]*Fault{},
		counts:   map[Endpoint]int{},
		hang:     make(chan struct{}),
	}
}

// NewServer starts a stand-in on a loopback port, like httptest.NewServer.
// Close it when done.
func NewServer() *Server {
	s := New()
	s.httpServer = httptest.NewServer(s)
	return s
}

// URL is the base URL of a server started by NewServer.
func (s *Server) URL() string { return s.httpServer.URL }

// Close stops a server started by NewServer, releasing hung requests.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hang:
	default:
		close(s.hang)
	}
	s.mu.Unlock()
	if s.httpServer != nil {
		s.httpServer.CloseClientConnections()
		s.httpServer.Close()
	}
}

// SetClock replaces the clock used for days_until_expiry and timestamps.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddSession makes session a valid session of user.
func (s *Server) AddSession(session, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[session] = user
}

// RevokeSession makes session invalid (the user logged out or it expired).
func (s *Server) RevokeSession(session string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, session)
}

// AddAccount connects an account for user; CreatedAt/UpdatedAt default to now.
func (s *Server) AddAccount(user string, a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC().Truncate(time.Second)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = now
	}
	s.accounts[a.ID] = &account{Account: a, owner: user}
}

// UpdateAccount applies fn to the stored account and bumps updated_at.
func (s *Server) UpdateAccount(id string, fn func(*Account)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return fmt.Errorf("no account %q", id)
	}
	fn(&a.Account)
	a.UpdatedAt = s.now().UTC().Truncate(time.Second)
	return nil
}

// RevokeAccount marks the account's token invalid, as when the user removes
// the app's permissions on the platform.
func (s *Server) RevokeAccount(id string) error {
	return s.UpdateAccount(id, func(a *Account) { a.Valid = false })
}

// SetExpiry sets the account's token expiry (nil: never expires).
func (s *Server) SetExpiry(id string, t *time.Time) error {
	return s.UpdateAccount(id, func(a *Account) { a.ExpiresAt = t })
}

// Reconnect disconnects the account and connects the same platform account
// again, as a user does in Boring's dashboard: the new account has a new
// account_id (returned), the same platform ID, a fresh token valid for
// validFor (0: never expiring) and the stand-in's current time as created_at.
func (s *Server) Reconnect(id string, validFor time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok || a.disconnected {
		return "", fmt.Errorf("no connected account %q", id)
	}
	a.disconnected = true
	now := s.now().UTC().Truncate(time.Second)
	fresh := *a
	fresh.disconnected = false
	fresh.ID = fmt.Sprintf("%s-r%d", id, len(s.accounts))
	fresh.Valid = true
	fresh.ExpiresAt = nil
	if validFor > 0 {
		exp := now.Add(validFor)
		fresh.ExpiresAt = &exp
	}
	fresh.CreatedAt, fresh.UpdatedAt = now, now
	s.accounts[fresh.ID] = &fresh
	return fresh.ID, nil
}

// Disconnect soft-deletes the account as DELETE /api/accounts/{id} would,
// without a request (for tests that need an account gone behind the
// operator's back).
func (s *Server) Disconnect(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok || a.disconnected {
		return fmt.Errorf("no connected account %q", id)
	}
	a.disconnected = true
	return nil
}

// Disconnected reports whether the account was disconnected (soft-deleted).
func (s *Server) Disconnected(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	return ok && a.disconnected
}

// SetFault makes endpoint answer with f until cleared (or f.Times requests).
func (s *Server) SetFault(e Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[Endpoint]*Fault{}
}

// Count is the number of requests endpoint received.
func (s *Server) Count(e Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[e]
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// CountFor is the number of requests endpoint received with user's session.
func (s *Server) CountFor(e Endpoint, user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Endpoint == e && r.User == user {
			n++
		}
	}
	return n
}

// ResetLog clears the request log and counters.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.counts = map[Endpoint]int{}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ep Endpoint
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/accounts":
		ep = EndpointList
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/accounts/") && len(r.URL.Path) > len("/api/accounts/"):
		ep = EndpointDisconnect
	case r.Method == http.MethodPost && r.URL.Path == "/api/token/info":
		ep = EndpointTokenInfo
	default:
		writeError(w, http.StatusNotFound, "NotFound", "Not found")
		return
	}

	s.mu.Lock()
	s.counts[ep]++
	fault := s.takeFault(ep)
	user, authed := "", false
	if c, err := r.Cookie("session"); err == nil {
		user, authed = s.sessions[c.Value]
	}
	s.mu.Unlock()

	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.mu.Lock()
		s.log = append(s.log, Request{Endpoint: ep, Method: r.Method, Path: r.URL.Path, Status: rec.status, User: user})
		s.mu.Unlock()
	}()

	if fault != nil && s.applyFault(rec, r, fault) {
		return
	}
	if !authed {
		writeError(rec, http.StatusUnauthorized, "Unauthorized", "Authentication required")
		return
	}
	switch ep {
	case EndpointList:
		s.list(rec, user)
	case EndpointDisconnect:
		s.disconnect(rec, user, r.URL.Path[len("/api/accounts/"):])
	case EndpointTokenInfo:
		s.tokenInfo(rec, r, user)
	}
}

// takeFault returns the fault to apply to this request; s.mu is held.
func (s *Server) takeFault(ep Endpoint) *Fault {
	f := s.faults[ep]
	if f == nil {
		return nil
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, ep)
		}
	}
	cp := *f
	return &cp
}

// applyFault answers with f; it reports whether the request is done.
func (s *Server) applyFault(w *statusRecorder, r *http.Request, f *Fault) bool {
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		case <-s.hang:
			return true
		}
	}
	if f.Before != nil {
		f.Before()
	}
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.hang:
		}
		w.status = 0
		return true
	case f.Reset:
		w.status = 0
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST rather than FIN
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Location != "" {
		w.Header().Set("Location", f.Location)
	}
	if f.EchoRequest {
		writeEcho(w, r, f.Status)
		return true
	}
	return writeFaultBody(w, f)
}

// writeEcho answers with an HTML page holding the request's headers.
func writeEcho(w http.ResponseWriter, r *http.Request, status int) {
	if status == 0 {
		status = http.StatusBadGateway
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<html><body><h1>%d %s</h1><pre>\n%s %s\n", status, http.StatusText(status), r.Method, r.URL.Path)
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			fmt.Fprintf(&b, "%s: %s\n", name, v)
		}
	}
	b.WriteString("</pre></body></html>\n")
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// writeFaultBody answers with the body f asks for, if it asks for one.
func writeFaultBody(w *statusRecorder, f *Fault) bool {
	switch {
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
	case f.Truncated:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"accounts":[{"account_id":"abc","social_channel_type":"face`))
	case f.OversizeBytes > 0:
		w.Header().Set("Content-Type", "application/json")
		bw := bufio.NewWriter(w)
		_, _ = bw.WriteString(`{"accounts":[],"padding":"`)
		for i := 0; i < f.OversizeBytes; i += 1024 {
			_, _ = bw.Write(padding[:])
		}
		_, _ = bw.WriteString(`"}`)
		_ = bw.Flush()
	case f.Body != "":
		w.Header().Set("Content-Type", "text/html")
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
	case f.Status != 0:
		name := f.ErrorName
		if name == "" {
			name = errorNameFor(f.Status)
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		body := errorBody(name, "Injected fault")
		if f.RetryAfterBody > 0 {
			body["retry_after"] = f.RetryAfterBody
		}
		writeJSON(w, f.Status, body)
	default:
		return false
	}
	return true
}

var padding = func() (b [1024]byte) {
	for i := range b {
		b[i] = 'x'
	}
	return b
}()

func errorNameFor(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "Unauthorized"
	case status == http.StatusNotFound:
		return "AccountNotFound"
	case status == http.StatusTooManyRequests:
		return "RateLimitExceeded"
	case status == http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case status == http.StatusGatewayTimeout:
		return "Timeout"
	case status >= 500:
		return "InternalServerError"
	}
	return "InvalidRequest"
}

func (s *Server) list(w http.ResponseWriter, user string) {
	s.mu.Lock()
	mine := make([]Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		if a.owner == user && !a.disconnected {
			mine = append(mine, a.Account)
		}
	}
	s.mu.Unlock()
	sort.Slice(mine, func(i, j int) bool {
		return mine[i].CreatedAt.Before(mine[j].CreatedAt) || (mine[i].CreatedAt.Equal(mine[j].CreatedAt) && mine[i].ID < mine[j].ID)
	})
	out := make([]map[string]any, 0, len(mine))
	for i := range mine {
		out = append(out, documented(&mine[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
}

// documented is the account as Boring's documentation shows it: common keys,
// then the platform's own.
func documented(a *Account) map[string]any {
	m := map[string]any{
		"account_id":          a.ID,
		"social_channel_type": a.Platform,
		"is_valid":            a.Valid,
		"expires_at":          timeOrNull(a.ExpiresAt),
		"created_at":          a.CreatedAt.UTC().Format(time.RFC3339),
		"updated_at":          a.UpdatedAt.UTC().Format(time.RFC3339),
	}
	switch a.Platform {
	case "facebook":
		m["page_name"] = a.Name
		m["page_id"] = a.PlatformID
		m["data_access_expires_at"] = timeOrNull(a.DataAccessExpiresAt)
	case "instagram":
		m["ig_username"] = a.Name
		m["ig_account_id"] = a.PlatformID
		m["account_type"] = a.AccountType
	case "threads":
		m["threads_username"] = a.Name
		m["threads_id"] = a.PlatformID
		m["threads_profile_picture"] = a.ProfilePicture
	}
	return m
}

func timeOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) disconnect(w http.ResponseWriter, user, id string) {
	s.mu.Lock()
	a, ok := s.accounts[id]
	found := ok && a.owner == user && !a.disconnected
	if found {
		a.disconnected = true
		a.UpdatedAt = s.now().UTC().Truncate(time.Second)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "AccountNotFound", "Account not found or does not belong to this user")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{keySuccess: true, "message": "Account disconnected successfully"})
}

func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request, user string) {
	var body map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || body == nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Request body must be JSON")
		return
	}
	id, _ := body["account_id"].(string)
	if id == "" {
		writeError(w, http.StatusBadRequest, "MissingParameter", "account_id is required")
		return
	}
	s.mu.Lock()
	a, ok := s.accounts[id]
	found := ok && a.owner == user && !a.disconnected
	var acct Account
	if found {
		acct = a.Account
	}
	now := s.now()
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "AccountNotFound", "Account not found or does not belong to this user")
		return
	}
	// Boring's rules (days rounded down, never valid once expired) are the
	// contract's, shared with the account API through package wire.
	info := wire.NewTokenInfo(now, acct.Valid, acct.ExpiresAt, wire.Platform(acct.Platform), acct.Name)
	data := map[string]any{
		"is_valid":          info.IsValid,
		"expires_at":        timeOrNull(acct.ExpiresAt),
		"days_until_expiry": nil,
		"platform":          acct.Platform,
		"account_name":      acct.Name,
	}
	if info.DaysUntilExpiry != nil {
		data["days_until_expiry"] = *info.DaysUntilExpiry
	}
	writeJSON(w, http.StatusOK, map[string]any{keySuccess: true, "data": data})
}

// keySuccess is the envelope's success key, as Boring's documentation spells it.
const keySuccess = "success"

func writeError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, errorBody(name, msg))
}

// errorBody is Boring's documented error shape.
func errorBody(name, msg string) map[string]any {
	return map[string]any{keySuccess: false, "error": name, "message": msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Seed is the JSON seed file format: users, each with a session and accounts.
// Expiries can be given relative to load time, so a committed seed stays
// meaningful: expires_in_days / data_access_expires_in_days.
type Seed struct {
	Users []SeedUser `json:"users"`
}

// SeedUser is one Boring user of a seed.
type SeedUser struct {
	Name     string        `json:"name"`
	Session  string        `json:"session"`
	Accounts []SeedAccount `json:"accounts"`
}

// SeedAccount is an account in Boring's documented keys, plus expiries
// relative to load time.
type SeedAccount struct {
	AccountID               string   `json:"account_id"`
	Platform                string   `json:"social_channel_type"`
	IsValid                 bool     `json:"is_valid"`
	PageName                string   `json:"page_name"`
	PageID                  string   `json:"page_id"`
	IGUsername              string   `json:"ig_username"`
	IGAccountID             string   `json:"ig_account_id"`
	AccountType             string   `json:"account_type"`
	ThreadsUsername         string   `json:"threads_username"`
	ThreadsID               string   `json:"threads_id"`
	ThreadsProfilePicture   string   `json:"threads_profile_picture"`
	ExpiresInDays           *float64 `json:"expires_in_days,omitempty"`
	DataAccessExpiresInDays *float64 `json:"data_access_expires_in_days,omitempty"`
}

func (sa *SeedAccount) account(now time.Time) Account {
	a := Account{
		ID: sa.AccountID, Platform: sa.Platform, Valid: sa.IsValid, AccountType: sa.AccountType,
		ProfilePicture: sa.ThreadsProfilePicture,
		Name:           sa.PageName + sa.IGUsername + sa.ThreadsUsername,
		PlatformID:     sa.PageID + sa.IGAccountID + sa.ThreadsID,
	}
	inDays := func(d *float64) *time.Time {
		if d == nil {
			return nil
		}
		t := now.Add(time.Duration(*d * float64(24*time.Hour)))
		return &t
	}
	a.ExpiresAt = inDays(sa.ExpiresInDays)
	a.DataAccessExpiresAt = inDays(sa.DataAccessExpiresInDays)
	return a
}

// LoadSeedFile adds the users and accounts of a seed file.
func (s *Server) LoadSeedFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var seed Seed
	if err := json.Unmarshal(data, &seed); err != nil {
		return fmt.Errorf("parsing seed %s: %w", path, err)
	}
	return s.LoadSeed(seed)
}

// LoadSeed adds the users and accounts of seed.
func (s *Server) LoadSeed(seed Seed) error {
	now := s.now().UTC().Truncate(time.Second)
	for _, u := range seed.Users {
		if u.Name == "" || u.Session == "" {
			return errors.New("seed user needs a name and a session")
		}
		s.AddSession(u.Session, u.Name)
		for _, sa := range u.Accounts {
			if sa.AccountID == "" {
				return fmt.Errorf("seed account of %s has no account_id", u.Name)
			}
			s.AddAccount(u.Name, sa.account(now))
		}
	}
	return nil
}
