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

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// gettingStartedPage is the newcomer's path this step follows.
const gettingStartedPage = "docs/getting-started.md"

// notRun marks a block of the page the e2e does not run, with the reason:
// the line just before the block's fence is <!-- e2e: not run: REASON -->.
var notRun = regexp.MustCompile(`^<!-- e2e: not run: (.+) -->$`)

// docBlock is one ```sh block of the page's real-cluster path.
type docBlock struct {
	step string // the "### Step N: ..." heading above it
	code string
	skip string // why the e2e does not run it; empty when it does
}

// realClusterBlocks reads the sh blocks of the page's "On a real cluster"
// section, in order. Every block there is either run or says why not.
func realClusterBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks        []docBlock
		in, inSection bool
		step, prev    string
		cur           docBlock
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case in && line == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			cur.code += line + "\n"
		case strings.HasPrefix(line, "## "):
			inSection = strings.HasPrefix(line, "## 2. On a real cluster")
		case !inSection:
		case strings.HasPrefix(line, "### "):
			step = strings.TrimPrefix(line, "### ")
		case strings.HasPrefix(line, "```"):
			if line != "```sh" {
				t.Fatalf("%s: a block under %q is %q; the real-cluster path holds only sh blocks", path, step, line)
			}
			in, cur = true, docBlock{step: step}
			if m := notRun.FindStringSubmatch(prev); m != nil {
				cur.skip = m[1]
			}
		}
		prev = line
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no sh blocks under \"## 2. On a real cluster\"", path)
	}
	return blocks
}

// gettingStarted follows docs/getting-started.md's real-cluster path as a
// newcomer pastes it into one terminal, from the plugin to a pod that reads
// its account ID, against the chart the Install step put in the cluster and
// the Boring stand-in (BORING_URL). The blocks it cannot run (the image and
// the chart, which make e2e loads and installs its own way; alerts, which
// need the Prometheus Operator) say why on the page, and are listed here.
func gettingStarted(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	must(t, err)
	const newcomer, newcomerSession = "newcomer", "getting-started-session"
	backend.AddSession(newcomerSession, newcomer)
	in50Days := time.Now().Add(50 * 24 * time.Hour)
	backend.AddAccount(newcomer, boringtest.Account{ID: "gs-page-1", Platform: "facebook", Valid: true,
		Name: "Corner Bakery", PlatformID: "5001"})
	backend.AddAccount(newcomer, boringtest.Account{ID: "gs-insta-1", Platform: "instagram", Valid: true,
		Name: "cornerbakery", PlatformID: "5002", AccountType: "BUSINESS", ExpiresAt: &in50Days})

	// One script, as pasted into one terminal, with a marker line before
	// each block so that each block's output can be checked.
	var script strings.Builder
	var ran []docBlock
	for _, b := range realClusterBlocks(t, filepath.Join(root, gettingStartedPage)) {
		if b.skip != "" {
			t.Logf("not run: %s: %s", b.step, b.skip)
			continue
		}
		fmt.Fprintf(&script, "echo '::block %d::'\n%s", len(ran), b.code)
		ran = append(ran, b)
	}
	scriptPath := filepath.Join(t.TempDir(), "getting-started.sh")
	must(t, os.WriteFile(scriptPath, []byte(script.String()), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", scriptPath)
	cmd.Dir = root
	// The printed kubectl first (the one on PATH may be another tool's);
	// the session, pasted at session set's prompt, on standard input.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.kubeconfig, "BORING_URL="+boringIP,
		"PATH="+filepath.Dir(env.kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Stdin = strings.NewReader(newcomerSession + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if strings.Contains(out.String(), newcomerSession) {
		t.Error("the page's commands printed the session value")
	}
	outputs := strings.Split(out.String(), "::block ")
	t.Logf("ran %d blocks of %s:\n%s", len(ran), gettingStartedPage, out.String())
	if runErr != nil {
		// What the pods of the page's namespace went through.
		out, _ := runTool(env.kubectl, "describe", "pods", "-n", "marketing")
		t.Fatalf("the page's commands failed: %v (output above); the pods of marketing:\n%s", runErr, out)
	}
	if len(outputs) != len(ran)+1 {
		t.Fatalf("the output has %d block markers, want %d", len(outputs)-1, len(ran))
	}
	// What each step says "you should see", in the output of its blocks.
	byStep := map[string]string{}
	for i, b := range ran {
		n, _, _ := strings.Cut(b.step, ":")
		byStep[n] += outputs[i+1]
	}
	for step, wants := range map[string][]string{
		"Step 3": {"audit", "import", "session", "status", "sync"},
		"Step 4": {"secret marketing/boring-session created: Boring accepts the session and lists 2 accounts"},
		"Step 5": {"kind: List", "facebook-corner-bakery", "instagram-cornerbakery",
			"socialaccount.boring.aiagent-me.com/facebook-corner-bakery created"},
		"Step 6": {"condition met", "READY", "SYNCED"},
		"Step 7": {"ACCOUNT_ID=gs-page-1", "pod \"account-id\" deleted"},
	} {
		got, ok := byStep[step]
		if !ok {
			t.Errorf("the page has no block under %s left to run", step)
		}
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s: no %q in the output of its blocks:\n%s", step, want, got)
			}
		}
	}

	// And through the API: the Secret labelled, both SocialAccounts Ready,
	// the pod gone.
	var sec corev1.Secret
	must(t, c.Get(ctx, client.ObjectKey{Namespace: "marketing", Name: "boring-session"}, &sec))
	if sec.Labels[boringv1alpha1.CredentialsLabel] != "true" {
		t.Errorf("session set left the Secret without the opt-in label: %v", sec.Labels)
	}
	var list boringv1alpha1.SocialAccountList
	must(t, c.List(ctx, &list, client.InNamespace("marketing")))
	if len(list.Items) != 2 {
		t.Errorf("marketing holds %d SocialAccounts, want the 2 imported", len(list.Items))
	}
	for _, sa := range list.Items {
		if !meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady) {
			t.Errorf("%s is not Ready: %+v", sa.Name, sa.Status.Conditions)
		}
	}
}
