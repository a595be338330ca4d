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
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// sessionReader reads session values from opted-in credentials Secrets. No
// cache holds their data: the credentials cache holds their metadata, and a
// Secret's data is read from the API server only when its resourceVersion
// changed since the last read, so steady state costs no API call.
type sessionReader struct {
	credentials cache.Cache
	apiReader   client.Reader
	// reads shares one read of a Secret between the workers that miss it
	// at once (every SocialAccount of a credential, after a start or a
	// rotation).
	reads singleflight.Group

	mu   sync.Mutex
	memo map[types.NamespacedName]sessionMemo
}

// sessionMemo is what a credentials Secret held at one resourceVersion.
type sessionMemo struct {
	resourceVersion string
	values          map[string]boring.Session
}

// read returns the session value creds hold.
func (r *sessionReader) read(ctx context.Context, creds mapping.Credentials) (boring.Session, error) {
	m := secretMeta()
	err := r.credentials.Get(ctx, creds.Secret, m)
	if apierrors.IsNotFound(err) {
		r.forget(creds.Secret)
		return "", r.whyNotCredentials(ctx, creds.Secret)
	}
	if err != nil {
		return "", fmt.Errorf("reading credentials Secret metadata: %w", err)
	}
	if v, ok := r.remembered(creds.Secret, m.ResourceVersion, creds.Key); ok {
		return v, nil
	}
	v, err, _ := r.reads.Do(creds.Secret.String()+"@"+m.ResourceVersion, func() (any, error) {
		secret := &corev1.Secret{}
		return secret, r.apiReader.Get(ctx, creds.Secret, secret)
	})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", &mapping.MissingError{Reason: fmt.Sprintf("credentials Secret %s not found", creds.Secret)}
		}
		return "", fmt.Errorf("reading credentials Secret: %w", err)
	}
	secret := v.(*corev1.Secret)
	if !mapping.OptedIn(secret.Labels) {
		return "", mapping.NotOptedIn(creds.Secret)
	}
	value := boring.Session(secret.Data[creds.Key])
	r.remember(creds.Secret, secret.ResourceVersion, creds.Key, value)
	if value == "" {
		return "", &mapping.MissingError{Reason: fmt.Sprintf("credentials Secret %s has no key %q", creds.Secret, creds.Key)}
	}
	return value, nil
}

// whyNotCredentials explains a Secret missing from the credentials cache:
// gone, or there but not opted in.
func (r *sessionReader) whyNotCredentials(ctx context.Context, key types.NamespacedName) error {
	m := secretMeta()
	err := r.apiReader.Get(ctx, key, m)
	switch {
	case apierrors.IsNotFound(err):
		return &mapping.MissingError{Reason: fmt.Sprintf("credentials Secret %s not found", key)}
	case err != nil:
		return fmt.Errorf("reading credentials Secret metadata: %w", err)
	case !mapping.OptedIn(m.Labels):
		return mapping.NotOptedIn(key)
	}
	// Labelled a moment ago: the cache has not seen it yet, and will.
	return fmt.Errorf("credentials Secret %s is not in the cache yet", key)
}

func (r *sessionReader) remembered(key types.NamespacedName, rv, dataKey string) (boring.Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.memo[key]
	if !ok || e.resourceVersion != rv {
		return "", false
	}
	v, ok := e.values[dataKey]
	return v, ok && v != ""
}

func (r *sessionReader) remember(key types.NamespacedName, rv, dataKey string, v boring.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.memo[key]
	if e.resourceVersion != rv || e.values == nil {
		e = sessionMemo{resourceVersion: rv, values: map[string]boring.Session{}}
	}
	e.values[dataKey] = v
	r.memo[key] = e
}

func (r *sessionReader) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.memo, key)
}
