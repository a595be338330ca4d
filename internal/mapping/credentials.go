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

// Package mapping decides how a SocialAccount maps onto Boring: which
// credentials it syncs with, which account of a credential's list it stands
// for, whether deleting it disconnects that account, and how a Boring account
// reads as status (and back). The controller, the field indexes, the account
// API and kubectl-boring all ask it, so the answers cannot drift apart.
package mapping

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// AllNamespaces in --default-credentials-namespaces lets every namespace use
// the default credentials; it must be written out.
const AllNamespaces = "*"

// Defaults are the manager's default credentials (--default-credentials) and
// the namespaces besides their own that may use them
// (--default-credentials-namespaces).
type Defaults struct {
	Secret     types.NamespacedName
	Namespaces []string
}

// Credentials is where a SocialAccount's session comes from: a Secret and the
// key in it.
type Credentials struct {
	Secret types.NamespacedName
	Key    string
}

// MissingError explains why a SocialAccount has no usable credentials.
type MissingError struct{ Reason string }

func (e *MissingError) Error() string { return e.Reason }

// IsMissing reports whether err says the credentials are missing (not an
// outage: a person has to act).
func IsMissing(err error) bool {
	var e *MissingError
	return errors.As(err, &e)
}

// CredentialsOf resolves spec.credentialsRef, or the default credentials when
// the SocialAccount's namespace may use them: the namespace that holds them,
// those listed, or every one when the list holds "*". Anything else fails
// closed: one team must not read or disconnect another team's accounts
// through the shared session.
func (d Defaults) CredentialsOf(sa *boringv1alpha1.SocialAccount) (Credentials, error) {
	if ref := sa.Spec.CredentialsRef; ref != nil {
		key := ref.Key
		if key == "" {
			key = boringv1alpha1.DefaultCredentialsKey
		}
		return Credentials{Secret: types.NamespacedName{Namespace: sa.Namespace, Name: ref.Name}, Key: key}, nil
	}
	if d.Secret.Name == "" {
		return Credentials{}, &MissingError{"spec.credentialsRef is not set and the manager has no --default-credentials"}
	}
	if !d.Serves(sa.Namespace) {
		return Credentials{}, &MissingError{fmt.Sprintf(
			"spec.credentialsRef is not set and namespace %q may not use the default credentials %s: "+
				"set spec.credentialsRef, or add the namespace to the manager's --default-credentials-namespaces", sa.Namespace, d.Secret)}
	}
	return Credentials{Secret: d.Secret, Key: boringv1alpha1.DefaultCredentialsKey}, nil
}

// Serves reports whether SocialAccounts in namespace may use the default
// credentials.
func (d Defaults) Serves(namespace string) bool {
	return d.Secret.Name != "" && (namespace == d.Secret.Namespace ||
		slices.Contains(d.Namespaces, AllNamespaces) || slices.Contains(d.Namespaces, namespace))
}

// OptedIn reports whether a Secret with these labels serves as Boring
// credentials: only Secrets labelled boring.aiagent-me.com/credentials=true
// are ever read for a session, by the operator or by kubectl-boring.
func OptedIn(labels map[string]string) bool {
	return labels[boringv1alpha1.CredentialsLabel] == "true"
}

// NotOptedIn is the error for a Secret that exists but has not opted in.
func NotOptedIn(secret types.NamespacedName) error {
	return &MissingError{fmt.Sprintf("Secret %s is not opted in as Boring credentials: label it %s=true",
		secret, boringv1alpha1.CredentialsLabel)}
}
