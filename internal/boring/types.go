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

package boring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Session is a Boring session cookie value. It formats as "[redacted]" so a
// session can never reach a log line, error or metric by accident; use
// Reveal only where the value is sent to Boring.
type Session string

// String redacts the session.
func (Session) String() string { return "[redacted]" }

// GoString redacts the session in %#v.
func (Session) GoString() string { return "[redacted]" }

// MarshalText redacts the session in structured logs.
func (Session) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Reveal returns the cookie value to send to Boring.
func (s Session) Reveal() string { return string(s) }

// Fingerprint is a short, stable, one-way name for the session, usable as a
// map key or log value without exposing the session itself.
func (s Session) Fingerprint() string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// Platform is the social network of an account (Boring's social_channel_type).
type Platform string

// Platforms Boring connects.
const (
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
	PlatformThreads   Platform = "threads"
)

// Account is one connected account as GET /api/accounts lists it. Fields of
// other platforms are empty.
type Account struct {
	AccountID string     `json:"account_id"`
	Platform  Platform   `json:"social_channel_type"`
	IsValid   bool       `json:"is_valid"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
	UpdatedAt time.Time  `json:"updated_at,omitzero"`

	// Facebook
	PageName            string     `json:"page_name,omitempty"`
	PageID              string     `json:"page_id,omitempty"`
	DataAccessExpiresAt *time.Time `json:"data_access_expires_at,omitempty"`

	// Instagram
	IGUsername  string `json:"ig_username,omitempty"`
	IGAccountID string `json:"ig_account_id,omitempty"`
	AccountType string `json:"account_type,omitempty"`

	// Threads
	ThreadsUsername       string `json:"threads_username,omitempty"`
	ThreadsID             string `json:"threads_id,omitempty"`
	ThreadsProfilePicture string `json:"threads_profile_picture,omitempty"`
}

// Name is the human name of the account: the Page name, Instagram username
// or Threads username.
func (a *Account) Name() string {
	switch a.Platform {
	case PlatformFacebook:
		return a.PageName
	case PlatformInstagram:
		return a.IGUsername
	case PlatformThreads:
		return a.ThreadsUsername
	}
	return ""
}

// TokenInfo is the data of POST /api/token/info.
type TokenInfo struct {
	IsValid         bool       `json:"is_valid"`
	ExpiresAt       *time.Time `json:"expires_at"`
	DaysUntilExpiry *int       `json:"days_until_expiry"`
	Platform        Platform   `json:"platform"`
	AccountName     string     `json:"account_name"`
}

// NewTokenInfo is what POST /api/token/info says at now about a token:
// days_until_expiry counted with DaysUntil, and never valid once expired.
func NewTokenInfo(now time.Time, valid bool, expiresAt *time.Time, platform Platform, name string) TokenInfo {
	info := TokenInfo{IsValid: valid, ExpiresAt: expiresAt, Platform: platform, AccountName: name}
	if expiresAt != nil {
		days := DaysUntil(now, *expiresAt)
		info.DaysUntilExpiry = &days
		if !expiresAt.After(now) {
			info.IsValid = false
		}
	}
	return info
}

// DaysUntil is the number of whole days from now until t, rounded down and
// never negative. Boring, the controller and the account API all count the
// same way.
func DaysUntil(now, t time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int(d / (24 * time.Hour))
}

// Interface is what the operator needs from Boring.
type Interface interface {
	// ListAccounts lists the accounts connected under the session.
	ListAccounts(ctx context.Context, session Session) ([]Account, error)
	// TokenInfo reports the validity and expiry of one account's token.
	TokenInfo(ctx context.Context, session Session, accountID string) (*TokenInfo, error)
	// Disconnect soft-deletes the account in Boring.
	Disconnect(ctx context.Context, session Session, accountID string) error
}
