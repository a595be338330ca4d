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
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

// TestStandbyIsReadyAndServesTheAccountAPI runs a leader and a standby: the
// standby must turn ready (its readiness gates the chart's
// PodDisruptionBudget, rolling upgrades and the account API Service's
// endpoints) and answer the account API from its own caches while it never
// leads.
func TestStandbyIsReadyAndServesTheAccountAPI(t *testing.T) {
	cfg, scheme, c := newEnv(t)
	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	backend.AddSession("standby-session", "owner")
	backend.AddAccount("owner", boringtest.Account{ID: "acct-1", Platform: "facebook", Valid: true, Name: "Page", PlatformID: "1"})

	// The leader keeps its lease for the whole test: renewals every 200ms
	// against a 60s lease.
	election := ctrl.Options{LeaderElection: true, LeaderElectionID: "boring-operator-standby", LeaderElectionNamespace: "default",
		LeaseDuration: ptrTo(60 * time.Second), RenewDeadline: ptrTo(40 * time.Second), RetryPeriod: ptrTo(200 * time.Millisecond)}
	leaderMgr, leaderOp := startManager(t, cfg, scheme, backend.URL(), election)
	select {
	case <-leaderMgr.Elected():
	case <-time.After(30 * time.Second):
		t.Fatal("the first manager did not take the lease")
	}
	standbyMgr, standbyOp := startManager(t, cfg, scheme, backend.URL(), election)

	poll(t, 30*time.Second, "the leader ready", func() (bool, error) { return leaderOp.Ready(nil) == nil, nil })
	poll(t, 30*time.Second, "the standby ready", func() (bool, error) { return standbyOp.Ready(nil) == nil, nil })

	ctx := context.Background()
	ns := "standby"
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session",
		Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}}, StringData: map[string]string{"session": "standby-session"}}))
	must(t, c.Create(ctx, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "page"},
		Spec: boringv1alpha1.SocialAccountSpec{AccountID: "acct-1", CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}}}))
	poll(t, time.Minute, "the SocialAccount Ready", func() (bool, error) {
		sa := &boringv1alpha1.SocialAccount{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "page"}, sa); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady), nil
	})

	token, err := envtestutil.ServiceAccountToken(ctx, c, ns, "reader")
	must(t, err)
	must(t, envtestutil.Grant(ctx, c, ns, ns, "reader", "list", "get"))
	poll(t, 30*time.Second, "the reader's RBAC", func() (bool, error) {
		return envtestutil.Allowed(ctx, c, ns, ns, "reader", "list")
	})
	poll(t, 30*time.Second, "the standby's account API listing the account", func() (bool, error) {
		a, err := envtestutil.CallAPI(ctx, "http://"+standbyOp.APIAddress, http.MethodGet, "/api/accounts", token, "", false)
		if err != nil {
			return false, err
		}
		if a.Status != http.StatusOK {
			t.Logf("standby answered %d: %s", a.Status, a.Raw)
			return false, nil
		}
		accounts, _ := a.JSON["accounts"].([]any)
		for _, item := range accounts {
			if m, _ := item.(map[string]any); m["account_id"] == "acct-1" && m["namespace"] == ns {
				return true, nil
			}
		}
		return false, nil
	})
	select {
	case <-standbyMgr.Elected():
		t.Fatal("the standby took the lease: the test no longer shows a non-leader serving")
	default:
	}
}

// startManager runs a manager with the operator and the account API on a
// loopback port until the test ends.
func startManager(t *testing.T, cfg *rest.Config, scheme *k8sruntime.Scheme, boringURL string, opts ctrl.Options) (manager.Manager, *operator.Operator) {
	t.Helper()
	opts.Scheme, opts.Cache = scheme, operator.CacheOptions()
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	opts.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	mgr, err := ctrl.NewManager(cfg, opts)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	op, err := operator.Setup(ctx, mgr, operator.Options{
		BoringURL: boringURL, API: accountapi.ServerOptions{BindAddress: "127.0.0.1:0"}, Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		cancel()
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
	return mgr, op
}
