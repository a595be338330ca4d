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
	"crypto/sha256"
	"encoding/hex"
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
