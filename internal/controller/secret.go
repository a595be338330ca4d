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
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// fieldOwner is the field manager of the operator's writes to account-ID
// Secrets: the Secret's managedFields then say which labels and annotations
// the operator wrote, so one it no longer wants can be removed while what
// others added stays.
const fieldOwner = "boring-operator"

// secretContent is what the account-ID Secret must hold.
type secretContent struct {
	labels, annotations map[string]string
	data                map[string]string
	// sum is the digest of the content, also held in annotations under
	// ContentDigestAnnotation.
	sum string
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
	delete(c.annotations, boringv1alpha1.ContentDigestAnnotation)
	c.sum = c.digest()
	c.annotations[boringv1alpha1.ContentDigestAnnotation] = c.sum
	return c
}

// digest names the content, to tell whether a Secret verified earlier still
// holds what is desired now.
func (c secretContent) digest() string {
	h := sha256.New()
	for _, m := range []map[string]string{c.labels, c.annotations, c.data} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			_, _ = fmt.Fprintf(h, "%q=%q;", k, m[k])
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// heldBy reports whether current holds exactly this content as far as the
// operator is concerned: every desired key with its value, and no label or
// annotation that the operator applied earlier and no longer wants.
func (c secretContent) heldBy(current *corev1.Secret) bool {
	for k, v := range c.data {
		if string(current.Data[k]) != v {
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
				return false
			}
		}
	}
	return true
}

// keys are the label, annotation and data keys of a Secret.
type keys struct{ labels, annotations, data []string }

// ownedKeys lists the label, annotation and data keys the operator's field
// manager owns (wrote by create, patch or apply and nobody changed since).
func ownedKeys(entries []metav1.ManagedFieldsEntry) keys {
	var out keys
	for _, e := range entries {
		if e.Manager != fieldOwner || e.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Labels      map[string]any `json:"f:labels"`
				Annotations map[string]any `json:"f:annotations"`
			} `json:"f:metadata"`
			Data map[string]any `json:"f:data"`
		}
		if json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields) != nil {
			continue
		}
		for _, m := range []struct {
			from map[string]any
			to   *[]string
		}{{fields.Metadata.Labels, &out.labels}, {fields.Metadata.Annotations, &out.annotations}, {fields.Data, &out.data}} {
			for k := range m.from {
				if name, ok := strings.CutPrefix(k, "f:"); ok {
					*m.to = append(*m.to, name)
				}
			}
		}
	}
	return out
}

// digest names the key sets (each sorted and deduplicated).
func (k keys) digest() string {
	h := sha256.New()
	for _, set := range [][]string{k.labels, k.annotations, k.data} {
		for _, key := range slices.Compact(slices.Sorted(slices.Values(set))) {
			_, _ = fmt.Fprintf(h, "%q;", key)
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// trustToken is what the cached metadata of a Secret holding exactly this
// content, written by the operator alone, carries under trustedDigestKey.
func (c secretContent) trustToken() string {
	return c.sum + "/" + keys{
		labels:      slices.Collect(maps.Keys(c.labels)),
		annotations: slices.Collect(maps.Keys(c.annotations)),
		data:        slices.Collect(maps.Keys(c.data)),
	}.digest()
}

// trustedDigestKey is a key that exists only in the manager's cache, never
// on a Secret: CachedSecretMetadata puts it on the cached metadata of an
// account-ID Secret that only the operator has written.
const trustedDigestKey = "boring.aiagent-me.com/cache-trusted-content"

// transformed marks metadata CachedSecretMetadata has already reduced. The
// informer may hand it the same object twice (with streaming lists it does),
// and the second time the managedFields it decided on are gone. An object
// from the API server can never carry this entry: the server accepts only
// the operations Apply and Update, so a Secret's writer cannot forge it.
var transformed = metav1.ManagedFieldsEntry{Manager: fieldOwner, Operation: "CacheTransformed"}

// CachedSecretMetadata is the cache transform of the operator's account-ID
// Secrets. The cache holds their metadata only, without managedFields or
// annotations (a Secret applied with client-side `kubectl apply` keeps its
// whole content in one). When every managedFields entry is the operator's
// own, it keeps, under trustedDigestKey, the content digest the operator
// wrote (ContentDigestAnnotation) and a digest of the keys the operator
// owns. A later write by anyone else adds their field manager; a key removed
// by anyone drops out of the operator's owned keys. Either way the token no
// longer matches and the Secret is read again, so a restarted operator
// trusts only what it alone wrote, without reading the Secret's data.
func CachedSecretMetadata(in any) (any, error) {
	obj, err := apimeta.Accessor(in)
	if err != nil {
		return in, nil
	}
	if mf := obj.GetManagedFields(); len(mf) == 1 && mf[0] == transformed {
		return in, nil
	}
	token := ""
	if sum := obj.GetAnnotations()[boringv1alpha1.ContentDigestAnnotation]; sum != "" && writtenOnlyByUs(obj.GetManagedFields()) {
		token = sum + "/" + ownedKeys(obj.GetManagedFields()).digest()
	}
	obj.SetManagedFields([]metav1.ManagedFieldsEntry{transformed})
	obj.SetAnnotations(nil)
	if token != "" {
		obj.SetAnnotations(map[string]string{trustedDigestKey: token})
	}
	return in, nil
}

func writtenOnlyByUs(entries []metav1.ManagedFieldsEntry) bool {
	for _, e := range entries {
		if e.Manager != fieldOwner || e.Subresource != "" {
			return false
		}
	}
	return len(entries) > 0
}

func (c secretContent) bytes() map[string][]byte {
	data := make(map[string][]byte, len(c.data))
	for k, v := range c.data {
		data[k] = []byte(v)
	}
	return data
}

// secret is the new Secret holding the content, controlled by sa.
func (c secretContent) secret(sa *boringv1alpha1.SocialAccount) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: sa.EffectiveSecretName(), Namespace: sa.Namespace,
			Labels: c.labels, Annotations: c.annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(sa, boringv1alpha1.GroupVersion.WithKind("SocialAccount"))},
		},
		Type: corev1.SecretTypeOpaque,
		Data: c.bytes(),
	}
}

