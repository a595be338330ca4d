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
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// FieldOwner is the field manager of the operator's writes to account-ID
// Secrets: the Secret's managedFields then say which labels and annotations
// the operator wrote, so one it no longer wants can be removed while what
// others added stays.
const FieldOwner = "boring-operator"

// secretContent is what the account-ID Secret must hold.
type secretContent struct {
	labels, annotations map[string]string
	data                map[string]string
}

// desiredSecret is the account-ID Secret's content for sa and the account
// Boring listed.
func desiredSecret(sa *boringv1alpha1.SocialAccount, acct *wire.Account) secretContent {
	c := secretContent{labels: map[string]string{}, annotations: map[string]string{}}
	if t := sa.Spec.SecretTemplate; t != nil {
		maps.Copy(c.labels, t.Labels)
		maps.Copy(c.annotations, t.Annotations)
	}
	c.labels[boringv1alpha1.ManagedByLabel] = boringv1alpha1.ManagedByValue
	c.data = map[string]string{
		boringv1alpha1.SecretKeyAccountID:   acct.AccountID,
		boringv1alpha1.SecretKeyPlatform:    string(acct.Platform),
		boringv1alpha1.SecretKeyAccountName: acct.Name(),
	}
	return c
}

// ensureSecret creates or repairs the account-ID Secret. It reports conflict
// when a Secret of that name exists that this SocialAccount does not control;
// such a Secret is never touched. The manager caches the operator's own
// Secrets whole (they hold an ID, a platform and a name, no secret), so
// steady state compares the cached Secret with the desired content and costs
// no API call.
func (r *SocialAccountReconciler) ensureSecret(ctx context.Context, sa *boringv1alpha1.SocialAccount, acct *wire.Account) (conflict bool, err error) {
	want := desiredSecret(sa, acct)
	key := types.NamespacedName{Namespace: sa.Namespace, Name: sa.EffectiveSecretName()}
	current := &corev1.Secret{}
	err = r.Get(ctx, key, current)
	if apierrors.IsNotFound(err) {
		// The cache holds only Secrets labelled as the operator's: one of
		// that name may still exist, someone else's or ours relabelled.
		err = r.createSecret(ctx, sa, want)
		if !apierrors.IsAlreadyExists(err) {
			return false, err
		}
		err = r.APIReader.Get(ctx, key, current)
	}
	switch {
	case err != nil:
		return false, fmt.Errorf("reading Secret: %w", err)
	case !metav1.IsControlledBy(current, sa):
		return true, nil
	case want.heldBy(current):
		return false, nil
	}
	return false, r.repairSecret(ctx, current, want)
}

// heldBy reports whether current holds exactly this content as far as the
// operator is concerned: every desired key with its value, and no label or
// annotation that the operator applied earlier and no longer wants.
func (c secretContent) heldBy(current *corev1.Secret) bool {
	for k, v := range c.data {
		if have, ok := current.Data[k]; !ok || string(have) != v {
			return false
		}
	}
	owned := ownedKeys(current.ManagedFields)
	for _, kv := range []struct {
		want, have map[string]string
		owned      []string
	}{{c.labels, current.Labels, owned.labels}, {c.annotations, current.Annotations, owned.annotations}} {
		for k, v := range kv.want {
			if have, ok := kv.have[k]; !ok || have != v {
				return false
			}
		}
		for _, k := range kv.owned {
			if _, ok := kv.want[k]; !ok {
				if _, still := kv.have[k]; still {
					return false
				}
			}
		}
	}
	return true
}

// ownedLabelsAndAnnotations are the label and annotation keys the operator's
// field manager owns.
type ownedLabelsAndAnnotations struct{ labels, annotations []string }

// ownedKeys lists the label and annotation keys the operator's field manager
// owns (wrote by create or patch, and nobody changed since).
func ownedKeys(entries []metav1.ManagedFieldsEntry) ownedLabelsAndAnnotations {
	var out ownedLabelsAndAnnotations
	for _, e := range entries {
		if e.Manager != FieldOwner || e.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Labels      map[string]any `json:"f:labels"`
				Annotations map[string]any `json:"f:annotations"`
			} `json:"f:metadata"`
		}
		if json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields) != nil {
			continue
		}
		for k := range fields.Metadata.Labels {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				out.labels = append(out.labels, name)
			}
		}
		for k := range fields.Metadata.Annotations {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				out.annotations = append(out.annotations, name)
			}
		}
	}
	return out
}

func (c secretContent) bytes() map[string][]byte {
	data := make(map[string][]byte, len(c.data))
	for k, v := range c.data {
		data[k] = []byte(v)
	}
	return data
}

// createSecret creates the Secret, controlled by sa. Create, not apply: if
// the cache had not seen a Secret of that name yet, AlreadyExists sends the
// caller to find out whose it is, where an apply would have taken it over.
func (r *SocialAccountReconciler) createSecret(ctx context.Context, sa *boringv1alpha1.SocialAccount, want secretContent) error {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: sa.EffectiveSecretName(), Namespace: sa.Namespace,
			Labels: want.labels, Annotations: want.annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(sa, boringv1alpha1.GroupVersion.WithKind("SocialAccount"))},
		},
		Type: corev1.SecretTypeOpaque,
		Data: want.bytes(),
	}
	if err := r.Create(ctx, s, client.FieldOwner(FieldOwner)); err != nil {
		return fmt.Errorf("creating Secret: %w", err)
	}
	return nil
}

// repairSecret patches a Secret this SocialAccount controls back to the
// content: desired keys set, the labels and annotations the operator wrote
// earlier but no longer wants removed, what others added left alone. The
// optimistic lock makes a concurrent edit retry.
func (r *SocialAccountReconciler) repairSecret(ctx context.Context, current *corev1.Secret, want secretContent) error {
	base := current.DeepCopy()
	want.repair(current)
	if err := r.Patch(ctx, current, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}), client.FieldOwner(FieldOwner)); err != nil {
		return fmt.Errorf("repairing Secret: %w", err)
	}
	return nil
}

// repair changes current to hold the content.
func (c secretContent) repair(current *corev1.Secret) {
	owned := ownedKeys(current.ManagedFields)
	current.Labels = merged(current.Labels, c.labels, owned.labels)
	current.Annotations = merged(current.Annotations, c.annotations, owned.annotations)
	if current.Data == nil {
		current.Data = map[string][]byte{}
	}
	maps.Copy(current.Data, c.bytes())
}

// merged is have with want set and the owned keys want no longer has removed.
func merged(have, want map[string]string, owned []string) map[string]string {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range owned {
		if _, ok := want[k]; !ok {
			delete(out, k)
		}
	}
	maps.Copy(out, want)
	return out
}
