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
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"

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

	It("answers a flood of fresh tokens within the review budget, and keeps serving callers it knows", func() {
		ns := "flood-" + rand.String(6)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		known, err := envtestutil.ServiceAccountToken(ctx, k8sClient, ns, "known")
		Expect(err).NotTo(HaveOccurred())
		grant(ns, ns, "known", "list")
		code, _, _ := call(http.MethodGet, "/api/accounts", known, "", false)
		Expect(code).To(Equal(http.StatusOK))
		var before float64

		before, err = envtestutil.APIServerRequests(ctx, cfg, "tokenreviews", "POST")
		Expect(err).NotTo(HaveOccurred())
		const requests, clients = 2000, 20
		var limited, knownFailures atomic.Int32
		next := atomic.Int32{}
		start := time.Now()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				defer GinkgoRecover()
				for next.Add(1) <= requests {
					code, body, _ := call(http.MethodGet, "/api/accounts", "random-"+rand.String(20), "", false)
					if code == http.StatusTooManyRequests {
						Expect(body).To(HaveKeyWithValue("error", "RateLimitExceeded"))
						limited.Add(1)
					}
					if code, _, _ := call(http.MethodGet, "/api/accounts", known, "", false); code != http.StatusOK {
						knownFailures.Add(1)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		after, err := envtestutil.APIServerRequests(ctx, cfg, "tokenreviews", "POST")
		Expect(err).NotTo(HaveOccurred())
		reviews := after - before
		// The suite runs the default budget: 20 a second, bursts of 40.
		allowed := 40 + 20*elapsed.Seconds() + 1
		_, _ = fmt.Fprintf(GinkgoWriter, "%d fresh tokens in %s: %.0f TokenReviews (budget %.0f), %d answered 429\n",
			requests, elapsed.Round(time.Millisecond), reviews, allowed, limited.Load())
		Expect(reviews).To(BeNumerically("<=", allowed))
		Expect(limited.Load()).To(BeNumerically(">", 0))
		Expect(knownFailures.Load()).To(BeZero(), "a caller reviewed before the flood must be answered 200 throughout")

		By("the budget refills: a fresh caller is reviewed again (and the specs after this one are not starved)")
		Eventually(func() int {
			code, _, _ := call(http.MethodGet, "/api/accounts", "random-"+rand.String(20), "", false)
			return code
		}).Should(Equal(http.StatusUnauthorized))
		time.Sleep(2 * time.Second) // back to a full burst of 40 at 20 a second
	})
})
