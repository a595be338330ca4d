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

// Command manager runs boring-operator: the SocialAccount controller and the
// embedded account API, in one controller-runtime manager.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	// The image has no /etc/ssl: Go falls back to these roots (Mozilla's,
	// built in) only when the system has none, so --boring-url's public
	// certificate verifies there too.
	_ "golang.org/x/crypto/x509roots/fallback"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/operator"
	"github.com/aiagent-me/boring-operator/internal/version"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(boringv1alpha1.AddToScheme(scheme))
}

// options are the manager's flags.
type options struct {
	metricsAddr        string
	metricsSecure      bool
	metricsCertDir     string
	probeAddr          string
	leaderElect        bool
	leaderElectionNS   string
	enableHTTP2        bool
	boringURL          string
	defaultCredentials string
	defaultCredsNS     string
	watchNamespaces    string
	rolloutRestart     bool
	apiBindAddress     string
	apiCertDir         string
	maxConcurrentSyncs int
	maxRetryAfter      time.Duration
	apiAudiences       string
	apiReviewQPS       float64
	apiReviewBurst     int
	apiReserveQPS      float64
	apiReserveBurst    int
	apiReviewTTL       time.Duration
	apiReviewMaxAge    time.Duration
	pprofAddr          string
}

func main() {
	var o options
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", "0", "The address the metrics endpoint binds to. "+
		"Use :8443 for HTTPS or :8080 for HTTP, or leave as 0 to disable the metrics service.")
	flag.StringVar(&o.metricsCertDir, "metrics-cert-dir", "",
		"Folder with tls.crt and tls.key for the metrics endpoint, reloaded when they change and waited for until they exist. "+
			"Without it the endpoint serves a self-signed pair, which a scraper cannot verify.")
	flag.BoolVar(&o.metricsSecure, "metrics-secure", true,
		"If set, the metrics endpoint is served securely via HTTPS, with authentication and authorization.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false,
		"Enable leader election for the controller manager, ensuring there is only one active controller.")
	flag.StringVar(&o.leaderElectionNS, "leader-election-namespace", "",
		"The namespace of the leader election lease (--leader-elect); empty means the pod's own namespace "+
			"($POD_NAMESPACE, else the ServiceAccount's). Required outside a cluster.")
	flag.BoolVar(&o.enableHTTP2, "enable-http2", false,
		"If set, HTTP/2 will be enabled for the metrics server (off by default: CVE-2023-44487, CVE-2023-39325).")
	flag.StringVar(&o.boringURL, "boring-url", "https://boring.aiagent-me.com", "Base URL of the Boring API.")
	flag.StringVar(&o.defaultCredentials, "default-credentials", "",
		"NAMESPACE/NAME of the Secret (key \"session\") used by SocialAccounts without spec.credentialsRef.")
	flag.StringVar(&o.defaultCredsNS, "default-credentials-namespaces", "",
		"Comma-separated namespaces whose SocialAccounts may use --default-credentials, besides the one that holds them; "+
			"\"*\" allows every namespace (empty: only that one).")
	flag.StringVar(&o.apiBindAddress, "api-bind-address", ":8082", "The address the embedded account API binds to (0 disables it).")
	flag.StringVar(&o.apiCertDir, "api-cert-dir", "",
		"Folder with tls.crt and tls.key for the account API, reloaded when they change and waited for until they exist. "+
			"Without it the API serves a self-signed pair it generates (plain HTTP only on a loopback bind address).")
	flag.StringVar(&o.apiAudiences, "api-token-audiences", "",
		"Comma-separated audiences the account API's callers' tokens must be minted for (kubectl create token SA --audience=...); "+
			"recommended: boring-account-api. Empty accepts the API server's default audience.")
	flag.Float64Var(&o.apiReviewQPS, "api-review-qps", 20, "TokenReviews and SubjectAccessReviews a second for tokens not known yet; past it 429.")
	flag.IntVar(&o.apiReviewBurst, "api-review-burst", 40, "Burst of the review budget (--api-review-qps).")
	flag.Float64Var(&o.apiReserveQPS, "api-review-reserve-qps", 10,
		"Reviews a second reserved for callers already reviewed valid (refreshes and their access checks); unknown tokens never spend it.")
	flag.IntVar(&o.apiReserveBurst, "api-review-reserve-burst", 20, "Burst of the reserve (--api-review-reserve-qps).")
	flag.DurationVar(&o.apiReviewTTL, "api-review-ttl", 10*time.Second,
		"How long a review is used without a new one: revoked tokens and RBAC take effect within it.")
	flag.DurationVar(&o.apiReviewMaxAge, "api-review-max-age", 5*time.Minute,
		"Hard limit on the age of a known caller's review, used past --api-review-ttl only while no new review can be made.")
	flag.StringVar(&o.watchNamespaces, "watch-namespaces", "",
		"Comma-separated namespaces the operator works in (empty: all): its caches, controllers, metrics and account API see "+
			"nothing else, so Roles there are all the RBAC it needs. --default-credentials must then be in one of them.")
	flag.BoolVar(&o.rolloutRestart, "rollout-restart", true,
		"Restart the workloads a SocialAccount lists in rolloutRestartTargets when its account ID changes; "+
			"false runs without workload rights and records a Warning event RolloutRestartDisabled instead.")
	flag.IntVar(&o.maxConcurrentSyncs, "max-concurrent-syncs", 10, "How many SocialAccounts are synced at once.")
	flag.DurationVar(&o.maxRetryAfter, "boring-max-retry-after", 15*time.Minute,
		"The longest Retry-After of Boring's that is honoured; a longer one waits this long (and is logged).")
	flag.StringVar(&o.pprofAddr, "pprof-bind-address", "", "The address pprof binds to (empty disables it).")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	// Most of the manager's heap is its informer caches, which live as long
	// as the process; Go's default GOGC=100 lets the heap grow to twice them
	// before collecting, which at thousands of SocialAccounts is most of the
	// peak RSS. 50 keeps the peak nearer the live set for little CPU. The
	// GOGC environment variable still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}

	ctrl.SetLogger(operator.LazyValues(zap.New(zap.UseFlagOptions(&zapOpts))))
	if err := run(o); err != nil {
		setupLog.Error(err, "Manager exited with an error")
		os.Exit(1)
	}
}

