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
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes/scheme"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/accountapi"
	"github.com/aiagent-me/boring-operator/internal/envtestutil"
)

var _ = Describe("Who may call", func() {
	It("accepts a token minted for the configured audience and refuses one for another", func() {
		ns := "aud-" + rand.String(6)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		ours, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns, "dashboard", "boring-account-api")
		Expect(err).NotTo(HaveOccurred())
		theirs, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns, "dashboard", "some-other-api")
		Expect(err).NotTo(HaveOccurred())
		fullPower, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns, "dashboard")
		Expect(err).NotTo(HaveOccurred())

		reviewer := accountapi.NewReviewer(k8sClient, accountapi.ReviewerOptions{Audiences: []string{"boring-account-api"}})
		caller, err := reviewer.Authenticate(ctx, ours)
		Expect(err).NotTo(HaveOccurred())
		Expect(caller).NotTo(BeNil())
		Expect(caller.Username).To(Equal("system:serviceaccount:" + ns + ":dashboard"))
		for _, token := range []string{theirs, fullPower} {
			caller, err := reviewer.Authenticate(ctx, token)
			Expect(err).NotTo(HaveOccurred())
			Expect(caller).To(BeNil(), "a token for another audience must be refused")
		}

		By("without configured audiences, the API server's own tokens are the ones accepted")
		open := accountapi.NewReviewer(k8sClient, accountapi.ReviewerOptions{})
		Expect(open.Authenticate(ctx, fullPower)).NotTo(BeNil())
	})

	// Issue 24.1 and 24.2, on an injected clock: the reviews go to the real
	// API server (counted there), the SocialAccounts come from a fake reader,
	// and time moves only when the test moves it, so a minute of flood costs
	// seconds and no spec after this one finds the suite's budget spent.
	It("keeps serving a known caller through a minute's flood of random tokens, within the review budget", func() {
		env := newClockedAPI()
		known := env.caller("known")
		code, body := env.get(known)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`"namespace":"` + env.namespaces[0] + `"`))
		Expect(body).NotTo(ContainSubstring(env.namespaces[1]))

		tokenReviews := apiServerCount("tokenreviews")
		accessReviews := apiServerCount("subjectaccessreviews")
		const (
			tick    = 50 * time.Millisecond // the known caller polls 20 times a second
			flood   = time.Minute
			clients = 50 // random tokens sent at once, every tick
		)
		var limited, unauthorized, knownFailures int
		for range int(flood / tick) {
			codes := make([]int, clients)
			var wg sync.WaitGroup
			for i := range clients {
				wg.Go(func() { codes[i], _ = env.get("random-" + rand.String(20)) })
			}
			if code, _ := env.get(known); code != http.StatusOK {
				knownFailures++
			}
			wg.Wait()
			for _, c := range codes {
				switch c {
				case http.StatusTooManyRequests:
					limited++
				case http.StatusUnauthorized:
					unauthorized++
				default:
					Fail(fmt.Sprintf("a random token was answered %d", c))
				}
			}
			env.clock.Step(tick)
		}
		reviews := apiServerCount("tokenreviews") - tokenReviews
		sars := apiServerCount("subjectaccessreviews") - accessReviews
		// Defaults: 20 a second, bursts of 40, for unknown tokens; a reserve
		// of 10 a second, bursts of 20, for known callers.
		floodBudget := 40 + 20*flood.Seconds()
		allowed := floodBudget + 20 + 10*flood.Seconds()
		_, _ = fmt.Fprintf(GinkgoWriter, "flood of %s (%d random tokens, %d at once): %.0f TokenReviews (flood budget %.0f, with the reserve %.0f), "+
			"%.0f SubjectAccessReviews, %d answered 429, %d answered 401; the known caller polled %d times, %d not 200\n",
			flood, int(flood/tick)*clients, clients, reviews, floodBudget, allowed, sars, limited, unauthorized, int(flood/tick), knownFailures)
		Expect(knownFailures).To(BeZero(), "a caller reviewed before the flood must be answered 200 on every poll")
		Expect(reviews).To(BeNumerically("<=", allowed))
		Expect(limited).To(BeNumerically(">", 0), "the flood must exceed the budget, or this test proves nothing")
		Expect(unauthorized).To(BeNumerically(">", 0))
	})

	It("stops serving a caller within the review TTL of its RoleBinding's removal", func() {
		env := newClockedAPI()
		known := env.caller("revoked")
		_, body := env.get(known)
		Expect(body).To(ContainSubstring(`"namespace":"` + env.namespaces[0] + `"`))

		Expect(k8sClient.Delete(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{
			Namespace: env.namespaces[0], Name: "socialaccounts-revoked"}})).To(Succeed())
		Eventually(func() (bool, error) {
			return envtestutil.Allowed(ctx, k8sClient, env.namespaces[0], env.namespaces[0], "revoked", "list")
		}).Should(BeFalse(), "the API server's authorizer must see the removal first")

		removed := env.clock.Now()
		for {
			_, body = env.get(known)
			if !strings.Contains(body, env.namespaces[0]) {
				break
			}
			Expect(env.clock.Since(removed)).To(BeNumerically("<", 10*time.Second), "still served a review TTL after the removal")
			env.clock.Step(250 * time.Millisecond)
		}
		_, _ = fmt.Fprintf(GinkgoWriter, "RoleBinding removed: refused after %s of (injected) time, review TTL 10s\n", env.clock.Since(removed))
		Expect(body).To(MatchJSON(`{"accounts":[]}`))
	})
})

// clockedAPI is an account API handler on an injected clock, reviewing with
// the real API server, over SocialAccounts in five namespaces.
type clockedAPI struct {
	clock      *testingclock.FakeClock
	handler    *accountapi.Handler
	namespaces []string
}

func newClockedAPI() *clockedAPI {
	env := &clockedAPI{clock: testingclock.NewFakeClock(time.Now())}
	reader := fake.NewClientBuilder().WithScheme(scheme.Scheme)
	for i := range 5 {
		ns := fmt.Sprintf("clocked-%d-%s", i, rand.String(6))
		env.namespaces = append(env.namespaces, ns)
		valid := true
		reader = reader.WithObjects(&boringv1alpha1.SocialAccount{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acct"},
			Spec:       boringv1alpha1.SocialAccountSpec{AccountID: "id-" + ns},
			Status: boringv1alpha1.SocialAccountStatus{AccountID: "id-" + ns, Platform: boringv1alpha1.PlatformInstagram,
				IsValid: &valid, Instagram: &boringv1alpha1.InstagramStatus{Username: "u"}},
		})
	}
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.namespaces[0]}})).To(Succeed())
	c := reader.Build()
	reviewer := accountapi.NewReviewer(k8sClient, accountapi.ReviewerOptions{Clock: env.clock})
	env.handler = accountapi.NewHandler(c, c, reviewer, env.clock)
	env.handler.ResponseTTL = time.Hour
	env.handler.ObjectsChanged() // remembered answers on, as the manager wires them
	return env
}

// caller returns a token of a ServiceAccount that may list SocialAccounts in
// the first namespace only, and waits until the API server says so.
func (e *clockedAPI) caller(name string) string {
	token, err := envtestutil.ServiceAccountToken(ctx, k8sClient, e.namespaces[0], name)
	Expect(err).NotTo(HaveOccurred())
	grant(e.namespaces[0], e.namespaces[0], name, "list")
	return token
}

func (e *clockedAPI) get(token string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, "/api/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func apiServerCount(resource string) float64 {
	n, err := envtestutil.APIServerRequests(ctx, cfg, resource, "POST")
	Expect(err).NotTo(HaveOccurred())
	return n
}
