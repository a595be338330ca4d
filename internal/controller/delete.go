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
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get,resourceNames=socialaccounts.boring.aiagent-me.com

// reconcileDelete disconnects the account in Boring, as the deletion policy
// says, and then lets the SocialAccount go.
func (r *SocialAccountReconciler) reconcileDelete(ctx context.Context, s *syncScope) (ctrl.Result, error) {
	sa := s.sa
	if !controllerutil.ContainsFinalizer(sa, boringv1alpha1.Finalizer) {
		s.released = true
		return ctrl.Result{}, nil
	}
	switch release, err := r.releaseWithoutBoring(ctx, sa); {
	case err != nil:
		return ctrl.Result{}, err
	case release != "":
		logf.FromContext(ctx).Info("Leaving account connected in Boring", "why", release)
		return ctrl.Result{}, r.release(ctx, s)
	}
	done, result, err := r.disconnect(ctx, s)
	if !done {
		return result, err
	}
	r.written.handledDisconnect(client.ObjectKeyFromObject(sa), sa.UID)
	// Remembered before the finalizer goes: if removing it conflicts, the
	// retry does not call Boring (or raise the event) again.
	if err := r.markDisconnectHandled(ctx, sa); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.release(ctx, s)
}

// releaseWithoutBoring says why the finalizer may go without a call to
// Boring: the disconnect was handled already, the policy is Orphan, or the
// SocialAccount CRD itself is being deleted (an uninstall must never
// disconnect every account). "" means the disconnect must run.
func (r *SocialAccountReconciler) releaseWithoutBoring(ctx context.Context, sa *boringv1alpha1.SocialAccount) (string, error) {
	switch {
	case sa.Annotations[boringv1alpha1.DisconnectHandledAnnotation] != "",
		r.written.disconnectHandled(client.ObjectKeyFromObject(sa), sa.UID):
		return "disconnect already handled", nil
	case sa.EffectiveDeletionPolicy() == boringv1alpha1.DeletionPolicyOrphan:
		return "deletionPolicy Orphan", nil
	case sa.ResolvedAccountID() == "":
		r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnectSkipped,
			"spec.platformAccountID %s never resolved to a Boring account: nothing to disconnect", sa.Spec.PlatformAccountID)
		return "nothing resolved", nil
	}
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	err := r.APIReader.Get(ctx, types.NamespacedName{Name: socialAccountCRD}, crd)
	if client.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("reading the SocialAccount CRD: %w", err)
	}
	if err != nil || !crd.DeletionTimestamp.IsZero() {
		r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnectSkipped,
			"The SocialAccount CRD is being deleted (uninstall): leaving account %s connected in Boring", sa.ResolvedAccountID())
		return "the SocialAccount CRD is being deleted", nil
	}
	return "", nil
}

// socialAccountCRD is the name of the SocialAccount CRD.
var socialAccountCRD = "socialaccounts." + boringv1alpha1.GroupVersion.Group

// disconnect calls Boring's DELETE unless another live mapping keeps the
// account; done means the finalizer may go. Failures set the conditions
// here; the reconcile writes them.
func (r *SocialAccountReconciler) disconnect(ctx context.Context, s *syncScope) (done bool, _ ctrl.Result, _ error) {
	sa := s.sa
	if err := r.resolveSession(ctx, s); err != nil {
		switch {
		case errors.Is(err, errPaused):
			r.setSynced(s, errPausedDisconnect)
			return false, ctrl.Result{}, nil // unpausing syncs
		case mapping.IsMissing(err):
			r.setSynced(s, &mapping.MissingError{Reason: err.Error() + "; cannot disconnect. Restore the credentials, or set deletionPolicy: Orphan"})
			return false, ctrl.Result{RequeueAfter: time.Minute}, nil
		}
		return false, ctrl.Result{}, err
	}

	id := sa.ResolvedAccountID()
	keeper, err := r.keptBy(ctx, sa, s.session, nil)
	if err != nil {
		// Not knowing is not "nobody": a disconnect cannot be undone.
		result, err := r.disconnectFailed(s, &errDisconnectBlocked{err})
		return false, result, err
	}
	if keeper != nil {
		r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnectSkipped,
			"Not disconnecting account %s: %s still maps it under the same credentials", id, mapping.KeeperName(sa, keeper))
		return true, ctrl.Result{}, nil
	}

	err = r.Disconnector.Disconnect(ctx, s.session, id)
	if err != nil && !errors.Is(err, boring.ErrAccountNotFound) {
		result, err := r.disconnectFailed(s, err)
		return false, result, err
	}
	r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnected, "Disconnected account %s in Boring", id)
	logf.FromContext(ctx).Info("Disconnected account in Boring", "accountID", id)
	return true, ctrl.Result{}, nil
}

