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
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
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
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/index"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client // direct, uncached: what the test asserts through

	backend   *boringtest.Server
	fakeClock *testingclock.FakeClock
	metrics   *AccountMetrics
	logs      = &syncBuffer{}
	mgrDone   = make(chan struct{})

	// Namespaces the default credentials may serve.
	defaultCredsNamespace = "boring-system"
	defaultCredsAllowedNS = "team-default"
)

// syncBuffer collects the manager's log so tests can check what it wrote.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

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

// startManager runs the controller as main.go wires it, with an injected
// clock, against the Boring stand-in.
func startManager() {
	backend = boringtest.NewServer()
	fakeClock = testingclock.NewFakeClock(time.Now().Truncate(time.Second))
	backend.SetClock(fakeClock.Now)

	defaultCreds := types.NamespacedName{Namespace: defaultCredsNamespace, Name: "boring-session"}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
	})
	Expect(err).NotTo(HaveOccurred())

	boringClient, err := boring.NewClient(backend.URL(), boring.Options{
		Timeout: 500 * time.Millisecond, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(index.Register(ctx, mgr.GetFieldIndexer(), defaultCreds)).To(Succeed())
	metrics = NewAccountMetrics()
	Expect((&SocialAccountReconciler{
		Client:                       mgr.GetClient(),
		APIReader:                    mgr.GetAPIReader(),
		Scheme:                       mgr.GetScheme(),
		Recorder:                     mgr.GetEventRecorder("boring-operator"),
		Clock:                        fakeClock,
		Boring:                       boring.NewCache(boringClient, boring.CacheOptions{Now: fakeClock.Now, ErrorTTL: 100 * time.Millisecond}),
		DefaultCredentials:           defaultCreds,
		DefaultCredentialsNamespaces: []string{defaultCredsAllowedNS},
		Metrics:                      metrics,
	}).SetupWithManager(mgr)).To(Succeed())

	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}
