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

// Package operator wires boring-operator into a controller-runtime manager:
// the SocialAccount field indexes, the controller with its Boring client and
// shared account cache, the account metrics, and the embedded account API.
// cmd/main.go, the tests and the benchmarks all assemble the product here.
package operator

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/controller"
	"github.com/aiagent-me/boring-operator/internal/index"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// Options configure the operator; the zero value of each field is its flag's default.
type Options struct {
	BoringURL string
	// Boring tunes the Boring client (timeouts, retries); its Metrics and
	// Clock are set here.
	Boring boring.Options
	// BoringErrorTTL is how long a failed account list is reused (5s).
	BoringErrorTTL time.Duration
	// Clock is injected by tests (real clock otherwise).
	Clock clock.PassiveClock

	DefaultCredentials           types.NamespacedName
	DefaultCredentialsNamespaces []string
	MaxConcurrentSyncs           int

	// WatchNamespaces limits the operator to these namespaces (empty: all):
	// its caches, controllers, metrics and account API see nothing else, so
	// Roles in these namespaces are all the RBAC it needs there. The manager's
	// own cache must be limited the same way (CacheOptions).
	WatchNamespaces []string
	// DisableRolloutRestart runs without workload rights
	// (--rollout-restart=false): rolloutRestartTargets get a warning event.
	DisableRolloutRestart bool

	// API is where the account API listens ("0" disables it).
	API accountapi.ServerOptions
	// Review configures the account API's TokenReviews and
	// SubjectAccessReviews: TTL, token audiences, budget (Clock is set here).
	Review accountapi.ReviewerOptions

	// Registry receives the operator's metrics (controller-runtime's registry).
	Registry prometheus.Registerer
}

// checkWatchNamespaces refuses default credentials the operator could not
// read: outside the watched namespaces it has no rights on Secrets.
func (opts Options) checkWatchNamespaces() error {
	ns := opts.DefaultCredentials.Namespace
	if ns != "" && len(opts.WatchNamespaces) > 0 && !slices.Contains(opts.WatchNamespaces, ns) {
		return fmt.Errorf("the default credentials' namespace %q must be one of the watched namespaces %v", ns, opts.WatchNamespaces)
	}
	return nil
}

// Operator is what Setup added to the manager.
type Operator struct {
	Reconciler *controller.SocialAccountReconciler
	Metrics    *controller.AccountMetrics
	// Credentials caches the opted-in credentials Secrets' metadata.
	Credentials cache.Cache
	// APIAddress is the account API's bound address ("" when disabled).
	APIAddress string
	// Ready passes once the caches have synced and the account API can
	// answer (its certificate is loaded): the manager's readyz check.
	Ready healthz.Checker
}

// Setup adds the operator to mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) (*Operator, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Registry == nil {
		opts.Registry = ctrlmetrics.Registry
	}
	if err := opts.checkWatchNamespaces(); err != nil {
		return nil, err
	}
	defaults := mapping.Defaults{Secret: opts.DefaultCredentials, Namespaces: opts.DefaultCredentialsNamespaces}
	if err := index.Register(ctx, mgr.GetFieldIndexer(), defaults); err != nil {
		return nil, err
	}

	clientMetrics, err := boring.NewMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	opts.Boring.Metrics, opts.Boring.Clock = clientMetrics, opts.Clock
	client, err := boring.NewClient(opts.BoringURL, opts.Boring)
	if err != nil {
		return nil, err
	}
	lead := &leader{}
	if err := mgr.Add(lead); err != nil {
		return nil, err
	}
	metrics, err := controller.NewAccountMetrics(mgr.GetCache(), opts.Registry, lead.leading)
	if err != nil {
		return nil, err
	}
	accounts := boring.NewCache(client, opts.Clock, opts.BoringErrorTTL)
	creds, err := newCredentialsCache(mgr, opts.WatchNamespaces)
	if err != nil {
		return nil, fmt.Errorf("creating the credentials cache: %w", err)
	}
	if err := mgr.Add(managerCache{creds}); err != nil {
		return nil, err
	}
	r := &controller.SocialAccountReconciler{
		Client:                 mgr.GetClient(),
		APIReader:              mgr.GetAPIReader(),
		Credentials:            creds,
		Recorder:               mgr.GetEventRecorder("boring-operator"),
		Clock:                  opts.Clock,
		Accounts:               accounts,
		Disconnector:           accounts,
		Defaults:               defaults,
		MaxConcurrentSyncs:     opts.MaxConcurrentSyncs,
		RolloutRestartDisabled: opts.DisableRolloutRestart,
		Metrics:                metrics,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SocialAccount controller: %w", err)
	}
	if err := (&controller.CredentialsProtector{
		Client:      mgr.GetClient(),
		Credentials: creds,
		Defaults:    defaults,
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the credentials protection: %w", err)
	}

	opts.Review.Clock = opts.Clock
	reviewer := accountapi.NewReviewer(mgr.GetClient(), opts.Review)
	handler := accountapi.NewHandler(mgr.GetClient(), mgr.GetClient(), reviewer, opts.Clock)
	handler.ResponseTTL = reviewer.TTL()
	handler.Recorder = mgr.GetEventRecorder("boring-operator-account-api")
	handler.Keepers = r
	addr, apiReady, err := accountapi.AddToManager(mgr, handler, opts.API)
	if err != nil {
		return nil, err
	}
	if addr != "" {
		informer, err := mgr.GetCache().GetInformer(ctx, &boringv1alpha1.SocialAccount{})
		if err != nil {
			return nil, err
		}
		changed := func(any) { handler.ObjectsChanged() }
		if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: changed, DeleteFunc: changed, UpdateFunc: func(any, any) { handler.ObjectsChanged() },
		}); err != nil {
			return nil, err
		}
	}
	synced := &cachesSynced{caches: []cache.Cache{mgr.GetCache(), creds}}
	if err := mgr.Add(synced); err != nil {
		return nil, err
	}
	ready := func(req *http.Request) error {
		if err := synced.check(req); err != nil {
			return err
		}
		return apiReady(req)
	}
	return &Operator{Reconciler: r, Metrics: metrics, Credentials: creds, APIAddress: addr, Ready: ready}, nil
}
