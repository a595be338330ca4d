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

// Package controller reconciles SocialAccounts: it syncs each account's
// validity and expiry from Boring into status, writes the account-ID Secret,
// raises expiry warnings, and disconnects the account in Boring on deletion.
package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/index"
)

// AccountLister finds the accounts of a credential. Implementations share
// one list per credential between SocialAccounts (boring.Cache).
type AccountLister interface {
	// Accounts returns the accounts under session, at most maxAge old;
	// force asks Boring afresh.
	Accounts(ctx context.Context, session boring.Session, maxAge time.Duration, force bool) (*boring.Snapshot, error)
}

// Disconnector disconnects (soft-deletes) an account in Boring.
type Disconnector interface {
	Disconnect(ctx context.Context, session boring.Session, accountID string) error
}

// SocialAccountReconciler reconciles SocialAccount objects.
type SocialAccountReconciler struct {
	client.Client
	// APIReader reads credentials and Secrets straight from the API server:
	// the manager caches only Secrets' metadata, never their data.
	APIReader client.Reader
	// Credentials is the cache of the opted-in credentials Secrets' metadata
	// (label boring.aiagent-me.com/credentials=true); the manager's own cache
	// holds only the Secrets the operator writes.
	Credentials  cache.Cache
	Recorder     events.EventRecorder
	Clock        clock.PassiveClock
	Accounts     AccountLister
	Disconnector Disconnector

	// DefaultCredentials is the Secret used without spec.credentialsRef.
	DefaultCredentials types.NamespacedName
	// DefaultCredentialsNamespaces lists the namespaces, besides the one that
	// holds DefaultCredentials, that may use them ("*": all).
	DefaultCredentialsNamespaces []string
	// MaxConcurrentSyncs defaults to 10 (--max-concurrent-syncs).
	MaxConcurrentSyncs int
	// RolloutRestartDisabled: the operator has no workload rights
	// (--rollout-restart=false); rolloutRestartTargets get a warning instead.
	RolloutRestartDisabled bool
	// Metrics reports the accounts at scrape time (optional).
	Metrics *AccountMetrics

	secrets *secretVersions
	written *ownWrites
	// sessionReads shares one read of a credentials Secret between the
	// workers that need it at the same time.
	sessionReads singleflight.Group
}

// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts/status,verbs=get;patch
// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile syncs one SocialAccount with Boring.
func (r *SocialAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sa := &boringv1alpha1.SocialAccount{}
	if err := r.Get(ctx, req.NamespacedName, sa); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if r.written.stale(sa.UID, sa.ResourceVersion) {
		// Acting on an object older than our own last write would repeat
		// that write and its events (or a disconnect); wait for the cache
		// to catch up.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}

	if !sa.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, sa)
	}

	if !controllerutil.ContainsFinalizer(sa, boringv1alpha1.Finalizer) {
		if err := r.addFinalizer(ctx, sa); err != nil {
			return ctrl.Result{}, err
		}
	}

	original := sa.DeepCopy()
	result, syncErr := r.reconcileNormal(ctx, sa)
	if err := r.patchStatus(ctx, original, sa); err != nil {
		return ctrl.Result{}, errors.Join(syncErr, err)
	}
	return result, syncErr
}

// addFinalizer adds the finalizer with a merge patch written out directly
// (finalizers and the resourceVersion it was read at, as an optimistic
// lock) rather than diffed from two copies of the whole object: it is the
// first write to every new SocialAccount.
func (r *SocialAccountReconciler) addFinalizer(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	read := sa.ResourceVersion
	controllerutil.AddFinalizer(sa, boringv1alpha1.Finalizer)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers": sa.Finalizers, "resourceVersion": read,
	}})
	if err != nil {
		return err
	}
	answer := metadataOf(sa)
	if err := r.Patch(ctx, answer, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	sa.ResourceVersion = answer.ResourceVersion
	r.written.wroteOver(sa.UID, read)
	return nil
}

// patchStatus writes status only when it changed, stamping lastSyncTime.
// The merge patch is the difference of the two statuses alone.
func (r *SocialAccountReconciler) patchStatus(ctx context.Context, original, sa *boringv1alpha1.SocialAccount) error {
	if equality.Semantic.DeepEqual(original.Status, sa.Status) {
		return nil
	}
	now := metav1.NewTime(r.Clock.Now().Truncate(time.Second))
	sa.Status.LastSyncTime = &now
	patch, err := statusPatch(&original.Status, &sa.Status)
	if err != nil {
		return err
	}
	answer := metadataOf(sa)
	if err := r.Status().Patch(ctx, answer, client.RawPatch(types.MergePatchType, patch)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching status: %w", err)
	}
	sa.ResourceVersion = answer.ResourceVersion
	r.written.wroteOver(sa.UID, original.ResourceVersion)
	return nil
}

