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
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

// TestDashboardThousand opens the dashboard on 1,000 SocialAccounts and
// prints how long the page takes to draw them all, and how long one change
// takes to reach it. The figures are printed, not asserted. No operator
// runs here: the test writes the statuses itself (a mix of valid, expiring
// and invalid tokens), so the figures measure the dashboard alone and the
// operator's 3,000 writes of a real sync stay out of `make test`.
func TestDashboardThousand(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS not set; run through `make test`")
	}
	ctx := newBrowser(t)
	env, _, _, c := envtestutil.NewEnv(t)
	backend := boringtest.NewServer()
	t.Cleanup(backend.Close)
	f := &fixture{t: t, env: env, c: c, backend: backend, kubeconfig: writeKubeconfig(t, env, "admin", []string{"system:masters"})}
	ns := "many"
	f.namespace(ns)
	const n = 1000
	now := time.Now()
	created := time.Now()
	errs := make(chan error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs <- createWithStatus(c, ns, i, now)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	t.Logf("1,000 SocialAccounts with status written in %s", time.Since(created).Round(time.Millisecond))

	run := f.startDashboard(t, f.kubeconfig, "-n", ns)
	must(t, chromedp.Do(ctx, focused(), chromedp.EmulateViewport(1280, 900)))
	start := time.Now()
	must(t, chromedp.Do(ctx, chromedp.Navigate(run.url)))
	waitFor(t, ctx, "1,000 rows", fmt.Sprintf(`document.querySelectorAll("#accounts li.account").length === %d`, n), time.Minute)
	open := time.Since(start)
	drawn := evaluate[float64](t, ctx, `performance.getEntriesByName("dashboard-drawn").find(m => m.detail === 1000).startTime`)
	if first := evaluate[string](t, ctx, `document.querySelector("#accounts li.account").dataset.state`); first != "bad" {
		t.Errorf("the first of 1,000 rows is %q, want an invalid one", first)
	}

	// One change: account-0500's token turns invalid in its status; the
	// row turns red once the change reaches the page.
	sel := `document.querySelector('li[data-key="many/account-0500"]').dataset.state`
	if state := evaluate[string](t, ctx, sel); state == "bad" {
		t.Fatalf("account-0500 starts %q", state)
	}
	sa := &boringv1alpha1.SocialAccount{}
	must(t, c.Get(context.Background(), clientKey(ns, "account-0500"), sa))
	sa.Status.IsValid = ptr.To(false)
	meta.SetStatusCondition(&sa.Status.Conditions, metav1.Condition{Type: boringv1alpha1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: boringv1alpha1.ReasonTokenInvalid, Message: "Boring reports the token invalid"})
	changed := time.Now()
	must(t, c.Status().Update(context.Background(), sa))
	waitFor(t, ctx, "account-0500 to turn red", sel+` === "bad"`, 30*time.Second)
	latency := time.Since(changed)
	t.Logf("\n| SocialAccounts | open -> 1,000 rows in the DOM (test clock) | navigation start -> rows drawn (page's mark) | one status change -> row red |\n"+
		"|---|---|---|---|\n| %d | %s | %.0f ms | %s |", n, open.Round(time.Millisecond), drawn, latency.Round(time.Millisecond))
}

// createWithStatus creates account-NNNN with a status as the operator would
// write it: every 97th token invalid, expiries spread over 1 to 60 days.
func createWithStatus(c client.Client, ns string, i int, now time.Time) error {
	ctx := context.Background()
	platforms := []boringv1alpha1.Platform{boringv1alpha1.PlatformInstagram, boringv1alpha1.PlatformThreads}
	sa := &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("account-%04d", i)},
		Spec: boringv1alpha1.SocialAccountSpec{AccountID: fmt.Sprintf("many-%04d", i),
			CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}}}
	if err := c.Create(ctx, sa); err != nil {
		return err
	}
	valid := i%97 != 0
	exp := metav1.NewTime(now.Add(time.Duration(1+i%60)*day + time.Hour).Truncate(time.Second))
	ready := metav1.Condition{Type: boringv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: boringv1alpha1.ReasonTokenValid,
		Message: "The account is connected and its token is valid"}
	if !valid {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, boringv1alpha1.ReasonTokenInvalid, "Boring reports the token invalid"
	}
	sa.Status = boringv1alpha1.SocialAccountStatus{AccountID: sa.Spec.AccountID, Platform: platforms[i%2],
		AccountName: fmt.Sprintf("account%04d", i), IsValid: ptr.To(valid), ExpiresAt: &exp,
		DaysUntilExpiry: ptr.To(int32(1 + i%60)), SecretName: sa.Name, ObservedGeneration: sa.Generation,
		LastSyncTime: ptr.To(metav1.NewTime(now.Truncate(time.Second)))}
	meta.SetStatusCondition(&sa.Status.Conditions, ready)
	meta.SetStatusCondition(&sa.Status.Conditions, metav1.Condition{Type: boringv1alpha1.ConditionSynced, Status: metav1.ConditionTrue,
		Reason: boringv1alpha1.ReasonSyncSucceeded})
	return c.Status().Update(ctx, sa)
}

func clientKey(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
