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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"k8s.io/utils/clock"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/version"
)

// Version is reported in the User-Agent: the release stamped into the
// binary (package version), or another value set by a test.
var Version = version.Version

// Options tune a Client. Zero values take the defaults in parentheses.
type Options struct {
	// HTTPClient is used for every call (NewHTTPClient with Metrics: no
	// redirects). Its Timeout is not used; see Timeout.
	HTTPClient *http.Client
	// Metrics counts and times requests when HTTPClient is not given.
	Metrics *Metrics
	// Clock reads HTTP-date Retry-After values (the real clock).
	Clock clock.PassiveClock
	// Timeout bounds each attempt (10s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call, retries included (3).
	MaxAttempts int
	// BaseBackoff is the first wait between attempts, doubled after each,
	// with jitter (250ms).
	BaseBackoff time.Duration
	// MaxBackoff caps the wait between attempts (5s). A Retry-After longer
	// than this is not waited for inside the call: the error is returned with
	// RetryAfter set, for the caller to schedule.
	MaxBackoff time.Duration
	// MaxRetryAfter caps a Retry-After (15m): one bad value (milliseconds
	// read as seconds) must not freeze a credential for hours.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds a response body (32 MiB: ~80,000 accounts).
	MaxBodyBytes int64
}

// Client calls Boring's account API over HTTP. It is safe for concurrent use
// and meant to be shared: one Client, one connection pool.
type Client struct {
	base *url.URL
	http *http.Client
	opts Options
}

var _ Upstream = (*Client)(nil)

// NewClient returns a Client for the Boring instance at baseURL.
func NewClient(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing Boring URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("boring URL %q must be http or https", baseURL)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = NewHTTPClient(nil, opts.Metrics)
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 15 * time.Minute
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 32 << 20
	}
	return &Client{base: u, http: opts.HTTPClient, opts: opts}, nil
}

