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
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/controller"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

// seriesOf is the label set of a SocialAccount's metric series.
func seriesOf(sa *boringv1alpha1.SocialAccount, platform string) string {
	return fmt.Sprintf(`{name="%s",namespace="%s",platform="%s"}`, sa.Name, sa.Namespace, platform)
}

// checkedAt waits until the controller checked the SocialAccount against
// Boring at the fake clock's current time: the proof that a reconcile ran,
// for tests that then assert that it changed nothing.
func checkedAt(sa *boringv1alpha1.SocialAccount, platform string) {
	want := float64(fakeClock.Now().Unix())
	Eventually(func(g Gomega) {
		g.Expect(scrape(g)).To(HaveKeyWithValue("boring_socialaccount_last_sync_timestamp_seconds"+seriesOf(sa, platform), want))
	}).Should(Succeed())
}

// apiGet calls the operator's account API with a bearer token and expects 200.
func apiGet(method, path, token, body string) map[string]any {
	a, err := envtestutil.CallAPI(ctx, apiURL, method, path, token, body, false)
	Expect(err).NotTo(HaveOccurred())
	Expect(a.Status).To(Equal(http.StatusOK), a.Raw)
	return a.JSON
}

var _ = Describe("SocialAccount controller, edges", func() {
	var (
		ns string
		t  tenant
	)
	BeforeEach(func() { ns, t = newSpec() })

	It("raises the expiry warning when the window opens, with no forced sync", func() {
		id := t.account(instagram, 7*day+3*time.Second)
		sa := newSocialAccount(ns, "edge", id)
		got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Expect(got.Status.DaysUntilExpiry).To(HaveValue(Equal(int32(7))))
		Expect(eventCount(Default, sa, boringv1alpha1.EventTokenExpiringSoon)).To(BeZero())
		annotations := got.Annotations

		By("stepping the clock across the window's edge; the sync nextSync scheduled does the rest")
		fakeClock.Step(4 * time.Second)
		Eventually(func(g Gomega) {
			g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpiringSoon)).To(Equal(1))
			g.Expect(getSA(g, sa).Status.DaysUntilExpiry).To(HaveValue(Equal(int32(6))))
		}).Should(Succeed())
		Expect(getSA(Default, sa).Annotations).To(Equal(annotations), "nothing may have forced the sync")
	})

	It("marks an account that disappears from Boring invalid: status, metric and account API", func() {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns + "-callers"}})).To(Succeed())
		token, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns+"-callers", "dashboard")
		Expect(err).NotTo(HaveOccurred())
		Expect(envtestutil.Grant(ctx, k8sClient, ns, ns+"-callers", "dashboard", "list", "get")).To(Succeed())

		id := t.account(instagram, 30*day)
		sa := newSocialAccount(ns, "vanish", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Eventually(func(g Gomega) {
			g.Expect(scrape(g)).To(HaveKeyWithValue("boring_socialaccount_valid"+seriesOf(sa, instagram), 1.0))
		}).Should(Succeed())

		By("disconnecting it in Boring behind the operator's back")
		Expect(backend.Disconnect(id)).To(Succeed())
		requestSync(sa)
		got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonAccountNotFound)
		Expect(got.Status.IsValid).To(HaveValue(BeFalse()))
		Expect(got.Status.ExpiresAt).To(BeNil())
		Expect(got.Status.DaysUntilExpiry).To(BeNil())
		Eventually(func(g Gomega) {
			g.Expect(scrape(g)).To(HaveKeyWithValue("boring_socialaccount_valid"+seriesOf(sa, instagram), 0.0))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			accounts := apiGet(http.MethodGet, "/api/accounts?namespace="+ns, token, "")["accounts"].([]any)
			g.Expect(accounts).To(HaveLen(1))
			g.Expect(accounts[0]).To(HaveKeyWithValue("is_valid", false))
			info := apiGet(http.MethodPost, "/api/token/info", token, `{"account_id":"`+id+`"}`)["data"]
			g.Expect(info).To(HaveKeyWithValue("is_valid", false))
		}).Should(Succeed())
	})

	It("takes Boring's AccountNotFound answer to the disconnect as done", func() {
		id := t.account(threads, 30*day)
		sa := newSocialAccount(ns, "already-gone", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		backend.SetFault(boringtest.EndpointDisconnect, boringtest.Fault{Status: http.StatusNotFound, ErrorName: "AccountNotFound"})
		DeferCleanup(backend.ClearFaults)
		deleteAndWaitGone(sa)
		Expect(backend.CountFor(boringtest.EndpointDisconnect, t.user)).To(Equal(1))
		Expect(eventCount(Default, sa, boringv1alpha1.EventDisconnectFailed)).To(BeZero())
	})

	It("gives a second SocialAccount claiming the same secretName SecretConflict, and leaves the first alone", func() {
		firstID, secondID := t.account(instagram, 30*day), t.account(threads, 30*day)
		first := newSocialAccount(ns, "first", firstID, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.SecretName = "shared" })
		firstSeen := eventuallyCondition(first, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		second := newSocialAccount(ns, "second", secondID, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.SecretName = "shared" })
		got := eventuallyCondition(second, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonSecretConflict)
		Expect(got.Status.SecretName).To(BeEmpty())
		Eventually(func(g Gomega) { g.Expect(eventCount(g, second, boringv1alpha1.EventSecretConflict)).To(Equal(1)) }).Should(Succeed())
		s := getSecret(Default, ns, "shared")
		Expect(string(s.Data["ACCOUNT_ID"])).To(Equal(first.Spec.AccountID))
		Expect(metav1.IsControlledBy(s, firstSeen)).To(BeTrue())
		Expect(condition(getSA(Default, first), boringv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	})

	It("caches the operator's own Secrets whole, and opted-in credentials as metadata without annotations", func() {
		lastApplied := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"session":"c2VjcmV0"}}`}
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "applied", Namespace: ns, Labels: credentialsLabel, Annotations: lastApplied},
			StringData: map[string]string{"session": t.session},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "unrelated", Namespace: ns, Annotations: lastApplied},
			StringData: map[string]string{"password": "hunter2"},
		})).To(Succeed())
		sa := newSocialAccount(ns, "cached", t.account(threads, 30*day), func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "applied"}
			sa.Spec.SecretTemplate = &boringv1alpha1.SecretTemplate{Annotations: map[string]string{"note": "kept on the Secret"}}
		})
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)

		Eventually(func(g Gomega) {
			own := &corev1.SecretList{}
			g.Expect(mgrCache.List(ctx, own, client.InNamespace(ns))).To(Succeed())
			g.Expect(own.Items).To(HaveLen(1), "the manager's cache: the operator's own Secrets only")
			g.Expect(own.Items[0].Name).To(Equal("cached"))
			g.Expect(own.Items[0].Data).To(HaveKey(boringv1alpha1.SecretKeyAccountID), "the operator's own Secrets are cached whole")
			for _, e := range own.Items[0].ManagedFields {
				g.Expect(e.Manager).To(Equal(controller.FieldOwner), "only the operator's own managedFields entries are kept")
			}

			creds := &metav1.PartialObjectMetadataList{}
			creds.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
			g.Expect(op.Credentials.List(ctx, creds, client.InNamespace(ns))).To(Succeed())
			names := make([]string, 0, len(creds.Items))
			for _, m := range creds.Items {
				g.Expect(m.Annotations).To(BeEmpty(), "cached credentials %s keep annotations", m.Name)
				g.Expect(m.ManagedFields).To(BeEmpty(), "cached credentials %s keep managedFields", m.Name)
				names = append(names, m.Name)
			}
			g.Expect(names).To(ConsistOf("applied", "boring-session"), "the credentials cache: opted-in Secrets only")
		}).Should(Succeed())
		Expect(getSecret(Default, ns, "cached").Annotations).To(HaveKeyWithValue("note", "kept on the Secret"))
	})

	It("repairs a write to the Secret's data made under the operator's own field-manager name", func() {
		acct := t.account(instagram, 30*day)
		sa := newSocialAccount(ns, "forged", acct)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)

		s := getSecret(Default, ns, "forged")
		base := s.DeepCopy()
		s.Data[boringv1alpha1.SecretKeyAccountID] = []byte("forged-id")
		Expect(k8sClient.Patch(ctx, s, client.MergeFrom(base), client.FieldOwner(controller.FieldOwner))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(string(getSecret(g, ns, "forged").Data[boringv1alpha1.SecretKeyAccountID])).To(Equal(acct))
		}).Should(Succeed())
	})

	It("removes from the Secret a label removed from secretTemplate, and keeps labels others added", func() {
		sa := newSocialAccount(ns, "labels", t.account(facebook, 0), func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.SecretTemplate = &boringv1alpha1.SecretTemplate{Labels: map[string]string{"team": "growth", "tier": "gold"}}
		})
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Eventually(func(g Gomega) {
			g.Expect(getSecret(g, ns, "labels").Labels).To(HaveKeyWithValue("tier", "gold"))
		}).Should(Succeed())

		By("a label somebody else adds")
		s := getSecret(Default, ns, "labels")
		s.Labels["theirs"] = "kept"
		Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())

		By("dropping tier from the template")
		cur := getSA(Default, sa)
		base := cur.DeepCopy()
		cur.Spec.SecretTemplate.Labels = map[string]string{"team": "growth"}
		Expect(k8sClient.Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
		Eventually(func(g Gomega) {
			labels := getSecret(g, ns, "labels").Labels
			g.Expect(labels).NotTo(HaveKey("tier"))
			g.Expect(labels).To(HaveKeyWithValue("team", "growth"))
			g.Expect(labels).To(HaveKeyWithValue("theirs", "kept"))
		}).Should(Succeed())
	})
})
