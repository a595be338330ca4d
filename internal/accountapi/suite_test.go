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

package accountapi_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
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

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	backend   *boringtest.Server
	apiURL    string
	mgrDone   = make(chan struct{})
)

func TestAccountAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Account API Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	Expect(boringv1alpha1.AddToScheme(scheme.Scheme)).To(Succeed())
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	Expect(err).NotTo(HaveOccurred())

	backend = boringtest.NewServer()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, Cache: operator.CacheOptions(),
	})
	Expect(err).NotTo(HaveOccurred())
	op, err := operator.Setup(ctx, mgr, operator.Options{
		BoringURL: backend.URL(),
		// Shared by every namespace, so a DELETE can be kept by a mapping elsewhere.
		DefaultCredentials:           types.NamespacedName{Namespace: "boring-system", Name: "boring-session"},
		DefaultCredentialsNamespaces: []string{"*"},
		Boring:                       boring.Options{Timeout: time.Second, BaseBackoff: 10 * time.Millisecond},
		API:                          accountapi.ServerOptions{BindAddress: "127.0.0.1:0"},
		// Long enough that a test seeing a change through the API proves the
		// informer invalidated the remembered answer; RBAC is granted (and
		// waited for) before any caller uses it.
		Review:   accountapi.ReviewerOptions{TTL: 10 * time.Minute},
		Registry: prometheus.NewRegistry(),
	})
	Expect(err).NotTo(HaveOccurred())
	apiURL = "http://" + op.APIAddress
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	cancel()
	Eventually(mgrDone, 30*time.Second).Should(BeClosed())
	backend.Close()
	Expect(testEnv.Stop()).To(Succeed())
})

// call sends a request to the account API and decodes its JSON answer.
func call(method, path, token string, body string, asCookie bool) (int, map[string]any, string) {
	a, err := envtestutil.CallAPI(ctx, apiURL, method, path, token, body, asCookie)
	Expect(err).NotTo(HaveOccurred())
	Expect(a.ContentType).To(Equal("application/json"))
	return a.Status, a.JSON, a.Raw
}

// serviceAccountToken makes a ServiceAccount in the callers namespace and
// returns a token for it.
func serviceAccountToken(name string) string {
	token, err := envtestutil.ServiceAccountToken(ctx, k8sClient, "callers", name)
	Expect(err).NotTo(HaveOccurred())
	return token
}

// grant lets the ServiceAccount do verbs on SocialAccounts in ns, and waits
// until the API server's authorizer says so: the account API remembers its
// answers for the whole (long) review TTL of this suite.
func grant(ns, saNamespace, saName string, verbs ...string) {
	Expect(envtestutil.Grant(ctx, k8sClient, ns, saNamespace, saName, verbs...)).To(Succeed())
	Eventually(func(g Gomega) {
		for _, verb := range verbs {
			ok, err := envtestutil.Allowed(ctx, k8sClient, ns, saNamespace, saName, verb)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok).To(BeTrue(), verb)
		}
	}).Should(Succeed())
}
