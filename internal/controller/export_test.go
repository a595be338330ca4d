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

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// What the envtest suite (package controller_test) needs of the internals.

// TrustedDigestKey is the cache-only key CachedSecretMetadata sets.
const TrustedDigestKey = trustedDigestKey

// DesiredSecret is the account-ID Secret the operator would create.
func DesiredSecret(sa *boringv1alpha1.SocialAccount, acct *wire.Account) *corev1.Secret {
	return desiredSecret(sa, acct).secret(sa)
}

// TrustToken is what the cached metadata of that Secret carries while only
// the operator has written it.
func TrustToken(sa *boringv1alpha1.SocialAccount, acct *wire.Account) string {
	return desiredSecret(sa, acct).trustToken()
}

// EnsureSecretAfterRestart runs ensureSecret as a reconciler that has just
// started would: nothing remembered, metadata from cached, data from
// apiReader.
func EnsureSecretAfterRestart(ctx context.Context, cached client.Client, apiReader client.Reader,
	sa *boringv1alpha1.SocialAccount, acct *wire.Account) (conflict bool, err error) {
	r := &SocialAccountReconciler{Client: cached, APIReader: apiReader, secrets: newSecretVersions(), written: newOwnWrites()}
	return r.ensureSecret(ctx, sa, acct)
}

// Transformed is the one managedFields entry CachedSecretMetadata leaves.
var Transformed = transformed

// FieldOwner is the field manager of the operator's Secret writes.
const FieldOwner = fieldOwner
