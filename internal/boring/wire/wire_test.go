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

package wire_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// DocumentedAccounts is what Boring's documentation lists, field by field.
func documentedAccounts() []wire.Account {
	return []wire.Account{{
		AccountID: "uuid-string", Platform: wire.PlatformFacebook, IsValid: true, ExpiresAt: nil,
		PageName: "My Facebook Page", PageID: "123456789", DataAccessExpiresAt: at("2026-01-05T10:30:00Z"),
		CreatedAt: *at("2025-01-01T10:00:00Z"), UpdatedAt: *at("2025-01-20T15:30:00Z"),
	}, {
		AccountID: "uuid-string", Platform: wire.PlatformInstagram, IsValid: true, ExpiresAt: at("2025-03-20T10:30:00Z"),
		IGUsername: "myusername", IGAccountID: "987654321", AccountType: "BUSINESS",
		CreatedAt: *at("2025-01-15T12:00:00Z"), UpdatedAt: *at("2025-01-15T12:00:00Z"),
	}, {
		AccountID: "uuid-string", Platform: wire.PlatformThreads, IsValid: true, ExpiresAt: at("2025-03-15T10:30:00Z"),
		ThreadsUsername: "myusername", ThreadsID: "123456789", ThreadsProfilePicture: "https://...",
		CreatedAt: *at("2025-01-10T14:00:00Z"), UpdatedAt: *at("2025-01-10T14:00:00Z"),
	}}
}

func TestDecodeDocumentedAccountList(t *testing.T) {
	var list wire.AccountList
	if err := json.Unmarshal(fixture(t, "list_accounts.json"), &list); err != nil {
		t.Fatal(err)
	}
	want := documentedAccounts()
	if len(list.Accounts) != len(want) {
		t.Fatalf("decoded %d accounts, want %d", len(list.Accounts), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(list.Accounts[i], want[i]) {
			t.Errorf("account %d:\n got %+v\nwant %+v", i, list.Accounts[i], want[i])
		}
	}
	names := []string{"My Facebook Page", "myusername", "myusername"}
	platformIDs := []string{"123456789", "987654321", "123456789"}
	for i := range list.Accounts {
		if got := list.Accounts[i].Name(); got != names[i] {
			t.Errorf("account %d: Name() = %q, want %q", i, got, names[i])
		}
		if got := list.Accounts[i].PlatformAccountID(); got != platformIDs[i] {
			t.Errorf("account %d: PlatformAccountID() = %q, want %q", i, got, platformIDs[i])
		}
	}
}

// TestEncodeMatchesDocumentedAccounts: what our servers encode is key for
// key what Boring documents (expires_at null for Facebook included).
func TestEncodeMatchesDocumentedAccounts(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(fixture(t, "list_accounts.json"), &doc); err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(wire.AccountList{Accounts: documentedAccounts()})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(encoded, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, doc) {
		t.Errorf("encoded list differs from the documentation:\n got %v\nwant %v", got, doc)
	}
}

func TestDecodeDocumentedEnvelopes(t *testing.T) {
	tests := map[string]wire.Envelope{
		"disconnect_success.json":   {Success: true, Message: wire.MessageDisconnected},
		"disconnect_not_found.json": {Success: false, Error: wire.ErrorAccountNotFound, Message: wire.MessageAccountNotFound},
		"error_invalid_token.json":  {Success: false, Error: wire.ErrorInvalidToken, Message: "Token expired or revoked"},
		"token_info.json": {Success: true, Data: &wire.TokenInfo{
			IsValid: true, ExpiresAt: at("2025-03-20T10:30:00Z"), DaysUntilExpiry: ptr.To(45),
			Platform: wire.PlatformInstagram, AccountName: "myusername",
		}},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			raw := fixture(t, name)
			var got wire.Envelope
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, want)
			}
			// And encoding says the same as the documentation.
			var doc, back map[string]any
			enc, _ := json.Marshal(want)
			_ = json.Unmarshal(raw, &doc)
			_ = json.Unmarshal(enc, &back)
			if !reflect.DeepEqual(doc, back) {
				t.Errorf("encoded\n got %v\nwant %v", back, doc)
			}
		})
	}
}

func TestDaysUntil(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		at   time.Time
		want int
	}{
		"past":                  {now.Add(-time.Hour), 0},
		"now":                   {now, 0},
		"under a day":           {now.Add(23 * time.Hour), 0},
		"exactly a day":         {now.Add(24 * time.Hour), 1},
		"45 days and 23 hours":  {now.Add(45*24*time.Hour + 23*time.Hour), 45},
		"60 days to the second": {now.Add(60 * 24 * time.Hour), 60},
	}
	for name, tc := range tests {
		if got := wire.DaysUntil(now, tc.at); got != tc.want {
			t.Errorf("%s: DaysUntil = %d, want %d", name, got, tc.want)
		}
	}
}

func TestNewTokenInfo(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(10*24*time.Hour + time.Hour)
	past := now.Add(-time.Minute)
	tests := map[string]struct {
		valid     bool
		expiresAt *time.Time
		wantValid bool
		wantDays  *int
	}{
		"valid, expiring":       {true, &later, true, ptr.To(10)},
		"valid, never expiring": {true, nil, true, nil},
		"invalid":               {false, &later, false, ptr.To(10)},
		"valid but expired":     {true, &past, false, ptr.To(0)},
		"expiring this instant": {true, &now, false, ptr.To(0)},
	}
	for name, tc := range tests {
		got := wire.NewTokenInfo(now, tc.valid, tc.expiresAt, wire.PlatformThreads, "me")
		if got.IsValid != tc.wantValid || !reflect.DeepEqual(got.DaysUntilExpiry, tc.wantDays) ||
			got.Platform != wire.PlatformThreads || got.AccountName != "me" || got.ExpiresAt != tc.expiresAt {
			t.Errorf("%s: got %+v", name, got)
		}
	}
}