// repair changes current, a Secret sa controls, to hold the content:
// desired keys set, and the labels and annotations the operator wrote
// earlier but no longer wants removed. What others added stays.
func (c secretContent) repair(current *corev1.Secret) {
	owned := ownedKeys(current.ManagedFields)
	current.Labels = c.merged(current.Labels, c.labels, owned.labels)
	current.Annotations = c.merged(current.Annotations, c.annotations, owned.annotations)
	if current.Data == nil {
		current.Data = map[string][]byte{}
	}
	maps.Copy(current.Data, c.bytes())
}

func (secretContent) merged(have, want map[string]string, owned []string) map[string]string {
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

// ensureSecret creates or repairs the account-ID Secret. It reports conflict
// when a Secret of that name exists that this SocialAccount does not control;
// such a Secret is never touched. Steady state costs no API call: the Secret's
// metadata comes from the cache and its data is read only after it changed.
func (r *SocialAccountReconciler) ensureSecret(ctx context.Context, sa *boringv1alpha1.SocialAccount, acct *wire.Account) (conflict bool, err error) {
	want := desiredSecret(sa, acct)
	key := types.NamespacedName{Namespace: sa.Namespace, Name: sa.EffectiveSecretName()}
	sum := want.sum

	meta, err := r.secretMetadata(ctx, key)
	switch {
	case apierrors.IsNotFound(err):
		// The cache holds only Secrets the operator labels as its own: one
		// of that name may still exist, someone else's or ours relabelled.
		err = r.createSecret(ctx, sa, key, want, sum)
		if !apierrors.IsAlreadyExists(errors.Unwrap(err)) {
			return false, err
		}
	case err != nil:
		return false, fmt.Errorf("reading Secret metadata: %w", err)
	case !metav1.IsControlledBy(meta, sa):
		return true, nil
	case r.secrets.verified(key, meta.ResourceVersion, sum),
		meta.Annotations[trustedDigestKey] == want.trustToken():
		// Verified by this process at this version, or (after a restart)
		// written by the operator alone and still holding its content.
		return false, nil
	}

	current := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, current); err != nil {
		if apierrors.IsNotFound(err) {
			return false, r.createSecret(ctx, sa, key, want, sum)
		}
		return false, fmt.Errorf("reading Secret: %w", err)
	}
	if !metav1.IsControlledBy(current, sa) {
		return true, nil
	}
	if want.heldBy(current) {
		r.secrets.rememberVerified(key, current.ResourceVersion, sum)
		return false, nil
	}
	return false, r.repairSecret(ctx, current, key, want, sum)
}

// createSecret creates the Secret. Create, not apply: if the cache had not
// seen a Secret of that name yet, AlreadyExists fails this attempt and the
// next one finds out whose it is, where an apply would have taken it over.
func (r *SocialAccountReconciler) createSecret(
	ctx context.Context, sa *boringv1alpha1.SocialAccount, key types.NamespacedName, want secretContent, sum string,
) error {
	s := want.secret(sa)
	if err := r.Create(ctx, s, client.FieldOwner(fieldOwner)); err != nil {
		return fmt.Errorf("creating Secret: %w", err)
	}
	r.secrets.rememberVerified(key, s.ResourceVersion, sum)
	return nil
}

// repairSecret patches a Secret this SocialAccount controls back to the
// content (optimistic lock: a concurrent edit retries).
func (r *SocialAccountReconciler) repairSecret(
	ctx context.Context, current *corev1.Secret, key types.NamespacedName, want secretContent, sum string,
) error {
	base := current.DeepCopy()
	want.repair(current)
	if err := r.Patch(ctx, current, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}), client.FieldOwner(fieldOwner)); err != nil {
		return fmt.Errorf("repairing Secret: %w", err)
	}
	r.secrets.rememberVerified(key, current.ResourceVersion, sum)
	return nil
}
