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

package operator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/controller"
)

// CacheOptions are the manager's cache options; every manager that runs
// Setup must use them, with the same watchNamespaces as Options (none: every
// namespace). Of the Secrets, the manager's cache holds only the
// account-ID Secrets the operator writes (its managed-by label), whole: they
// hold an ID, a platform and a name, no secret, and comparing them whole with
// what they should hold is plainer than trusting digests. Their
// managedFields stay, for the operator's own entries only: they say which
// labels and annotations the operator wrote, so one it no longer wants can
// be removed. Everything else loses its managedFields. Credentials Secrets
// live in a cache of their own, as metadata (newCredentialsCache).
func CacheOptions(watchNamespaces ...string) cache.Options {
	return cache.Options{
		DefaultNamespaces: namespaces(watchNamespaces),
		DefaultTransform:  cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Label:     labels.SelectorFromSet(labels.Set{boringv1alpha1.ManagedByLabel: boringv1alpha1.ManagedByValue}),
				Transform: keepOwnManagedFields,
			},
		},
	}
}

// keepOwnManagedFields keeps of the managedFields only what the repair
// reads: the operator's own entry, and of it only the label and annotation
// keys (its data, type and ownerReference fields go, with every other
// manager's entries). At 10,000 Secrets that is about 2.5 MB less held.
var keepOwnManagedFields toolscache.TransformFunc = func(in any) (any, error) {
	if obj, err := meta.Accessor(in); err == nil {
		own := obj.GetManagedFields()[:0:0]
		for _, e := range obj.GetManagedFields() {
			if e.Manager == controller.FieldOwner && e.Subresource == "" {
				e.FieldsV1 = labelsAndAnnotations(e.FieldsV1)
				own = append(own, e)
			}
		}
		obj.SetManagedFields(own)
	}
	return in, nil
}

// labelsAndAnnotations is the part of a managedFields entry's fields under
// f:metadata's f:labels and f:annotations; the whole entry when it does not
// parse.
func labelsAndAnnotations(f *metav1.FieldsV1) *metav1.FieldsV1 {
	if f == nil {
		return nil
	}
	var fields struct {
		Metadata struct {
			Labels      json.RawMessage `json:"f:labels,omitempty"`
			Annotations json.RawMessage `json:"f:annotations,omitempty"`
		} `json:"f:metadata"`
	}
	if json.Unmarshal(f.GetRawBytes(), &fields) != nil {
		return f
	}
	raw, err := json.Marshal(fields)
	if err != nil {
		return f
	}
	return metav1.NewFieldsV1(string(raw))
}

// newCredentialsCache is a cache of the Secrets opted in as Boring
// credentials (label boring.aiagent-me.com/credentials=true), as metadata
// without annotations or managedFields. It is its own cache because a label
// selector cannot say "the operator's Secrets or opted-in credentials".
func newCredentialsCache(mgr ctrl.Manager, watchNamespaces []string) (cache.Cache, error) {
	return cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:        mgr.GetHTTPClient(),
		Scheme:            mgr.GetScheme(),
		Mapper:            mgr.GetRESTMapper(),
		DefaultNamespaces: namespaces(watchNamespaces),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {
				Label:     labels.SelectorFromSet(labels.Set{boringv1alpha1.CredentialsLabel: "true"}),
				Transform: stripSecretMetadata,
			},
		},
	})
}

// managerCache adds a cache to a manager the way the manager adds its own:
// started on every replica before anything else, and waited for. Added as
// itself, a cache with ByObject options is a leader-only runnable, so a
// standby replica never synced it and never turned ready.
// namespaces is a cache's DefaultNamespaces for a list of watched
// namespaces; nil (every namespace) for none.
func namespaces(watch []string) map[string]cache.Config {
	if len(watch) == 0 {
		return nil
	}
	out := make(map[string]cache.Config, len(watch))
	for _, ns := range watch {
		out[ns] = cache.Config{}
	}
	return out
}

type managerCache struct{ cache.Cache }

// GetCache puts the cache in the manager's group of caches.
func (c managerCache) GetCache() cache.Cache { return c.Cache }

// stripSecretMetadata drops what a cached Secret must not hold.
var stripSecretMetadata toolscache.TransformFunc = func(in any) (any, error) {
	if obj, err := meta.Accessor(in); err == nil {
		obj.SetManagedFields(nil)
		obj.SetAnnotations(nil)
	}
	return in, nil
}

// cachesSynced is a runnable on every replica that records when the
// manager's cache and the credentials cache have synced, for readiness: a
// replica must not answer the account API from an empty cache.
type cachesSynced struct {
	caches []cache.Cache
	done   atomic.Bool
}

func (c *cachesSynced) Start(ctx context.Context) error {
	for _, ch := range c.caches {
		if !ch.WaitForCacheSync(ctx) {
			return nil
		}
	}
	c.done.Store(true)
	return nil
}

// NeedLeaderElection is false: every replica must become ready.
func (c *cachesSynced) NeedLeaderElection() bool { return false }

func (c *cachesSynced) check(*http.Request) error {
	if !c.done.Load() {
		return errors.New("caches not synced yet")
	}
	return nil
}

// leader is a runnable that runs only on the elected leader (on every
// manager without leader election), so leading() says whether this replica
// leads.
type leader struct{ on atomic.Bool }

func (l *leader) Start(ctx context.Context) error {
	l.on.Store(true)
	<-ctx.Done()
	l.on.Store(false)
	return nil
}

func (l *leader) NeedLeaderElection() bool { return true }

func (l *leader) leading() bool { return l.on.Load() }
