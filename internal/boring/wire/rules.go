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

package wire

import "time"

// day is a calendar-free day: Boring counts days_until_expiry in 24h steps.
const day = 24 * time.Hour

// DaysUntil is the number of whole days from now until t, rounded down and
// never negative, as Boring counts days_until_expiry.
func DaysUntil(now, t time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int(d / day)
}

// Expired reports whether a token expiring at expiresAt (nil: never) has
// expired at now.
func Expired(now time.Time, expiresAt *time.Time) bool {
	return expiresAt != nil && !expiresAt.After(now)
}

// NewTokenInfo is what POST /api/token/info says at now about a token: its
// days until expiry, and never valid once expired, whatever was stored.
func NewTokenInfo(now time.Time, valid bool, expiresAt *time.Time, platform Platform, name string) TokenInfo {
	info := TokenInfo{IsValid: valid && !Expired(now, expiresAt), ExpiresAt: expiresAt, Platform: platform, AccountName: name}
	if expiresAt != nil {
		days := DaysUntil(now, *expiresAt)
		info.DaysUntilExpiry = &days
	}
	return info
}
