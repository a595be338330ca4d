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
	"errors"
	"fmt"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Kinds of failure, for errors.Is. Every error the client returns for an
// answer from Boring is an *APIError that matches exactly one of these.
var (
	// ErrUnauthorized: the session is missing, expired or rejected (401).
	ErrUnauthorized = errors.New("boring: unauthorized")
	// ErrAccountNotFound: Boring itself said the account does not exist or
	// belongs to another user (AccountNotFound or InvalidAccountId in its
	// JSON error body). A bare 404, from a proxy for example, is not that.
	ErrAccountNotFound = errors.New("boring: account not found")
	// ErrAccountDisabled: Boring disabled the account.
	ErrAccountDisabled = errors.New("boring: account disabled")
	// ErrRateLimited: Boring asked the caller to slow down (429).
	ErrRateLimited = errors.New("boring: rate limited")
	// ErrUnavailable: Boring could not answer usefully: a 5xx, a timeout, a
	// connection error or a malformed body. Retryable.
	ErrUnavailable = errors.New("boring: unavailable")
	// ErrResponseTooLarge: the body exceeded the client's limit. Not retried.
	ErrResponseTooLarge = errors.New("boring: response too large")
	// ErrBadRequest: Boring refused the request itself (other 4xx answers).
	ErrBadRequest = errors.New("boring: bad request")
)

// APIError describes one failed call. It never holds the session.
type APIError struct {
	// Endpoint is the call, such as "GET /api/accounts".
	Endpoint string
	// StatusCode is the HTTP status, 0 when no answer arrived.
	StatusCode int
	// Code is Boring's error name ("AccountNotFound"), when it sent one.
	Code string
	// Message is Boring's message (only from its documented JSON error shape,
	// truncated, control characters removed, the session redacted) or the
	// client's own description of the failure. Never other body content.
	Message string
	// RetryAfter is the wait Boring asked for (rate limits), if any.
	RetryAfter time.Duration

	kind  error
	cause error
}

func (e *APIError) Error() string {
	msg := e.kind.Error() + ": " + e.Endpoint
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" answered %d", e.StatusCode)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Is matches the kind of failure (ErrUnauthorized, ...).
func (e *APIError) Is(target error) bool { return target == e.kind }

// Unwrap returns the transport or decoding error behind the failure, if any.
func (e *APIError) Unwrap() error { return e.cause }

// Retryable reports whether a later attempt may succeed without a change on
// the caller's side: rate limits and unavailability.
func Retryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable)
}

// RetryAfter returns the wait Boring asked for, if err carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	return 0, false
}

// documentedErrorNames are the error names of Boring's errors page. A JSON
// body naming anything else is not treated as Boring's answer.
var documentedErrorNames = map[string]bool{
	wire.ErrorUnauthorized:        true,
	wire.ErrorAccountNotFound:     true,
	wire.ErrorInvalidAccountID:    true,
	wire.ErrorAccountDisabled:     true,
	wire.ErrorTokenExpired:        true,
	wire.ErrorInvalidToken:        true,
	wire.ErrorInvalidRequest:      true,
	wire.ErrorMissingParameter:    true,
	wire.ErrorInvalidPlatform:     true,
	wire.ErrorRateLimitExceeded:   true,
	wire.ErrorServiceUnavailable:  true,
	wire.ErrorTimeout:             true,
	wire.ErrorInternalServerError: true,
}

// kindFor maps Boring's status code and error name to a kind of failure.
func kindFor(status int, code string) error {
	switch code {
	case wire.ErrorUnauthorized, wire.ErrorInvalidToken, wire.ErrorTokenExpired:
		return ErrUnauthorized
	case wire.ErrorAccountNotFound, wire.ErrorInvalidAccountID:
		return ErrAccountNotFound
	case wire.ErrorAccountDisabled:
		return ErrAccountDisabled
	case wire.ErrorRateLimitExceeded:
		return ErrRateLimited
	case wire.ErrorServiceUnavailable, wire.ErrorTimeout, wire.ErrorInternalServerError:
		return ErrUnavailable
	}
	switch {
	case status == 401 || status == 403:
		return ErrUnauthorized
	case status == 404:
		// Only Boring's own answer may say "gone": a 404 without its error
		// name (an HTML page from a proxy, a wrong base URL) is an outage.
		return ErrUnavailable
	case status == 429:
		return ErrRateLimited
	case status >= 500:
		return ErrUnavailable
	}
	return ErrBadRequest
}
