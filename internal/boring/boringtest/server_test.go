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

package boringtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

func do(t *testing.T, srv *boringtest.Server, method, path, session, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "session", Value: session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer is not JSON: %q", data)
	}
	return resp.StatusCode, out
}

// TestSeedAndDocumentedAnswers checks the committed dev seed loads and that the
// stand-in answers in the documented shapes.
func TestSeedAndDocumentedAnswers(t *testing.T) {
	srv := boringtest.NewServer()
	defer srv.Close()
	if err := srv.LoadSeedFile("../../../hack/dev/seed.json"); err != nil {
		t.Fatal(err)
	}
	const s = "demo-session-not-a-real-secret"

	code, body := do(t, srv, http.MethodGet, "/api/accounts", s, "")
	if code != 200 || len(body["accounts"].([]any)) != 4 {
		t.Fatalf("list: %d %v", code, body)
	}
	code, body = do(t, srv, http.MethodPost, "/api/token/info", s, `{"account_id":"b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"}`)
	data, _ := body["data"].(map[string]any)
	if code != 200 || body["success"] != true || data["days_until_expiry"] != 5.0 || data["account_name"] != "clientabakery" {
		t.Fatalf("token info: %d %v", code, body)
	}
	tests := map[string]struct {
		method, path, session, body string
		code                        int
		name                        string
	}{
		"no session":         {http.MethodGet, "/api/accounts", "", "", 401, "Unauthorized"},
		"unknown session":    {http.MethodGet, "/api/accounts", "nope", "", 401, "Unauthorized"},
		"missing account_id": {http.MethodPost, "/api/token/info", s, `{}`, 400, "MissingParameter"},
		"malformed body":     {http.MethodPost, "/api/token/info", s, `{`, 400, "InvalidRequest"},
		"unknown account":    {http.MethodPost, "/api/token/info", s, `{"account_id":"x"}`, 404, "AccountNotFound"},
		"delete unknown":     {http.MethodDelete, "/api/accounts/x", s, "", 404, "AccountNotFound"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, srv, tc.method, tc.path, tc.session, tc.body)
			if code != tc.code || body["error"] != tc.name || body["success"] != false {
				t.Fatalf("want %d %s, got %d %v", tc.code, tc.name, code, body)
			}
		})
	}

	id := "d4e5f6a7-b8c9-4d0e-1f2a-3b4c5d6e7f80"
	code, body = do(t, srv, http.MethodDelete, "/api/accounts/"+id, s, "")
	if code != 200 || body["message"] != "Account disconnected successfully" {
		t.Fatalf("delete: %d %v", code, body)
	}
	if code, _ := do(t, srv, http.MethodDelete, "/api/accounts/"+id, s, ""); code != 404 {
		t.Fatalf("second delete: want 404, got %d", code)
	}
	if _, body := do(t, srv, http.MethodGet, "/api/accounts", s, ""); len(body["accounts"].([]any)) != 3 {
		t.Fatal("disconnected account still listed")
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, s) {
			t.Fatal("session in the request log")
		}
	}
}

func documentedJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../wire/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestAnswersMatchBoringsDocumentation is what makes the stand-in an oracle:
// holding the accounts of Boring's documentation, it answers exactly the
// documented JSON, key for key and value for value.
func TestAnswersMatchBoringsDocumentation(t *testing.T) {
	srv := boringtest.NewServer()
	defer srv.Close()
	const s = "doc-session"
	srv.AddSession(s, "doc")
	igExpiry := mustTime("2025-03-20T10:30:00Z")
	// token_info.json says 45 days until the Instagram token expires.
	srv.SetClock(func() time.Time { return igExpiry.Add(-45*24*time.Hour - time.Hour) })
	data := mustTime("2026-01-05T10:30:00Z")
	thExpiry := mustTime("2025-03-15T10:30:00Z")
	srv.AddAccount("doc", boringtest.Account{ID: "fb", Platform: "facebook", Valid: true,
		Name: "My Facebook Page", PlatformID: "123456789", DataAccessExpiresAt: &data,
		CreatedAt: mustTime("2025-01-01T10:00:00Z"), UpdatedAt: mustTime("2025-01-20T15:30:00Z")})
	srv.AddAccount("doc", boringtest.Account{ID: "ig", Platform: "instagram", Valid: true, ExpiresAt: &igExpiry,
		Name: "myusername", PlatformID: "987654321", AccountType: "BUSINESS",
		CreatedAt: mustTime("2025-01-15T12:00:00Z"), UpdatedAt: mustTime("2025-01-15T12:00:00Z")})
	srv.AddAccount("doc", boringtest.Account{ID: "th", Platform: "threads", Valid: true, ExpiresAt: &thExpiry,
		Name: "myusername", PlatformID: "123456789", ProfilePicture: "https://...",
		CreatedAt: mustTime("2025-01-10T14:00:00Z"), UpdatedAt: mustTime("2025-01-10T14:00:00Z")})

	byPlatform := func(body map[string]any) map[string]any {
		out := map[string]any{}
		for _, a := range body["accounts"].([]any) {
			m := a.(map[string]any)
			m["account_id"] = "uuid-string" // the documentation's placeholder
			out[m["social_channel_type"].(string)] = m
		}
		return out
	}
	_, list := do(t, srv, http.MethodGet, "/api/accounts", s, "")
	if got, want := byPlatform(list), byPlatform(documentedJSON(t, "list_accounts.json")); !reflect.DeepEqual(got, want) {
		t.Errorf("list differs from the documentation:\n got %v\nwant %v", got, want)
	}
	if _, got := do(t, srv, http.MethodPost, "/api/token/info", s, `{"account_id":"ig"}`); !reflect.DeepEqual(got, documentedJSON(t, "token_info.json")) {
		t.Errorf("token info differs from the documentation: %v", got)
	}
	if _, got := do(t, srv, http.MethodDelete, "/api/accounts/ig", s, ""); !reflect.DeepEqual(got, documentedJSON(t, "disconnect_success.json")) {
		t.Errorf("disconnect differs from the documentation: %v", got)
	}
	if _, got := do(t, srv, http.MethodDelete, "/api/accounts/ig", s, ""); !reflect.DeepEqual(got, documentedJSON(t, "disconnect_not_found.json")) {
		t.Errorf("disconnect of a gone account differs from the documentation: %v", got)
	}
}
