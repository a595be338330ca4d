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

package devenv_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/devenv"
)

// TestDevEnvironment runs what `make dev` runs, briefly: the samples must
// become Ready (the revoked one TokenInvalid) and the printed kubectl and curl
// must work as printed. (What users install is checked in test/install.)
func TestDevEnvironment(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Skip("KUBEBUILDER_ASSETS not set; run through `make test`")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := devenv.Start(ctx, devenv.Options{Root: root, StateDir: t.TempDir(), AssetsDir: assets, APIAddress: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()

	waitCtx, waitCancel := context.WithTimeout(ctx, time.Minute)
	defer waitCancel()
	if err := devenv.WaitForSamples(waitCtx, env.Client); err != nil {
		t.Fatalf("samples did not sync: %v", err)
	}
	want := map[string]string{
		"client-a-facebook":  boringv1alpha1.ReasonTokenValid,
		"client-a-instagram": boringv1alpha1.ReasonTokenValid,
		"client-a-threads":   boringv1alpha1.ReasonTokenValid,
		"client-b-instagram": boringv1alpha1.ReasonTokenInvalid,
	}
	var list boringv1alpha1.SocialAccountList
	if err := env.Client.List(ctx, &list, client.InNamespace(devenv.Namespace)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != len(want) {
		t.Fatalf("want %d samples, got %d", len(want), len(list.Items))
	}
	for _, sa := range list.Items {
		ready := meta.FindStatusCondition(sa.Status.Conditions, boringv1alpha1.ConditionReady)
		if ready == nil || ready.Reason != want[sa.Name] {
			t.Errorf("%s: want Ready reason %s, got %+v", sa.Name, want[sa.Name], ready)
		}
	}
	instagram := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: devenv.Namespace, Name: "client-a-instagram"}, instagram); err != nil {
		t.Fatalf("account-ID Secret: %v", err)
	}

	t.Run("the printed kubectl works with the printed KUBECONFIG", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, env.Kubectl, "get", "socialaccounts", "-A")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+env.Kubeconfig)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl: %v\n%s", err, out)
		}
		for name := range want {
			if !strings.Contains(string(out), name) {
				t.Errorf("kubectl output lacks %s:\n%s", name, out)
			}
		}
	})

	t.Run("the printed curl works as printed", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("no curl on this machine")
		}
		out, err := exec.CommandContext(ctx, "bash", "-c", env.CurlCommand()).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		var body struct {
			Accounts []map[string]any `json:"accounts"`
		}
		if err := json.Unmarshal(out, &body); err != nil {
			t.Fatalf("answer is not JSON: %q", out)
		}
		if len(body.Accounts) != len(want) {
			t.Fatalf("want %d accounts, got %d: %s", len(want), len(body.Accounts), out)
		}
		if strings.Contains(env.CurlCommand(), env.ViewerToken) {
			t.Error("the printed curl shows the token")
		}
	})
}
