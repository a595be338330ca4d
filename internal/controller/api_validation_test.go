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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// newNamespace creates a namespace for one test and deletes it afterwards.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t-" + rand.String(8)}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func() { _ = k8sClient.Delete(ctx, ns) })
	return ns.Name
}

// rawSocialAccount builds a SocialAccount as a user would write it in YAML,
// so a test can send values the Go types would not allow.
func rawSocialAccount(ns, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": boringv1alpha1.GroupVersion.String(),
		"kind":       "SocialAccount",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec":       spec,
	}}
	return u
}

var _ = Describe("SocialAccount API validation", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
	})

	type rule struct {
		field   string
		valid   map[string]any
		invalid map[string]any
	}
	base := func(extra map[string]any) map[string]any {
		spec := map[string]any{"accountID": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}
		for k, v := range extra {
			spec[k] = v
		}
		return spec
	}
	rules := []rule{
		{field: "spec.accountID", valid: base(nil), invalid: map[string]any{"platform": "facebook"}},
		{field: "spec.accountID", valid: base(nil), invalid: map[string]any{"accountID": ""}},
		{field: "spec.accountID", valid: base(nil), invalid: map[string]any{"accountID": "../etc/passwd"}},
		{field: "spec.platform", valid: base(map[string]any{"platform": "threads"}), invalid: base(map[string]any{"platform": "myspace"})},
		{field: "spec.deletionPolicy", valid: base(map[string]any{"deletionPolicy": "Orphan"}), invalid: base(map[string]any{"deletionPolicy": "Delete"})},
		{field: "spec.secretName", valid: base(map[string]any{"secretName": "client-a.facebook"}), invalid: base(map[string]any{"secretName": "Client_A"})},
		{field: "spec.refreshInterval", valid: base(map[string]any{"refreshInterval": "1m"}), invalid: base(map[string]any{"refreshInterval": "30s"})},
		{field: "spec.refreshInterval", valid: base(map[string]any{"refreshInterval": "2h30m"}), invalid: base(map[string]any{"refreshInterval": "soon"})},
		{field: "spec.expiryWarningDays", valid: base(map[string]any{"expiryWarningDays": int64(60)}), invalid: base(map[string]any{"expiryWarningDays": int64(61)})},
		{field: "spec.expiryWarningDays", valid: base(map[string]any{"expiryWarningDays": int64(1)}), invalid: base(map[string]any{"expiryWarningDays": int64(0)})},
		{field: "spec.platformAccountID", valid: map[string]any{"platformAccountID": "17841400000000001", "platform": "instagram"},
			invalid: base(map[string]any{"platformAccountID": "17841400000000001", "platform": "instagram"})}, // both set
		{field: "spec.platformAccountID", valid: base(nil), invalid: map[string]any{"platform": "instagram"}}, // neither set
		{field: "spec.platform is required with spec.platformAccountID", valid: map[string]any{"platformAccountID": "42", "platform": "threads"},
			invalid: map[string]any{"platformAccountID": "42"}},
		{field: "spec.platformAccountID", valid: map[string]any{"platformAccountID": "42", "platform": "threads"},
			invalid: map[string]any{"platformAccountID": "4 2", "platform": "threads"}},
		{field: "spec.rolloutRestartTargets[0].kind", valid: base(map[string]any{"rolloutRestartTargets": []any{map[string]any{"kind": "StatefulSet", "name": "publisher"}}}),
			invalid: base(map[string]any{"rolloutRestartTargets": []any{map[string]any{"kind": "CronJob", "name": "publisher"}}})},
		{field: "spec.credentialsRef.name", valid: base(map[string]any{"credentialsRef": map[string]any{"name": "boring-session"}}), invalid: base(map[string]any{"credentialsRef": map[string]any{"key": "session"}})},
	}
	for i, r := range rules {
		It(fmt.Sprintf("accepts a valid and refuses an invalid %s (%d)", r.field, i), func() {
			ok := rawSocialAccount(ns, fmt.Sprintf("ok-%d", i), r.valid)
			Expect(k8sClient.Create(ctx, ok, client.DryRunAll)).To(Succeed())

			bad := rawSocialAccount(ns, fmt.Sprintf("bad-%d", i), r.invalid)
			err := k8sClient.Create(ctx, bad, client.DryRunAll)
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(r.field))
		})
	}

	It("defaults deletionPolicy, refreshInterval, expiryWarningDays and credentialsRef.key", func() {
		sa := &boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Name: "defaults", Namespace: ns},
			Spec: boringv1alpha1.SocialAccountSpec{
				AccountID:      "acct-1",
				CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"},
			},
		}
		Expect(k8sClient.Create(ctx, sa, client.DryRunAll)).To(Succeed())
		Expect(sa.Spec.DeletionPolicy).To(Equal(boringv1alpha1.DeletionPolicyDisconnect))
		Expect(sa.Spec.RefreshInterval).NotTo(BeNil())
		Expect(sa.Spec.RefreshInterval.Duration).To(Equal(time.Hour))
		Expect(sa.Spec.ExpiryWarningDays).To(Equal(int32(7)))
		Expect(sa.Spec.CredentialsRef.Key).To(Equal("session"))
		Expect(sa.Status.ObservedGeneration).To(BeZero())
	})
})
