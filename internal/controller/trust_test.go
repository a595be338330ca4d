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
	"context"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/controller"
)

// countingReader counts the reads that reach the API server.
type countingReader struct {
	client.Reader
	reads atomic.Int32
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.reads.Add(1)
	return c.Reader.Get(ctx, key, obj, opts...)
}

// cachedMeta is what the manager's cache makes of a Secret's metadata.
func cachedMeta(s *corev1.Secret) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{ObjectMeta: *s.ObjectMeta.DeepCopy()}
	out, err := controller.CachedSecretMetadata(m)
	Expect(err).NotTo(HaveOccurred())
	return out.(*metav1.PartialObjectMetadata)
}

// inCache is a Secret's metadata as the manager's cache holds it.
func inCache(g Gomega, key types.NamespacedName) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	g.Expect(mgrCache.Get(ctx, key, m)).To(Succeed())
	return m
}

var _ = Describe("Trusting account-ID Secrets after a restart", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	// The API server's managedFields decide; each case writes as somebody
	// else would and checks the cached metadata stops vouching for the
	// Secret (or, for a write that changes nothing, still does).
	DescribeTable("vouches for a Secret only while the operator alone wrote it",
		func(trusted bool, tamper func(s *corev1.Secret, token string)) {
			sa := &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Name: "ig", Namespace: ns, UID: "uid-1"},
				Spec: boringv1alpha1.SocialAccountSpec{SecretTemplate: &boringv1alpha1.SecretTemplate{
					Labels: map[string]string{"team": "growth"}, Annotations: map[string]string{"note": "hi"}}}}
			acct := &wire.Account{AccountID: "a-1", Platform: wire.PlatformInstagram, IGUsername: "bakery"}
			s := controller.DesiredSecret(sa, acct)
			s.OwnerReferences = nil // no SocialAccount of that UID exists
			Expect(k8sClient.Create(ctx, s, client.FieldOwner(controller.FieldOwner))).To(Succeed())
			Expect(cachedMeta(s).Annotations).To(HaveKeyWithValue(controller.TrustedDigestKey, controller.TrustToken(sa, acct)),
				"as the operator created it")

			tamper(s, controller.TrustToken(sa, acct))
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(s), s)).To(Succeed())
			got := cachedMeta(s)
			Expect(got.ManagedFields).To(ConsistOf(controller.Transformed))
			again, err := controller.CachedSecretMetadata(got.DeepCopy())
			Expect(err).NotTo(HaveOccurred())
			Expect(again).To(Equal(got), "the informer may transform an object twice")
			Expect(got.Annotations).NotTo(HaveKey("note"), "no annotation of the Secret's own is cached")
			if trusted {
				Expect(got.Annotations).To(HaveKeyWithValue(controller.TrustedDigestKey, controller.TrustToken(sa, acct)))
			} else {
				Expect(got.Annotations[controller.TrustedDigestKey]).NotTo(Equal(controller.TrustToken(sa, acct)))
			}
		},
		Entry("a value of the data changed", false, func(s *corev1.Secret, _ string) {
			s.Data[boringv1alpha1.SecretKeyAccountID] = []byte("a-2")
			Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("a key of the data removed", false, func(s *corev1.Secret, _ string) {
			patch := `[{"op":"remove","path":"/data/` + boringv1alpha1.SecretKeyPlatform + `"}]`
			Expect(k8sClient.Patch(ctx, s, client.RawPatch(types.JSONPatchType, []byte(patch)), client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("the template's label removed", false, func(s *corev1.Secret, _ string) {
			patch := `[{"op":"remove","path":"/metadata/labels/team"}]`
			Expect(k8sClient.Patch(ctx, s, client.RawPatch(types.JSONPatchType, []byte(patch)), client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("the digest annotation changed", false, func(s *corev1.Secret, _ string) {
			s.Annotations[boringv1alpha1.ContentDigestAnnotation] = "0000"
			Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("a label of somebody else's added", false, func(s *corev1.Secret, _ string) {
			s.Labels["theirs"] = "x"
			Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("managedFields stripped and the cache's own key forged", false, func(s *corev1.Secret, token string) {
			By("the cache's own marker, which the API server does not keep (it is not a valid operation)")
			forged := s.DeepCopy()
			forged.ManagedFields = []metav1.ManagedFieldsEntry{controller.Transformed}
			forged.Annotations[controller.TrustedDigestKey] = token
			Expect(k8sClient.Update(ctx, forged, client.FieldOwner("someone-else"))).To(Succeed())
			Expect(forged.ManagedFields).NotTo(ContainElement(controller.Transformed))
			Expect(cachedMeta(forged).Annotations[controller.TrustedDigestKey]).NotTo(Equal(token))
			By("an empty entry, which strips managedFields")
			patch := `{"metadata":{"managedFields":[{}],"annotations":{"` + controller.TrustedDigestKey + `":"` + token + `"}}}`
			Expect(k8sClient.Patch(ctx, s, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner("someone-else"))).To(Succeed())
		}),
		Entry("an update that changes nothing", true, func(s *corev1.Secret, _ string) {
			Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())
		}),
	)

	It("reads a Secret the operator alone wrote not once after a restart, and one somebody else wrote once", func() {
		t := newTenant(ns)
		sa := newSocialAccount(ns, "trusted", t.account(instagram, 30*day))
		eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		sa = getSA(Default, sa)

		// The account as the reconciler gets it: Boring's list, through the
		// operator's client.
		bc, err := boring.NewClient(backend.URL(), boring.Options{})
		Expect(err).NotTo(HaveOccurred())
		accounts, err := bc.ListAccounts(ctx, boring.Session(t.session))
		Expect(err).NotTo(HaveOccurred())
		var acct *wire.Account
		for i := range accounts {
			if accounts[i].AccountID == sa.Spec.AccountID {
				acct = &accounts[i]
			}
		}
		Expect(acct).NotTo(BeNil())

		cached, err := client.New(cfg, client.Options{Scheme: k8sClient.Scheme(), Cache: &client.CacheOptions{Reader: mgrCache}})
		Expect(err).NotTo(HaveOccurred())
		reader := &countingReader{Reader: k8sClient}
		key := types.NamespacedName{Namespace: ns, Name: sa.EffectiveSecretName()}
		before := getSecret(Default, ns, key.Name).ResourceVersion
		Eventually(func(g Gomega) {
			g.Expect(inCache(g, key).ResourceVersion).To(Equal(before))
		}).Should(Succeed())

		conflict, err := controller.EnsureSecretAfterRestart(ctx, cached, reader, sa, acct)
		Expect(err).NotTo(HaveOccurred())
		Expect(conflict).To(BeFalse())
		Expect(reader.reads.Load()).To(BeZero(), "the cached metadata vouches for the Secret")

		By("somebody else adding a label: the Secret is read once, and left as it is")
		s := getSecret(Default, ns, key.Name)
		s.Labels["theirs"] = "x"
		Expect(k8sClient.Update(ctx, s, client.FieldOwner("someone-else"))).To(Succeed())
		Eventually(func(g Gomega) {
			m := inCache(g, key)
			g.Expect(m.ResourceVersion).To(Equal(s.ResourceVersion))
			g.Expect(m.Annotations).NotTo(HaveKey(controller.TrustedDigestKey))
		}).Should(Succeed())
		conflict, err = controller.EnsureSecretAfterRestart(ctx, cached, reader, sa, acct)
		Expect(err).NotTo(HaveOccurred())
		Expect(conflict).To(BeFalse())
		Expect(reader.reads.Load()).To(BeEquivalentTo(1))
		Expect(getSecret(Default, ns, key.Name).ResourceVersion).To(Equal(s.ResourceVersion), "nothing to repair")
	})
})
