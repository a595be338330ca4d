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
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// TestDashboardAndAlertsNameExportedMetrics runs the operator, lets it sync an
// Instagram and a Facebook account (so every per-account series exists), and
// checks that each metric the Grafana dashboard and the alert rules query is
// one the operator really exports: a renamed metric breaks this test, not
// somebody's dashboard.
func TestDashboardAndAlertsNameExportedMetrics(t *testing.T) {
	cfg, scheme, c := newEnv(t)
	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	backend.AddSession("monitoring-session", "owner")
	expires := time.Now().Add(40 * 24 * time.Hour)
	dataAccess := time.Now().Add(80 * 24 * time.Hour)
	backend.AddAccount("owner", boringtest.Account{ID: "ig-1", Platform: "instagram", Valid: true, ExpiresAt: &expires, Name: "ig", PlatformID: "1"})
	backend.AddAccount("owner", boringtest.Account{ID: "fb-1", Platform: "facebook", Valid: true, DataAccessExpiresAt: &dataAccess, Name: "fb", PlatformID: "2"})
	// Connected in Boring, mapped by no SocialAccount.
	backend.AddAccount("owner", boringtest.Account{ID: "th-1", Platform: "threads", Valid: true, ExpiresAt: &expires, Name: "th", PlatformID: "3"})
	reg := prometheus.NewRegistry()
	startOperator(t, cfg, scheme, backend.URL(), ctrl.Options{}, reg)

	ctx := context.Background()
	ns := "monitoring"
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session",
		Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{"session": "monitoring-session"}}))
	for _, id := range []string{"ig-1", "fb-1"} {
		must(t, c.Create(ctx, &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id},
			Spec: boringv1alpha1.SocialAccountSpec{AccountID: id,
				CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}},
		}))
	}
	waitAllReady(t, c, 2, 30*time.Second)

	// One account under the Secret is mapped by no SocialAccount.
	poll(t, 10*time.Second, "the unmapped-accounts gauge", func() (bool, error) {
		families, err := reg.Gather()
		if err != nil {
			return false, err
		}
		for _, f := range families {
			if f.GetName() != "boring_credentials_unmapped_accounts" {
				continue
			}
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["namespace"] == ns && labels["secret"] == "boring-session" {
					return m.GetGauge().GetValue() == 1, nil
				}
			}
		}
		return false, nil
	})

	exported := map[string]bool{}
	for _, g := range []prometheus.Gatherer{reg, ctrlmetrics.Registry} {
		families, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			exported[f.GetName()] = true
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					exported[f.GetName()+suffix] = true
				}
			case dto.MetricType_SUMMARY:
				for _, suffix := range []string{"_sum", "_count"} {
					exported[f.GetName()+suffix] = true
				}
			}
		}
	}

	chart := filepath.Join("..", "..", "charts", "boring-operator", "files")
	queries := map[string][]string{
		"dashboard": dashboardQueries(t, filepath.Join(chart, "dashboards", "boring-operator.json")),
		"alerts":    ruleQueries(t, filepath.Join(chart, "prometheus-rules.yaml")),
	}
	// Prometheus' own series, for the absent alert.
	exported["up"] = true
	used := map[string]bool{}
	for source, exprs := range queries {
		if len(exprs) == 0 {
			t.Fatalf("no queries in the %s", source)
		}
		for _, expr := range exprs {
			names := metricNames(expr)
			if len(names) == 0 {
				t.Errorf("%s: %q names no metric", source, expr)
			}
			for _, n := range names {
				used[n] = true
				if !exported[n] {
					t.Errorf("%s: %q queries %s, which the operator does not export", source, expr, n)
				}
			}
		}
	}
	// Each per-account series is shown or alerted on somewhere.
	for name := range exported {
		if (strings.HasPrefix(name, "boring_socialaccount_") || strings.HasPrefix(name, "boring_credentials_")) && !used[name] {
			t.Errorf("%s is exported but neither the dashboard nor an alert uses it", name)
		}
	}
}

func dashboardQueries(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	var out []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			out = append(out, target.Expr)
		}
	}
	return out
}

func ruleQueries(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Expr string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out = append(out, r.Expr)
		}
	}
	return out
}

var (
	promqlStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promqlMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promqlRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promqlKeywords  = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
	promqlNumberEnd = regexp.MustCompile(`[0-9.]$`)
)

// metricNames returns the metric names a PromQL expression selects: what is
// left once strings, label matchers, ranges, grouping clauses, function calls
// and keywords are taken out. (promtool parses every query in test/install.)
func metricNames(expr string) []string {
	s := promqlStrings.ReplaceAllString(expr, `""`)
	s = promqlMatchers.ReplaceAllString(s, " ")
	s = promqlRanges.ReplaceAllString(s, " ")
	s = promqlGrouping.ReplaceAllString(s, " ")
	seen := map[string]bool{}
	for _, loc := range promqlIdent.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		if strings.HasSuffix(tok, "(") || promqlKeywords[strings.ToLower(tok)] {
			continue
		}
		// The unit of a number such as 1e3 is not a name.
		if loc[0] > 0 && promqlNumberEnd.MatchString(s[:loc[0]]) {
			continue
		}
		seen[tok] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string]string{
		`sum by (endpoint, code) (rate(boring_api_requests_total{code=~"5..|error"}[5m]))`:                     "boring_api_requests_total",
		`max by (namespace, name) (a_seconds) - time() < on (name) group_left (x) b_seconds`:                   "a_seconds b_seconds",
		`histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 2 * 1e3 and y offset 5m or vector(0)`:    "x_bucket y",
		`count(max by (namespace, name, platform) (boring_socialaccount_valid) == 0 or z <= time())`:           "boring_socialaccount_valid z",
		`absent(up{job="boring-operator-controller-manager-metrics-service", namespace="boring-system"} == 1)`: "up",
	} {
		if got := strings.Join(metricNames(expr), " "); got != want {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}
