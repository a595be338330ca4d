//go:build e2e

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

// Package e2e runs the product as its users run it, on the one-node cluster
// of hack/cluster.sh (make e2e): the chart installed with the image from
// make image, pods consuming the SocialAccounts' Secrets, leader failover,
// namespace deletion, upgrade and uninstall. The Boring stand-in runs in this
// process, on the cluster's bridge address, where the pods reach it.
package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// The release as the journey installs it.
const (
	releaseNS   = "boring-system"
	release     = "boring-operator"
	deployment  = release + "-controller-manager"
	apiService  = release + "-account-api"
	apiCert     = release + "-account-api-server-cert"
	leaseName   = "boring-operator.boring.aiagent-me.com"
	session     = "e2e-session"
	boringUser  = "team"
	scraperName = "e2e-metrics-scraper"
)

// env is what make e2e hands the tests.
var env struct {
	kubeconfig, kubectl, helm, chart string
	image, publisherImage            string
	hostIP, auditLog, artifacts      string
}

var (
	c        client.Client
	backend  *boringtest.Server
	boringIP string // the stand-in's base URL, as the pods reach it
	caPEM    []byte // the account API's CA
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	for name, dst := range map[string]*string{
		"E2E_KUBECONFIG": &env.kubeconfig, "E2E_KUBECTL": &env.kubectl, "E2E_HELM": &env.helm, "E2E_CHART": &env.chart,
		"E2E_IMAGE": &env.image, "E2E_PUBLISHER_IMAGE": &env.publisherImage, "E2E_HOST_IP": &env.hostIP,
		"E2E_AUDIT_LOG": &env.auditLog,
	} {
		if *dst = os.Getenv(name); *dst == "" {
			fmt.Fprintf(os.Stderr, "e2e: %s is not set: run make e2e\n", name)
			return 1
		}
	}
	env.artifacts = os.Getenv("E2E_ARTIFACTS")

	cfg, err := clientcmd.BuildConfigFromFlags("", env.kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	scheme := k8sruntime.NewScheme()
	for _, add := range []func(*k8sruntime.Scheme) error{clientgoscheme.AddToScheme, boringv1alpha1.AddToScheme, coordinationv1.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	if c, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	backend = boringtest.New()
	backend.AddSession(session, boringUser)
	ln, err := net.Listen("tcp", net.JoinHostPort(env.hostIP, "0"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the Boring stand-in:", err)
		return 1
	}
	srv := &http.Server{Handler: backend, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	boringIP = "http://" + ln.Addr().String()

	code := m.Run()
	if code != 0 {
		collectArtifacts()
	}
	return code
}

// ---------------------------------------------------------------- helpers

// kubectl runs kubectl against the cluster and returns its output.
func kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := runTool(env.kubectl, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// helm runs helm against the cluster and returns its output.
func helm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := runTool(env.helm, args...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runTool(tool string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// eventually polls cond until it holds or timeout passes; cond's last error
// is in the failure.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = cond()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("waiting %s for %s: %v", timeout, what, last)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeTLS makes a CA and a serving pair for the account API's Service, as a
// platform team without cert-manager would, and stores the pair in the
// Secret the chart mounts.
func writeTLS(t testing.TB) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	svc := apiService + "." + releaseNS + ".svc"
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: svc},
		DNSNames:  []string{apiService, apiService + "." + releaseNS, svc, svc + ".cluster.local"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	must(t, c.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: releaseNS, Name: apiCert},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			corev1.TLSPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
			"ca.crt":                caPEM,
		},
	}))
}

// collectArtifacts keeps what explains a failure under $E2E_ARTIFACTS: the
// manager's logs, every pod's description, the events.
func collectArtifacts() {
	if env.artifacts == "" {
		return
	}
	_ = os.MkdirAll(env.artifacts, 0o755)
	save := func(name string, args ...string) {
		out, _ := runTool(env.kubectl, args...)
		_ = os.WriteFile(filepath.Join(env.artifacts, name), []byte(out), 0o644)
	}
	save("pods.txt", "get", "pods", "-A", "-o", "wide")
	save("describe-pods.txt", "describe", "pods", "-A")
	save("events.txt", "get", "events", "-A", "--sort-by=.lastTimestamp")
	save("socialaccounts.yaml", "get", "socialaccounts", "-A", "-o", "yaml")
	save("lease.yaml", "get", "lease", "-n", releaseNS, "-o", "yaml")
	save("manager.log", "logs", "-n", releaseNS, "-l", "control-plane=controller-manager", "--all-containers", "--prefix", "--tail=-1")
	save("manager-previous.log", "logs", "-n", releaseNS, "-l", "control-plane=controller-manager", "--previous", "--prefix", "--tail=-1")
	var b strings.Builder
	for _, r := range backend.Requests() {
		fmt.Fprintf(&b, "%s %s %s %d %s\n", r.Endpoint, r.Method, r.Path, r.Status, r.User)
	}
	_ = os.WriteFile(filepath.Join(env.artifacts, "boring-requests.txt"), []byte(b.String()), 0o644)
}
