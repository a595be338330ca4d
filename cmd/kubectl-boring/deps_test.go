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

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the plugin and Boring's wire format small: the CLI
// must not link the manager (controller-runtime's manager, builder and
// webhook machinery, the operator's controller), and the wire package, which
// is Boring's JSON, must not know the Kubernetes API types.
func TestDependencies(t *testing.T) {
	tests := map[string][]string{
		".": {"sigs.k8s.io/controller-runtime/pkg/manager", "sigs.k8s.io/controller-runtime/pkg/builder",
			"github.com/aiagent-me/boring-operator/internal/controller", "github.com/aiagent-me/boring-operator/internal/operator"},
		"../../internal/boring/wire": {"github.com/aiagent-me/boring-operator/api/v1alpha1", "k8s.io/apimachinery/pkg/apis/meta/v1"},
	}
	for pkg, forbidden := range tests {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 5 {
			t.Fatalf("go list -deps %s listed only %v", pkg, deps)
		}
		for _, f := range forbidden {
			for _, d := range deps {
				if d == f {
					t.Errorf("%s depends on %s", pkg, f)
				}
			}
		}
	}
}
