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

// Package wire is Boring's documented account API as data: the JSON shapes of
// its answers (accounts, token info, the success/error envelope), its error
// names, and the rules a server follows when it answers (days until expiry,
// never valid once expired). The outbound client, the embedded account API
// and the test stand-in all build on it, so none of them owns the contract.
// testdata/ holds the examples of Boring's documentation it is tested against.
package wire

import "time"

// Endpoint paths and the session cookie, as documented.
const (
	PathAccounts  = "/api/accounts"
	PathTokenInfo = "/api/token/info"
	// SessionCookie is the cookie that carries a Boring session.
	SessionCookie = "session"
)

// Platform is an account's social network (social_channel_type).
type Platform string

// Platforms Boring connects.
const (
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
	PlatformThreads   Platform = "threads"
)

// Account is one entry of GET /api/accounts. Fields of other platforms are
// empty and left out when encoding.
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

// PlatformAccountID is the platform's own, stable ID of the account
// (page_id, ig_account_id or threads_id); unlike account_id it survives a
// reconnect.
func (a *Account) PlatformAccountID() string {
	switch a.Platform {
	case PlatformFacebook:
		return a.PageID
	case PlatformInstagram:
		return a.IGAccountID
	case PlatformThreads:
		return a.ThreadsID
	}
	return ""
}

// AccountList is the answer of GET /api/accounts. Accounts is nil when the
// answer had no "accounts" array, which is not Boring's documented shape.
type AccountList struct {
	Accounts []Account `json:"accounts"`
}

// TokenInfo is the data of POST /api/token/info.
type TokenInfo struct {
	IsValid         bool       `json:"is_valid"`
	ExpiresAt       *time.Time `json:"expires_at"`
	DaysUntilExpiry *int       `json:"days_until_expiry"`
	Platform        Platform   `json:"platform"`
	AccountName     string     `json:"account_name"`
}

// TokenInfoRequest is the body of POST /api/token/info.
type TokenInfoRequest struct {
	AccountID *string `json:"account_id"`
}

// Envelope is Boring's answer to everything but the account list: success
// with a message or data, or failure with an error name and message.
type Envelope struct {
	Success bool       `json:"success"`
	Error   string     `json:"error,omitempty"`
	Message string     `json:"message,omitempty"`
	Data    *TokenInfo `json:"data,omitempty"`
	// RetryAfter is the wait in seconds a rate-limit answer may carry.
	RetryAfter float64 `json:"retry_after,omitempty"`
}

// Error names of Boring's errors page.
const (
	ErrorUnauthorized        = "Unauthorized"
	ErrorAccountNotFound     = "AccountNotFound"
	ErrorInvalidAccountID    = "InvalidAccountId"
	ErrorAccountDisabled     = "AccountDisabled"
	ErrorTokenExpired        = "TokenExpired"
	ErrorInvalidToken        = "InvalidToken"
	ErrorInvalidRequest      = "InvalidRequest"
	ErrorMissingParameter    = "MissingParameter"
	ErrorInvalidPlatform     = "InvalidPlatform"
	ErrorRateLimitExceeded   = "RateLimitExceeded"
	ErrorServiceUnavailable  = "ServiceUnavailable"
	ErrorTimeout             = "Timeout"
	ErrorInternalServerError = "InternalServerError"
)

// Documented messages.
const (
	MessageDisconnected    = "Account disconnected successfully"
	MessageAccountNotFound = "Account not found or does not belong to this user"
)

// Failure is an error answer with name and message.
func Failure(name, message string) Envelope {
	return Envelope{Error: name, Message: message}
}