// statusPatch is the JSON merge patch from one status to another.
func statusPatch(from, to *boringv1alpha1.SocialAccountStatus) ([]byte, error) {
	before, err := json.Marshal(map[string]any{"status": from})
	if err != nil {
		return nil, err
	}
	after, err := json.Marshal(map[string]any{"status": to})
	if err != nil {
		return nil, err
	}
	return jsonpatch.CreateMergePatch(before, after)
}

// metadataOf names sa for a write whose answer is only its metadata: the
// API server encodes, and the manager decodes, a few hundred bytes instead
// of the whole object, twice per new SocialAccount.
func metadataOf(sa *boringv1alpha1.SocialAccount) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: sa.Namespace, Name: sa.Name}}
	m.SetGroupVersionKind(boringv1alpha1.GroupVersion.WithKind("SocialAccount"))
	return m
}

// SetupWithManager registers the controller. The manager must have the
// indexes of package index registered.
func (r *SocialAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	switch {
	case r.Client == nil || r.APIReader == nil:
		return errors.New("SocialAccountReconciler needs a Client and an APIReader")
	case r.Recorder == nil:
		return errors.New("SocialAccountReconciler needs a Recorder")
	case r.Accounts == nil || r.Disconnector == nil:
		return errors.New("SocialAccountReconciler needs an AccountLister and a Disconnector")
	case r.Credentials == nil:
		return errors.New("SocialAccountReconciler needs a Credentials cache")
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.MaxConcurrentSyncs <= 0 {
		r.MaxConcurrentSyncs = 10
	}
	r.secrets = newSecretVersions()
	r.written = newOwnWrites()

	return ctrl.NewControllerManagedBy(mgr).
		For(&boringv1alpha1.SocialAccount{}, builder.WithPredicates(
			// Spec and annotation changes sync; status-only writes do not.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
		)).
		// Secrets are watched as metadata only: the cache never holds a
		// Secret's data, whoever owns it.
		// Our own creates need no reconcile; edits and deletes are repaired.
		Owns(&corev1.Secret{}, builder.OnlyMetadata, builder.WithPredicates(predicate.Funcs{
			CreateFunc: func(event.CreateEvent) bool { return false },
		})).
		WatchesRawSource(source.Kind(r.Credentials, secretMeta(),
			handler.TypedEnqueueRequestsFromMapFunc(func(ctx context.Context, o *metav1.PartialObjectMetadata) []reconcile.Request {
				return r.socialAccountsUsingSecret(ctx, o)
			}),
			predicate.TypedResourceVersionChangedPredicate[*metav1.PartialObjectMetadata]{},
			// The credentials protection adding or removing its finalizer
			// changes no session: no need to resync every user of the Secret.
			predicate.TypedFuncs[*metav1.PartialObjectMetadata]{UpdateFunc: func(e event.TypedUpdateEvent[*metav1.PartialObjectMetadata]) bool {
				return !onlyFinalizersChanged(e.ObjectOld, e.ObjectNew)
			}},
		)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: r.MaxConcurrentSyncs,
			// Boring outages back off from 1s to 5m, not to 16m.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, 5*time.Minute),
		}).
		Named("socialaccount").
		Complete(r)
}

// onlyFinalizersChanged reports whether an update changed the finalizers and
// nothing else a metadata watch can see (a data change shows only as a new
// resourceVersion, with the finalizers unchanged).
func onlyFinalizersChanged(old, cur client.Object) bool {
	return !slices.Equal(old.GetFinalizers(), cur.GetFinalizers()) &&
		maps.Equal(old.GetLabels(), cur.GetLabels()) &&
		maps.Equal(old.GetAnnotations(), cur.GetAnnotations()) &&
		old.GetDeletionTimestamp().Equal(cur.GetDeletionTimestamp())
}

// socialAccountsUsingSecret maps a changed Secret to the SocialAccounts whose
// credentials it holds, so a rotated session resyncs them.
func (r *SocialAccountReconciler) socialAccountsUsingSecret(ctx context.Context, o client.Object) []reconcile.Request {
	key := o.GetNamespace() + "/" + o.GetName()
	var list boringv1alpha1.SocialAccountList
	if err := r.List(ctx, &list, client.MatchingFields{index.Credentials: key}); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list SocialAccounts using Secret", "secret", klog.KObj(o))
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}
