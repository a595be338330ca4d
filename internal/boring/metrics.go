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
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Metrics counts and times the requests made to Boring. Labels are the
// endpoint template, never the account ID or anything from the session.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the Boring client's metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "boring_api_requests_total",
			Help: "Requests made to the Boring API, by endpoint and HTTP status code (\"error\" when no answer arrived).",
		}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "boring_api_request_duration_seconds",
			Help:    "Latency of requests to the Boring API, by endpoint.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering Boring client metrics: %w", err)
		}
	}
	return m, nil
}

// RoundTripper wraps next so that every request is counted and timed, with
// promhttp's instrumented round trippers. They record answers only; a request
// that got none is counted as code "error" (which the alerts watch), and
// timed, here.
func (m *Metrics) RoundTripper(next http.RoundTripper) http.RoundTripper {
	endpoint := promhttp.WithLabelFromRequest("endpoint", func(r *http.Request) string {
		return endpointOf(r.Method, r.URL.Path)
	})
	answered := promhttp.InstrumentRoundTripperDuration(m.duration,
		promhttp.InstrumentRoundTripperCounter(m.requests, next, endpoint), endpoint)
	return promhttp.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := answered.RoundTrip(req)
		if err != nil {
			ep := endpointOf(req.Method, req.URL.Path)
			m.requests.WithLabelValues(ep, "error").Inc()
			m.duration.WithLabelValues(ep).Observe(time.Since(start).Seconds())
		}
		return resp, err
	})
}

func endpointOf(method, path string) string {
	switch {
	case method == http.MethodGet && strings.HasSuffix(path, wire.PathAccounts):
		return EndpointListAccounts
	case method == http.MethodDelete && strings.Contains(path, wire.PathAccounts+"/"):
		return EndpointDisconnect
	case method == http.MethodPost && strings.HasSuffix(path, wire.PathTokenInfo):
		return EndpointTokenInfo
	}
	return "other"
}
