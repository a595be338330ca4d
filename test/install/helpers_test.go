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

// Package install_test checks what users install: the Helm chart and
// config/default. They must lint, render, pass a server-side dry-run on a real
// API server (with cert-manager's and the Prometheus Operator's own CRDs), and
// hold the same objects. The alert rules run through promtool.
package install_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/aiagent-me/boring-operator/internal/devenv"
)

const (
	release   = "boring-operator"
	namespace = "boring-system"
)

var (
	root  = filepath.Join("..", "..")
	chart = filepath.Join(root, "charts", "boring-operator")
	// allOn sets every toggle and optional knob of the chart.
	allOn = filepath.Join(chart, "ci", "all-on-values.yaml")
)

// tool returns the path of a binary `make test` names in the environment.
func tool(t *testing.T, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		t.Skipf("%s not set; run through `make test`", env)
	}
	return p
}

// run runs a command and returns its standard output; it fails the test with
// the command's standard error when it exits non-zero.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// helmTemplate renders the chart as release boring-operator in boring-system.
func helmTemplate(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	helm := tool(t, "HELM")
	out := run(t, helm, append([]string{"template", release, chart, "--namespace", namespace}, args...)...)
	return parse(t, out)
}

// kustomize renders config/default with the kubectl envtest runs.
func kustomize(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return kustomizeDir(t, "default")
}

// kustomizeDir renders config/<dir> with the kubectl envtest runs.
func kustomizeDir(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	assets := tool(t, "KUBEBUILDER_ASSETS")
	return parse(t, run(t, filepath.Join(assets, "kubectl"), "kustomize", filepath.Join(root, "config", dir)))
}

func parse(t *testing.T, manifests []byte) []*unstructured.Unstructured {
	t.Helper()
	path := filepath.Join(t.TempDir(), "render.yaml")
	if err := os.WriteFile(path, manifests, 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := devenv.ReadObjects(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatal("the render is empty")
	}
	return objs
}

// find returns the one object of a kind and name.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the render", kind, name)
	return nil
}
