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

package controller_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	testingclock "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

const (
	day = 24 * time.Hour

	facebook  = "facebook"
	instagram = "instagram"
	threads   = "threads"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client // direct, uncached: what the test asserts through

	backend   *boringtest.Server
	fakeClock *testingclock.FakeClock
	registry  *prometheus.Registry
	apiURL    string
	op        *operator.Operator
	mgrCache  cache.Cache
	logs      = &syncBuffer{}
	mgrDone   = make(chan struct{})

	// Namespaces the default credentials may serve.
	defaultCredsNamespace = "boring-system"
	defaultCredsAllowedNS = "team-default"
)

// syncBuffer collects the manager's log so tests can check what it wrote.
type syncBuffer = envtestutil.SyncBuffer

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	// Verbose, so a session leaking into any log line is caught.
	logf.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, logs)), zap.UseDevMode(true), zap.Level(zapcore.Level(-5))))
	ctx, cancel = context.WithCancel(context.Background())

	Expect(boringv1alpha1.AddToScheme(scheme.Scheme)).To(Succeed())

	By("starting envtest (KUBEBUILDER_ASSETS from make envtest-assets)")
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	Expect(cfg).NotTo(BeNil())

	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	Expect(err).NotTo(HaveOccurred())

	startManager()
})

var _ = AfterSuite(func() {
	By("checking that no session value reached the manager's log")
	out := logs.String()
	Expect(out).NotTo(BeEmpty())
	Expect(sessionsUsed).NotTo(BeEmpty())
	for _, s := range sessionsUsed {
		Expect(out).NotTo(ContainSubstring(s))
	}

	By("tearing down the test environment")
	cancel()
	if backend != nil {
		backend.Close()
	}
	Eventually(mgrDone, 30*time.Second).Should(BeClosed())
	Expect(testEnv.Stop()).To(Succeed())
})

// startManager runs the operator as it ships (operator.Setup), with an
// injected clock and short timeouts, against the Boring stand-in.
func startManager() {
	backend = boringtest.NewServer()
	fakeClock = testingclock.NewFakeClock(time.Now().Truncate(time.Second))
	backend.SetClock(fakeClock.Now)
	registry = prometheus.NewPedanticRegistry()

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   operator.CacheOptions(),
	})
	Expect(err).NotTo(HaveOccurred())
	mgrCache = mgr.GetCache()
	op, err = operator.Setup(ctx, mgr, operator.Options{
		BoringURL: backend.URL(),
		Boring: boring.Options{
			Timeout: 500 * time.Millisecond, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
			MaxRetryAfter: 2 * time.Second,
		},
		BoringErrorTTL:               100 * time.Millisecond,
		Clock:                        fakeClock,
		DefaultCredentials:           types.NamespacedName{Namespace: defaultCredsNamespace, Name: "boring-session"},
		DefaultCredentialsNamespaces: []string{defaultCredsAllowedNS},
		API:                          accountapi.ServerOptions{BindAddress: "127.0.0.1:0"},
		Review:                       accountapi.ReviewerOptions{TTL: time.Second},
		Registry:                     registry,
	})
	Expect(err).NotTo(HaveOccurred())
	apiURL = "http://" + op.APIAddress

	Expect(op.Ready(nil)).NotTo(Succeed(), "ready before the caches synced")
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	Eventually(func() error { return op.Ready(nil) }, 30*time.Second).Should(Succeed(), "ready once the caches synced and the API listens")
}

// scrape gathers the operator's gauges as a scraper would, keyed by
// name{label="value",...} with labels sorted.
func scrape(g Gomega) map[string]float64 {
	families, err := registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if m.GetGauge() == nil {
				continue
			}
			labels := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	return out
}
