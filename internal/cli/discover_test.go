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

package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// newAccountWithin is how soon a SocialAccount for an account connected in
// Boring just before must be Ready (issue: "a newly connected account is
// found in seconds"). Without the operator's fresh list it would wait for
// the not-found retry, minutes.
const newAccountWithin = 15 * time.Second

// testNewAccount: a user connects an account in Boring, then maps it, by
// hand or with `kubectl boring import | kubectl apply -f -`, while the
// operator's list under that session is seconds old (another SocialAccount
// has just synced from it). The new SocialAccount is Ready within 15 s, and
// finding it costs the session at most one extra list.
func testNewAccount(f *fixture) {
	t := f.t
	exp := time.Now().Add(40 * day)

	// By hand: a SocialAccount mapping the new account by its platform ID.
	owner := f.oneAccount("discover", "first", true)
	before := f.backend.CountFor(boringtest.EndpointList, owner)
	f.backend.AddAccount(owner, boringtest.Account{ID: "discover-2", Platform: "instagram", Valid: true,
		ExpiresAt: &exp, Name: "fresh.bakery", PlatformID: "17841400000000777"})
	f.socialAccount("discover", "fresh", boringv1alpha1.SocialAccountSpec{
		Platform: boringv1alpha1.PlatformInstagram, PlatformAccountID: "17841400000000777"})
	f.waitReadyWithin("discover", "fresh", "discover-2", newAccountWithin)
	if n := f.backend.CountFor(boringtest.EndpointList, owner) - before; n > 1 {
		t.Errorf("finding one new account listed the session %d more times, want at most 1", n)
	}

	// With import piped into kubectl apply, in a namespace of its own so
	// that its session's extra lists are counted alone.
	owner = f.oneAccount("discover-import", "first", true)
	before = f.backend.CountFor(boringtest.EndpointList, owner)
	f.backend.AddAccount(owner, boringtest.Account{ID: "discover-import-2", Platform: "threads", Valid: true,
		ExpiresAt: &exp, Name: "freshbakery", PlatformID: "26000000000000777"})
	imp := f.run("import", "--credentials", "discover-import/boring-session", "-n", "discover-import",
		"--boring-url", f.backend.URL())
	if imp.code != 0 {
		t.Fatalf("import exited %d: %s", imp.code, imp.stderr)
	}
	items := importedList(t, imp.stdout)
	if len(items) != 1 {
		t.Fatalf("import printed %d SocialAccounts, want the new one:\n%s", len(items), imp.stdout)
	}
	apply := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"),
		"--kubeconfig", f.kubeconfig, "apply", "-f", "-")
	apply.Stdin = strings.NewReader(imp.stdout)
	if out, err := apply.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply -f - of import's output: %v\n%s", err, out)
	}
	f.waitReadyWithin("discover-import", items[0].Name, "discover-import-2", newAccountWithin)
	// import's own list is one; the operator's at most one more.
	if n := f.backend.CountFor(boringtest.EndpointList, owner) - before; n > 2 {
		t.Errorf("import and finding one new account listed the session %d times, want at most 2", n)
	}
}

// waitReadyWithin waits until the SocialAccount is Ready with the account
// ID want, and fails the test after timeout saying what its status was.
func (f *fixture) waitReadyWithin(ns, name, want string, timeout time.Duration) {
	f.t.Helper()
	var sa boringv1alpha1.SocialAccount
	start := time.Now()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if err := f.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &sa); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady) && sa.Status.AccountID == want, nil
	})
	if err != nil {
		f.t.Fatalf("%s/%s not Ready with account %s within %v: account %q, conditions %+v",
			ns, name, want, timeout, sa.Status.AccountID, sa.Status.Conditions)
	}
	f.t.Logf("%s/%s Ready with the new account after %v", ns, name, time.Since(start).Round(100*time.Millisecond))
}
