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
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

func TestChartLintsStrictly(t *testing.T) {
	helm := tool(t, "HELM")
	for name, args := range map[string][]string{
		"defaults": nil,
		"all on":   {"--values", allOn},
	} {
		t.Run(name, func(t *testing.T) {
			out := run(t, helm, append([]string{"lint", "--strict", chart}, args...)...)
			if !strings.Contains(string(out), "0 chart(s) failed") {
				t.Fatalf("helm lint:\n%s", out)
			}
			// Not even an [INFO]: the chart is meant to lint clean.
			if regexp.MustCompile(`\[(INFO|WARNING|ERROR)\]`).Match(out) {
				t.Errorf("helm lint has remarks:\n%s", out)
			}
		})
	}
}

func TestChartRejectsBadValues(t *testing.T) {
	helm := tool(t, "HELM")
	for name, c := range map[string]struct {
		set  string
		want string
	}{
		"a typo":                         {"metrics.serviceMonitor.enable=true", "additional properties 'enable' not allowed"},
		"no replicas":                    {"replicaCount=0", "/replicaCount"},
		"a Boring URL that is not HTTP":  {"boring.url=boring.example.com", "/boring/url"},
		"an allowed namespace with caps": {"defaultCredentials.allowedNamespaces={Team-A}", "/defaultCredentials/allowedNamespaces/0"},
		"two leaders":                    {"leaderElection.enabled=false", "leaderElection.enabled must be true when replicaCount > 1"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := execOut(helm, "template", release, chart, "--set", c.set)
			if err == nil {
				t.Fatalf("helm template --set %s rendered; want an error", c.set)
			}
			if !strings.Contains(out, c.want) {
				t.Fatalf("helm template --set %s: want an error naming %q, got:\n%s", c.set, c.want, out)
			}
		})
	}
}

// TestChartRendersEveryToggle checks that the all-on values render each
// optional object, wired to the values that asked for it.
func TestChartRendersEveryToggle(t *testing.T) {
	objs := helmTemplate(t, "--values", allOn)
	for _, want := range []struct{ kind, name string }{
		{"ServiceMonitor", "boring-controller-manager"},
		{"PrometheusRule", "boring-alerts"},
		{"ConfigMap", "boring-dashboard"},
		{"Secret", "boring-metrics-scraper-token"},
		{"ClusterRoleBinding", "boring-metrics-reader"},
		{"Certificate", "boring-account-api-cert"},
		{"NetworkPolicy", "boring-controller-manager"},
		{"PodDisruptionBudget", "boring-controller-manager"},
	} {
		o := find(t, objs, want.kind, want.name)
		if want.kind != "ClusterRoleBinding" && o.GetNamespace() != namespace {
			t.Errorf("%s %s is in namespace %q, want %q", want.kind, want.name, o.GetNamespace(), namespace)
		}
	}
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "ConfigMap"} {
		for _, o := range objs {
			if o.GetKind() == kind && o.GetLabels()["release"] != "kube-prometheus-stack" {
				t.Errorf("%s %s lacks the release label kube-prometheus-stack selects on", kind, o.GetName())
			}
		}
	}
	for _, o := range objs {
		if o.GetKind() == "Issuer" {
			t.Errorf("Issuer %s was rendered although accountAPI.tls.certManager.issuerRef names one", o.GetName())
		}
	}
	issuer, _, _ := unstructured.NestedString(find(t, objs, "Certificate", "boring-account-api-cert").Object, "spec", "issuerRef", "name")
	if issuer != "cluster-ca" {
		t.Errorf("the Certificate is issued by %q, want cluster-ca", issuer)
	}
}

// TestRendersPassServerSideDryRun applies every render, as a dry run, to a
// real API server that has cert-manager's and the Prometheus Operator's CRDs.
func TestRendersPassServerSideDryRun(t *testing.T) {
	crds := tool(t, "TEST_CRDS")
	tool(t, "KUBEBUILDER_ASSETS")
	env := &envtest.Environment{CRDDirectoryPaths: []string{crds}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		t.Fatal(err)
	}
	for name, render := range map[string]func(*testing.T) []*unstructured.Unstructured{
		"config/default":       kustomize,
		"the chart's defaults": func(t *testing.T) []*unstructured.Unstructured { return helmTemplate(t) },
		"the chart, all on":    func(t *testing.T) []*unstructured.Unstructured { return helmTemplate(t, "--values", allOn) },
		"config/prometheus and config/grafana": func(t *testing.T) []*unstructured.Unstructured {
			objs := make([]*unstructured.Unstructured, 0, 8)
			for _, dir := range []string{"prometheus", "grafana"} {
				assets := tool(t, "KUBEBUILDER_ASSETS")
				objs = append(objs, parse(t, run(t, filepath.Join(assets, "kubectl"), "kustomize", filepath.Join(root, "config", dir)))...)
			}
			for _, o := range objs {
				o.SetNamespace(namespace)
			}
			return objs
		},
	} {
		t.Run(name, func(t *testing.T) {
			applied := 0
			for _, o := range render(t) {
				if o.GetKind() == "Namespace" {
					continue
				}
				err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
					client.FieldOwner("install-test"), client.ForceOwnership, client.DryRunAll)
				if err != nil {
					t.Errorf("dry-run apply of %s %s: %v", o.GetKind(), o.GetName(), err)
				}
				applied++
			}
			if applied == 0 {
				t.Fatal("nothing was applied")
			}
		})
	}
	// The dry runs above must have been checked against the real schemas: a
	// ServiceMonitor with a field the Prometheus Operator does not know fails.
	bad := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(`{apiVersion: monitoring.coreos.com/v1, kind: ServiceMonitor,
metadata: {name: bad, namespace: boring-system}, spec: {endpoints: [{port: metrics, scheme: gopher}], selector: {}}}`), &bad.Object); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(bad), client.FieldOwner("install-test"), client.DryRunAll); err == nil {
		t.Fatal("a ServiceMonitor with scheme gopher passed the dry run: the Prometheus Operator's schema is not loaded")
	}
}

func execOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// TestChartReadmeDocumentsEveryValue keeps the README's values table and
// values.yaml in step: every value is documented (a map may be documented as
// a whole), and every documented key exists.
func TestChartReadmeDocumentsEveryValue(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chart, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	if len(documented) == 0 {
		t.Fatal("the README has no values table")
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		seen[prefix] = true
		m, isMap := v.(map[string]any)
		if documented[prefix] || !isMap || len(m) == 0 {
			if !documented[prefix] {
				t.Errorf("values.yaml's %s is not in the README's table", prefix)
			}
			return
		}
		for k, child := range m {
			walk(strings.TrimPrefix(prefix+"."+k, "."), child)
		}
	}
	walk("", values)
	for key := range documented {
		if !seen[key] {
			t.Errorf("the README documents %s, which values.yaml does not have", key)
		}
	}
}

// TestSingleReplicaHasNoDisruptionBudget: a PodDisruptionBudget over one
// replica would block every node drain.
func TestSingleReplicaHasNoDisruptionBudget(t *testing.T) {
	for _, o := range helmTemplate(t, "--set", "replicaCount=1", "--set", "leaderElection.enabled=false") {
		if o.GetKind() == "PodDisruptionBudget" {
			t.Fatalf("one replica got PodDisruptionBudget %s", o.GetName())
		}
	}
	find(t, helmTemplate(t), "PodDisruptionBudget", "boring-operator-controller-manager")
}
