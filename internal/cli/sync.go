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
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

type syncOptions struct {
	*Options
	all     bool
	wait    bool
	timeout time.Duration
}

func (o *Options) syncCommand() *cobra.Command {
	so := &syncOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "sync (NAME... | --all) [-n NAMESPACE] [--wait]",
		Short: "Ask the operator to check SocialAccounts against Boring now",
		Long: `Ask the operator to check SocialAccounts against Boring now, with a fresh
account list, by setting their boring.aiagent-me.com/sync-requested-at
annotation. With --wait, wait until the operator has handled each request
(status.lastHandledSyncRequest) and print the result.`,
		Example: `  # Check one account now and wait for the answer
  kubectl boring sync client-a-instagram -n marketing --wait

  # Every SocialAccount of the namespace
  kubectl boring sync --all -n marketing`,
		RunE: func(cmd *cobra.Command, args []string) error { return so.run(cmd.Context(), args) },
	}
	cmd.Flags().BoolVar(&so.all, "all", false, "Every SocialAccount of the namespace")
	cmd.Flags().BoolVar(&so.wait, "wait", false, "Wait until the operator has handled the request, and print the result")
	cmd.Flags().DurationVar(&so.timeout, "timeout", 2*time.Minute, "How long --wait waits")
	return cmd
}

func (o *syncOptions) run(ctx context.Context, names []string) error {
	if o.all == (len(names) > 0) {
		return fmt.Errorf("name SocialAccounts or give --all (not both)")
	}
	ns, err := o.Namespace()
	if err != nil {
		return err
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	if o.all {
		var list boringv1alpha1.SocialAccountList
		if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return listError(err, "socialaccount", ns)
		}
		for _, sa := range list.Items {
			names = append(names, sa.Name)
		}
		if len(names) == 0 {
			return fmt.Errorf("no SocialAccounts in namespace %q", ns)
		}
	}
	// Each request is marked with the time it was made; the operator
	// records the value it handled.
	value := o.Now().UTC().Format(time.RFC3339Nano)
	for _, name := range names {
		key := types.NamespacedName{Namespace: ns, Name: name}
		if err := requestSync(ctx, c, key, value); err != nil {
			return apiError(err, "patch", "socialaccount", key)
		}
		if !o.wait {
			_, _ = fmt.Fprintf(o.Out, "socialaccount %s: sync requested\n", key)
		}
	}
	if !o.wait {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	for _, name := range names {
		key := types.NamespacedName{Namespace: ns, Name: name}
		sa := &boringv1alpha1.SocialAccount{}
		err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			if err := c.Get(ctx, key, sa); err != nil {
				return false, apiError(err, "get", "socialaccount", key)
			}
			return sa.Status.LastHandledSyncRequest == value, nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("socialaccount %s: the operator did not handle the sync request within %s (is it running?)", key, o.timeout)
			}
			return err
		}
		_, _ = fmt.Fprintf(o.Out, "socialaccount %s: synced: %s\n", key, readySummary(sa))
	}
	return nil
}

// requestSync sets the sync-request annotation of one SocialAccount to
// value, with the caller's rights; the operator echoes the value it handled
// in status.lastHandledSyncRequest. The patch touches that one annotation
// only, so it never undoes a concurrent change.
func requestSync(ctx context.Context, c client.Client, key types.NamespacedName, value string) error {
	sa := &boringv1alpha1.SocialAccount{}
	sa.Namespace, sa.Name = key.Namespace, key.Name
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{boringv1alpha1.SyncRequestedAnnotation: value}}})
	if err != nil {
		return err
	}
	return c.Patch(ctx, sa, client.RawPatch(types.MergePatchType, patch))
}

// readySummary is the Ready condition in one line.
func readySummary(sa *boringv1alpha1.SocialAccount) string {
	c := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady)
	if c == nil {
		return "not synced yet"
	}
	return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}
