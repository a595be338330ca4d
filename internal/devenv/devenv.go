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

// Package devenv runs the whole product on one machine with no cluster and
// no Boring account: a local control plane (envtest's kube-apiserver and
// etcd), the Boring stand-in seeded with demo accounts, the CRDs, the sample
// SocialAccounts, and the manager with its account API. `make dev` runs it
// until Ctrl-C; a test runs it briefly so it cannot rot.
package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/operator"
)

// Names the dev environment creates.
const (
	Namespace         = "marketing"
	CredentialsName   = "boring-session"
	ViewerName        = "dashboard"
	demoSessionOfSeed = "demo-session-not-a-real-secret" //nolint:gosec // the stand-in's demo session
)

// Options say where the repository is and where to keep state.
type Options struct {
	// Root is the repository root (config/ and hack/dev/ are read from it).
	Root string
	// StateDir receives the kubeconfig; it is created if missing.
	StateDir string
	// AssetsDir holds kube-apiserver, etcd and kubectl (KUBEBUILDER_ASSETS).
	AssetsDir string
	// APIAddress is where the account API listens (127.0.0.1:8082; port 0 picks one).
	APIAddress string
	// Log receives the manager's output (discarded when nil).
	Log io.Writer
}

// Env is a running dev environment.
type Env struct {
	// Kubeconfig is the absolute path of an admin kubeconfig.
	Kubeconfig string
	// Kubectl is the absolute path of the kubectl matching the API server.
	Kubectl string
	// BoringURL is the stand-in's base URL.
	BoringURL string
	// APIURL is the account API's base URL.
	APIURL string
	// ViewerToken is a token of ServiceAccount marketing/dashboard, which may
	// get, list and delete SocialAccounts in marketing.
	ViewerToken string
	// TokenFile holds ViewerToken (mode 0600), for the printed curl.
	TokenFile string
	// Client talks to the control plane as admin.
	Client client.Client

	testEnv *envtest.Environment
	backend *boringtest.Server
	cancel  context.CancelFunc
	done    chan error
}

// Start brings everything up and returns once the manager runs.
func Start(ctx context.Context, opts Options) (env *Env, err error) {
	if opts.APIAddress == "" {
		opts.APIAddress = "127.0.0.1:8082"
	}
	env = &Env{Kubectl: filepath.Join(opts.AssetsDir, "kubectl"), done: make(chan error, 1)}
	defer func() {
		if err != nil {
			env.Stop()
		}
	}()

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return env, err
	}
	if err := boringv1alpha1.AddToScheme(scheme); err != nil {
		return env, err
	}

	env.testEnv = &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join(opts.Root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    opts.AssetsDir,
		Scheme:                   scheme,
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	cfg, err := env.testEnv.Start()
	if err != nil {
		return env, fmt.Errorf("starting the control plane: %w", err)
	}
	if env.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return env, err
	}
	if err := env.writeKubeconfig(opts.StateDir); err != nil {
		return env, err
	}

	env.backend = boringtest.NewServer()
	env.BoringURL = env.backend.URL()
	if err := env.backend.LoadSeedFile(filepath.Join(opts.Root, "hack", "dev", "seed.json")); err != nil {
		return env, err
	}

	mgrCtx, cancel := context.WithCancel(ctx)
	env.cancel = cancel
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  operator.CacheOptions(),
	})
	if err != nil {
		return env, err
	}
	op, err := operator.Setup(mgrCtx, mgr, operator.Options{
		BoringURL: env.BoringURL,
		API:       accountapi.ServerOptions{BindAddress: opts.APIAddress},
		Registry:  prometheus.NewRegistry(),
	})
	if err != nil {
		return env, err
	}
	env.APIURL = "http://" + op.APIAddress
	go func() { env.done <- mgr.Start(mgrCtx) }()

	if err := env.applySamples(ctx, opts.Root); err != nil {
		return env, err
	}
	if env.ViewerToken, err = env.mintViewerToken(ctx); err != nil {
		return env, err
	}
	env.TokenFile = filepath.Join(filepath.Dir(env.Kubeconfig), ViewerName+".token")
	if err := os.WriteFile(env.TokenFile, []byte(env.ViewerToken), 0o600); err != nil {
		return env, err
	}
	return env, nil
}

