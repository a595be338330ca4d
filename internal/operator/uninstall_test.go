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
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
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
	waitAllReady(t, c, n, 60*time.Second)

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
	_, cfg, scheme, c := envtestutil.NewEnv(t)
	return cfg, scheme, c
}

// startOperator runs the operator until the test ends.
var startOperator = envtestutil.StartOperator

// waitAllReady waits until n SocialAccounts are Ready.
func waitAllReady(t *testing.T, c client.Client, n int, timeout time.Duration) {
	t.Helper()
	poll(t, timeout, fmt.Sprintf("%d SocialAccounts Ready", n), func() (bool, error) {
		var list boringv1alpha1.SocialAccountList
		if err := c.List(context.Background(), &list); err != nil {
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
