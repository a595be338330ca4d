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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// canned answers every request with one status and body, without a network,
// so decoding can be fuzzed and benchmarked alone.
type canned struct {
	status int
	header http.Header
	body   []byte
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	h := c.header
	if h == nil {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	return &http.Response{
		StatusCode: c.status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body)),
	}, nil
}

func cannedClient(tb testing.TB, rt http.RoundTripper) *boring.Client {
	tb.Helper()
	c, err := boring.NewClient("https://boring.invalid", boring.Options{
		HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1, MaxBodyBytes: 1 << 20,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// FuzzDecodeResponses feeds arbitrary answers to every call: the client must
// never panic, and every failure must be one of the typed kinds.
func FuzzDecodeResponses(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"accounts":[{"account_id":"a","social_channel_type":"facebook","is_valid":true,"expires_at":null,` +
			`"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","page_name":"P","page_id":"1",` +
			`"data_access_expires_at":"2026-03-01T00:00:00Z"}]}`},
		{200, `{"accounts":[{"account_id":"b","social_channel_type":"instagram","expires_at":"2026-02-01T00:00:00+02:00"}]}`},
		{200, `{"success":true,"data":{"is_valid":true,"expires_at":"2026-02-01T00:00:00Z","days_until_expiry":45,"platform":"threads","account_name":"x"}}`},
		{200, `{"success":true,"message":"Account disconnected successfully"}`},
		{200, `{"success":false,"error":"AccountNotFound","message":"Account not found or does not belong to this user"}`},
		{401, `{"success":false,"error":"Unauthorized","message":"Authentication required"}`},
		{429, `{"success":false,"error":"RateLimitExceeded","retry_after":12.5}`},
		{400, `{"success":false,"error":"InvalidAccountId"}`},
		{502, `<html>bad gateway</html>`},
		{200, `{"accounts":[{"account_id":`},
		{200, `{"accounts":[{"expires_at":"not a time"}]}`},
		{200, `null`},
		{200, `{}`},
		{200, `{"success":false,"error":"InternalServerError"}`},
		{200, ``},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	known := []error{boring.ErrUnauthorized, boring.ErrAccountNotFound, boring.ErrAccountDisabled,
		boring.ErrRateLimited, boring.ErrUnavailable, boring.ErrResponseTooLarge, boring.ErrBadRequest}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		c := cannedClient(t, &canned{status: status, body: body})
		ctx := context.Background()
		list, e1 := c.ListAccounts(ctx, session)
		_, e2 := c.TokenInfo(ctx, session, "a")
		e3 := c.Disconnect(ctx, session, "a")
		if e1 == nil {
			// A list accepted as success holds exactly the accounts the body
			// lists, read here without the client's structs.
			var generic struct{ Accounts []any }
			if err := json.Unmarshal(body, &generic); err != nil || generic.Accounts == nil {
				t.Fatalf("list accepted from a body without an accounts array: %q", body)
			}
			if len(list) != len(generic.Accounts) {
				t.Fatalf("decoded %d accounts from a body listing %d", len(list), len(generic.Accounts))
			}
		}
		for _, err := range []error{e1, e2, e3} {
			if err == nil {
				continue
			}
			var apiErr *boring.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			matched := 0
			for _, k := range known {
				if errors.Is(err, k) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("error matches %d kinds, want 1: %v", matched, err)
			}
		}
		if status >= 300 && (e1 == nil || e3 == nil) {
			t.Fatalf("status %d accepted as success", status)
		}
	})
}

func documented(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile("wire/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func rfc3339(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDecodesBoringsDocumentedAnswers feeds the client the examples of
// Boring's documentation and checks every decoded value against literals
// read off that page: a wrong JSON tag anywhere in the decoding fails here.
func TestDecodesBoringsDocumentedAnswers(t *testing.T) {
	ctx := context.Background()
	list, err := cannedClient(t, &canned{status: 200, body: documented(t, "list_accounts.json")}).ListAccounts(ctx, session)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("decoded %d accounts, want 3", len(list))
	}
	fb, ig, th := list[0], list[1], list[2]
	checks := []struct {
		field     string
		got, want any
	}{
		{"fb account_id", fb.AccountID, "uuid-string"},
		{"fb social_channel_type", fb.Platform, wire.Platform("facebook")},
		{"fb page_name", fb.PageName, "My Facebook Page"},
		{"fb page_id", fb.PageID, "123456789"},
		{"fb is_valid", fb.IsValid, true},
		{"fb expires_at", fb.ExpiresAt == nil, true},
		{"fb data_access_expires_at", fb.DataAccessExpiresAt != nil && fb.DataAccessExpiresAt.Equal(rfc3339(t, "2026-01-05T10:30:00Z")), true},
		{"fb created_at", fb.CreatedAt.Equal(rfc3339(t, "2025-01-01T10:00:00Z")), true},
		{"fb updated_at", fb.UpdatedAt.Equal(rfc3339(t, "2025-01-20T15:30:00Z")), true},
		{"ig social_channel_type", ig.Platform, wire.Platform("instagram")},
		{"ig ig_username", ig.IGUsername, "myusername"},
		{"ig ig_account_id", ig.IGAccountID, "987654321"},
		{"ig account_type", ig.AccountType, "BUSINESS"},
		{"ig is_valid", ig.IsValid, true},
		{"ig expires_at", ig.ExpiresAt != nil && ig.ExpiresAt.Equal(rfc3339(t, "2025-03-20T10:30:00Z")), true},
		{"ig created_at", ig.CreatedAt.Equal(rfc3339(t, "2025-01-15T12:00:00Z")), true},
		{"ig updated_at", ig.UpdatedAt.Equal(rfc3339(t, "2025-01-15T12:00:00Z")), true},
		{"th social_channel_type", th.Platform, wire.Platform("threads")},
		{"th threads_username", th.ThreadsUsername, "myusername"},
		{"th threads_id", th.ThreadsID, "123456789"},
		{"th threads_profile_picture", th.ThreadsProfilePicture, "https://..."},
		{"th expires_at", th.ExpiresAt != nil && th.ExpiresAt.Equal(rfc3339(t, "2025-03-15T10:30:00Z")), true},
		{"th created_at", th.CreatedAt.Equal(rfc3339(t, "2025-01-10T14:00:00Z")), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
		}
	}

	info, err := cannedClient(t, &canned{status: 200, body: documented(t, "token_info.json")}).TokenInfo(ctx, session, "uuid-string")
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsValid || info.ExpiresAt == nil || !info.ExpiresAt.Equal(rfc3339(t, "2025-03-20T10:30:00Z")) ||
		info.DaysUntilExpiry == nil || *info.DaysUntilExpiry != 45 || info.Platform != "instagram" || info.AccountName != "myusername" {
		t.Errorf("token info decoded wrong: %+v", info)
	}

	if err := cannedClient(t, &canned{status: 200, body: documented(t, "disconnect_success.json")}).Disconnect(ctx, session, "x"); err != nil {
		t.Errorf("documented disconnect success read as %v", err)
	}
	err = cannedClient(t, &canned{status: 404, body: documented(t, "disconnect_not_found.json")}).Disconnect(ctx, session, "x")
	var apiErr *boring.APIError
	if !errors.Is(err, boring.ErrAccountNotFound) || !errors.As(err, &apiErr) || apiErr.Code != "AccountNotFound" ||
		apiErr.Message != "Account not found or does not belong to this user" {
		t.Errorf("documented AccountNotFound read as %v", err)
	}
	err = cannedClient(t, &canned{status: 401, body: documented(t, "error_invalid_token.json")}).Disconnect(ctx, session, "x")
	if !errors.Is(err, boring.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Code != "InvalidToken" {
		t.Errorf("documented InvalidToken read as %v", err)
	}
}