// writeKubeconfig writes an admin kubeconfig for people and kubectl.
func (e *Env) writeKubeconfig(stateDir string) error {
	user, err := e.testEnv.AddUser(envtest.User{Name: "dev-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding the dev user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	path, err := filepath.Abs(filepath.Join(stateDir, "kubeconfig"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	e.Kubeconfig = path
	return nil
}

// applySamples creates the namespace, the credentials Secret and every
// SocialAccount in config/samples.
func (e *Env) applySamples(ctx context.Context, root string) error {
	if err := e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}); err != nil {
		return err
	}
	if err := e.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: CredentialsName, Namespace: Namespace, Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
		StringData: map[string]string{boringv1alpha1.DefaultCredentialsKey: demoSessionOfSeed},
	}); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "samples", "boring_v1alpha1_*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		objs, err := ReadObjects(f)
		if err != nil {
			return err
		}
		for _, o := range objs {
			o.SetNamespace(Namespace)
			if err := e.Client.Create(ctx, o); err != nil {
				return fmt.Errorf("creating %s from %s: %w", o.GetName(), f, err)
			}
		}
	}
	return nil
}

// ReadObjects parses a multi-document YAML file.
func ReadObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("parsing %s: %w", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// mintViewerToken creates marketing/dashboard, lets it read and delete
// SocialAccounts in marketing, and returns a token for it.
func (e *Env) mintViewerToken(ctx context.Context) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: ViewerName, Namespace: Namespace}}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerName, Namespace: Namespace},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{boringv1alpha1.GroupVersion.Group}, Resources: []string{"socialaccounts"},
			Verbs: []string{"get", "list", "delete"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ViewerName, Namespace: Namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ViewerName},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: ViewerName, Namespace: Namespace}},
	}
	for _, o := range []client.Object{sa, role, binding} {
		if err := e.Client.Create(ctx, o); err != nil {
			return "", err
		}
	}
	tr := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(24 * 3600))}}
	if err := e.Client.SubResource("token").Create(ctx, sa, tr); err != nil {
		return "", fmt.Errorf("minting a token: %w", err)
	}
	return tr.Status.Token, nil
}

// Stop ends the manager, the stand-in and the control plane.
func (e *Env) Stop() {
	if e.cancel != nil {
		e.cancel()
		select {
		case err := <-e.done:
			_ = err // the manager's own exit reason is not news while stopping
		case <-time.After(15 * time.Second):
		}
	}
	if e.backend != nil {
		e.backend.Close()
	}
	if e.testEnv != nil {
		_ = e.testEnv.Stop()
	}
}

// Done reports the manager's exit.
func (e *Env) Done() <-chan error { return e.done }

// FreePort reports whether addr can be listened on now.
func FreePort(addr string) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

// CurlCommand is the ready-to-paste curl of GET /api/accounts. The token is
// read from a file so that it never appears in the terminal or a log.
func (e *Env) CurlCommand() string {
	return fmt.Sprintf(`curl -s -H "Authorization: Bearer $(cat %s)" %s/api/accounts`, e.TokenFile, e.APIURL)
}

// WaitForSamples waits until every SocialAccount in the dev namespace has
// synced once (Synced=True), whatever its Ready verdict.
func WaitForSamples(ctx context.Context, c client.Client) error {
	return wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var list boringv1alpha1.SocialAccountList
		if err := c.List(ctx, &list, client.InNamespace(Namespace)); err != nil || len(list.Items) == 0 {
			return false, nil // the API server or the samples are not there yet
		}
		for _, sa := range list.Items {
			if !meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionSynced) {
				return false, nil
			}
		}
		return true, nil
	})
}
