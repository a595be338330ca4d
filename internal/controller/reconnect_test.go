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

package controller_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

// newDeployment creates a Deployment that reads nothing; only its pod
// template's annotations matter here.
func newDeployment(ns, name string) {
	labels := map[string]string{"app": name}
	Expect(k8sClient.Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "publisher:1"}}},
			},
		},
	})).To(Succeed())
}

func restartedAt(g Gomega, ns, name string) string {
	d := &appsv1.Deployment{}
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d)).To(Succeed())
	return d.Spec.Template.Annotations[boringv1alpha1.RestartedAtAnnotation]
}

var _ = Describe("Following reconnects", func() {
	var (
		ns string
		t  tenant
	)
	BeforeEach(func() { ns, t = newSpec() })

	It("follows an Instagram reconnect by platformAccountID: status, Secret, account API, event and restart", func() {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns + "-callers"}})).To(Succeed())
		token, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns+"-callers", "dashboard")
		Expect(err).NotTo(HaveOccurred())
		Expect(envtestutil.Grant(ctx, k8sClient, ns, ns+"-callers", "dashboard", "list", "get")).To(Succeed())
		newDeployment(ns, "publisher")

		id := t.account(instagram, 30*day)
		sa := newSocialAccount(ns, "ig", "", func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.PlatformAccountID, sa.Spec.Platform = "igid-"+id, boringv1alpha1.PlatformInstagram
			sa.Spec.RolloutRestartTargets = []boringv1alpha1.RolloutTarget{
				{Kind: boringv1alpha1.RolloutTargetDeployment, Name: "publisher"},
				{Kind: boringv1alpha1.RolloutTargetDeployment, Name: "not-there"},
			}
		})
		got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Expect(got.Status.AccountID).To(Equal(id))
		Eventually(func(g Gomega) { g.Expect(string(getSecret(g, ns, "ig").Data["ACCOUNT_ID"])).To(Equal(id)) }).Should(Succeed())

		By("repairing a tampered Secret: the pods' data did not change, so nothing restarts")
		s := getSecret(Default, ns, "ig")
		s.Data["ACCOUNT_ID"] = []byte("tampered")
		Expect(k8sClient.Update(ctx, s)).To(Succeed())
		Eventually(func(g Gomega) { g.Expect(string(getSecret(g, ns, "ig").Data["ACCOUNT_ID"])).To(Equal(id)) }).Should(Succeed())
		Expect(restartedAt(Default, ns, "publisher")).To(BeEmpty(), "neither creation nor a repair restarts")
		Expect(eventCount(Default, sa, boringv1alpha1.EventRolloutTargetMissing)).To(BeZero())

		By("reconnecting the account in Boring: a new account_id, the same ig_account_id")
		newID, err := backend.Reconnect(id, 60*day)
		Expect(err).NotTo(HaveOccurred())
		requestSync(sa)
		Eventually(func(g Gomega) {
			got := getSA(g, sa)
			g.Expect(got.Status.AccountID).To(Equal(newID))
			g.Expect(got.Status.DaysUntilExpiry).To(HaveValue(Equal(int32(60))))
			g.Expect(string(getSecret(g, ns, "ig").Data["ACCOUNT_ID"])).To(Equal(newID))
			g.Expect(restartedAt(g, ns, "publisher")).NotTo(BeEmpty())
			evs := eventsFor(g, sa, boringv1alpha1.EventAccountReconnected)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Note).To(ContainSubstring("from " + id + " to " + newID))
			g.Expect(eventCount(g, sa, boringv1alpha1.EventRolloutTargetMissing)).To(Equal(1))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			accounts := apiGet(http.MethodGet, "/api/accounts?namespace="+ns, token, "")["accounts"].([]any)
			g.Expect(accounts).To(HaveLen(1))
			g.Expect(accounts[0]).To(HaveKeyWithValue("account_id", newID))
			g.Expect(apiGet(http.MethodPost, "/api/token/info", token, `{"account_id":"`+newID+`"}`)["data"]).To(HaveKeyWithValue("is_valid", true))
		}).Should(Succeed())

		By("deleting it: the resolved account_id is disconnected, once")
		deleteAndWaitGone(sa)
		Expect(backend.Disconnected(newID)).To(BeTrue())
		Expect(successfulDisconnects(t)).To(Equal(1))
		Expect(backend.CountFor(boringtest.EndpointDisconnect, t.user)).To(Equal(1))
	})

	It("tells a SocialAccount mapped by accountID that its account was reconnected, naming the new ID", func() {
		id := t.account(threads, 30*day)
		sa := newSocialAccount(ns, "th", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		newID, err := backend.Reconnect(id, 60*day)
		Expect(err).NotTo(HaveOccurred())
		requestSync(sa)
		got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonAccountReconnected)
		Expect(condition(got, boringv1alpha1.ConditionReady).Message).To(ContainSubstring(newID))
		Expect(condition(got, boringv1alpha1.ConditionReady).Message).To(ContainSubstring("spec.platformAccountID"))
		Expect(got.Status.IsValid).To(HaveValue(BeFalse()))
		Expect(string(getSecret(Default, ns, "th").Data["ACCOUNT_ID"])).To(Equal(id), "the Secret keeps what the spec says")
	})

	It("picks a valid account among several with one platform ID, and says so once", func() {
		id := t.account(instagram, 30*day)
		fakeClock.Step(time.Second) // the second connection is the newer one, but its token is invalid
		twin := "twin-" + id
		backend.AddAccount(t.user, boringtest.Account{ID: twin, Platform: instagram, Valid: false, Name: "ig_" + id, PlatformID: "igid-" + id})
		sa := newSocialAccount(ns, "twice", "", func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.PlatformAccountID, sa.Spec.Platform = "igid-"+id, boringv1alpha1.PlatformInstagram
		})
		got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Expect(got.Status.AccountID).To(Equal(id))
		Eventually(func(g Gomega) {
			evs := eventsFor(g, sa, boringv1alpha1.EventAmbiguousAccount)
			g.Expect(evs).To(HaveLen(1))
			g.Expect(evs[0].Note).To(HavePrefix("2 accounts"))
		}).Should(Succeed())
		requestSync(sa)
		Expect(eventCount(Default, sa, boringv1alpha1.EventAmbiguousAccount)).To(Equal(1))
	})
})
