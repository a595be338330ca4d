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
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// CredentialsProtector keeps a credentials Secret alive while a
// SocialAccount that still has to disconnect in Boring uses it, the way
// PVC protection keeps a volume claim: it holds the Secret with
// boringv1alpha1.CredentialsFinalizer and lets go once no such SocialAccount
// is left. Deleting a namespace deletes its Secrets and SocialAccounts in
// any order; without this, a Secret gone first would leave the remaining
// SocialAccounts unable to disconnect, and the namespace stuck. It alone adds
// and removes that finalizer.
type CredentialsProtector struct {
	client.Client
	// Credentials is the cache of opted-in credentials Secrets (metadata).
	Credentials cache.Cache
	// Defaults are the manager's, as for the SocialAccountReconciler.
	Defaults mapping.Defaults
}

// Reconcile adds or removes the finalizer of one Secret.
func (p *CredentialsProtector) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	secret := secretMeta()
	if err := p.Credentials.Get(ctx, req.NamespacedName, secret); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	needed, err := p.needed(ctx, req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, err
	}
	has := controllerutil.ContainsFinalizer(secret, boringv1alpha1.CredentialsFinalizer)
	var change func(client.Object)
	switch {
	case needed && !has && secret.DeletionTimestamp.IsZero():
		change = func(o client.Object) { controllerutil.AddFinalizer(o, boringv1alpha1.CredentialsFinalizer) }
	case !needed && has:
		change = func(o client.Object) { controllerutil.RemoveFinalizer(o, boringv1alpha1.CredentialsFinalizer) }
	default:
		return ctrl.Result{}, nil
	}
	err = patchMetadata(ctx, p.Client, secret, change)
	if apierrors.IsConflict(err) {
		// The cache had not caught up with the Secret; look again, quietly.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	return ctrl.Result{}, client.IgnoreNotFound(err)
}

// needed reports whether a SocialAccount that still has to disconnect takes
// its session from the Secret.
func (p *CredentialsProtector) needed(ctx context.Context, key types.NamespacedName) (bool, error) {
	var list boringv1alpha1.SocialAccountList
	// Read-only, and possibly thousands of objects: no copies. The index
	// holds only the SocialAccounts whose credentials the Secret is.
	if err := p.List(ctx, &list, client.MatchingFields{index.Credentials: key.String()}, client.UnsafeDisableDeepCopy); err != nil {
		return false, fmt.Errorf("listing SocialAccounts using %s: %w", key, err)
	}
	for i := range list.Items {
		if mapping.WillDisconnect(&list.Items[i]) {
			return true, nil
		}
	}
	return false, nil
}

// SetupWithManager registers the protector. The manager must have the
// indexes of package index registered.
func (p *CredentialsProtector) SetupWithManager(mgr ctrl.Manager) error {
	if p.Client == nil || p.Credentials == nil {
		return errors.New("CredentialsProtector needs a Client and a Credentials cache")
	}
	return ctrl.NewControllerManagedBy(mgr).
		WatchesRawSource(source.Kind(p.Credentials, secretMeta(), &handler.TypedEnqueueRequestForObject[*metav1.PartialObjectMetadata]{})).
		Watches(&boringv1alpha1.SocialAccount{}, p.socialAccountEvents(),
			// Status writes and most spec edits do not change whether a
			// Secret is needed: only what WillDisconnect and the choice of
			// credentials read. A thousand SocialAccounts created at once
			// under one Secret are one request in the queue.
			builder.WithPredicates(predicate.Funcs{
				CreateFunc: func(e event.CreateEvent) bool {
					return mapping.WillDisconnect(e.Object.(*boringv1alpha1.SocialAccount))
				},
				UpdateFunc: func(e event.UpdateEvent) bool {
					o, n := e.ObjectOld.(*boringv1alpha1.SocialAccount), e.ObjectNew.(*boringv1alpha1.SocialAccount)
					return mapping.WillDisconnect(o) != mapping.WillDisconnect(n) ||
						!equality.Semantic.DeepEqual(o.Spec.CredentialsRef, n.Spec.CredentialsRef)
				},
			})).
		Named("credentials-protection").
		Complete(p)
}

// socialAccountEvents asks about the Secret a SocialAccount's session comes
// from when the SocialAccount may have changed whether the Secret is needed.
// A SocialAccount that needs the Secret held asks nothing when the Secret is
// held already: every new SocialAccount starts needing it as its finalizer
// is added, and a thousand of them must not each make the protector list the
// thousand. (controller-runtime's map-func handler would also map an
// update's old object, which never carries that finalizer, so it is not used
// here.)
func (p *CredentialsProtector) socialAccountEvents() handler.Funcs {
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			p.enqueue(ctx, e.Object, false, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			// A SocialAccount that moved to other credentials may let its
			// old Secret go.
			old, oldErr := p.Defaults.CredentialsOf(e.ObjectOld.(*boringv1alpha1.SocialAccount))
			now, nowErr := p.Defaults.CredentialsOf(e.ObjectNew.(*boringv1alpha1.SocialAccount))
			if oldErr == nil && (nowErr != nil || old.Secret != now.Secret) {
				q.Add(reconcile.Request{NamespacedName: old.Secret})
			}
			p.enqueue(ctx, e.ObjectNew, false, q)
		},
		// One gone may let the Secret go.
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			p.enqueue(ctx, e.Object, true, q)
		},
	}
}

// enqueue asks about the Secret o's session comes from; unless gone, not
// when o needs it held and it is held already.
func (p *CredentialsProtector) enqueue(ctx context.Context, o client.Object, gone bool, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	sa, ok := o.(*boringv1alpha1.SocialAccount)
	if !ok {
		return
	}
	creds, err := p.Defaults.CredentialsOf(sa)
	if err != nil {
		return
	}
	// One being deleted may let the Secret go: always ask.
	if !gone && mapping.WillDisconnect(sa) && sa.DeletionTimestamp.IsZero() {
		secret := secretMeta()
		if p.Credentials.Get(ctx, creds.Secret, secret) == nil && controllerutil.ContainsFinalizer(secret, boringv1alpha1.CredentialsFinalizer) {
			return
		}
	}
	q.Add(reconcile.Request{NamespacedName: creds.Secret})
}
