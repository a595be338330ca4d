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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

// desiredSecret is the account-ID Secret for sa and the account Boring listed.
func desiredSecret(sa *boringv1alpha1.SocialAccount, acct *boring.Account) *corev1.Secret {
	labels := map[string]string{}
	annotations := map[string]string{}
	if t := sa.Spec.SecretTemplate; t != nil {
		maps.Copy(labels, t.Labels)
		maps.Copy(annotations, t.Annotations)
	}
	labels[boringv1alpha1.ManagedByLabel] = boringv1alpha1.ManagedByValue
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        sa.EffectiveSecretName(),
			Namespace:   sa.Namespace,
			Labels:      labels,
			Annotations: annotations,
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			boringv1alpha1.SecretKeyAccountID:   []byte(sa.Spec.AccountID),
			boringv1alpha1.SecretKeyPlatform:    []byte(acct.Platform),
			boringv1alpha1.SecretKeyAccountName: []byte(acct.Name()),
		},
	}
}

// digest names the desired content, to tell whether a verified Secret still
// matches what is desired now.
func digest(s *corev1.Secret) string {
	h := sha256.New()
	for _, m := range []map[string]string{s.Labels, s.Annotations} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			_, _ = fmt.Fprintf(h, "%q=%q;", k, m[k])
		}
		h.Write([]byte{0})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Data)) {
		_, _ = fmt.Fprintf(h, "%q=%q;", k, s.Data[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// ensureSecret creates or repairs the account-ID Secret. It reports conflict
// when a Secret of that name exists that this SocialAccount does not control;
// such a Secret is never touched. Steady state costs no API call: the Secret's
// metadata comes from the cache and its data is only read after it changed.
func (r *SocialAccountReconciler) ensureSecret(ctx context.Context, sa *boringv1alpha1.SocialAccount, acct *boring.Account) (conflict bool, err error) {
	want := desiredSecret(sa, acct)
	if err := controllerutil.SetControllerReference(sa, want, r.Scheme); err != nil {
		return false, err
	}
	key := client.ObjectKeyFromObject(want)
	sum := digest(want)

	meta, err := r.secretMetadata(ctx, key)
	switch {
	case apierrors.IsNotFound(err):
		return r.createSecret(ctx, want, sum)
	case err != nil:
		return false, fmt.Errorf("reading Secret metadata: %w", err)
	case !metav1.IsControlledBy(meta, sa):
		return true, nil
	case r.secrets.verified(key, meta.ResourceVersion, sum):
		return false, nil
	}

	current := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, current); err != nil {
		if apierrors.IsNotFound(err) {
			return r.createSecret(ctx, want, sum)
		}
		return false, fmt.Errorf("reading Secret: %w", err)
	}
	if !metav1.IsControlledBy(current, sa) {
		return true, nil
	}
	if secretMatches(current, want) {
		r.secrets.rememberVerified(key, current.ResourceVersion, sum)
		return false, nil
	}
	base := current.DeepCopy()
	if current.Labels == nil {
		current.Labels = map[string]string{}
	}
	if current.Annotations == nil {
		current.Annotations = map[string]string{}
	}
	maps.Copy(current.Labels, want.Labels)
	maps.Copy(current.Annotations, want.Annotations)
	if current.Data == nil {
		current.Data = map[string][]byte{}
	}
	maps.Copy(current.Data, want.Data)
	if err := r.Patch(ctx, current, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return false, fmt.Errorf("repairing Secret: %w", err)
	}
	r.secrets.rememberVerified(key, current.ResourceVersion, sum)
	return false, nil
}

func (r *SocialAccountReconciler) createSecret(ctx context.Context, want *corev1.Secret, sum string) (bool, error) {
	// AlreadyExists means the cache had not seen the Secret yet; the error
	// retries and the next attempt sees it.
	if err := r.Create(ctx, want); err != nil {
		return false, fmt.Errorf("creating Secret: %w", err)
	}
	r.secrets.rememberVerified(types.NamespacedName{Namespace: want.Namespace, Name: want.Name}, want.ResourceVersion, sum)
	return false, nil
}

// secretMatches reports whether current holds everything want asks for.
func secretMatches(current, want *corev1.Secret) bool {
	for k, v := range want.Labels {
		if current.Labels[k] != v {
			return false
		}
	}
	for k, v := range want.Annotations {
		if current.Annotations[k] != v {
			return false
		}
	}
	for k, v := range want.Data {
		if string(current.Data[k]) != string(v) {
			return false
		}
	}
	return true
}
