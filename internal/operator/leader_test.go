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
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// TestAccountMetricsOnTheLeaderOnly runs two replicas with leader election:
// only the leader exports per-account series, or every alert would fire
// once per replica.
func TestAccountMetricsOnTheLeaderOnly(t *testing.T) {
	cfg, scheme, c := newEnv(t)
	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	backend.AddSession("leader-session", "owner")
	backend.AddAccount("owner", boringtest.Account{ID: "acct-1", Platform: "facebook", Valid: true, Name: "Page", PlatformID: "1"})

	election := ctrl.Options{LeaderElection: true, LeaderElectionID: "boring-operator-test", LeaderElectionNamespace: "default",
		LeaseDuration: ptr.To(4 * time.Second), RenewDeadline: ptr.To(3 * time.Second), RetryPeriod: ptr.To(500 * time.Millisecond)}
	first, second := prometheus.NewPedanticRegistry(), prometheus.NewPedanticRegistry()
	startOperator(t, cfg, scheme, backend.URL(), election, first)
	startOperator(t, cfg, scheme, backend.URL(), election, second)

	ctx := context.Background()
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "leader"}}))
	must(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "leader", Name: "boring-session",
		Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}}, StringData: map[string]string{"session": "leader-session"}}))
	must(t, c.Create(ctx, &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "leader", Name: "page"},
		Spec: boringv1alpha1.SocialAccountSpec{AccountID: "acct-1", CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}}}))
	poll(t, time.Minute, "the SocialAccount Ready", func() (bool, error) {
		sa := &boringv1alpha1.SocialAccount{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "leader", Name: "page"}, sa); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady), nil
	})
	series := func(reg *prometheus.Registry) int {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range families {
			if strings.HasPrefix(f.GetName(), "boring_socialaccount_") {
				n += len(f.GetMetric())
			}
		}
		return n
	}
	poll(t, 30*time.Second, "one replica exporting the account's series", func() (bool, error) {
		return series(first)+series(second) > 0, nil
	})
	a, b := series(first), series(second)
	if (a == 0) == (b == 0) {
		t.Fatalf("per-account series: %d on one replica, %d on the other; want them on the leader only", a, b)
	}
}

func ptrTo[T any](v T) *T { return &v }