func run(o options) error {
	var tlsOpts []func(*tls.Config)
	if !o.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   o.metricsAddr,
		SecureServing: o.metricsSecure,
		TLSOpts:       tlsOpts,
	}
	if o.metricsSecure {
		metricsOpts.FilterProvider = operator.MetricsAuth
	}
	var metricsCert *accountapi.CertificateDir
	if o.metricsSecure && o.metricsCertDir != "" {
		metricsCert = accountapi.NewCertificateDir("the metrics endpoint", o.metricsCertDir)
		metricsOpts.TLSOpts = append(metricsOpts.TLSOpts, func(c *tls.Config) { c.GetCertificate = metricsCert.GetCertificate })
	}

	defaultCreds, err := parseNamespacedName(o.defaultCredentials)
	if err != nil {
		return err
	}
	defaultNS := splitList(o.defaultCredsNS)
	watchNS := splitList(o.watchNamespaces)

	// GetConfigOrDie leaves client-side throttling off (QPS -1): the API
	// server's priority and fairness does the limiting.
	cfg := ctrl.GetConfigOrDie()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsOpts,
		HealthProbeBindAddress: o.probeAddr,
		PprofBindAddress:       o.pprofAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       "boring-operator.boring.aiagent-me.com",
		// Empty: controller-runtime reads the pod's ServiceAccount namespace.
		LeaderElectionNamespace: leaderElectionNamespace(o.leaderElectionNS),
		// The manager exits right after it stops leading, so releasing the
		// lease on the way out is safe and speeds up the next leader.
		LeaderElectionReleaseOnCancel: true,
		Cache:                         operator.CacheOptions(watchNS...),
	})
	if err != nil {
		return err
	}
	if metricsCert != nil {
		if err := mgr.Add(metricsCert); err != nil {
			return err
		}
	}

	op, err := operator.Setup(context.Background(), mgr, operator.Options{
		BoringURL:                    o.boringURL,
		Boring:                       boring.Options{MaxRetryAfter: o.maxRetryAfter},
		DefaultCredentials:           defaultCreds,
		DefaultCredentialsNamespaces: defaultNS,
		WatchNamespaces:              watchNS,
		DisableRolloutRestart:        !o.rolloutRestart,
		MaxConcurrentSyncs:           o.maxConcurrentSyncs,
		API:                          accountapi.ServerOptions{BindAddress: o.apiBindAddress, CertDir: o.apiCertDir},
		Review: accountapi.ReviewerOptions{
			Audiences: splitList(o.apiAudiences), ReviewsPerSecond: o.apiReviewQPS, ReviewBurst: o.apiReviewBurst,
			ReserveReviewsPerSecond: o.apiReserveQPS, ReserveBurst: o.apiReserveBurst,
			TTL: o.apiReviewTTL, MaxAge: o.apiReviewMaxAge,
		},
	})
	if err != nil {
		return err
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", op.Ready); err != nil {
		return err
	}
	setupLog.Info("Starting manager", "version", version.Version, "commit", version.Commit, "date", version.Date)
	return mgr.Start(ctrl.SetupSignalHandler())
}

// leaderElectionNamespace is the flag's value, else the pod's namespace from
// the downward API (the chart sets POD_NAMESPACE).
func leaderElectionNamespace(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv("POD_NAMESPACE")
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseNamespacedName(s string) (types.NamespacedName, error) {
	if s == "" {
		return types.NamespacedName{}, nil
	}
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return types.NamespacedName{}, errInvalidFlag("--default-credentials must be NAMESPACE/NAME, got " + s)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}

type errInvalidFlag string

func (e errInvalidFlag) Error() string { return string(e) }
