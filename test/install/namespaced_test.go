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
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

// workloadsOrSecrets reports whether a rule grants anything on Secrets or on
// Deployments, StatefulSets or DaemonSets.
func workloadsOrSecrets(rule map[string]any) bool {
	groups, _, _ := unstructured.NestedStringSlice(rule, "apiGroups")
	resources, _, _ := unstructured.NestedStringSlice(rule, "resources")
	for _, r := range resources {
		if r == "*" || (slices.Contains(groups, "") && r == "secrets") ||
			(slices.Contains(groups, "apps") && slices.Contains([]string{"deployments", "statefulsets", "daemonsets"}, r)) {
			return true
		}
	}
	return false
}

func rules(o *unstructured.Unstructured) []map[string]any {
	list, _, _ := unstructured.NestedSlice(o.Object, "rules")
	out := make([]map[string]any, 0, len(list))
	for _, r := range list {
		out = append(out, r.(map[string]any))
	}
	return out
}

// TestNamespacedInstallRendersNoClusterWideRights (issue 24.4): with
// watchNamespaces no ClusterRole grants Secrets or workloads, each watched
// namespace gets a Role, and rolloutRestart.enabled=false grants no workload
// rights in either mode.
func TestNamespacedInstallRendersNoClusterWideRights(t *testing.T) {
	for name, tc := range map[string]struct {
		args       []string
		namespaced bool
		workloads  bool
	}{
		"cluster-wide (the default)":        {workloads: true},
		"cluster-wide, no rollout restarts": {args: []string{"--set", "rolloutRestart.enabled=false"}},
		"namespaced":                        {args: []string{"--set", "watchNamespaces={team-a,boring-system}"}, namespaced: true, workloads: true},
		"namespaced, no rollout restarts":   {args: []string{"--set", "watchNamespaces={team-a,boring-system}", "--set", "rolloutRestart.enabled=false"}, namespaced: true},
	} {
		t.Run(name, func(t *testing.T) {
			objs := helmTemplate(t, tc.args...)
			sawWorkloads, roles := false, 0
			for _, o := range objs {
				switch o.GetKind() {
				case "ClusterRole":
					for _, r := range rules(o) {
						if tc.namespaced && workloadsOrSecrets(r) {
							t.Errorf("ClusterRole %s grants %v in namespaced mode", o.GetName(), r)
						}
						groups, _, _ := unstructured.NestedStringSlice(r, "apiGroups")
						sawWorkloads = sawWorkloads || slices.Contains(groups, "apps")
					}
				case "Role":
					if o.GetName() != "boring-operator-manager-role" {
						continue
					}
					roles++
					for _, r := range rules(o) {
						groups, _, _ := unstructured.NestedStringSlice(r, "apiGroups")
						sawWorkloads = sawWorkloads || slices.Contains(groups, "apps")
					}
				}
			}
			if sawWorkloads != tc.workloads {
				t.Errorf("workload rights rendered: %v, want %v", sawWorkloads, tc.workloads)
			}
			if want := map[bool]int{true: 2}[tc.namespaced]; roles != want {
				t.Errorf("%d manager Roles rendered, want %d", roles, want)
			}
		})
	}
}

