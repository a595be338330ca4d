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
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestInstallersHoldTheSameObjects is the one source of truth between the two
// installers: the chart's default render and config/default must hold the same
// kinds and names, and the same content (RBAC rules, container args, ports,
// probes, volumes, the CRD), apart from labels and selectors, which each
// installer sets its own way. config/default also creates the namespace; the
// chart installs into one (helm install --create-namespace).
func TestInstallersHoldTheSameObjects(t *testing.T) {
	chartObjs := helmTemplate(t)
	kustomizeObjs := kustomize(t)
	if diffs := diffInstallers(chartObjs, kustomizeObjs); len(diffs) > 0 {
		t.Fatalf("the chart's default render and config/default differ (fix one or the other):\n%s", strings.Join(diffs, "\n"))
	}
	// Size of what was compared, so a render that lost everything can't pass.
	kinds := map[string]bool{}
	for _, o := range chartObjs {
		kinds[o.GetKind()] = true
	}
	for _, k := range []string{"CustomResourceDefinition", "Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Service", "NetworkPolicy", "PodDisruptionBudget", "Certificate", "Issuer"} {
		if !kinds[k] {
			t.Errorf("the default render has no %s", k)
		}
	}
}

// TestNamespacedInstallersHoldTheSameObjects: the namespaced mode too
// (issue 24.4): the chart with watchNamespaces={boring-system,team-a} and the
// config/namespaced overlay hold the same objects, the Roles per namespace and
// the cluster-wide rules that are left included.
func TestNamespacedInstallersHoldTheSameObjects(t *testing.T) {
	chartObjs := helmTemplate(t, "--set", "watchNamespaces={boring-system,team-a}")
	if diffs := diffInstallers(chartObjs, kustomizeDir(t, "namespaced")); len(diffs) > 0 {
		t.Fatalf("the chart's namespaced render and config/namespaced differ (fix one or the other):\n%s", strings.Join(diffs, "\n"))
	}
	find(t, chartObjs, "Role", "boring-operator-manager-role") // at least one: the comparison saw the mode
}

// TestInstallerDriftIsCaught proves the comparison above can fail: one changed
// container arg, RBAC verb or object name in one installer is reported.
func TestInstallerDriftIsCaught(t *testing.T) {
	chartObjs := helmTemplate(t)
	for name, mutate := range map[string]func([]*unstructured.Unstructured){
		"a container arg": func(objs []*unstructured.Unstructured) {
			d := find(t, objs, "Deployment", "boring-operator-controller-manager")
			containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
			c := containers[0].(map[string]any)
			args := c["args"].([]any)
			args[len(args)-1] = "--default-credentials=$(POD_NAMESPACE)/another-session"
			_ = unstructured.SetNestedSlice(d.Object, containers, "spec", "template", "spec", "containers")
		},
		"an RBAC verb": func(objs []*unstructured.Unstructured) {
			r := find(t, objs, "ClusterRole", "boring-operator-manager-role")
			rules, _, _ := unstructured.NestedSlice(r.Object, "rules")
			rule := rules[0].(map[string]any)
			rule["verbs"] = append(rule["verbs"].([]any), "delete")
			_ = unstructured.SetNestedSlice(r.Object, rules, "rules")
		},
		"an object's name": func(objs []*unstructured.Unstructured) {
			find(t, objs, "Service", "boring-operator-account-api").SetName("boring-operator-accounts")
		},
	} {
		t.Run(name, func(t *testing.T) {
			changed := kustomize(t)
			mutate(changed)
			if diffs := diffInstallers(chartObjs, changed); len(diffs) == 0 {
				t.Fatalf("changing %s in config/default went unnoticed", name)
			}
		})
	}
}

// diffInstallers lists what differs between two renders, object by object.
func diffInstallers(chartObjs, kustomizeObjs []*unstructured.Unstructured) []string {
	a, b := comparable(chartObjs), comparable(kustomizeObjs)
	var diffs []string
	for key, o := range a {
		other, ok := b[key]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("only in the chart: %s", key))
			continue
		}
		if d := cmp.Diff(o, other); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s (-chart +config/default):\n%s", key, d))
		}
	}
	for key := range b {
		if _, ok := a[key]; !ok {
			diffs = append(diffs, fmt.Sprintf("only in config/default: %s", key))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// comparable keys objects by kind, namespace and name, without what each
// installer sets its own way: labels (but RBAC aggregation labels), the
// chart's keep annotation, and label selectors.
func comparable(objs []*unstructured.Unstructured) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			continue
		}
		c := o.DeepCopy()
		labels := map[string]string{}
		for k, v := range c.GetLabels() {
			if strings.HasPrefix(k, "rbac.authorization.k8s.io/aggregate-to-") {
				labels[k] = v
			}
		}
		c.SetLabels(labels)
		annotations := c.GetAnnotations()
		delete(annotations, "helm.sh/resource-policy")
		c.SetAnnotations(annotations)
		if len(annotations) == 0 {
			unstructured.RemoveNestedField(c.Object, "metadata", "annotations")
		}
		if len(labels) == 0 {
			unstructured.RemoveNestedField(c.Object, "metadata", "labels")
		}
		switch c.GetKind() {
		case "Deployment":
			unstructured.RemoveNestedField(c.Object, "spec", "selector")
			unstructured.RemoveNestedField(c.Object, "spec", "template", "metadata", "labels")
		case "Service":
			unstructured.RemoveNestedField(c.Object, "spec", "selector")
		case "NetworkPolicy":
			unstructured.RemoveNestedField(c.Object, "spec", "podSelector")
		case "PodDisruptionBudget":
			unstructured.RemoveNestedField(c.Object, "spec", "selector")
		}
		out[fmt.Sprintf("%s %s/%s", c.GetKind(), c.GetNamespace(), c.GetName())] = c.Object
	}
	return out
}
