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

package operator

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/aiagent-me/boring-operator/internal/accountapi"
)

// MetricsAuth is the FilterProvider of the secure metrics endpoint: a
// scraper needs a bearer token the API server accepts (TokenReview, any
// audience) and the right to get the URL's path (a SubjectAccessReview on
// the non-resource URL, as the metrics-reader ClusterRole grants). Answers
// are reused for a minute. It does what controller-runtime's
// filters.WithAuthenticationAndAuthorization does with the reviewer the
// account API already has, without linking in k8s.io/apiserver (and its
// gRPC and OpenTelemetry), which made the manager's mapped binary about a
// third larger.
func MetricsAuth(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient})
	if err != nil {
		return nil, err
	}
	reviewer := accountapi.NewReviewer(c, accountapi.ReviewerOptions{TTL: time.Minute})
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return metricsAuthHandler(reviewer, log, next), nil
	}, nil
}

func metricsAuthHandler(reviewer *accountapi.Reviewer, log logr.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		caller, err := reviewer.Authenticate(r.Context(), token)
		if err == nil && caller == nil {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		allowed := false
		if err == nil {
			allowed, err = reviewer.AllowedPath(r.Context(), caller, strings.ToLower(r.Method), r.URL.Path)
		}
		switch {
		case errors.Is(err, accountapi.ErrReviewBudget):
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		case err != nil:
			log.Error(err, "Failed to review a metrics request")
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		case !allowed:
			http.Error(w, "Forbidden", http.StatusForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
