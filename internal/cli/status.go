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
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

type statusOptions struct {
	*Options
	dashboardURL string
}

func (o *Options) statusCommand() *cobra.Command {
	so := &statusOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "status NAME [-n NAMESPACE]",
		Short: "Explain one SocialAccount: its state, token, Secret, the pods using it, events and the next step",
		Long: `Explain one SocialAccount in plain words: its state, conditions and token
expiry, its Secret and the pods that consume it (env, envFrom, volumes and
projected volumes), its rollout targets, recent events, and what to do next,
with the re-connection link when the token needs it.`,
		Example: `  kubectl boring status client-a-instagram -n marketing`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return so.run(cmd.Context(), args[0]) },
	}
	cmd.Flags().StringVar(&so.dashboardURL, "dashboard-url", DefaultBoringURL, "Where accounts are reconnected in Boring, for the re-connection link")
	return cmd
}

func (o *statusOptions) run(ctx context.Context, name string) error {
	ns, err := o.Namespace()
	if err != nil {
		return err
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	key := types.NamespacedName{Namespace: ns, Name: name}
	sa := &boringv1alpha1.SocialAccount{}
	if err := c.Get(ctx, key, sa); err != nil {
		return apiError(err, "get", "socialaccount", key)
	}
	now := o.Now()
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	st := &sa.Status
	_, _ = fmt.Fprintf(w, "SocialAccount:\t%s\n", key)
	_, _ = fmt.Fprintf(w, "State:\t%s\n", stateInWords(sa, now))
	_, _ = fmt.Fprintf(w, "Maps:\t%s\n", mappingInWords(sa))
	_, _ = fmt.Fprintf(w, "Token:\t%s\n", tokenInWords(sa, now))
	if st.LastSyncTime != nil {
		_, _ = fmt.Fprintf(w, "Last sync:\t%s (%s ago)\n", st.LastSyncTime.UTC().Format(time.RFC3339), ago(st.LastSyncTime.Time, now))
	}
	_ = w.Flush()

	b.WriteString("\nConditions:\n")
	w = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "  TYPE\tSTATUS\tREASON\tSINCE\tMESSAGE")
	for _, cond := range st.Conditions {
		_, _ = fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", cond.Type, cond.Status, cond.Reason, ago(cond.LastTransitionTime.Time, now), cond.Message)
	}
	_ = w.Flush()

	secretName := cmp.Or(st.SecretName, sa.EffectiveSecretName())
	_, _ = fmt.Fprintf(&b, "\nSecret %s/%s: %s\n", ns, secretName, o.secretInWords(ctx, c, types.NamespacedName{Namespace: ns, Name: secretName}))
	b.WriteString(o.consumersInWords(ctx, c, ns, secretName))

	if len(sa.Spec.RolloutRestartTargets) > 0 {
		b.WriteString("\nRollout targets (restarted when the account ID changes):\n")
		for _, t := range sa.Spec.RolloutRestartTargets {
			_, _ = fmt.Fprintf(&b, "  %s %s\n", t.Kind, t.Name)
		}
	}

	b.WriteString("\n" + o.eventsInWords(ctx, c, sa, now))
	_, _ = fmt.Fprintf(&b, "\nNext step: %s\n", nextStep(sa, now, o.dashboardURL))
	_, err = io.WriteString(o.Out, b.String())
	return err
}

func ago(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(t))
}

// stateInWords is the Ready condition as a sentence.
func stateInWords(sa *boringv1alpha1.SocialAccount, now time.Time) string {
	ready := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady)
	synced := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionSynced)
	switch {
	case !sa.DeletionTimestamp.IsZero():
		return "being deleted (the finalizer disconnects it in Boring unless deletionPolicy is Orphan)"
	case sa.IsPaused():
		return "paused: the operator leaves it alone"
	case ready == nil:
		return "not synced yet"
	case ready.Status == metav1.ConditionTrue:
		s := "Ready: the account is connected and its token is valid"
		if sa.Status.ExpiresAt != nil && sa.Status.ExpiresAt.Sub(now) < time.Duration(sa.EffectiveExpiryWarningDays())*24*time.Hour {
			s += ", but it expires soon"
		}
		if synced != nil && synced.Status != metav1.ConditionTrue {
			s += fmt.Sprintf(" (as last seen: the last sync failed, %s)", synced.Reason)
		}
		return s
	}
	return fmt.Sprintf("not Ready (%s): %s", ready.Reason, ready.Message)
}

