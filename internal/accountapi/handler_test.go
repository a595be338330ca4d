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
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

const (
	teamA = "team-a"
	teamB = "team-b"
)

var _ = Describe("Account API", Ordered, func() {
	var (
		readerToken, nobodyToken string
		listerToken              string
		fbID, igID, thID         string
		session                  = "api-suite-session"
	)

	BeforeAll(func() {
		SetDefaultEventuallyTimeout(20 * time.Second)
		backend.AddSession(session, "api-user")
		exp := time.Now().Add(20*24*time.Hour + time.Hour).UTC().Truncate(time.Second)
		fbID, igID, thID = "fb-api-1", "ig-api-1", "th-api-1"
		backend.AddAccount("api-user", boringtest.Account{ID: fbID, Platform: "facebook", Valid: true, Name: "Bakery", PlatformID: "42"})
		backend.AddAccount("api-user", boringtest.Account{ID: igID, Platform: "instagram", Valid: true, ExpiresAt: &exp,
			Name: "bakery", PlatformID: "1784", AccountType: "BUSINESS"})
		backend.AddAccount("api-user", boringtest.Account{ID: thID, Platform: "threads", Valid: true, ExpiresAt: &exp,
			Name: "bakery_th", PlatformID: "77"})

		for _, ns := range []string{teamA, teamB, "callers"} {
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		}
		for _, ns := range []string{teamA, teamB} {
			Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: ns, Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}},
				StringData: map[string]string{"session": session},
			})).To(Succeed())
		}
		create := func(ns, name, id string) {
			Expect(k8sClient.Create(ctx, &boringv1alpha1.SocialAccount{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec: boringv1alpha1.SocialAccountSpec{AccountID: id,
					CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"}},
			})).To(Succeed())
		}
		create(teamA, "ig", igID)
		create(teamA, "fb", fbID)
		create(teamB, "th", thID)
		Eventually(func(g Gomega) {
			ready := 0
			for _, ns := range []string{teamA, teamB} { // other specs keep their own namespaces
				var list boringv1alpha1.SocialAccountList
				g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
				for _, sa := range list.Items {
					g.Expect(meta.IsStatusConditionTrue(sa.Status.Conditions, boringv1alpha1.ConditionReady)).To(BeTrue())
					ready++
				}
			}
			g.Expect(ready).To(Equal(3))
		}).Should(Succeed())

		readerToken = serviceAccountToken("reader")
		nobodyToken = serviceAccountToken("nobody")
		grant(teamA, "callers", "reader", "get", "list", "delete")
		listerToken = serviceAccountToken("lister")
		grant(teamA, "callers", "lister", "list")
	})

	It("refuses a request without a token, or with a bad one", func() {
		code, body, _ := call(http.MethodGet, "/api/accounts", "", "", false)
		Expect(code).To(Equal(http.StatusUnauthorized))
		Expect(body).To(HaveKeyWithValue("error", "Unauthorized"))
		Expect(body).To(HaveKeyWithValue("success", false))
		code, body, _ = call(http.MethodGet, "/api/accounts", "not-a-token", "", false)
		Expect(code).To(Equal(http.StatusUnauthorized))
		Expect(body).To(HaveKeyWithValue("error", "Unauthorized"))
	})

	It("lists only the namespaces the caller may list, in a stable order", func() {
		for _, cookie := range []bool{false, true} {
			Eventually(func(g Gomega) {
				code, body, raw := call(http.MethodGet, "/api/accounts", readerToken, "", cookie)
				g.Expect(code).To(Equal(http.StatusOK))
				accounts := body["accounts"].([]any)
				g.Expect(accounts).To(HaveLen(2))
				fb, ig := accounts[0].(map[string]any), accounts[1].(map[string]any)
				g.Expect(fb).To(HaveKeyWithValue("name", "fb"))
				g.Expect(fb).To(HaveKeyWithValue("namespace", teamA))
				g.Expect(fb).To(HaveKeyWithValue("account_id", fbID))
				g.Expect(fb).To(HaveKeyWithValue("social_channel_type", "facebook"))
				g.Expect(fb).To(HaveKeyWithValue("page_name", "Bakery"))
				g.Expect(fb).To(HaveKeyWithValue("page_id", "42"))
				g.Expect(fb).To(HaveKeyWithValue("expires_at", BeNil()))
				g.Expect(ig).To(HaveKeyWithValue("ig_username", "bakery"))
				g.Expect(ig).To(HaveKeyWithValue("account_type", "BUSINESS"))
				g.Expect(ig).To(HaveKeyWithValue("is_valid", true))
				g.Expect(raw).NotTo(ContainSubstring(thID))
			}).Should(Succeed())
		}
		code, body, _ := call(http.MethodGet, "/api/accounts?namespace="+teamB, readerToken, "", false)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body["accounts"]).To(BeEmpty())
	})

	It("shows nothing to a caller allowed nowhere", func() {
		code, body, _ := call(http.MethodGet, "/api/accounts", nobodyToken, "", false)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body["accounts"]).To(BeEmpty())
	})

	It("answers token info from status, computing days at request time", func() {
		code, body, _ := call(http.MethodPost, "/api/token/info", readerToken, `{"account_id":"`+igID+`"}`, false)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(HaveKeyWithValue("success", true))
		data := body["data"].(map[string]any)
		Expect(data).To(HaveKeyWithValue("is_valid", true))
		Expect(data).To(HaveKeyWithValue("days_until_expiry", 20.0))
		Expect(data).To(HaveKeyWithValue("platform", "instagram"))
		Expect(data).To(HaveKeyWithValue("account_name", "bakery"))
		Expect(data).To(HaveKey("expires_at"))
	})

	It("refuses bad token info requests in the documented shape", func() {
		tests := []struct {
			body  string
			code  int
			error string
		}{
			{`{}`, http.StatusBadRequest, "MissingParameter"},
			{`{"account_id":""}`, http.StatusBadRequest, "MissingParameter"},
			{`{"account_id":`, http.StatusBadRequest, "InvalidRequest"},
			{`not json`, http.StatusBadRequest, "InvalidRequest"},
			{`{"account_id":"` + thID + `"}`, http.StatusNotFound, "AccountNotFound"}, // exists, but in team-b
			{`{"account_id":"nope"}`, http.StatusNotFound, "AccountNotFound"},
		}
		for _, tc := range tests {
			code, body, _ := call(http.MethodPost, "/api/token/info", readerToken, tc.body, false)
			Expect(code).To(Equal(tc.code), tc.body)
			Expect(body).To(HaveKeyWithValue("error", tc.error), tc.body)
			Expect(body).To(HaveKeyWithValue("success", false), tc.body)
		}
	})

	It("answers 405 and 404 as JSON", func() {
		code, body, _ := call(http.MethodPut, "/api/accounts", readerToken, "", false)
		Expect(code).To(Equal(http.StatusMethodNotAllowed))
		Expect(body).To(HaveKeyWithValue("success", false))
		code, _, _ = call(http.MethodGet, "/api/token/info", readerToken, "", false)
		Expect(code).To(Equal(http.StatusMethodNotAllowed))
		code, body, _ = call(http.MethodGet, "/api/nothing", readerToken, "", false)
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(body).To(HaveKeyWithValue("success", false))
	})

	It("does not delete what the caller cannot see, and says AccountNotFound", func() {
		code, body, _ := call(http.MethodDelete, "/api/accounts/"+thID, readerToken, "", false)
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(body).To(HaveKeyWithValue("error", "AccountNotFound"))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: teamB, Name: "th"}, &boringv1alpha1.SocialAccount{})).To(Succeed())
		code, _, _ = call(http.MethodDelete, "/api/accounts/"+igID, nobodyToken, "", false)
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(backend.Disconnected(thID)).To(BeFalse())
		Expect(backend.Disconnected(igID)).To(BeFalse())
	})

	It("lets a list-only caller list, but neither read token info nor delete", func() {
		code, body, _ := call(http.MethodGet, "/api/accounts", listerToken, "", false)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body["accounts"]).To(HaveLen(2))

		code, body, _ = call(http.MethodPost, "/api/token/info", listerToken, `{"account_id":"`+igID+`"}`, false)
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(body).To(HaveKeyWithValue("error", "AccountNotFound"))

		code, body, _ = call(http.MethodDelete, "/api/accounts/"+igID, listerToken, "", false)
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(body).To(HaveKeyWithValue("error", "AccountNotFound"))
		sa := &boringv1alpha1.SocialAccount{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: teamA, Name: "ig"}, sa)).To(Succeed())
		Expect(sa.DeletionTimestamp).To(BeNil())
		Expect(backend.Disconnected(igID)).To(BeFalse())
	})

	It("shows a change at once, although the answer is remembered for minutes", func() {
		pageName := func() any {
			code, body, _ := call(http.MethodGet, "/api/accounts", readerToken, "", false)
			Expect(code).To(Equal(http.StatusOK))
			return body["accounts"].([]any)[0].(map[string]any)["page_name"]
		}
		Expect(pageName()).To(Equal("Bakery")) // now remembered for the suite's 10-minute TTL
		By("changing the SocialAccount's status behind the API's back")
		fb := &boringv1alpha1.SocialAccount{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: teamA, Name: "fb"}, fb)).To(Succeed())
		base := fb.DeepCopy()
		fb.Status.Facebook.PageName = "Bakery & Co"
		Expect(k8sClient.Status().Patch(ctx, fb, client.MergeFrom(base))).To(Succeed())
		Eventually(pageName, 10*time.Second).Should(Equal("Bakery & Co"))
	})

	It("deletes a visible SocialAccount, which disconnects it in Boring", func() {
		code, body, _ := call(http.MethodDelete, "/api/accounts/"+igID, readerToken, "", false)
		Expect(code).To(Equal(http.StatusOK))
		Expect(body).To(Equal(map[string]any{"success": true, "message": "Account disconnected successfully"}))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: teamA, Name: "ig"}, &boringv1alpha1.SocialAccount{}))
		}).Should(BeTrue())
		Eventually(func() bool { return backend.Disconnected(igID) }).Should(BeTrue())
		Eventually(func(g Gomega) {
			_, body, _ := call(http.MethodGet, "/api/accounts", readerToken, "", false)
			g.Expect(body["accounts"]).To(HaveLen(1))
		}).Should(Succeed())
	})
})
