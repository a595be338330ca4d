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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
)

// CredentialsProtector keeps a credentials Secret alive while a
// SocialAccount that still has to disconnect in Boring uses it, the way
// PVC protection keeps a volume claim: it holds the Secret with
// boringv1alpha1.CredentialsFinalizer and lets go once no such SocialAccount
// is left. Deleting a namespace deletes its Secrets and SocialAccounts in
// any order; without this, a Secret gone first would leave the remaining
// SocialAccounts unable to disconnect, and the namespace stuck.
type CredentialsProtector struct {
	client.Client
	// Credentials is the cache of opted-in credentials Secrets (metadata).
	Credentials cache.Cache
	// DefaultCredentials and DefaultCredentialsNamespaces are the manager's,
	// as for the SocialAccountReconciler.
	DefaultCredentials           types.NamespacedName
	DefaultCredentialsNamespaces []string
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
	base := secret.DeepCopy()
	switch {
	case needed && !has && secret.DeletionTimestamp.IsZero():
		controllerutil.AddFinalizer(secret, boringv1alpha1.CredentialsFinalizer)
	case !needed && has:
		controllerutil.RemoveFinalizer(secret, boringv1alpha1.CredentialsFinalizer)
	default:
		return ctrl.Result{}, nil
	}
	err = p.Patch(ctx, secret, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
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
	// Read-only, and possibly thousands of objects: no copies.
	if err := p.List(ctx, &list, client.MatchingFields{index.Credentials: key.String()}, client.UnsafeDisableDeepCopy); err != nil {
		return false, fmt.Errorf("listing SocialAccounts using %s: %w", key, err)
	}
	for i := range list.Items {
		sa := &list.Items[i]
		if !mustDisconnect(sa) {
			continue
		}
		if creds, err := chooseCredentials(sa, p.DefaultCredentials, p.DefaultCredentialsNamespaces); err == nil && creds.secret == key {
			return true, nil
		}
	}
	return false, nil
}

// protectCredentials puts the credentials finalizer on the Secret sa takes
// its session from, if it is not there yet. The SocialAccount controller
// does this as it syncs (a cached read, nothing in steady state), so the
// protector need not react to every SocialAccount created; removing the
// finalizer stays the protector's.
func (r *SocialAccountReconciler) protectCredentials(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	creds, err := chooseCredentials(sa, r.DefaultCredentials, r.DefaultCredentialsNamespaces)
	if err != nil {
		return err
	}
	secret := secretMeta()
	if err := r.Credentials.Get(ctx, creds.secret, secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if controllerutil.ContainsFinalizer(secret, boringv1alpha1.CredentialsFinalizer) || !secret.DeletionTimestamp.IsZero() {
		return nil
	}
	base := secret.DeepCopy()
	controllerutil.AddFinalizer(secret, boringv1alpha1.CredentialsFinalizer)
	err = r.Patch(ctx, secret, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsConflict(err) {
		return nil // the cache is behind; the next sync looks again
	}
	return client.IgnoreNotFound(err)
}

// mustDisconnect reports whether deleting sa will still call Boring.
func mustDisconnect(sa *boringv1alpha1.SocialAccount) bool {
	return sa.EffectiveDeletionPolicy() == boringv1alpha1.DeletionPolicyDisconnect &&
		controllerutil.ContainsFinalizer(sa, boringv1alpha1.Finalizer) &&
		sa.Annotations[boringv1alpha1.DisconnectHandledAnnotation] == ""
}

// SetupWithManager registers the protector. The manager must have the
// indexes of package index registered.
func (p *CredentialsProtector) SetupWithManager(mgr ctrl.Manager) error {
	if p.Client == nil || p.Credentials == nil {
		return errors.New("CredentialsProtector needs a Client and a Credentials cache")
	}
	return ctrl.NewControllerManagedBy(mgr).
		WatchesRawSource(source.Kind(p.Credentials, secretMeta(), &handler.TypedEnqueueRequestForObject[*metav1.PartialObjectMetadata]{})).
		Watches(&boringv1alpha1.SocialAccount{}, handler.EnqueueRequestsFromMapFunc(p.credentialsOf),
			// Status writes and most spec edits do not change whether a
			// Secret is needed: only what mustDisconnect and the choice of
			// credentials read. A new SocialAccount protects its Secret as
			// it syncs (protectCredentials): creations need no event here.
			builder.WithPredicates(predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }, UpdateFunc: func(e event.UpdateEvent) bool {
				o, n := e.ObjectOld.(*boringv1alpha1.SocialAccount), e.ObjectNew.(*boringv1alpha1.SocialAccount)
				// Only a SocialAccount that stops needing its Secret can let
				// it go; starting to need it is protectCredentials' job.
				return mustDisconnect(o) && !mustDisconnect(n) || !equality.Semantic.DeepEqual(o.Spec.CredentialsRef, n.Spec.CredentialsRef)
			}})).
		Named("credentials-protection").
		Complete(p)
}

// credentialsOf maps a SocialAccount to the Secret its session comes from.
func (p *CredentialsProtector) credentialsOf(_ context.Context, o client.Object) []reconcile.Request {
	creds, err := chooseCredentials(o.(*boringv1alpha1.SocialAccount), p.DefaultCredentials, p.DefaultCredentialsNamespaces)
	if err != nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: creds.secret}}
}

func secretMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}
