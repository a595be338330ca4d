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
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

// TestUninstallNeverDisconnects deletes the SocialAccount CRD, as
// `kubectl delete -f dist/install.yaml` does, while the manager runs with
// 20 SocialAccounts whose policy is Disconnect: none may be disconnected in
// Boring, and the CRD must go.
func TestUninstallNeverDisconnects(t *testing.T) {
	const n = 20
	cfg, scheme, c := newEnv(t)

	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	backend.AddSession("uninstall-session", "owner")
	exp := time.Now().Add(30 * 24 * time.Hour)
	for i := range n {
		backend.AddAccount("owner", boringtest.Account{ID: fmt.Sprintf("acct-%02d", i), Platform: "threads", Valid: true,
			ExpiresAt: &exp, Name: fmt.Sprintf("user%d", i), PlatformID: fmt.Sprint(i)})
	}

	ctx := context.Background()
	startOperator(t, cfg, scheme, backend.URL(), ctrl.Options{}, prometheus.NewRegistry())

	ns := "uninstall"
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session",
		Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{"session": "uninstall-session"}}))
	for i := range n {
		must(t, c.Create(ctx, &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("sa-%02d", i)},
			Spec: boringv1alpha1.SocialAccountSpec{AccountID: fmt.Sprintf("acct-%02d", i),
				CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}},
		}))
	}
	poll(t, 60*time.Second, "every SocialAccount Ready", func() (bool, error) {
		var list boringv1alpha1.SocialAccountList
		if err := c.List(ctx, &list); err != nil {
			return false, err
		}
		ready := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, boringv1alpha1.ConditionReady) {
				ready++
			}
		}
		return ready == n, nil
	})

	start := time.Now()
	must(t, c.Delete(ctx, &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: "socialaccounts.boring.aiagent-me.com"}}))
	poll(t, time.Minute, "the CRD gone", func() (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Name: "socialaccounts.boring.aiagent-me.com"}, &apiextensionsv1.CustomResourceDefinition{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
	t.Logf("CRD gone %s after the delete", time.Since(start).Round(time.Millisecond))
	if got := backend.Count(boringtest.EndpointDisconnect); got != 0 {
		t.Fatalf("uninstall sent %d DELETEs to Boring, want 0", got)
	}
	poll(t, 30*time.Second, "the credentials Secret released", func() (bool, error) {
		s := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "boring-session"}, s); err != nil {
			return false, err
		}
		return len(s.Finalizers) == 0, nil
	})
}

// newEnv starts a control plane with the CRDs, for one test.
func newEnv(t *testing.T) (*rest.Config, *runtime.Scheme, client.Client) {
	t.Helper()
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, boringv1alpha1.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, scheme, c
}

// startOperator runs a manager with the operator, as cmd/main.go wires it,
// until the test ends.
func startOperator(t *testing.T, cfg *rest.Config, scheme *runtime.Scheme, boringURL string, opts ctrl.Options, reg *prometheus.Registry) {
	t.Helper()
	opts.Scheme, opts.Cache = scheme, operator.CacheOptions()
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	// Several managers in one test process: controller names repeat.
	opts.Controller = config.Controller{SkipNameValidation: ptrTo(true)}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := operator.Setup(ctx, mgr, operator.Options{
		BoringURL: boringURL, API: accountapi.ServerOptions{BindAddress: "0"}, Registry: reg,
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func poll(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond()
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