// TestNamespacedInstallSyncsOnlyItsNamespaces (issue 24.4): a manager with
// --watch-namespaces=a, running with a token of its ServiceAccount and only
// the RBAC the chart renders for that mode, syncs the SocialAccounts in a and
// ignores b.
func TestNamespacedInstallSyncsOnlyItsNamespaces(t *testing.T) {
	tool(t, "HELM")
	tool(t, "KUBEBUILDER_ASSETS")
	_, cfg, scheme, admin := envtestutil.NewEnv(t)
	ctx := context.Background()
	const a, b = "team-a", "team-b"
	for _, ns := range []string{a, b, namespace} {
		if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	watched := []string{a, namespace}
	for _, o := range helmTemplate(t, "--set", "watchNamespaces={team-a,boring-system}", "--set", "rolloutRestart.enabled=false") {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			if err := admin.Create(ctx, o); err != nil {
				t.Fatalf("applying the chart's %s %s: %v", o.GetKind(), o.GetName(), err)
			}
		}
	}
	token, err := envtestutil.ServiceAccountToken(ctx, admin, namespace, "boring-operator-controller-manager")
	if err != nil {
		t.Fatal(err)
	}
	asOperator := rest.AnonymousClientConfig(cfg)
	asOperator.BearerToken = token

	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	for _, ns := range []string{a, b} {
		backend.AddSession("session-"+ns, "user-"+ns)
		backend.AddAccount("user-"+ns, boringtest.Account{ID: "acct-" + ns, Platform: "threads", Valid: true, Name: "th_" + ns})
		backend.AddAccount("user-"+ns, boringtest.Account{ID: "later-" + ns, Platform: "threads", Valid: true, Name: "th2_" + ns, PlatformID: "thid-" + ns})
		if err := admin.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session", Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
			StringData: map[string]string{"session": "session-" + ns},
		}); err != nil {
			t.Fatal(err)
		}
	}

	mgr, err := ctrl.NewManager(asOperator, ctrl.Options{
		Scheme: scheme, Cache: operator.CacheOptions(watched...),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		// Missing rights show as a failed cache sync, not a hang.
		Controller: config.Controller{SkipNameValidation: ptr.To(true), CacheSyncTimeout: 20 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	if _, err := operator.Setup(mctx, mgr, operator.Options{
		BoringURL: backend.URL(), Boring: boring.Options{Timeout: time.Second},
		DefaultCredentials: types.NamespacedName{Namespace: namespace, Name: "boring-session"},
		WatchNamespaces:    watched, DisableRolloutRestart: true,
		API: accountapi.ServerOptions{BindAddress: "0"}, Registry: prometheus.NewRegistry(),
	}); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})

	create := func(ns, name, id string) *boringv1alpha1.SocialAccount {
		sa := &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: boringv1alpha1.SocialAccountSpec{AccountID: id,
				CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}},
		}
		if err := admin.Create(ctx, sa); err != nil {
			t.Fatal(err)
		}
		return sa
	}
	ready := func(sa *boringv1alpha1.SocialAccount) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got := &boringv1alpha1.SocialAccount{}
			if err := admin.Get(ctx, client.ObjectKeyFromObject(sa), got); err != nil {
				return false, err
			}
			return meta.IsStatusConditionTrue(got.Status.Conditions, boringv1alpha1.ConditionReady), nil
		})
		if err != nil {
			t.Fatalf("%s/%s never became Ready under the namespaced RBAC: %v", sa.Namespace, sa.Name, err)
		}
	}
	ready(create(a, "first", "acct-"+a))
	ignored := create(b, "ignored", "acct-"+b)
	// Created after the one in b: once it is Ready, a manager that watched b
	// would have seen the earlier object there too.
	ready(create(a, "second", "later-"+a))
	got := &boringv1alpha1.SocialAccount{}
	if err := admin.Get(ctx, client.ObjectKeyFromObject(ignored), got); err != nil {
		t.Fatal(err)
	}
	if len(got.Finalizers) > 0 || len(got.Status.Conditions) > 0 {
		t.Errorf("the SocialAccount in the unwatched namespace was touched: finalizers %v, conditions %v", got.Finalizers, got.Status.Conditions)
	}
	for _, r := range backend.Requests() {
		if r.User == "user-"+b {
			t.Errorf("Boring was called with the session of the unwatched namespace: %+v", r)
		}
	}
	secret := &corev1.Secret{}
	if err := admin.Get(ctx, types.NamespacedName{Namespace: a, Name: "first"}, secret); err != nil {
		t.Errorf("the account-ID Secret in the watched namespace: %v", err)
	}

	// Without workload rights a reconnect restarts nothing and says so.
	web := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: a, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web"}}},
			},
		},
	}
	if err := admin.Create(ctx, web); err != nil {
		t.Fatal(err)
	}
	follows := &boringv1alpha1.SocialAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: a, Name: "follows"},
		Spec: boringv1alpha1.SocialAccountSpec{PlatformAccountID: "thid-" + a, Platform: boringv1alpha1.PlatformThreads,
			CredentialsRef:        &boringv1alpha1.CredentialsReference{Name: "boring-session"},
			RolloutRestartTargets: []boringv1alpha1.RolloutTarget{{Kind: boringv1alpha1.RolloutTargetDeployment, Name: "web"}}},
	}
	if err := admin.Create(ctx, follows); err != nil {
		t.Fatal(err)
	}
	ready(follows)
	if _, err := backend.Reconnect("later-"+a, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+boringv1alpha1.SyncRequestedAnnotation+`":"reconnected"}}}`))
	if err := admin.Patch(ctx, follows, patch); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var list eventsv1.EventList
		if err := admin.List(ctx, &list, client.InNamespace(a)); err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.Regarding.Name == "follows" && e.Reason == boringv1alpha1.EventRolloutRestartDisabled && e.Type == corev1.EventTypeWarning {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no Warning %s after a reconnect: %v", boringv1alpha1.EventRolloutRestartDisabled, err)
	}
	if err := admin.Get(ctx, client.ObjectKeyFromObject(web), web); err != nil {
		t.Fatal(err)
	}
	if v, ok := web.Spec.Template.Annotations[boringv1alpha1.RestartedAtAnnotation]; ok {
		t.Errorf("the Deployment was restarted (%s) although rollout restarts are off", v)
	}
}
