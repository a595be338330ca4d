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
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/go-logr/logr/funcr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// TestEchoedCookieNeverReachesAnError checks that the stand-in's echo fault
// really carries the session in its body, so the test below can fail.
func TestEchoedCookieNeverReachesAnError(t *testing.T) {
	srv := newBackend(t)
	srv.SetFault(boringtest.EndpointList, boringtest.Fault{EchoRequest: true, Times: 1})
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/api/accounts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "session", Value: string(session)})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), string(session)) {
		t.Fatalf("the echo fault does not echo the cookie: %d %q", resp.StatusCode, body)
	}
}

// TestErrorBodiesKeepOnlyBoringsNameAndMessage: of an error answer, only the
// HTTP status and, for Boring's documented JSON error, its error name and
// message (cleaned) reach the error, which is what status, events and logs
// are made of.
func TestErrorBodiesKeepOnlyBoringsNameAndMessage(t *testing.T) {
	s := string(session)
	long := strings.Repeat("é", 300)
	tests := map[string]struct {
		fault    boringtest.Fault
		wantKind error
		wantCode string
		wantMsg  string
	}{
		"502 HTML echoing the Cookie header": {
			fault: boringtest.Fault{EchoRequest: true}, wantKind: boring.ErrUnavailable,
			wantMsg: "answer is not Boring's JSON error",
		},
		"401 HTML echoing the Cookie header": {
			fault: boringtest.Fault{EchoRequest: true, Status: http.StatusUnauthorized}, wantKind: boring.ErrUnauthorized,
			wantMsg: "answer is not Boring's JSON error",
		},
		"200 HTML echoing the Cookie header": {
			fault: boringtest.Fault{EchoRequest: true, Status: http.StatusOK}, wantKind: boring.ErrUnavailable,
			wantMsg: "malformed JSON body",
		},
		"200 JSON echoing the Cookie header": {
			fault:    boringtest.Fault{Body: `{"headers":{"Cookie":"session=` + s + `"}}`},
			wantKind: boring.ErrUnavailable, wantMsg: "answer is not in Boring's documented shape",
		},
		"JSON without an error name": {
			fault:    boringtest.Fault{Status: http.StatusBadGateway, Body: `{"headers":{"Cookie":"session=` + s + `"}}`},
			wantKind: boring.ErrUnavailable, wantMsg: "answer is not Boring's JSON error",
		},
		"JSON with an undocumented error name": {
			fault:    boringtest.Fault{Status: http.StatusBadRequest, Body: `{"success":false,"error":"` + s + `","message":"session=` + s + `"}`},
			wantKind: boring.ErrBadRequest, wantMsg: "answer is not Boring's JSON error",
		},
		"Boring's JSON whose message echoes the session, with control characters": {
			fault: boringtest.Fault{Status: http.StatusServiceUnavailable,
				Body: `{"success":false,"error":"ServiceUnavailable","message":"Down\n\u001b[31mCookie: session=` + s + `\u202e\u0000"}`},
			wantKind: boring.ErrUnavailable, wantCode: "ServiceUnavailable", wantMsg: "Down[31mCookie: session=[redacted]",
		},
		"Boring's JSON with a long message": {
			fault:    boringtest.Fault{Status: http.StatusBadRequest, Body: `{"success":false,"error":"InvalidRequest","message":"` + long + `"}`},
			wantKind: boring.ErrBadRequest, wantCode: "InvalidRequest", wantMsg: strings.Repeat("é", 200) + "...",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newBackend(t)
			var logs bytes.Buffer
			ctx := logf.IntoContext(context.Background(), funcr.New(func(prefix, args string) {
				fmt.Fprintln(&logs, prefix, args)
			}, funcr.Options{Verbosity: 10}))
			c := newClient(t, srv.URL(), func(o *boring.Options) { o.MaxAttempts = 1 })
			for _, ep := range []boringtest.Endpoint{boringtest.EndpointList, boringtest.EndpointTokenInfo, boringtest.EndpointDisconnect} {
				srv.SetFault(ep, tc.fault)
			}
			calls := map[string]func() error{
				"list":       func() error { _, err := c.ListAccounts(ctx, session); return err },
				"tokeninfo":  func() error { _, err := c.TokenInfo(ctx, session, igID); return err },
				"disconnect": func() error { return c.Disconnect(ctx, session, igID) },
			}
			for call, fn := range calls {
				err := fn()
				var apiErr *boring.APIError
				if !errors.As(err, &apiErr) || !errors.Is(err, tc.wantKind) {
					t.Fatalf("%s: want an APIError of kind %v, got %v", call, tc.wantKind, err)
				}
				if apiErr.Code != tc.wantCode || apiErr.Message != tc.wantMsg {
					t.Errorf("%s: code %q message %q, want %q %q", call, apiErr.Code, apiErr.Message, tc.wantCode, tc.wantMsg)
				}
				text := fmt.Sprintf("%v %+v %#v", err, err, err)
				if strings.Contains(text, s) || strings.Contains(logs.String(), s) {
					t.Errorf("%s: the session leaked: %s", call, text)
				}
				if strings.IndexFunc(err.Error(), unicode.IsControl) >= 0 {
					t.Errorf("%s: control character in %q", call, err.Error())
				}
			}
			if srv.Disconnected(igID) {
				t.Error("a failed disconnect disconnected")
			}
		})
	}
}
