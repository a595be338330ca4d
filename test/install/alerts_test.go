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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// renderRules writes the chart's PrometheusRule, rendered with the given
// extra arguments, as a Prometheus rule file in dir.
func renderRules(t *testing.T, dir string, args ...string) string {
	t.Helper()
	objs := helmTemplate(t, append([]string{"--set", "metrics.prometheusRule.enabled=true"}, args...)...)
	rule := find(t, objs, "PrometheusRule", release+"-alerts")
	out, err := yaml.Marshal(rule.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAlertRules runs testdata/alerts_test.yaml through `promtool test rules`:
// each alert firing and not firing, with its labels and its annotations
// (summary, description, runbook and re-connection links) checked in full.
func TestAlertRules(t *testing.T) {
	promtool := tool(t, "PROMTOOL")
	dir := t.TempDir()
	rules := renderRules(t, dir)
	run(t, promtool, "check", "rules", rules)
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "alerts_test.yaml")
	if err := os.WriteFile(path, tests, 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, promtool, "test", "rules", path)
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules:\n%s", out)
	}
	// Every alert the chart ships has a test.
	spec := map[string][]struct {
		Rules []struct {
			Alert string `json:"alert"`
		} `json:"rules"`
	}{}
	data, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, g := range spec["groups"] {
		for _, r := range g.Rules {
			alerts++
			if !strings.Contains(string(tests), "alertname: "+r.Alert+"\n") {
				t.Errorf("alert %s has no promtool test", r.Alert)
			}
		}
	}
	if alerts == 0 {
		t.Fatal("the PrometheusRule has no alerts")
	}
}

// TestAlertRunbooksExist checks that every runbook link points at a heading
// of docs/troubleshooting.md, and that the links follow the values.
func TestAlertRunbooksExist(t *testing.T) {
	dir := t.TempDir()
	rules := renderRules(t, dir,
		"--set", "metrics.prometheusRule.runbookBaseURL=https://runbooks.example.com/boring",
		"--set", "boring.dashboardURL=https://boring.example.com/connect")
	data, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "#") {
			anchors[githubAnchor(strings.TrimLeft(line, "# "))] = true
		}
	}
	links := 0
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "runbook_url:") {
			continue
		}
		links++
		url := strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "runbook_url:")), `'"`)
		base, anchor, ok := strings.Cut(url, "#")
		if base != "https://runbooks.example.com/boring" || !ok {
			t.Errorf("runbook link %q does not follow runbookBaseURL", url)
		}
		if !anchors[anchor] {
			t.Errorf("runbook link %q: docs/troubleshooting.md has no heading #%s", url, anchor)
		}
	}
	if links == 0 {
		t.Fatal("no runbook links")
	}
	if strings.Contains(string(data), "boring.aiagent-me.com") || !strings.Contains(string(data), "https://boring.example.com/connect") {
		t.Error("the re-connection links do not follow boring.dashboardURL")
	}
	if strings.Contains(string(data), "@") {
		t.Error("a placeholder was left in the rules")
	}
}

// githubAnchor is the anchor GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}
