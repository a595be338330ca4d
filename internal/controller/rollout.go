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
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets,verbs=patch

// restartTargets restarts the SocialAccount's rolloutRestartTargets the way
// `kubectl rollout restart` does: a new pod template annotation rolls the
// pods, which then read the Secret again. A target that does not exist is
// reported and skipped; any other failure is returned, to retry.
func (r *SocialAccountReconciler) restartTargets(ctx context.Context, s *syncScope) error {
	sa := s.sa
	if len(sa.Spec.RolloutRestartTargets) == 0 {
		return nil
	}
	if r.RolloutRestartDisabled {
		r.eventf(sa, corev1.EventTypeWarning, boringv1alpha1.EventRolloutRestartDisabled,
			"Not restarting rolloutRestartTargets: the operator runs without workload rights (rolloutRestart.enabled=false); "+
				"restart them yourself to pick up account ID %s", s.acct.AccountID)
		return nil
	}
	patch := fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`,
		boringv1alpha1.RestartedAtAnnotation, s.now.UTC().Format(time.RFC3339))
	var restarted []string
	for _, t := range sa.Spec.RolloutRestartTargets {
		obj := workload(t.Kind)
		obj.SetNamespace(sa.Namespace)
		obj.SetName(t.Name)
		err := r.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
		switch {
		case apierrors.IsNotFound(err):
			r.eventf(sa, corev1.EventTypeWarning, boringv1alpha1.EventRolloutTargetMissing,
				"Cannot restart %s %s: it does not exist in namespace %s", t.Kind, t.Name, sa.Namespace)
		case err != nil:
			return fmt.Errorf("restarting %s %s: %w", t.Kind, t.Name, err)
		default:
			restarted = append(restarted, string(t.Kind)+"/"+t.Name)
		}
	}
	if len(restarted) > 0 {
		r.eventf(sa, corev1.EventTypeNormal, boringv1alpha1.EventRolloutRestarted,
			"Restarted %s to pick up account ID %s", strings.Join(restarted, ", "), s.acct.AccountID)
	}
	return nil
}

// workload is an empty object of a rollout target's kind.
func workload(kind boringv1alpha1.RolloutTargetKind) client.Object {
	switch kind {
	case boringv1alpha1.RolloutTargetStatefulSet:
		return &appsv1.StatefulSet{}
	case boringv1alpha1.RolloutTargetDaemonSet:
		return &appsv1.DaemonSet{}
	}
	return &appsv1.Deployment{}
}
