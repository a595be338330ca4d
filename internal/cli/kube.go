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

package cli

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// apiError says in one line why verb on one object failed.
func apiError(err error, verb, resource string, key types.NamespacedName) error {
	what := resource + " " + key.Name
	if key.Namespace != "" {
		what = resource + " " + key.String()
	}
	switch {
	case apierrors.IsForbidden(err):
		where := "cluster-wide"
		if key.Namespace != "" {
			where = fmt.Sprintf("in namespace %q", key.Namespace)
		}
		return fmt.Errorf("cannot %s %s: forbidden (you need %q on %s %s)", verb, what, verb, plural(resource), where)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s not found", what)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("cannot %s %s: the cluster did not accept your credentials", verb, what)
	}
	return fmt.Errorf("cannot %s %s: %s", verb, what, firstLine(err.Error()))
}

// listError says in one line why a list failed.
func listError(err error, resource, namespace string) error {
	where := "in all namespaces"
	if namespace != "" {
		where = fmt.Sprintf("in namespace %q", namespace)
	}
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("cannot list %s %s: forbidden (you need \"list\" on %s %s)", plural(resource), where, plural(resource), where)
	}
	return fmt.Errorf("cannot list %s %s: %s", plural(resource), where, firstLine(err.Error()))
}

func plural(resource string) string {
	if strings.HasSuffix(resource, "s") {
		return resource
	}
	return resource + "s"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// credentialsKey parses NAMESPACE/NAME, defaulting the namespace.
func credentialsKey(ref, defaultNamespace string) (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(ref, "/")
	if !ok {
		ns, name = defaultNamespace, ref
	}
	if ns == "" || name == "" || strings.Contains(name, "/") {
		return types.NamespacedName{}, fmt.Errorf("--credentials %q: want NAMESPACE/SECRET", ref)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}

// readSession reads a Boring session from a Secret with the user's rights.
// The value is never printed.
func readSession(ctx context.Context, c client.Reader, key types.NamespacedName, dataKey string) (boring.Session, error) {
	// The labels first: a Secret that has not opted in as Boring
	// credentials is never read, so a SocialAccount's credentialsRef cannot
	// make you send another Secret's value to Boring.
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := c.Get(ctx, key, m); err != nil {
		return "", apiError(err, "get", "secret", key)
	}
	if !mapping.OptedIn(m.Labels) {
		return "", fmt.Errorf("secret %s is not opted in as Boring credentials (label %s=true); not reading it", key, boringv1alpha1.CredentialsLabel)
	}
	secret := &corev1.Secret{}
	if err := c.Get(ctx, key, secret); err != nil {
		return "", apiError(err, "get", "secret", key)
	}
	if !mapping.OptedIn(secret.Labels) {
		return "", fmt.Errorf("secret %s is not opted in as Boring credentials (label %s=true); not reading it", key, boringv1alpha1.CredentialsLabel)
	}
	v := secret.Data[dataKey]
	if len(v) == 0 {
		return "", fmt.Errorf("secret %s has no key %q (the Boring session cookie)", key, dataKey)
	}
	return boring.Session(v), nil
}
