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

package controller

import (
	"fmt"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

// scrape collects the account metrics as a scraper would, keyed by
// name{label="value",...} with labels sorted.
func scrape(g Gomega) map[string]float64 {
	reg := prometheus.NewPedanticRegistry()
	g.Expect(reg.Register(metrics)).To(Succeed())
	families, err := reg.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}

var _ = Describe("A real client's view (kstatus)", func() {
	It("is InProgress before the first sync and Current after it", func() {
		ns := newNamespace()
		t := newTenant("")
		id := t.account(boring.PlatformInstagram, 30*day)
		sa := newSocialAccount(ns, "kstatus", id) // its credentials Secret does not exist yet

		compute := func(g Gomega) status.Status {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(boringv1alpha1.GroupVersion.WithKind("SocialAccount"))
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), u)).To(Succeed())
			res, err := status.Compute(u)
			g.Expect(err).NotTo(HaveOccurred())
			return res.Status
		}
		Expect(compute(Default)).To(Equal(status.InProgressStatus))
		eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonCredentialsMissing)
		Expect(compute(Default)).To(Equal(status.InProgressStatus))

		newTenantSecret(ns, t.session)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Eventually(compute, 10*time.Second).Should(Equal(status.CurrentStatus))
	})
})

var _ = Describe("nextSync", func() {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	const slack = 100 * time.Millisecond
	tests := map[string]struct {
		refresh     time.Duration
		warnDays    int32
		lastWarning *metav1.Time
		expiries    []*time.Time
		want        time.Duration
	}{
		"never expires: the refresh":                   {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{nil}, want: time.Hour + slack},
		"days count down before the refresh":           {refresh: 6 * time.Hour, warnDays: 7, expiries: []*time.Time{at(30*day + 2*time.Hour)}, want: 2*time.Hour + slack},
		"the window opens before the day changes":      {refresh: 24 * time.Hour, warnDays: 7, expiries: []*time.Time{at(7*day + 30*time.Minute)}, want: 30*time.Minute + slack},
		"expiry itself":                                {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(10 * time.Minute)}, want: 10*time.Minute + slack},
		"the next daily warning":                       {refresh: 48 * time.Hour, warnDays: 7, lastWarning: &metav1.Time{Time: now.Add(-20 * time.Hour)}, expiries: []*time.Time{at(3*day + 12*time.Hour)}, want: 4*time.Hour + slack},
		"data access expiry counts too":                {refresh: 24 * time.Hour, warnDays: 7, expiries: []*time.Time{nil, at(40*day + 3*time.Hour)}, want: 3*time.Hour + slack},
		"already expired: the refresh, no hot loop":    {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(-time.Hour)}, want: time.Hour + slack},
		"a boundary right now: at least a second away": {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(time.Millisecond)}, want: time.Second},
	}
	for name, tc := range tests {
		It(name, func() {
			Expect(nextSync(now, tc.refresh, tc.warnDays, tc.lastWarning, tc.expiries...)).To(Equal(tc.want))
		})
	}
})
