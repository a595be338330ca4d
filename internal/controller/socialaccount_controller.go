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
//
// The files follow a reconcile in the order it runs: this one (Reconcile, the
// scope, the one status write), sync.go (the phases of a sync: session,
// account, Secret, account ID, Ready, warnings, next sync), delete.go (the
// deletion path), then what the phases use.
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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
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
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
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
	// APIReader reads credentials Secrets straight from the API server: no
	// cache holds the data of a Secret the operator does not own.
	APIReader client.Reader
	// Credentials is the cache of the opted-in credentials Secrets' metadata
	// (label boring.aiagent-me.com/credentials=true); the manager's own cache
	// holds the account-ID Secrets the operator writes, whole.
	Credentials  cache.Cache
	Recorder     events.EventRecorder
	Clock        clock.PassiveClock
	Accounts     AccountLister
	Disconnector Disconnector

	// Defaults are the manager's default credentials and the namespaces
	// that may use them.
	Defaults mapping.Defaults
	// MaxConcurrentSyncs defaults to 10 (--max-concurrent-syncs).
	MaxConcurrentSyncs int
	// RolloutRestartDisabled: the operator has no workload rights
	// (--rollout-restart=false); rolloutRestartTargets get a warning instead.
	RolloutRestartDisabled bool
	// Metrics reports the accounts at scrape time (optional).
	Metrics *AccountMetrics

	sessions *sessionReader
	written  *ownWrites
	health   *credentialsHealth
	missing  *missingAccounts
}

// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts/status,verbs=get;patch
// +kubebuilder:rbac:groups=boring.aiagent-me.com,resources=socialaccounts/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile syncs one SocialAccount with Boring, or disconnects it when it
// is being deleted, and writes its status once, when it changed.
func (r *SocialAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sa := &boringv1alpha1.SocialAccount{}
	if err := r.Get(ctx, req.NamespacedName, sa); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Forget(req.NamespacedName)
			r.missing.forget(req.NamespacedName)
			r.written.gone(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.written.stale(sa.UID, sa.ResourceVersion) {
		// Acting on an object older than our own last write would repeat
		// that write and its events (or a disconnect); wait for the cache
		// to catch up.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}

	s := r.newScope(sa)
	var result ctrl.Result
	var err error
	if !sa.DeletionTimestamp.IsZero() {
		result, err = r.reconcileDelete(ctx, s)
	} else {
		result, err = r.reconcileNormal(ctx, s)
	}
	if s.released {
		return result, err
	}
	if werr := r.writeStatus(ctx, s); werr != nil {
		return ctrl.Result{}, errors.Join(err, werr)
	}
	return result, err
}

// syncScope is what one reconcile of a SocialAccount learns, phase by phase.
type syncScope struct {
	sa *boringv1alpha1.SocialAccount
	// original is the status as read, to write only what changed.
	original *boringv1alpha1.SocialAccountStatus
	// now is the one clock reading of this reconcile.
	now     time.Time
	refresh time.Duration
	session boring.Session
	// credentials is where the session was read from.
	credentials mapping.Credentials
	// request is the sync-requested-at value a forced sync handles ("": none).
	request string
	// observed is the status Boring's answer makes, applied to sa only
	// once every phase of the sync succeeded.
	observed *boringv1alpha1.SocialAccountStatus
	// acct is the account as Boring lists it (nil: not listed).
	acct     *wire.Account
	resolved mapping.Resolution
	facts    readinessFacts
	// released: the finalizer is gone, the object may be too; no status
	// write.
	released bool
}

func (r *SocialAccountReconciler) newScope(sa *boringv1alpha1.SocialAccount) *syncScope {
	now := r.Clock.Now()
	s := &syncScope{sa: sa, original: sa.Status.DeepCopy(), now: now, refresh: sa.EffectiveRefreshInterval()}
	if v := sa.Annotations[boringv1alpha1.SyncRequestedAnnotation]; v != "" && v != sa.Status.LastHandledSyncRequest {
		s.request = v
	}
	s.facts = readinessFacts{
		Previous:     meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady),
		Wanted:       "account " + sa.Spec.AccountID,
		AccountID:    sa.ResolvedAccountID(),
		WantPlatform: sa.Spec.Platform,
		SecretName:   sa.EffectiveSecretName(),
		Now:          now,
	}
	if pid := sa.Spec.PlatformAccountID; pid != "" {
		s.facts.Wanted = fmt.Sprintf("%s account with platform ID %s", sa.Spec.Platform, pid)
	}
	return s
}

// writeStatus is the one status write of a reconcile: only when status
// changed, stamping lastSyncTime. The merge patch is the difference of the
// two statuses alone, and the answer is metadata only.
func (r *SocialAccountReconciler) writeStatus(ctx context.Context, s *syncScope) error {
	sa := s.sa
	if equality.Semantic.DeepEqual(*s.original, sa.Status) {
		return nil
	}
	now := metav1.NewTime(s.now.Truncate(time.Second))
	sa.Status.LastSyncTime = &now
	patch, err := statusPatch(s.original, &sa.Status)
	if err != nil {
		return err
	}
	answer := metadataOf(sa)
	read := sa.ResourceVersion
	if err := r.Status().Patch(ctx, answer, client.RawPatch(types.MergePatchType, patch)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching status: %w", err)
	}
	sa.ResourceVersion = answer.ResourceVersion
	r.written.wroteOver(sa.UID, read)
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

// setCondition sets a condition as of the reconcile's clock reading.
func (s *syncScope) setCondition(typ string, v verdict) {
	meta.SetStatusCondition(&s.sa.Status.Conditions, metav1.Condition{
		Type: typ, Status: v.Status, Reason: v.Reason, Message: v.Message,
		ObservedGeneration: s.sa.Generation,
		LastTransitionTime: metav1.NewTime(s.now.Truncate(time.Second)),
	})
}

// patchMetadata is the one way the controllers write metadata (finalizers,
// annotations): change edits obj, and the merge patch sent holds only the
// finalizers and the annotations change touched. A finalizer list is a whole
// list, so its patch is locked on the resourceVersion obj was read at; a
// patch of annotations alone cannot overwrite anybody's and is not. The
// answer is decoded as metadata only: a few hundred bytes instead of the
// whole object.
func patchMetadata(ctx context.Context, c client.Client, obj client.Object, change func(client.Object)) error {
	read := obj.GetResourceVersion()
	finalizers, annotations := slices.Clone(obj.GetFinalizers()), maps.Clone(obj.GetAnnotations())
	change(obj)
	m := map[string]any{}
	if !slices.Equal(finalizers, obj.GetFinalizers()) {
		m["finalizers"] = obj.GetFinalizers()
		m["resourceVersion"] = read
	}
	if changed := annotationChanges(annotations, obj.GetAnnotations()); len(changed) > 0 {
		m["annotations"] = changed
	}
	patch, err := json.Marshal(map[string]any{"metadata": m})
	if err != nil {
		return err
	}
	gvk, err := apiutil.GVKForObject(obj, c.Scheme())
	if err != nil {
		return err
	}
	answer := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
	answer.SetGroupVersionKind(gvk)
	if err := c.Patch(ctx, answer, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return err
	}
	obj.SetResourceVersion(answer.ResourceVersion)
	return nil
}

// annotationChanges is the merge patch of annotations from before to after:
// only the keys that changed (null for a removed one), so annotations a
// metadata cache does not hold are never touched.
func annotationChanges(before, after map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range after {
		if old, ok := before[k]; !ok || old != v {
			out[k] = v
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out[k] = nil
		}
	}
	return out
}

// metadataOf names sa for a write whose answer is only its metadata.
func metadataOf(sa *boringv1alpha1.SocialAccount) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: sa.Namespace, Name: sa.Name}}
	m.SetGroupVersionKind(boringv1alpha1.GroupVersion.WithKind("SocialAccount"))
	return m
}

func (r *SocialAccountReconciler) event(sa *boringv1alpha1.SocialAccount, e eventSpec, action, note string) {
	r.Recorder.Eventf(sa, nil, e.Type, e.Reason, action, "%s", note)
}

func (r *SocialAccountReconciler) eventf(sa *boringv1alpha1.SocialAccount, eventType, reason, format string, args ...any) {
	r.Recorder.Eventf(sa, nil, eventType, reason, "Sync", format, args...)
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
	r.init()
	return ctrl.NewControllerManagedBy(mgr).
		For(&boringv1alpha1.SocialAccount{}, builder.WithPredicates(
			// Spec and annotation changes sync; status-only writes do not.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
		)).
		// Our own creates need no reconcile; edits and deletes are repaired.
		Owns(&corev1.Secret{}, builder.WithPredicates(predicate.Funcs{
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

// init fills in defaults and the reconciler's own state.
func (r *SocialAccountReconciler) init() {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.MaxConcurrentSyncs <= 0 {
		r.MaxConcurrentSyncs = 10
	}
	r.sessions = &sessionReader{credentials: r.Credentials, apiReader: r.APIReader, memo: map[types.NamespacedName]sessionMemo{}}
	r.written = newOwnWrites()
	r.health = newCredentialsHealth()
	r.missing = newMissingAccounts()
	if r.Metrics != nil {
		r.Metrics.health, r.Metrics.defaults = r.health, r.Defaults
	}
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

func secretMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}
