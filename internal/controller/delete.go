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
)

// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get,resourceNames=socialaccounts.boring.aiagent-me.com

// reconcileDelete disconnects the account in Boring, as the deletion policy
// says, and then lets the SocialAccount go.
func (r *SocialAccountReconciler) reconcileDelete(ctx context.Context, sa *boringv1alpha1.SocialAccount) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(sa, boringv1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	log := logf.FromContext(ctx)
	switch release, err := r.releaseWithoutBoring(ctx, sa); {
	case err != nil:
		return ctrl.Result{}, err
	case release != "":
		log.Info("Leaving account connected in Boring", "why", release)
		return ctrl.Result{}, r.removeFinalizer(ctx, sa)
	}

	original := sa.DeepCopy()
	s := r.newScope(sa)
	done, result, err := r.disconnect(ctx, s)
	if done {
		// Remembered before the finalizer goes: if removing it conflicts,
		// the retry does not call Boring (or raise the event) again.
		if err := r.markDisconnectHandled(ctx, sa); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.removeFinalizer(ctx, sa)
	}
	if perr := r.patchStatus(ctx, original, sa); perr != nil {
		return ctrl.Result{}, errors.Join(err, perr)
	}
	return result, err
}

// releaseWithoutBoring says why the finalizer may go without a call to
// Boring: the disconnect was handled already, the policy is Orphan, or the
// SocialAccount CRD itself is being deleted (an uninstall must never
// disconnect every account). "" means the disconnect must run.
func (r *SocialAccountReconciler) releaseWithoutBoring(ctx context.Context, sa *boringv1alpha1.SocialAccount) (string, error) {
	switch {
	case sa.Annotations[boringv1alpha1.DisconnectHandledAnnotation] != "":
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

// markDisconnectHandled records on the SocialAccount that its disconnect is
// done. A merge patch of one annotation: nothing else can be overwritten.
func (r *SocialAccountReconciler) markDisconnectHandled(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	base := sa.DeepCopy()
	if sa.Annotations == nil {
		sa.Annotations = map[string]string{}
	}
	sa.Annotations[boringv1alpha1.DisconnectHandledAnnotation] = sa.ResolvedAccountID()
	if err := r.Patch(ctx, sa, client.MergeFrom(base)); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.written.wroteOver(sa.UID, base.ResourceVersion)
	return nil
}

// socialAccountCRD is the name of the SocialAccount CRD.
var socialAccountCRD = "socialaccounts." + boringv1alpha1.GroupVersion.Group

// disconnect calls Boring's DELETE unless another live mapping needs the
// account; done means the finalizer may go.
func (r *SocialAccountReconciler) disconnect(ctx context.Context, s *syncScope) (done bool, _ ctrl.Result, _ error) {
	sa := s.sa
	if err := r.resolveSession(ctx, s); err != nil {
		switch {
		case errors.Is(err, errPaused):
			r.setSynced(s, errPausedDisconnect)
			return false, ctrl.Result{}, nil // unpausing syncs
		case isCredentialsMissing(err):
			r.setSynced(s, &errCredentialsMissing{err.Error() + "; cannot disconnect. Restore the credentials, or set deletionPolicy: Orphan"})
			return false, ctrl.Result{RequeueAfter: time.Minute}, nil
		}
		return false, ctrl.Result{}, err
	}

	id := sa.ResolvedAccountID()
	other, err := r.otherMapping(ctx, sa, s.session)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	if other != nil {
		// Another tenant's object is not named: it is none of this one's business.
		who := "a SocialAccount in another namespace"
		if other.Namespace == sa.Namespace {
			who = "SocialAccount " + other.Name
		}
		r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnectSkipped,
			"Not disconnecting account %s: %s still maps it under the same credentials", id, who)
		return true, ctrl.Result{}, nil
	}

	err = r.Disconnector.Disconnect(ctx, s.session, id)
	if err != nil && !errors.Is(err, boring.ErrAccountNotFound) {
		s.facts.DisconnectFailed = err
		r.decideReady(s)
		r.setSynced(s, err)
		if wait, ok := boring.RetryAfter(err); ok {
			return false, ctrl.Result{RequeueAfter: wait + time.Second}, nil
		}
		return false, ctrl.Result{}, fmt.Errorf("disconnecting account: %w", err)
	}
	r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventDisconnected, "Disconnected account %s in Boring", id)
	logf.FromContext(ctx).Info("Disconnected account in Boring", "accountID", id)
	return true, ctrl.Result{}, nil
}

// otherMapping finds another SocialAccount, not being deleted, that maps the
// same account ID under the same Boring session.
func (r *SocialAccountReconciler) otherMapping(
	ctx context.Context, sa *boringv1alpha1.SocialAccount, session boring.Session,
) (*boringv1alpha1.SocialAccount, error) {
	var list boringv1alpha1.SocialAccountList
	id := sa.ResolvedAccountID()
	if err := r.List(ctx, &list, client.MatchingFields{index.AccountID: id}); err != nil {
		return nil, fmt.Errorf("listing SocialAccounts mapping %s: %w", id, err)
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.UID == sa.UID || !o.DeletionTimestamp.IsZero() {
			continue
		}
		if s, _, err := r.sessionOf(ctx, o); err == nil && s.Fingerprint() == session.Fingerprint() {
			return o, nil
		}
	}
	return nil, nil
}

func (r *SocialAccountReconciler) removeFinalizer(ctx context.Context, sa *boringv1alpha1.SocialAccount) error {
	base := sa.DeepCopy()
	controllerutil.RemoveFinalizer(sa, boringv1alpha1.Finalizer)
	if err := r.Patch(ctx, sa, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.Metrics.Forget(client.ObjectKeyFromObject(sa))
	r.written.forget(sa.UID)
	r.secrets.forget(types.NamespacedName{Namespace: sa.Namespace, Name: sa.EffectiveSecretName()})
	return nil
}
