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

package controller_test

import (
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// Issue 24.6: of an upstream error body, nothing but the HTTP status and
// Boring's own error name and message reaches status, events or logs.
var _ = Describe("SocialAccount controller, hostile upstream error bodies", func() {
	noTraceOf := func(sa *boringv1alpha1.SocialAccount, session string) {
		got := &boringv1alpha1.SocialAccount{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), got)).To(Succeed())
		status, err := json.Marshal(got.Status)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(status)).NotTo(ContainSubstring(session), "status")
		Expect(string(status)).NotTo(ContainSubstring("Cookie"), "status")
		var events eventsv1.EventList
		Expect(k8sClient.List(ctx, &events, client.InNamespace(sa.Namespace))).To(Succeed())
		for _, e := range events.Items {
			Expect(e.Note).NotTo(ContainSubstring(session), "event %s", e.Reason)
		}
		Expect(logs.String()).NotTo(ContainSubstring(session), "manager log")
	}
	// sawFailures reports whether the stand-in answered the tenant's
	// requests with status, so the fault was really served.
	sawFailures := func(user string, status int) bool {
		for _, r := range backend.Requests() {
			if r.User == user && r.Status == status {
				return true
			}
		}
		return false
	}

	It("keeps a 502 page that echoes the Cookie header out of status, events and logs", func() {
		ns, t := newSpec()
		id := t.account(instagram, 30*day)
		for _, ep := range []boringtest.Endpoint{boringtest.EndpointList, boringtest.EndpointTokenInfo} {
			backend.SetFault(ep, boringtest.Fault{EchoRequest: true})
		}
		DeferCleanup(backend.ClearFaults)
		sa := newSocialAccount(ns, "echo-502", id)
		got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable)
		Expect(sawFailures(t.user, http.StatusBadGateway)).To(BeTrue(), "the stand-in never served its echo page")
		Expect(condition(got, boringv1alpha1.ConditionSynced).Message).To(ContainSubstring("502"))
		noTraceOf(sa, t.session)
	})

	It("keeps Boring's message but redacts a session it echoes, without control characters", func() {
		ns, t := newSpec()
		id := t.account(instagram, 30*day)
		body := `{"success":false,"error":"ServiceUnavailable","message":"Maintenance\n\u001b[2Jsession=` + t.session + `"}`
		for _, ep := range []boringtest.Endpoint{boringtest.EndpointList, boringtest.EndpointTokenInfo} {
			backend.SetFault(ep, boringtest.Fault{Status: http.StatusServiceUnavailable, Body: body})
		}
		DeferCleanup(backend.ClearFaults)
		sa := newSocialAccount(ns, "echo-json", id)
		got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable)
		Expect(sawFailures(t.user, http.StatusServiceUnavailable)).To(BeTrue())
		msg := condition(got, boringv1alpha1.ConditionSynced).Message
		Expect(msg).To(ContainSubstring("ServiceUnavailable: Maintenance[2Jsession=[redacted]"))
		Expect(strings.ContainsAny(msg, "\n\u001b")).To(BeFalse(), "control characters in %q", msg)
		noTraceOf(sa, t.session)
	})
})
