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

// Package cli is kubectl-boring, the kubectl plugin for boring-operator:
// import Boring's accounts as SocialAccount manifests, audit mappings, explain
// one SocialAccount, ask for a sync, store or check a Boring session, and
// serve a local dashboard.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
)

// DefaultBoringURL is Boring's API, as the manager's --boring-url defaults to.
const DefaultBoringURL = "https://boring.aiagent-me.com"

// BoringURLEnv names the environment variable that, when set, replaces
// DefaultBoringURL as the default of every command's --boring-url (a staging
// Boring, or a stand-in under test).
const BoringURLEnv = "BORING_URL"

// ErrNeedsAttention makes the process exit 1 without printing an error: the
// command's output already says what needs attention.
var ErrNeedsAttention = errors.New("needs attention")

// errorExitCodeAnnotation on a command sets the exit status of its errors
// (default 1). audit's is 2, so that a CronJob or CI job can tell "something
// needs attention" (1) from "the audit could not run" (2).
const errorExitCodeAnnotation = "boring.aiagent-me.com/error-exit-code"

// Options carries what the commands share.
type Options struct {
	genericiooptions.IOStreams
	ConfigFlags *genericclioptions.ConfigFlags
	// BoringURL is Boring's API (--boring-url).
	BoringURL string
	// Now is the clock (tests fix it).
	Now func() time.Time
	// HTTPClient talks to Boring (nil: the default).
	HTTPClient boring.Options
	// OpenBrowser opens a URL for dashboard --open (nil: the system's
	// opener, such as xdg-open).
	OpenBrowser func(url string) error
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string

	client client.Client
}

// NewCommand returns the kubectl-boring root command.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true), Now: time.Now}
	return o.Command()
}

// Command builds the command tree over o.
func (o *Options) Command() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-boring",
		Short: "Work with boring-operator's SocialAccounts and the Boring accounts behind them",
		Long: `kubectl boring works with boring-operator's SocialAccounts and the Boring accounts behind them.

It reads and writes with your own Kubernetes rights: what you cannot read, it
does not show.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Help and usage say "kubectl boring", as kubectl runs the plugin.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl boring"},
	}
	root.SetOut(o.Out)
	root.SetErr(o.ErrOut)
	o.ConfigFlags.AddFlags(root.PersistentFlags())
	root.AddCommand(o.importCommand(), o.auditCommand(), o.statusCommand(), o.syncCommand(), o.sessionCommand(), o.dashboardCommand())
	return root
}

// Client returns a Kubernetes client with the user's kubeconfig and flags.
func (o *Options) Client() (client.Client, error) {
	if o.client != nil {
		return o.client, nil
	}
	cfg, err := o.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, boringv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	o.client = c
	return c, nil
}

// Namespace is -n, or the kubeconfig context's namespace.
func (o *Options) Namespace() (string, error) {
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// boringClient returns a client of Boring's API.
func (o *Options) boringClient() (*boring.Client, error) {
	return boring.NewClient(o.BoringURL, o.HTTPClient)
}

func addBoringURLFlag(cmd *cobra.Command, o *Options) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	def := DefaultBoringURL
	if v := getenv(BoringURLEnv); v != "" {
		def = v
	}
	cmd.Flags().StringVar(&o.BoringURL, "boring-url", def, "Base URL of the Boring API ($"+BoringURLEnv+", when set, is the default)")
}

// Execute runs the command tree with args and returns the process's exit
// status, printing a one-line error to ErrOut.
func Execute(ctx context.Context, cmd *cobra.Command, args []string, errOut io.Writer) int {
	cmd.SetArgs(args)
	// ran is the command that was found, even when parsing its flags failed.
	ran, err := cmd.ExecuteContextC(ctx)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrNeedsAttention):
		return 1
	default:
		_, _ = fmt.Fprintf(errOut, "error: %v\n", err)
		if ran != nil && ran.Annotations[errorExitCodeAnnotation] == "2" {
			return 2
		}
		return 1
	}
}
