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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// successfulDisconnects counts the DELETEs of the tenant's accounts that
// Boring answered 200.
func successfulDisconnects(t tenant) int {
	n := 0
	for _, r := range backend.Requests() {
		if r.Endpoint == boringtest.EndpointDisconnect && r.User == t.user && r.Status == http.StatusOK {
			n++
		}
	}
	return n
}

var _ = Describe("SocialAccount controller, upstream faults and lifecycle", func() {
	var (
		ns string
		t  tenant
	)
	BeforeEach(func() { ns, t = newSpec() })

	It("holds the finalizer when the disconnect is answered with a 404 that is not Boring's", func() {
		id := t.account(instagram, 30*day)
		sa := newSocialAccount(ns, "proxy-404", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		backend.SetFault(boringtest.EndpointDisconnect, boringtest.Fault{Status: http.StatusNotFound, Body: "<html><h1>404 Not Found</h1></html>"})
		DeferCleanup(backend.ClearFaults)
		Expect(k8sClient.Delete(ctx, sa)).To(Succeed())
		got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable)
		Expect(got.Finalizers).To(ContainElement(boringv1alpha1.Finalizer))
		Expect(condition(got, boringv1alpha1.ConditionReady).Reason).To(Equal(boringv1alpha1.ReasonDisconnectFailed))
		Expect(eventCount(Default, sa, boringv1alpha1.EventDisconnected)).To(BeZero())
		Expect(backend.Disconnected(id)).To(BeFalse())

		backend.ClearFaults()
		deleteAndWaitGone(sa)
		Expect(backend.Disconnected(id)).To(BeTrue())
		Expect(successfulDisconnects(t)).To(Equal(1))
		Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventDisconnected)).To(Equal(1)) }).Should(Succeed())
	})

	for name, body := range map[string]string{
		"{}":            `{}`,
		"null":          `null`,
		"success false": `{"success":false,"error":"InternalServerError"}`,
	} {
		It("keeps Ready and the Secrets when a list is answered 200 with "+name, func() {
			ids := []string{t.account(instagram, 30*day), t.account(threads, 30*day)}
			sas := []*boringv1alpha1.SocialAccount{newSocialAccount(ns, "one", ids[0]), newSocialAccount(ns, "two", ids[1])}
			for _, sa := range sas {
				eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			}
			backend.SetFault(boringtest.EndpointList, boringtest.Fault{Body: body})
			DeferCleanup(backend.ClearFaults)
			for i, sa := range sas {
				setAnnotation(sa, boringv1alpha1.SyncRequestedAnnotation, "hiccup-"+name)
				got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable)
				Expect(condition(got, boringv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
				Expect(got.Status.IsValid).To(HaveValue(BeTrue()))
				Expect(string(getSecret(Default, ns, sa.Name).Data["ACCOUNT_ID"])).To(Equal(ids[i]))
				Expect(eventCount(Default, sa, boringv1alpha1.EventAccountNotFound)).To(BeZero())
			}
			backend.ClearFaults()
			for _, sa := range sas {
				requestSync(sa)
				eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionTrue, boringv1alpha1.ReasonSyncSucceeded)
			}
		})
	}

	It("waits no longer than the cap for a Retry-After of 100000 seconds", func() {
		id := t.account(instagram, 30*day)
		backend.SetFault(boringtest.EndpointList, boringtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "100000", Times: 1})
		DeferCleanup(backend.ClearFaults)
		sa := newSocialAccount(ns, "patient", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonRateLimited)
		Expect(backend.CountFor(boringtest.EndpointList, t.user)).To(Equal(1))
		// The cache remembers the rate limit for the (capped) wait by the
		// injected clock; the requeue waits it in real time.
		fakeClock.Step(3 * time.Second)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		Expect(backend.CountFor(boringtest.EndpointList, t.user)).To(Equal(2))
	})

	It("disconnects once and emits one event when the SocialAccount changes during the disconnect", func() {
		id := t.account(threads, 30*day)
		sa := newSocialAccount(ns, "busy", id)
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		touched := make(chan struct{})
		backend.SetFault(boringtest.EndpointDisconnect, boringtest.Fault{Times: 1, Before: func() {
			defer GinkgoRecover()
			defer close(touched)
			By("changing the object while Boring answers, so the controller's copy is out of date")
			setAnnotation(sa, "touched", "during-disconnect")
		}})
		DeferCleanup(backend.ClearFaults)
		Expect(k8sClient.Delete(ctx, sa)).To(Succeed())
		Eventually(touched).Should(BeClosed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), &boringv1alpha1.SocialAccount{}))
		}).Should(BeTrue())
		Expect(backend.CountFor(boringtest.EndpointDisconnect, t.user)).To(Equal(1))
		Consistently(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventDisconnected)).To(Equal(1)) }, time.Second).Should(Succeed())
	})

	It("disconnects every account of a namespace whose credentials Secret goes first, and lets everything go", func() {
		ids := []string{t.account(instagram, 30*day), t.account(threads, 30*day), t.account(facebook, 0)}
		sas := make([]*boringv1alpha1.SocialAccount, 0, len(ids))
		for i, id := range ids {
			sas = append(sas, newSocialAccount(ns, []string{"a", "b", "c"}[i], id))
		}
		for _, sa := range sas {
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		}
		creds := client.ObjectKey{Namespace: ns, Name: "boring-session"}
		Eventually(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(k8sClient.Get(ctx, creds, s)).To(Succeed())
			g.Expect(s.Finalizers).To(ContainElement(boringv1alpha1.CredentialsFinalizer))
		}).Should(Succeed())

		By("deleting in the order a namespace deletion may: the credentials Secret first")
		Expect(k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boring-session"}})).To(Succeed())
		for _, sa := range sas {
			Expect(k8sClient.Delete(ctx, sa)).To(Succeed())
		}
		for _, sa := range sas {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), &boringv1alpha1.SocialAccount{}))
			}).Should(BeTrue())
		}
		Eventually(func() bool { return apierrors.IsNotFound(k8sClient.Get(ctx, creds, &corev1.Secret{})) }).Should(BeTrue())
		for _, id := range ids {
			Expect(backend.Disconnected(id)).To(BeTrue())
		}
		Expect(successfulDisconnects(t)).To(Equal(len(ids)))
	})

	It("does not hold credentials that only Orphan SocialAccounts use", func() {
		sa := newSocialAccount(ns, "orphan", t.account(instagram, 30*day), func(sa *boringv1alpha1.SocialAccount) {
			sa.Spec.DeletionPolicy = boringv1alpha1.DeletionPolicyOrphan
		})
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		disconnecting := newSocialAccount(ns, "disconnecting", t.account(threads, 30*day))
		creds := &corev1.Secret{}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "boring-session"}, creds)).To(Succeed())
			g.Expect(controllerutil.ContainsFinalizer(creds, boringv1alpha1.CredentialsFinalizer)).To(BeTrue())
		}).Should(Succeed())
		deleteAndWaitGone(disconnecting)
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "boring-session"}, creds)).To(Succeed())
			g.Expect(controllerutil.ContainsFinalizer(creds, boringv1alpha1.CredentialsFinalizer)).To(BeFalse())
		}).Should(Succeed())
	})
})