// errDisconnectBlocked is a failure to decide whether another mapping keeps
// the account.
type errDisconnectBlocked struct{ err error }

func (e *errDisconnectBlocked) Error() string { return e.err.Error() }
func (e *errDisconnectBlocked) Unwrap() error { return e.err }

// disconnectFailed records a disconnect that did not happen (Ready names
// why, with its Warning event) and when to try again.
func (r *SocialAccountReconciler) disconnectFailed(s *syncScope, err error) (ctrl.Result, error) {
	s.facts.DisconnectFailed = err
	r.decideReady(s)
	r.setSynced(s, err)
	if wait, ok := boring.RetryAfter(err); ok {
		return ctrl.Result{RequeueAfter: wait + time.Second}, nil
	}
	return ctrl.Result{}, fmt.Errorf("disconnecting account: %w", err)
}

// KeptBy finds another SocialAccount that keeps sa's account connected: the
// decision the disconnect and the account API's DELETE answer share. leaving
// (may be nil) marks SocialAccounts about to be deleted with sa. It fails
// closed: an error means the answer is not known.
func (r *SocialAccountReconciler) KeptBy(ctx context.Context, sa *boringv1alpha1.SocialAccount,
	leaving func(*boringv1alpha1.SocialAccount) bool) (*boringv1alpha1.SocialAccount, error) {
	creds, err := r.Defaults.CredentialsOf(sa)
	if err != nil {
		return nil, err
	}
	session, err := r.sessions.read(ctx, creds)
	if err != nil {
		return nil, err
	}
	return r.keptBy(ctx, sa, session, leaving)
}

func (r *SocialAccountReconciler) keptBy(ctx context.Context, sa *boringv1alpha1.SocialAccount, session boring.Session,
	leaving func(*boringv1alpha1.SocialAccount) bool) (*boringv1alpha1.SocialAccount, error) {
	var list boringv1alpha1.SocialAccountList
	id := sa.ResolvedAccountID()
	if err := r.List(ctx, &list, client.MatchingFields{index.AccountID: id}); err != nil {
		return nil, fmt.Errorf("listing SocialAccounts mapping %s: %w", id, err)
	}
	return mapping.KeptBy(sa, list.Items, leaving, func(o *boringv1alpha1.SocialAccount) (bool, error) {
		creds, err := r.Defaults.CredentialsOf(o)
		if mapping.IsMissing(err) {
			return false, nil // it has no session: it keeps nothing connected
		}
		if err != nil {
			return false, err
		}
		other, err := r.sessions.read(ctx, creds)
		if mapping.IsMissing(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return other.Fingerprint() == session.Fingerprint(), nil
	})
}

// markDisconnectHandled records on the SocialAccount that its disconnect is
// done: one annotation, written whatever else changed meanwhile, or the
// retry would call Boring again.
func (r *SocialAccountReconciler) markDisconnectHandled(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	read := sa.ResourceVersion
	err := patchMetadata(ctx, r.Client, sa, func(o client.Object) {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[boringv1alpha1.DisconnectHandledAnnotation] = sa.ResolvedAccountID()
		o.SetAnnotations(a)
	})
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	r.written.wroteOver(sa.UID, read)
	return nil
}

// release removes the disconnect finalizer: the SocialAccount may go.
func (r *SocialAccountReconciler) release(ctx context.Context, s *syncScope) error {
	sa := s.sa
	err := patchMetadata(ctx, r.Client, sa, func(o client.Object) { controllerutil.RemoveFinalizer(o, boringv1alpha1.Finalizer) })
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	s.released = true
	r.Metrics.Forget(client.ObjectKeyFromObject(sa))
	r.missing.forget(client.ObjectKeyFromObject(sa))
	r.written.forget(sa.UID)
	return nil
}
