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

package install_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

var dashboardFile = filepath.Join(chart, "files", "dashboards", "boring-operator.json")

type dashboard struct {
	Title  string                 `json:"title"`
	UID    string                 `json:"uid"`
	Links  []struct{ URL string } `json:"links"`
	Panels []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func readDashboard(t *testing.T, data []byte) dashboard {
	t.Helper()
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("the dashboard lacks a title, uid or panels: %+v", d)
	}
	return d
}

// TestDashboardQueriesParse hands every query of the Grafana dashboard to
// promtool, as recording rules, so Prometheus' own parser checks them. (That
// they name only exported metrics is checked in internal/operator, against a
// running operator.)
func TestDashboardQueriesParse(t *testing.T) {
	promtool := tool(t, "PROMTOOL")
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	d := readDashboard(t, data)
	var rules []map[string]string
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for i, target := range p.Targets {
			if strings.TrimSpace(target.Expr) == "" {
				t.Errorf("panel %q query %d is empty", p.Title, i)
			}
			rules = append(rules, map[string]string{"record": fmt.Sprintf("dashboard:panel%d:query%d", p.ID, i), "expr": target.Expr})
		}
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard-queries.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	got := string(run(t, promtool, "check", "rules", path))
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(rules)); !strings.Contains(got, want) {
		t.Fatalf("promtool check rules: want %q, got:\n%s", want, got)
	}
}

// TestDashboardShipsInBothInstallers checks the ConfigMap the chart renders
// and config/grafana's copy.
func TestDashboardShipsInBothInstallers(t *testing.T) {
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(filepath.Join(root, "config", "grafana", "boring-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, copied) {
		t.Error("config/grafana/boring-operator.json differs from the chart's: run `make manifests`")
	}
	objs := helmTemplate(t, "--values", allOn)
	cm := find(t, objs, "ConfigMap", "boring-dashboard")
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("the dashboard ConfigMap lacks the grafana_dashboard label: %v", cm.GetLabels())
	}
	body, _, _ := unstructured.NestedString(cm.Object, "data", "boring-operator.json")
	d := readDashboard(t, []byte(body))
	if len(d.Panels) != len(readDashboard(t, data).Panels) {
		t.Error("the ConfigMap's dashboard lost panels")
	}
	// The re-connection link follows boring.dashboardURL.
	found := false
	for _, l := range d.Links {
		found = found || l.URL == "https://boring.example.com/accounts"
	}
	if !found {
		t.Errorf("no dashboard link to boring.dashboardURL: %+v", d.Links)
	}
}