func mappingInWords(sa *boringv1alpha1.SocialAccount) string {
	id := cmp.Or(sa.Status.AccountID, "not resolved yet")
	if sa.Spec.PlatformAccountID != "" {
		return fmt.Sprintf("the %s account with platform ID %s (account_id %s)", sa.Spec.Platform, sa.Spec.PlatformAccountID, id)
	}
	return fmt.Sprintf("account_id %s", sa.Spec.AccountID)
}

func tokenInWords(sa *boringv1alpha1.SocialAccount, now time.Time) string {
	st := &sa.Status
	var parts []string
	switch {
	case st.IsValid == nil:
		parts = append(parts, "unknown")
	case *st.IsValid:
		parts = append(parts, "valid")
	default:
		parts = append(parts, "invalid")
	}
	window := fmt.Sprintf("warning window %d days", sa.EffectiveExpiryWarningDays())
	if st.ExpiresAt != nil {
		parts = append(parts, fmt.Sprintf("expires %s (%s; %s)", st.ExpiresAt.UTC().Format(time.RFC3339), relative(st.ExpiresAt.Time, now), window))
	} else if st.IsValid != nil {
		parts = append(parts, "never expires")
	}
	if st.DataAccessExpiresAt != nil {
		da := st.DataAccessExpiresAt.Time
		parts = append(parts, fmt.Sprintf("data access expires %s (%s)", da.UTC().Format(time.RFC3339), relative(da, now)))
	}
	return strings.Join(parts, "; ")
}

func relative(t, now time.Time) string {
	if !t.After(now) {
		return duration.HumanDuration(now.Sub(t)) + " ago"
	}
	return "in " + duration.HumanDuration(t.Sub(now))
}

func (o *statusOptions) secretInWords(ctx context.Context, c client.Client, key types.NamespacedName) string {
	secret := &metav1.PartialObjectMetadata{}
	secret.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := c.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return "missing (the operator writes it once the account resolves)"
		}
		return apiError(err, "get", "secret", key).Error()
	}
	return fmt.Sprintf("present (keys %s, %s and %s; its data is not shown)",
		boringv1alpha1.SecretKeyAccountID, boringv1alpha1.SecretKeyPlatform, boringv1alpha1.SecretKeyAccountName)
}

// consumersInWords lists the pods that use the Secret, and how.
func (o *statusOptions) consumersInWords(ctx context.Context, c client.Client, ns, secret string) string {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		return "  Pods: " + listError(err, "pod", ns).Error() + "\n"
	}
	var lines []string
	for i := range pods.Items {
		p := &pods.Items[i]
		uses := secretUses(&p.Spec, secret)
		if len(uses) == 0 {
			continue
		}
		owner := ""
		if ref := metav1.GetControllerOf(p); ref != nil {
			owner = fmt.Sprintf(" (%s %s)", ref.Kind, ref.Name)
			if hash := p.Labels["pod-template-hash"]; ref.Kind == "ReplicaSet" && hash != "" && strings.HasSuffix(ref.Name, "-"+hash) {
				owner = fmt.Sprintf(" (Deployment %s)", strings.TrimSuffix(ref.Name, "-"+hash))
			}
		}
		lines = append(lines, fmt.Sprintf("    %s%s: %s", p.Name, owner, strings.Join(uses, ", ")))
	}
	if len(lines) == 0 {
		return "  Used by no pod.\n"
	}
	slices.Sort(lines)
	return "  Used by pods:\n" + strings.Join(lines, "\n") + "\n"
}

