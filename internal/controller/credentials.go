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
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

// errCredentialsMissing explains why a SocialAccount has no usable session.
type errCredentialsMissing struct{ reason string }

func (e *errCredentialsMissing) Error() string { return e.reason }

func isCredentialsMissing(err error) bool {
	var e *errCredentialsMissing
	return errors.As(err, &e)
}

// credentials is where a SocialAccount's session comes from.
type credentials struct {
	secret types.NamespacedName
	key    string
}

// AllNamespaces in --default-credentials-namespaces lets every namespace use
// the default credentials; it must be written out.
const AllNamespaces = "*"

// chooseCredentials resolves spec.credentialsRef, or the default credentials
// (def) when the SocialAccount's namespace may use them: the namespace that
// holds them, those listed in allowed, or every one when allowed holds "*".
// Anything else fails closed.
func chooseCredentials(sa *boringv1alpha1.SocialAccount, def types.NamespacedName, allowed []string) (credentials, error) {
	if ref := sa.Spec.CredentialsRef; ref != nil {
		key := ref.Key
		if key == "" {
			key = boringv1alpha1.DefaultCredentialsKey
		}
		return credentials{secret: types.NamespacedName{Namespace: sa.Namespace, Name: ref.Name}, key: key}, nil
	}
	if def.Name == "" {
		return credentials{}, &errCredentialsMissing{"spec.credentialsRef is not set and the manager has no --default-credentials"}
	}
	if sa.Namespace != def.Namespace && !slices.Contains(allowed, AllNamespaces) && !slices.Contains(allowed, sa.Namespace) {
		return credentials{}, &errCredentialsMissing{fmt.Sprintf(
			"spec.credentialsRef is not set and namespace %q may not use the default credentials %s: "+
				"set spec.credentialsRef, or add the namespace to the manager's --default-credentials-namespaces", sa.Namespace, def)}
	}
	return credentials{secret: def, key: boringv1alpha1.DefaultCredentialsKey}, nil
}

// sessionOf returns the Boring session the SocialAccount's credentials hold.
func (r *SocialAccountReconciler) sessionOf(ctx context.Context, sa *boringv1alpha1.SocialAccount) (boring.Session, types.NamespacedName, error) {
	creds, err := chooseCredentials(sa, r.DefaultCredentials, r.DefaultCredentialsNamespaces)
	if err != nil {
		return "", types.NamespacedName{}, err
	}
	session, err := r.readSession(ctx, creds)
	return session, creds.secret, err
}

// readSession reads the session value of creds. The value is read from the
// API server only when the Secret's resourceVersion (from the metadata
// cache) changed since the last read, so steady state costs no API calls and
// no cache holds every Secret's data.
func (r *SocialAccountReconciler) readSession(ctx context.Context, creds credentials) (boring.Session, error) {
	meta := secretMeta()
	err := r.Credentials.Get(ctx, creds.secret, meta)
	if apierrors.IsNotFound(err) {
		r.secrets.forget(creds.secret)
		return "", r.whyNotCredentials(ctx, creds.secret)
	}
	if err != nil {
		return "", fmt.Errorf("reading credentials Secret metadata: %w", err)
	}
	if v, ok := r.secrets.session(creds.secret, meta.ResourceVersion, creds.key); ok {
		return v, nil
	}
	// The workers that miss the same Secret at once (every SocialAccount of
	// a credential, after a start or a rotation) share one read.
	v, err, _ := r.sessionReads.Do(creds.secret.String()+"@"+meta.ResourceVersion, func() (any, error) {
		secret := &corev1.Secret{}
		return secret, r.APIReader.Get(ctx, creds.secret, secret)
	})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", &errCredentialsMissing{fmt.Sprintf("credentials Secret %s not found", creds.secret)}
		}
		return "", fmt.Errorf("reading credentials Secret: %w", err)
	}
	secret := v.(*corev1.Secret)
	value := secret.Data[creds.key]
	r.secrets.rememberSession(creds.secret, secret.ResourceVersion, creds.key, boring.Session(value))
	if len(value) == 0 {
		return "", &errCredentialsMissing{fmt.Sprintf("credentials Secret %s has no key %q", creds.secret, creds.key)}
	}
	return boring.Session(value), nil
}

// whyNotCredentials explains a Secret missing from the credentials cache:
// gone, or there but not opted in.
func (r *SocialAccountReconciler) whyNotCredentials(ctx context.Context, key types.NamespacedName) error {
	meta := secretMeta()
	err := r.APIReader.Get(ctx, key, meta)
	switch {
	case apierrors.IsNotFound(err):
		return &errCredentialsMissing{fmt.Sprintf("credentials Secret %s not found", key)}
	case err != nil:
		return fmt.Errorf("reading credentials Secret metadata: %w", err)
	case meta.Labels[boringv1alpha1.CredentialsLabel] != "true":
		return &errCredentialsMissing{fmt.Sprintf("Secret %s is not opted in as Boring credentials: label it %s=true", key, boringv1alpha1.CredentialsLabel)}
	}
	// Labelled a moment ago: the cache has not seen it yet, and will.
	return fmt.Errorf("credentials Secret %s is not in the cache yet", key)
}

func (r *SocialAccountReconciler) secretMetadata(ctx context.Context, key types.NamespacedName) (*metav1.PartialObjectMetadata, error) {
	meta := secretMeta()
	if err := r.Get(ctx, key, meta); err != nil {
		return nil, err
	}
	return meta, nil
}