// NewHTTPClient returns an http.Client for Boring: it records metrics (when
// m is not nil), keeps connections alive and never follows redirects (a
// redirect would carry the session cookie to wherever it points).
func NewHTTPClient(base http.RoundTripper, m *Metrics) *http.Client {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		base = t
	}
	if m != nil {
		base = m.RoundTripper(base)
	}
	return &http.Client{
		Transport: base,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// listAnswer is what GET /api/accounts may answer: the documented list, or
// (from a misbehaving server) an error envelope with status 200.
type listAnswer struct {
	wire.AccountList
	wire.Envelope
}

// answer is decoded from a 2xx body; failed reports an answer that is not
// the documented success, so the body is read as an error instead.
type answer interface{ failed() bool }

func (a *listAnswer) failed() bool { return a.Accounts == nil || a.Error != "" }

type envelopeAnswer struct{ wire.Envelope }

func (a *envelopeAnswer) failed() bool { return !a.Success }

// Endpoint names, also the "endpoint" label of the client metrics.
const (
	EndpointListAccounts = "GET /api/accounts"
	EndpointDisconnect   = "DELETE /api/accounts/{id}"
	EndpointTokenInfo    = "POST /api/token/info"
)

// ListAccounts lists the accounts connected under the session.
func (c *Client) ListAccounts(ctx context.Context, session Session) ([]wire.Account, error) {
	var out listAnswer
	if err := c.do(ctx, session, EndpointListAccounts, http.MethodGet, wire.PathAccounts, nil, &out); err != nil {
		return nil, err
	}
	return out.Accounts, nil
}

// TokenInfo reports the validity and expiry of one account's token.
func (c *Client) TokenInfo(ctx context.Context, session Session, accountID string) (*wire.TokenInfo, error) {
	body, err := json.Marshal(wire.TokenInfoRequest{AccountID: &accountID})
	if err != nil {
		return nil, err
	}
	var out envelopeAnswer
	if err := c.do(ctx, session, EndpointTokenInfo, http.MethodPost, wire.PathTokenInfo, body, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		return nil, &APIError{Endpoint: EndpointTokenInfo, StatusCode: http.StatusOK, Message: "answer has no data", kind: ErrUnavailable}
	}
	return out.Data, nil
}

// Disconnect soft-deletes the account in Boring.
func (c *Client) Disconnect(ctx context.Context, session Session, accountID string) error {
	return c.do(ctx, session, EndpointDisconnect, http.MethodDelete, wire.PathAccounts+"/"+url.PathEscape(accountID), nil, &envelopeAnswer{})
}

// do runs one call with bounded, jittered retries of retryable failures.
func (c *Client) do(ctx context.Context, session Session, endpoint, method, path string, body []byte, out answer) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = c.attempt(ctx, session, endpoint, method, path, body, out)
		if err == nil || !Retryable(err) || attempt >= c.opts.MaxAttempts {
			return err
		}
		wait := c.backoff(attempt)
		if ra, ok := RetryAfter(err); ok {
			if ra > c.opts.MaxBackoff {
				return err // too long to hold the caller; it schedules the retry
			}
			wait = ra
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BaseBackoff << (attempt - 1)
	if d > c.opts.MaxBackoff || d <= 0 {
		d = c.opts.MaxBackoff
	}
	// Full jitter in [d/2, d): callers that failed together spread out.
	return d/2 + rand.N(d/2+1)
}

func (c *Client) attempt(ctx context.Context, session Session, endpoint, method, path string, body []byte, out answer) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return &APIError{Endpoint: endpoint, Message: "building request", kind: ErrBadRequest, cause: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "boring-operator/"+Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.AddCookie(&http.Cookie{Name: wire.SessionCookie, Value: session.Reveal()})

	resp, err := c.http.Do(req)
	if err != nil {
		return &APIError{Endpoint: endpoint, Message: transportMessage(ctx, err), kind: ErrUnavailable, cause: stripURL(err)}
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		_ = resp.Body.Close()
	}()

	data, err := readLimited(resp.Body, c.opts.MaxBodyBytes)
	if errors.Is(err, errTooLarge) {
		return &APIError{Endpoint: endpoint, StatusCode: resp.StatusCode,
			Message: fmt.Sprintf("body exceeds %d bytes", c.opts.MaxBodyBytes), kind: ErrResponseTooLarge}
	}
	if err != nil {
		return &APIError{Endpoint: endpoint, StatusCode: resp.StatusCode, Message: transportMessage(ctx, err), kind: ErrUnavailable, cause: stripURL(err)}
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.decodeError(ctx, endpoint, resp, data, session)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &APIError{Endpoint: endpoint, StatusCode: resp.StatusCode, Message: "malformed JSON body", kind: ErrUnavailable, cause: err}
	}
	// A 2xx that is not the documented success (success:false, no accounts
	// array, null) is a failure, never an empty answer.
	if out.failed() {
		return c.decodeError(ctx, endpoint, resp, data, session)
	}
	return nil
}

var errTooLarge = errors.New("body too large")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// decodeError turns a failed answer into an *APIError. Only Boring's own
// JSON error shape (a documented error name) contributes its name and message,
// truncated and stripped of control characters, with the session value
// redacted should Boring ever echo it; any other body (an HTML page from a
// proxy, which may echo the request's headers and so its Cookie) contributes
// nothing but the HTTP status.
func (c *Client) decodeError(ctx context.Context, endpoint string, resp *http.Response, data []byte, session Session) error {
	e, documented := boringFailure(data)
	status := resp.StatusCode
	if status >= 200 && status <= 299 && !documented {
		// Not Boring's documented answer: an upstream failure, retried.
		return &APIError{Endpoint: endpoint, StatusCode: status, Message: "answer is not in Boring's documented shape", kind: ErrUnavailable}
	}
	apiErr := &APIError{
		Endpoint:   endpoint,
		StatusCode: status,
		Code:       e.Error,
		Message:    cleanMessage(e.Message, session, maxMessageLen),
		kind:       kindFor(status, e.Error),
	}
	if !documented {
		apiErr.Message = "answer is not Boring's JSON error"
	}
	if apiErr.kind == ErrRateLimited {
		apiErr.RetryAfter = parseRetryAfter(c.opts.Clock.Now(), resp.Header.Get("Retry-After"), e.RetryAfter)
		if apiErr.RetryAfter > c.opts.MaxRetryAfter {
			logf.FromContext(ctx).Info("Boring asked to wait longer than the cap; waiting the cap",
				"endpoint", endpoint, "retryAfter", apiErr.RetryAfter.String(), "cap", c.opts.MaxRetryAfter.String())
			apiErr.RetryAfter = c.opts.MaxRetryAfter
		}
	}
	return apiErr
}

// maxMessageLen bounds the characters of Boring's message kept in an error.
const maxMessageLen = 200

// boringFailure reads data as Boring's documented error answer: success
// false and an error name from Boring's errors page. ok is false for anything
// else, and then nothing of the body is returned.
func boringFailure(data []byte) (wire.Envelope, bool) {
	var e wire.Envelope
	if err := json.Unmarshal(data, &e); err != nil || e.Success || !documentedErrorNames[e.Error] {
		return wire.Envelope{}, false
	}
	return e, true
}

// cleanMessage makes Boring's free-text message safe to put into a
// condition, an event or a log line: the session value redacted, control and
// formatting characters (newlines, escapes, bidi overrides) removed, at most
// n characters kept.
func cleanMessage(msg string, session Session, n int) string {
	if v := session.Reveal(); v != "" {
		msg = strings.ReplaceAll(msg, v, session.String())
	}
	msg = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, msg)
	return truncate(strings.TrimSpace(msg), n)
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date, falling back
// to the body's retry_after seconds.
func parseRetryAfter(now time.Time, header string, body float64) time.Duration {
	if header != "" {
		if secs, err := strconv.ParseFloat(header, 64); err == nil && secs >= 0 {
			return seconds(secs)
		}
		if t, err := http.ParseTime(header); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
		}
	}
	if body > 0 {
		return seconds(body)
	}
	return 0
}

// seconds converts without overflowing: absurd values become a very long
// wait, which the cap then bounds.
func seconds(s float64) time.Duration {
	const most = float64(math.MaxInt64 / int64(time.Second))
	if s > most {
		s = most
	}
	return time.Duration(s * float64(time.Second))
}

func transportMessage(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "connection failed"
}

// stripURL drops the URL from a *url.Error; the cause keeps the reason.
func stripURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// truncate keeps the first n characters of s, never splitting one.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}