// secretUses says how a pod spec uses a Secret.
func secretUses(spec *corev1.PodSpec, secret string) []string {
	var uses []string
	containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, ctr := range containers {
		for _, from := range ctr.EnvFrom {
			if from.SecretRef != nil && from.SecretRef.Name == secret {
				uses = append(uses, fmt.Sprintf("envFrom in container %s", ctr.Name))
			}
		}
		for _, env := range ctr.Env {
			if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && env.ValueFrom.SecretKeyRef.Name == secret {
				uses = append(uses, fmt.Sprintf("env %s in container %s", env.Name, ctr.Name))
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secret {
			uses = append(uses, fmt.Sprintf("volume %s", v.Name))
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil && src.Secret.Name == secret {
					uses = append(uses, fmt.Sprintf("projected volume %s", v.Name))
				}
			}
		}
	}
	return uses
}

func (o *statusOptions) eventsInWords(ctx context.Context, c client.Client, sa *boringv1alpha1.SocialAccount, now time.Time) string {
	var events corev1.EventList
	err := c.List(ctx, &events, client.InNamespace(sa.Namespace), client.MatchingFields{
		"involvedObject.kind": "SocialAccount", "involvedObject.name": sa.Name})
	if err != nil {
		return "Events: " + listError(err, "event", sa.Namespace).Error() + "\n"
	}
	items := events.Items
	when := func(e *corev1.Event) time.Time {
		return latest(e.LastTimestamp.Time, e.EventTime.Time, e.CreationTimestamp.Time)
	}
	slices.SortFunc(items, func(a, b corev1.Event) int { return when(&b).Compare(when(&a)) })
	if len(items) > 10 {
		items = items[:10]
	}
	if len(items) == 0 {
		return "Events: none.\n"
	}
	var b strings.Builder
	b.WriteString("Events (newest first):\n")
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for i := range items {
		e := &items[i]
		_, _ = fmt.Fprintf(w, "  %s ago\t%s\t%s\t%s\n", duration.HumanDuration(now.Sub(when(e))), e.Type, e.Reason, e.Message)
	}
	_ = w.Flush()
	return b.String()
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// nextStep says what to do, in one line.
func nextStep(sa *boringv1alpha1.SocialAccount, now time.Time, dashboard string) string {
	ready := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady)
	synced := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionSynced)
	reconnect := "reconnect the account in Boring: " + dashboard
	if sa.Spec.AccountID != "" {
		reconnect += " (a reconnect mints a new account_id: map by spec.platformAccountID to follow it)"
	}
	if synced != nil && synced.Status != metav1.ConditionTrue {
		switch synced.Reason {
		case boringv1alpha1.ReasonUnauthorized:
			return "Boring rejected the session: store a fresh session cookie in the credentials Secret."
		case boringv1alpha1.ReasonCredentialsMissing:
			return "fix the credentials: " + synced.Message
		}
	}
	if ready == nil {
		return "wait for the first sync (kubectl boring sync " + sa.Name + " --wait)."
	}
	switch ready.Reason {
	case boringv1alpha1.ReasonTokenValid:
		if sa.Status.ExpiresAt != nil && sa.Status.ExpiresAt.Sub(now) < time.Duration(sa.EffectiveExpiryWarningDays())*24*time.Hour {
			return "the token expires " + relative(sa.Status.ExpiresAt.Time, now) + ": " + reconnect
		}
		return "nothing to do."
	case boringv1alpha1.ReasonTokenInvalid, boringv1alpha1.ReasonTokenExpired, boringv1alpha1.ReasonAccountDisabled:
		return reconnect
	case boringv1alpha1.ReasonAccountReconnected:
		return ready.Message
	case boringv1alpha1.ReasonAccountNotFound:
		return "the account is not connected under this session: check the mapping, or connect it in Boring: " + dashboard
	}
	return "see docs/troubleshooting.md for reason " + ready.Reason + "."
}
