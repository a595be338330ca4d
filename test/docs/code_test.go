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

package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/yaml"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/controller"
)

// This file takes the names from the code.

var root = filepath.Join("..", "..")

// flagMethods are the flag package's definers; those ending in Var take the
// name second.
var flagMethods = map[string]bool{
	"String": true, "StringVar": true, "Bool": true, "BoolVar": true, "Int": true, "IntVar": true,
	"Int64": true, "Int64Var": true, "Uint": true, "UintVar": true, "Uint64": true, "Uint64Var": true,
	"Float64": true, "Float64Var": true, "Duration": true, "DurationVar": true, "Var": true, "TextVar": true,
	"Func": true, "BoolFunc": true,
}

var flagName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// flagNames returns the flags a command's source file defines with the flag
// package (flag.StringVar(&v, "name", ...), fs.Bool("name", ...), ...).
func flagNames(t *testing.T, file string) []string {
	t.Helper()
	f := parse(t, file)
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !flagMethods[sel.Sel.Name] {
			return true
		}
		i := 0
		if strings.HasSuffix(sel.Sel.Name, "Var") {
			i = 1
		}
		if len(call.Args) <= i {
			return true
		}
		if name, ok := stringLit(call.Args[i]); ok && flagName.MatchString(name) {
			names = append(names, name)
		}
		return true
	})
	if len(names) == 0 {
		t.Fatalf("found no flag definitions in %s: update this test", file)
	}
	return names
}

// callsBindFlags reports whether the file binds controller-runtime's zap
// flags (zap.Options.BindFlags).
func callsBindFlags(t *testing.T, file string) bool {
	found := false
	ast.Inspect(parse(t, file), func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "BindFlags" {
			found = true
		}
		return !found
	})
	return found
}

// reasonConstants returns the values of the exported string constants named
// Reason* (condition reasons) and Event* (event reasons) in api/ and
// internal/, outside tests.
func reasonConstants(t *testing.T) (reasons, events []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, dir := range []string{"api", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			for _, decl := range parse(t, rel).Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.CONST {
					continue
				}
				for _, spec := range gen.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if i >= len(vs.Values) {
							continue
						}
						v, ok := stringLit(vs.Values[i])
						if !ok {
							continue
						}
						switch {
						case isConstOf(id.Name, "Reason") && !seen["r"+v]:
							seen["r"+v] = true
							reasons = append(reasons, v)
						case isConstOf(id.Name, "Event") && !seen["e"+v]:
							seen["e"+v] = true
							events = append(events, v)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(reasons) == 0 || len(events) == 0 {
		t.Fatal("found no Reason*/Event* constants: update this test")
	}
	sort.Strings(reasons)
	sort.Strings(events)
	return reasons, events
}

func isConstOf(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	return ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z'
}

// recorder is a Registerer that keeps what is registered with it.
type recorder struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// metricNames returns the names of the operator's own metrics: the
// descriptors of what its metric constructors register, and any other
// boring_* metric name written in the code.
func metricNames(t *testing.T) []string {
	t.Helper()
	reg := &recorder{Registerer: prometheus.NewRegistry()}
	if _, err := boring.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := controller.NewAccountMetrics(nil, reg, func() bool { return false }); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range reg.collectors {
		ch := make(chan *prometheus.Desc, 100)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name of %s", d)
			}
			seen[m[1]] = true
		}
	}
	// Names registered elsewhere: string literals that are whole metric names.
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			ast.Inspect(parse(t, rel), func(n ast.Node) bool {
				if s, ok := stringLit(n); ok && metricLiteral.MatchString(s) {
					seen[s] = true
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys(seen)
}

var (
	metricLiteral = regexp.MustCompile(`^boring_[a-z0-9]+(_[a-z0-9]+)+$`)
	// metricRef is a boring_* name in the docs.
	metricRef = regexp.MustCompile(`\bboring_[a-z0-9_]*[a-z0-9]\b`)
)

// alertNames returns the alerts of the PrometheusRule the installers ship.
func alertNames(t *testing.T) []string {
	t.Helper()
	data := readFile(t, "config/prometheus/prometheus_rule.yaml")
	var rule struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert string `json:"alert"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(data), &rule); err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			}
		}
	}
	if len(alerts) == 0 {
		t.Fatal("found no alerts: update this test")
	}
	return alerts
}

func parse(t *testing.T, file string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, file), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func stringLit(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
