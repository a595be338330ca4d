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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

var _ = Describe("A real client's view (kstatus)", func() {
	It("is InProgress before the first sync and Current after it", func() {
		ns := newNamespace()
		t := newTenant("")
		id := t.account(instagram, 30*day)
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
