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

package operator_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/aiagent-me/boring-operator/internal/envtestutil"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

// TestMetricsAuth checks the secure metrics endpoint's filter against a real
// API server: a token and the metrics-reader rights on the path, or no
// metrics.
func TestMetricsAuth(t *testing.T) {
	cfg, _, c := newEnv(t)
	ctx := context.Background()
	ns := "metrics-auth"
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, c.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-metrics-reader"},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}))
	must(t, c.Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-metrics-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-metrics-reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "prometheus"}}}))
	reader, err := envtestutil.ServiceAccountToken(ctx, c, ns, "prometheus")
	must(t, err)
	other, err := envtestutil.ServiceAccountToken(ctx, c, ns, "someone")
	must(t, err)

	httpClient, err := rest.HTTPClientFor(cfg)
	must(t, err)
	filter, err := operator.MetricsAuth(cfg, httpClient)
	must(t, err)
	var served atomic.Int32
	h, err := filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		_, _ = w.Write([]byte("metrics"))
	}))
	must(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, path, auth string
		want             int
	}{
		{"no token", "/metrics", "", http.StatusUnauthorized},
		{"not a bearer token", "/metrics", "Basic " + reader, http.StatusUnauthorized},
		{"a token the API server rejects", "/metrics", "Bearer not-a-token", http.StatusUnauthorized},
		{"a token without the rights", "/metrics", "Bearer " + other, http.StatusForbidden},
		{"metrics-reader on another path", "/debug", "Bearer " + reader, http.StatusForbidden},
		{"metrics-reader", "/metrics", "Bearer " + reader, http.StatusOK},
		{"metrics-reader again (cached answers)", "/metrics", "Bearer " + reader, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+tc.path, nil)
			must(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if served.Load() != 2 {
		t.Fatalf("the metrics handler ran %d times, want 2 (the allowed requests only)", served.Load())
	}
}
