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

package accountapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/index"
)

// namespaceAuthorizer accepts one token and allows it in one namespace.
type namespaceAuthorizer struct{ token, namespace string }

func (a namespaceAuthorizer) Authenticate(_ context.Context, token string) (*accountapi.Caller, error) {
	if token != a.token {
		return nil, nil
	}
	return accountapi.NewCaller(authnv1.UserInfo{Username: "fuzzer"}, token), nil
}

func (a namespaceAuthorizer) Allowed(_ context.Context, _ *accountapi.Caller, _, namespace string) (bool, error) {
	return namespace == a.namespace, nil
}

// FuzzRequests sends arbitrary methods, paths, bodies and credentials: the
// API must never panic, must always answer JSON in the documented shape, and
// must never reveal the account kept in a namespace the caller cannot see.
func FuzzRequests(f *testing.F) {
	scheme := runtime.NewScheme()
	if err := boringv1alpha1.AddToScheme(scheme); err != nil {
		f.Fatal(err)
	}
	exp := metav1.NewTime(time.Now().Add(48 * time.Hour))
	visible := &boringv1alpha1.SocialAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "ig", Namespace: "mine"},
		Spec:       boringv1alpha1.SocialAccountSpec{AccountID: "visible-id"},
		Status:     boringv1alpha1.SocialAccountStatus{Platform: "instagram", IsValid: ptr.To(true), ExpiresAt: &exp, AccountName: "me"},
	}
	hidden := &boringv1alpha1.SocialAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "secret-thing", Namespace: "theirs"},
		Spec:       boringv1alpha1.SocialAccountSpec{AccountID: "hidden-id"},
		Status:     boringv1alpha1.SocialAccountStatus{Platform: "threads", IsValid: ptr.To(true), AccountName: "them"},
	}
	seeds := []struct{ method, path, auth, body string }{
		{"GET", "/api/accounts", "Bearer good", ""},
		{"GET", "/api/accounts?namespace=theirs", "Bearer good", ""},
		{"POST", "/api/token/info", "Bearer good", `{"account_id":"visible-id"}`},
		{"POST", "/api/token/info", "Bearer good", `{"account_id":"hidden-id"}`},
		{"POST", "/api/token/info", "Bearer good", `{"account_id":123}`},
		{"POST", "/api/token/info", "bearer good", `{"account_id":"visible-id"}{"x":1}`},
		{"POST", "/api/token/info", "", `{"account_id":"visible-id"}`},
		{"DELETE", "/api/accounts/hidden-id", "Bearer good", ""},
		{"DELETE", "/api/accounts/%2e%2e%2fhidden-id", "Bearer good", ""},
		{"PATCH", "/api/accounts", "Basic Zm9vOmJhcg==", ""},
		{"GET", "/../../etc/passwd", "Bearer good", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.auth, s.body)
	}
	f.Fuzz(func(t *testing.T, method, path, auth, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || strings.ContainsAny(method, " \r\n\t()<>@,;:\\\"/[]?={}") || method == "" {
			t.Skip()
		}
		c := fake.NewClientBuilder().WithScheme(scheme).
			WithIndex(&boringv1alpha1.SocialAccount{}, index.AccountID, index.ByAccountID).
			WithObjects(visible.DeepCopy(), hidden.DeepCopy()).Build()
		h := accountapi.NewHandler(c, c, namespaceAuthorizer{token: "good", namespace: "mine"}, nil)
		req, err := http.NewRequest(method, "http://api.local"+path, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		if auth != "" && !strings.ContainsAny(auth, "\r\n") {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		checkAnswer(t, method, path, body, rec)
	})
}

// checkAnswer holds what every answer of the API must satisfy.
func checkAnswer(t *testing.T, method, path, body string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %q", method, path, rec.Body.String())
	}
	if _, ok := out["success"].(bool); !ok && rec.Code != http.StatusOK {
		t.Fatalf("%s %s: error without success:false: %q", method, path, rec.Body.String())
	}
	if rec.Code >= 400 {
		if name, _ := out["error"].(string); name == "" {
			t.Fatalf("%s %s: %d without an error name", method, path, rec.Code)
		}
	}
	if rec.Code == http.StatusInternalServerError {
		t.Fatalf("%s %s: internal error: %q", method, path, rec.Body.String())
	}
	for _, leak := range []string{"hidden-id", "secret-thing", "them"} {
		if strings.Contains(rec.Body.String(), leak) && !strings.Contains(path+body, leak) {
			t.Fatalf("%s %s: answer reveals %q: %s", method, path, leak, rec.Body.String())
		}
	}
	if strings.Contains(rec.Body.String(), `"theirs"`) {
		t.Fatalf("%s %s: answer reveals the hidden namespace: %s", method, path, rec.Body.String())
	}
}
