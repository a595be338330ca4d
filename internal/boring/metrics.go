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
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "boring_api_requests_total",
		Help: "Requests made to the Boring API, by endpoint and HTTP status code (\"error\" when no answer arrived).",
	}, []string{"endpoint", "code"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "boring_api_request_duration_seconds",
		Help:    "Latency of requests to the Boring API, by endpoint.",
		Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"endpoint"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(requestsTotal, requestDuration)
}

// MetricsRoundTripper counts and times every request to Boring. Labels are
// the endpoint template, never the account ID or anything from the session.
type MetricsRoundTripper struct {
	Next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (m *MetricsRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := endpointOf(req.Method, req.URL.Path)
	start := time.Now()
	resp, err := m.Next.RoundTrip(req)
	requestDuration.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	requestsTotal.WithLabelValues(endpoint, code).Inc()
	return resp, err
}

func endpointOf(method, path string) string {
	switch {
	case method == http.MethodGet && strings.HasSuffix(path, "/api/accounts"):
		return EndpointListAccounts
	case method == http.MethodDelete && strings.Contains(path, "/api/accounts/"):
		return EndpointDisconnect
	case method == http.MethodPost && strings.HasSuffix(path, "/api/token/info"):
		return EndpointTokenInfo
	}
	return "other"
}
