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

package accountapi_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

var _ = Describe("DELETE /api/accounts/{id}", func() {
	It("says what will happen in Boring, and records who asked", func() {
		SetDefaultEventuallyTimeout(20 * time.Second)
		const user = "delete-user"
		session := "delete-session-" + rand.String(8)
		backend.AddSession(session, user)
		ids := map[string]string{}
		for _, name := range []string{"orphan", "paused", "kept", "plain"} {
			ids[name] = name + "-" + rand.String(8)
			backend.AddAccount(user, boringtest.Account{ID: ids[name], Platform: "threads", Valid: true, Name: name, PlatformID: rand.String(8)})
		}
		ns, elsewhere := "del-"+rand.String(6), "else-"+rand.String(6)
		for _, n := range []string{ns, elsewhere, "boring-system"} {
			Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}))).To(Succeed())
		}
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: "boring-system", Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
			StringData: map[string]string{"session": session},
		})).To(Succeed())
		create := func(ns, name, id string, mutate func(*boringv1alpha1.SocialAccount)) *boringv1alpha1.SocialAccount {
			sa := &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: boringv1alpha1.SocialAccountSpec{AccountID: id}} // the shared default credentials
			if mutate != nil {
				mutate(sa)
			}
			Expect(k8sClient.Create(ctx, sa)).To(Succeed())
			return sa
		}
		orphan := create(ns, "orphan", ids["orphan"], func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.DeletionPolicy = boringv1alpha1.DeletionPolicyOrphan
		})
		paused := create(ns, "paused", ids["paused"], nil)
		kept := create(ns, "kept", ids["kept"], nil)
		create(elsewhere, "keeper", ids["kept"], nil)
		plain := create(ns, "plain", ids["plain"], nil)
		Eventually(func(g Gomega) {
			for _, sa := range []*boringv1alpha1.SocialAccount{orphan, paused, kept, plain} {
				cur := &boringv1alpha1.SocialAccount{}
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), cur)).To(Succeed())
				g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, boringv1alpha1.ConditionReady)).To(BeTrue(), sa.Name)
			}
		}).Should(Succeed())
		cur := &boringv1alpha1.SocialAccount{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(paused), cur)).To(Succeed())
		base := cur.DeepCopy()
		cur.Annotations = map[string]string{boringv1alpha1.PausedAnnotation: "true"}
		Expect(k8sClient.Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
		DeferCleanup(func() {
			unpaused := &boringv1alpha1.SocialAccount{}
			if k8sClient.Get(ctx, client.ObjectKeyFromObject(paused), unpaused) == nil {
				b := unpaused.DeepCopy()
				delete(unpaused.Annotations, boringv1alpha1.PausedAnnotation)
				_ = k8sClient.Patch(ctx, unpaused, client.MergeFrom(b))
			}
		})

		token, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns, "deleter")
		Expect(err).NotTo(HaveOccurred())
		grant(ns, ns, "deleter", "delete", "get", "list")
		Eventually(func(g Gomega) {
			code, body, _ := call(http.MethodGet, "/api/accounts?namespace="+ns, token, "", false)
			g.Expect(code).To(Equal(http.StatusOK))
			g.Expect(body["accounts"]).To(HaveLen(4))
		}).Should(Succeed())

		tests := []struct{ id, want string }{
			{ids["orphan"], "stays connected in Boring (deletionPolicy Orphan)"},
			{ids["paused"], "will be disconnected once its " + boringv1alpha1.PausedAnnotation + " annotation is removed"},
			{ids["kept"], "stays connected in Boring: another SocialAccount still maps it"},
			{ids["plain"], "Account disconnected successfully"},
		}
		for _, tc := range tests {
			code, body, _ := call(http.MethodDelete, "/api/accounts/"+tc.id, token, "", false)
			Expect(code).To(Equal(http.StatusOK))
			Expect(body).To(HaveKeyWithValue("success", true))
			Expect(body["message"]).To(ContainSubstring(tc.want))
			Expect(body["message"]).NotTo(ContainSubstring(elsewhere), "another namespace's object is never named")
		}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: elsewhere, Name: "keeper"}, &boringv1alpha1.SocialAccount{})).To(Succeed())
		Eventually(func(g Gomega) {
			var list eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			asked := map[string]string{}
			for _, e := range list.Items {
				if e.Reason == accountapi.EventDeleteRequested {
					asked[e.Regarding.Name] = e.Note
				}
			}
			g.Expect(asked).To(HaveLen(4))
			for _, note := range asked {
				g.Expect(note).To(ContainSubstring("system:serviceaccount:" + ns + ":deleter"))
			}
		}).Should(Succeed())
		Eventually(func() bool { return backend.Disconnected(ids["plain"]) }).Should(BeTrue())
		Expect(backend.Disconnected(ids["orphan"])).To(BeFalse())
		Expect(backend.Disconnected(ids["kept"])).To(BeFalse())
	})
})
