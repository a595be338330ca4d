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
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

// credentialsLabel opts a Secret in as Boring credentials.
var credentialsLabel = map[string]string{boringv1alpha1.CredentialsLabel: "true"}

// sessionsUsed collects every session value handed to the manager, so the
// suite can check that none reached the log.
var sessionsUsed []string

// tenant is one Boring user with a session, and its credentials Secret.
type tenant struct {
	user    string
	session string
}

// newTenant makes a Boring user and stores its session in the Secret
// boring-session of ns.
func newTenant(ns string) tenant {
	t := tenant{user: "user-" + rand.String(6), session: "sess-" + rand.String(24)}
	backend.AddSession(t.session, t.user)
	sessionsUsed = append(sessionsUsed, t.session)
	if ns != "" {
		newTenantSecret(ns, t.session)
	}
	return t
}

func newTenantSecret(ns, session string) {
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: ns, Labels: credentialsLabel},
		StringData: map[string]string{"session": session},
	})).To(Succeed())
}

// account connects an account of platform ("facebook", "instagram",
// "threads") for the tenant in the stand-in, expiring after expiresIn (0:
// never), and returns its account_id.
func (t tenant) account(platform string, expiresIn time.Duration) string {
	id := platform[:2] + "-" + rand.String(10)
	a := boringtest.Account{ID: id, Platform: platform, Valid: true}
	if expiresIn != 0 {
		exp := fakeClock.Now().Add(expiresIn).UTC().Truncate(time.Second)
		a.ExpiresAt = &exp
	}
	switch platform {
	case facebook:
		a.Name, a.PlatformID = "Page "+id, "pid-"+id
		data := fakeClock.Now().Add(80 * day).UTC().Truncate(time.Second)
		a.DataAccessExpiresAt = &data
	case instagram:
		a.Name, a.PlatformID, a.AccountType = "ig_"+id, "igid-"+id, "BUSINESS"
	case threads:
		a.Name, a.PlatformID, a.ProfilePicture = "th_"+id, "thid-"+id, "https://example.com/"+id+".png"
	}
	backend.AddAccount(t.user, a)
	return id
}

func newSocialAccount(ns, name, accountID string, mutate ...func(*boringv1alpha1.SocialAccount)) *boringv1alpha1.SocialAccount {
	sa := &boringv1alpha1.SocialAccount{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: boringv1alpha1.SocialAccountSpec{
			AccountID:      accountID,
			CredentialsRef: &boringv1alpha1.CredentialsReference{Name: "boring-session"},
		},
	}
	for _, m := range mutate {
		m(sa)
	}
	Expect(k8sClient.Create(ctx, sa)).To(Succeed())
	return sa
}

func getSA(g Gomega, sa *boringv1alpha1.SocialAccount) *boringv1alpha1.SocialAccount {
	out := &boringv1alpha1.SocialAccount{}
	g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), out)).To(Succeed())
	return out
}

func condition(sa *boringv1alpha1.SocialAccount, typ string) metav1.Condition {
	c := meta.FindStatusCondition(sa.Status.Conditions, typ)
	if c == nil {
		return metav1.Condition{Type: typ, Status: metav1.ConditionUnknown}
	}
	return *c
}

// eventuallyCondition waits for a condition with the given status and reason.
func eventuallyCondition(sa *boringv1alpha1.SocialAccount, typ string, status metav1.ConditionStatus, reason string) *boringv1alpha1.SocialAccount {
	var got *boringv1alpha1.SocialAccount
	Eventually(func(g Gomega) {
		got = getSA(g, sa)
		c := condition(got, typ)
		g.Expect(c.Status).To(Equal(status), "condition %s: %+v", typ, c)
		g.Expect(c.Reason).To(Equal(reason), "condition %s: %+v", typ, c)
	}).Should(Succeed())
	return got
}

// requestSync sets the sync-requested-at annotation, forcing a fresh sync.
func requestSync(sa *boringv1alpha1.SocialAccount) string {
	value := fmt.Sprintf("%d-%s", time.Now().UnixNano(), rand.String(4))
	Eventually(func(g Gomega) {
		cur := getSA(g, sa)
		base := cur.DeepCopy()
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		cur.Annotations[boringv1alpha1.SyncRequestedAnnotation] = value
		g.Expect(k8sClient.Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
	}).Should(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(getSA(g, sa).Status.LastHandledSyncRequest).To(Equal(value))
	}).Should(Succeed())
	return value
}

func setAnnotation(sa *boringv1alpha1.SocialAccount, key, value string) {
	Eventually(func(g Gomega) {
		cur := getSA(g, sa)
		base := cur.DeepCopy()
		if value == "" {
			delete(cur.Annotations, key)
		} else {
			if cur.Annotations == nil {
				cur.Annotations = map[string]string{}
			}
			cur.Annotations[key] = value
		}
		g.Expect(k8sClient.Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
	}).Should(Succeed())
}

// eventsFor lists the events about a SocialAccount with the given reason.
func eventsFor(g Gomega, sa *boringv1alpha1.SocialAccount, reason string) []eventsv1.Event {
	var list eventsv1.EventList
	g.Expect(k8sClient.List(ctx, &list, client.InNamespace(sa.Namespace))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == sa.Name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func eventCount(g Gomega, sa *boringv1alpha1.SocialAccount, reason string) int {
	n := 0
	for _, e := range eventsFor(g, sa, reason) {
		n++
		if e.Series != nil {
			n += int(e.Series.Count) - 1
		}
	}
	return n
}

func getSecret(g Gomega, ns, name string) *corev1.Secret {
	s := &corev1.Secret{}
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s)).To(Succeed())
	return s
}

func deleteAndWaitGone(sa *boringv1alpha1.SocialAccount) {
	Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, sa))).To(Succeed())
	Eventually(func() bool {
		err := k8sClient.Get(ctx, client.ObjectKeyFromObject(sa), &boringv1alpha1.SocialAccount{})
		return apierrors.IsNotFound(err)
	}).Should(BeTrue())
}

var sharedTenant *tenant

// defaultCredentials is the Boring user behind the manager's
// --default-credentials Secret, created on first use.
func defaultCredentials() tenant {
	if sharedTenant == nil {
		for _, n := range []string{defaultCredsNamespace, defaultCredsAllowedNS} {
			Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}))).To(Succeed())
		}
		shared := newTenant("")
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "boring-session", Namespace: defaultCredsNamespace, Labels: credentialsLabel},
			StringData: map[string]string{"session": shared.session},
		})).To(Succeed())
		sharedTenant = &shared
	}
	return *sharedTenant
}

// newSpec gives a spec its namespace and a Boring tenant whose credentials
// Secret is in it.
func newSpec() (string, tenant) {
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	ns := newNamespace()
	return ns, newTenant(ns)
}

var _ = Describe("SocialAccount controller", func() {
	var (
		ns string
		t  tenant
	)
	BeforeEach(func() { ns, t = newSpec() })

	Context("status from Boring", func() {
		It("reports a Facebook Page that never expires, with data access expiry", func() {
			id := t.account(facebook, 0)
			sa := newSocialAccount(ns, "fb", id, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.Platform = boringv1alpha1.PlatformFacebook })
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.Platform).To(Equal(boringv1alpha1.PlatformFacebook))
			Expect(got.Status.AccountName).To(Equal("Page " + id))
			Expect(got.Status.IsValid).To(HaveValue(BeTrue()))
			Expect(got.Status.ExpiresAt).To(BeNil())
			Expect(got.Status.DaysUntilExpiry).To(BeNil())
			Expect(got.Status.DataAccessExpiresAt).NotTo(BeNil())
			Expect(got.Status.Facebook).To(Equal(&boringv1alpha1.FacebookStatus{PageName: "Page " + id, PageID: "pid-" + id}))
			Expect(got.Status.Instagram).To(BeNil())
			Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			Expect(got.Status.LastSyncTime).NotTo(BeNil())
			Expect(got.Finalizers).To(ContainElement(boringv1alpha1.Finalizer))
			Expect(condition(got, boringv1alpha1.ConditionSynced).Reason).To(Equal(boringv1alpha1.ReasonSyncSucceeded))
			Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventSynced)).To(Equal(1)) }).Should(Succeed())
		})

		It("reports an Instagram account with days until expiry, rounded down", func() {
			id := t.account(instagram, 45*day+23*time.Hour)
			sa := newSocialAccount(ns, "ig", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.DaysUntilExpiry).To(HaveValue(Equal(int32(45))))
			Expect(got.Status.ExpiresAt).NotTo(BeNil())
			Expect(got.Status.Instagram).To(Equal(&boringv1alpha1.InstagramStatus{Username: "ig_" + id, AccountID: "igid-" + id, AccountType: "BUSINESS"}))
			Expect(got.Status.AccountName).To(Equal("ig_" + id))
		})

		It("reports a Threads account", func() {
			id := t.account(threads, 30*day)
			sa := newSocialAccount(ns, "th", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.Threads).To(Equal(&boringv1alpha1.ThreadsStatus{Username: "th_" + id, UserID: "thid-" + id, ProfilePictureURL: "https://example.com/" + id + ".png"}))
			Expect(got.Status.DaysUntilExpiry).To(HaveValue(Equal(int32(30))))
		})

		It("says TokenExpired with 0 days past expiry", func() {
			id := t.account(instagram, -time.Hour)
			sa := newSocialAccount(ns, "expired", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonTokenExpired)
			Expect(got.Status.DaysUntilExpiry).To(HaveValue(BeZero()))
			Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpired)).To(Equal(1)) }).Should(Succeed())
		})

		It("says TokenInvalid for a revoked token, and raises a Warning", func() {
			id := t.account(instagram, 30*day)
			Expect(backend.RevokeAccount(id)).To(Succeed())
			sa := newSocialAccount(ns, "revoked", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonTokenInvalid)
			Expect(got.Status.IsValid).To(HaveValue(BeFalse()))
			Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenInvalid)).To(Equal(1)) }).Should(Succeed())
		})

		It("says PlatformMismatch when spec.platform disagrees with Boring, and writes no Secret", func() {
			id := t.account(threads, 30*day)
			sa := newSocialAccount(ns, "mismatch", id, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.Platform = boringv1alpha1.PlatformInstagram })
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonPlatformMismatch)
			Consistently(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mismatch"}, &corev1.Secret{}))
			}, 500*time.Millisecond).Should(BeTrue())
		})

		It("says AccountNotFound for an ID Boring does not list, and writes no Secret", func() {
			sa := newSocialAccount(ns, "ghost", "no-such-account")
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonAccountNotFound)
			Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventAccountNotFound)).To(Equal(1)) }).Should(Succeed())
			Expect(apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ghost"}, &corev1.Secret{}))).To(BeTrue())
		})
	})

	Context("the account-ID Secret", func() {
		It("writes ACCOUNT_ID, PLATFORM, ACCOUNT_NAME with template metadata and an owner", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "ig", id, func(sa *boringv1alpha1.SocialAccount) {
				sa.Spec.SecretName = "ig-ids"
				sa.Spec.SecretTemplate = &boringv1alpha1.SecretTemplate{
					Labels: map[string]string{"team": "growth"}, Annotations: map[string]string{"note": "hi"},
				}
			})
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.SecretName).To(Equal("ig-ids"))
			Eventually(func(g Gomega) {
				s := getSecret(g, ns, "ig-ids")
				g.Expect(s.Data).To(Equal(map[string][]byte{
					"ACCOUNT_ID": []byte(id), "PLATFORM": []byte("instagram"), "ACCOUNT_NAME": []byte("ig_" + id),
				}))
				g.Expect(s.Labels).To(HaveKeyWithValue("team", "growth"))
				g.Expect(s.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "boring-operator"))
				g.Expect(s.Annotations).To(HaveKeyWithValue("note", "hi"))
				g.Expect(metav1.IsControlledBy(s, got)).To(BeTrue())
			}).Should(Succeed())
		})

		It("repairs an edited Secret and recreates a deleted one", func() {
			id := t.account(threads, 30*day)
			sa := newSocialAccount(ns, "th", id)
			Eventually(func(g Gomega) { getSecret(g, ns, "th") }).Should(Succeed())

			s := getSecret(Default, ns, "th")
			s.Data["ACCOUNT_ID"] = []byte("tampered")
			Expect(k8sClient.Update(ctx, s)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(string(getSecret(g, ns, "th").Data["ACCOUNT_ID"])).To(Equal(id))
			}).Should(Succeed())

			Expect(k8sClient.Delete(ctx, s)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(string(getSecret(g, ns, "th").Data["ACCOUNT_ID"])).To(Equal(id))
			}).Should(Succeed())
			_ = sa
		})

		It("leaves a same-named Secret it does not own alone, with SecretConflict", func() {
			Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "taken", Namespace: ns},
				StringData: map[string]string{"mine": "yes"},
			})).To(Succeed())
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "taken", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonSecretConflict)
			s := getSecret(Default, ns, "taken")
			Expect(s.Data).To(Equal(map[string][]byte{"mine": []byte("yes")}))
			Expect(s.OwnerReferences).To(BeEmpty())
		})

		It("keeps the Secret and the last known status while Boring fails", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "ig", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			backend.SetFault(boringtest.EndpointList, boringtest.Fault{Status: 503})
			DeferCleanup(backend.ClearFaults)
			setAnnotation(sa, boringv1alpha1.SyncRequestedAnnotation, "during-outage")
			got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonBackendUnavailable)
			Expect(condition(got, boringv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			Expect(got.Status.AccountName).To(Equal("ig_" + id))
			Expect(string(getSecret(Default, ns, "ig").Data["ACCOUNT_ID"])).To(Equal(id))
			backend.ClearFaults()
			eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionTrue, boringv1alpha1.ReasonSyncSucceeded)
		})
	})

	Context("expiry warnings", func() {
		It("warns once a day inside the window, as the injected clock advances", func() {
			id := t.account(instagram, 8*day+time.Hour)
			sa := newSocialAccount(ns, "soon", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.DaysUntilExpiry).To(HaveValue(Equal(int32(8))))
			Consistently(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpiringSoon)).To(BeZero()) }, 300*time.Millisecond).Should(Succeed())

			By("crossing into the 7-day window")
			fakeClock.Step(2 * day)
			requestSync(sa)
			Eventually(func(g Gomega) {
				g.Expect(getSA(g, sa).Status.DaysUntilExpiry).To(HaveValue(Equal(int32(6))))
				g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpiringSoon)).To(Equal(1))
			}).Should(Succeed())
			ev := eventsFor(Default, sa, boringv1alpha1.EventTokenExpiringSoon)[0]
			Expect(ev.Type).To(Equal(corev1.EventTypeWarning))
			Expect(ev.Note).To(ContainSubstring("Token expiring in 6 days"))

			By("syncing again the same day: no second warning")
			requestSync(sa)
			Consistently(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpiringSoon)).To(Equal(1)) }, 300*time.Millisecond).Should(Succeed())

			By("a day later: one more warning")
			fakeClock.Step(day)
			requestSync(sa)
			Eventually(func(g Gomega) {
				g.Expect(getSA(g, sa).Status.DaysUntilExpiry).To(HaveValue(Equal(int32(5))))
				g.Expect(eventCount(g, sa, boringv1alpha1.EventTokenExpiringSoon)).To(Equal(2))
			}).Should(Succeed())
		})
	})

	Context("Facebook data access", func() {
		It("warns DataAccessExpiringSoon inside the window", func() {
			id := t.account(facebook, 0)
			Expect(backend.UpdateAccount(id, func(a *boringtest.Account) {
				soon := fakeClock.Now().Add(3*day + time.Hour).UTC().Truncate(time.Second)
				a.DataAccessExpiresAt = &soon
			})).To(Succeed())
			sa := newSocialAccount(ns, "fb-data", id)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(got.Status.LastExpiryWarningTime).NotTo(BeNil())
			Eventually(func(g Gomega) {
				evs := eventsFor(g, sa, boringv1alpha1.EventDataAccessExpiringSoon)
				g.Expect(evs).To(HaveLen(1))
				g.Expect(evs[0].Type).To(Equal(corev1.EventTypeWarning))
				g.Expect(evs[0].Note).To(ContainSubstring("3 days"))
			}).Should(Succeed())
			Expect(eventCount(Default, sa, boringv1alpha1.EventTokenExpiringSoon)).To(BeZero())
		})
	})

	Context("deletion", func() {
		It("disconnects in Boring with the Disconnect policy", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "bye", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			deleteAndWaitGone(sa)
			Expect(backend.Disconnected(id)).To(BeTrue())
		})

		It("never calls Boring with the Orphan policy", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "keep", id, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.DeletionPolicy = boringv1alpha1.DeletionPolicyOrphan })
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			deleteAndWaitGone(sa)
			Expect(backend.Disconnected(id)).To(BeFalse())
			Expect(backend.CountFor(boringtest.EndpointDisconnect, t.user)).To(BeZero())
		})

		It("holds the finalizer while Boring fails, then completes", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "retry", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			backend.SetFault(boringtest.EndpointDisconnect, boringtest.Fault{Status: 500})
			DeferCleanup(backend.ClearFaults)
			Expect(k8sClient.Delete(ctx, sa)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(eventCount(g, sa, boringv1alpha1.EventDisconnectFailed)).To(BeNumerically(">=", 1))
			}).Should(Succeed())
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonDisconnectFailed)
			Expect(got.Finalizers).To(ContainElement(boringv1alpha1.Finalizer))
			Expect(backend.Disconnected(id)).To(BeFalse())
			backend.ClearFaults()
			deleteAndWaitGone(sa)
			Expect(backend.Disconnected(id)).To(BeTrue())
		})

		It("does not disconnect a paused account until it is unpaused", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "paused", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			setAnnotation(sa, boringv1alpha1.PausedAnnotation, "true")
			eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonPaused)
			Expect(k8sClient.Delete(ctx, sa)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(condition(getSA(g, sa), boringv1alpha1.ConditionSynced).Message).To(ContainSubstring("not disconnected"))
			}).Should(Succeed())
			Consistently(func(g Gomega) {
				g.Expect(getSA(g, sa).Finalizers).To(ContainElement(boringv1alpha1.Finalizer))
			}, time.Second).Should(Succeed())
			Expect(backend.CountFor(boringtest.EndpointDisconnect, t.user)).To(BeZero())
			setAnnotation(sa, boringv1alpha1.PausedAnnotation, "")
			deleteAndWaitGone(sa)
			Expect(backend.Disconnected(id)).To(BeTrue())
		})

		It("skips the disconnect while another SocialAccount maps the same account", func() {
			id := t.account(threads, 30*day)
			first := newSocialAccount(ns, "first", id)
			second := newSocialAccount(ns, "second", id)
			eventuallyCondition(first, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			eventuallyCondition(second, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			deleteAndWaitGone(first)
			Expect(backend.Disconnected(id)).To(BeFalse())
			Eventually(func(g Gomega) {
				evs := eventsFor(g, first, boringv1alpha1.EventDisconnectSkipped)
				g.Expect(evs).NotTo(BeEmpty())
				g.Expect(evs[0].Note).To(ContainSubstring("SocialAccount second"))
			}).Should(Succeed())
			deleteAndWaitGone(second)
			Expect(backend.Disconnected(id)).To(BeTrue())
		})
	})

	Context("faults", func() {
		type faultCase struct {
			fault  boringtest.Fault
			reason string
		}
		cases := map[string]faultCase{
			"401":       {boringtest.Fault{Status: 401}, boringv1alpha1.ReasonUnauthorized},
			"404":       {boringtest.Fault{Status: 404}, boringv1alpha1.ReasonBackendUnavailable},
			"429":       {boringtest.Fault{Status: 429, RetryAfter: "30"}, boringv1alpha1.ReasonRateLimited},
			"500":       {boringtest.Fault{Status: 500}, boringv1alpha1.ReasonBackendUnavailable},
			"hang":      {boringtest.Fault{Hang: true}, boringv1alpha1.ReasonBackendUnavailable},
			"malformed": {boringtest.Fault{Malformed: true}, boringv1alpha1.ReasonBackendUnavailable},
			"reset":     {boringtest.Fault{Reset: true}, boringv1alpha1.ReasonBackendUnavailable},
		}
		for name, fc := range cases {
			It("reports "+name+" as Synced=False "+fc.reason+" with a bounded number of requests", func() {
				id := t.account(instagram, 30*day)
				backend.SetFault(boringtest.EndpointList, fc.fault)
				DeferCleanup(backend.ClearFaults)
				sa := newSocialAccount(ns, "f", id)
				got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, fc.reason)
				Expect(condition(got, boringv1alpha1.ConditionReady).Reason).To(Equal(boringv1alpha1.ReasonPending))
				Expect(got.Status.ObservedGeneration).To(BeZero())
				// Retries are bounded per call (the client's MaxAttempts); when
				// to call again is the failure path's decision, tested without
				// envtest in decisions_test.go.
				Expect(backend.CountFor(boringtest.EndpointList, t.user)).To(BeNumerically("<=", 12))
				Expect(apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "f"}, &corev1.Secret{}))).To(BeTrue())
				backend.ClearFaults()
				requestSync(sa)
				eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			})
		}
	})

	Context("credentials", func() {
		It("says CredentialsMissing until the Secret exists", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "nocreds", id, func(sa *boringv1alpha1.SocialAccount) {
				sa.Spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "later"}
			})
			eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonCredentialsMissing)
			Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: ns, Labels: credentialsLabel},
				StringData: map[string]string{"session": t.session},
			})).To(Succeed())
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		})

		It("says Unauthorized with a Warning for a rejected session, and resyncs when the Secret is rotated", func() {
			id := t.account(instagram, 30*day)
			backend.RevokeSession(t.session)
			sa := newSocialAccount(ns, "rotate", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonUnauthorized)
			Eventually(func(g Gomega) { g.Expect(eventCount(g, sa, boringv1alpha1.EventUnauthorized)).To(Equal(1)) }).Should(Succeed())

			By("rotating the session in the Secret, without touching the SocialAccount")
			fresh := "sess-" + rand.String(24)
			sessionsUsed = append(sessionsUsed, fresh)
			backend.AddSession(fresh, t.user)
			s := getSecret(Default, ns, "boring-session")
			s.Data["session"] = []byte(fresh)
			Expect(k8sClient.Update(ctx, s)).To(Succeed())
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		})

		It("refuses the default credentials outside their namespaces, without a call to Boring", func() {
			shared := defaultCredentials()
			id := shared.account(instagram, 30*day)
			before := backend.CountFor(boringtest.EndpointList, shared.user)
			sa := newSocialAccount(ns, "nodefault", id, func(sa *boringv1alpha1.SocialAccount) { sa.Spec.CredentialsRef = nil })
			got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonCredentialsMissing)
			Expect(condition(got, boringv1alpha1.ConditionSynced).Message).To(ContainSubstring("--default-credentials-namespaces"))
			Expect(backend.CountFor(boringtest.EndpointList, shared.user)).To(Equal(before))
		})

		It("serves the default credentials in their own namespace and the listed ones", func() {
			shared := defaultCredentials()
			ids := []string{shared.account(threads, 30*day), shared.account(threads, 30*day)}
			for i, n := range []string{defaultCredsNamespace, defaultCredsAllowedNS} {
				sa := newSocialAccount(n, "default-"+rand.String(4), ids[i], func(sa *boringv1alpha1.SocialAccount) { sa.Spec.CredentialsRef = nil })
				requestSync(sa) // the shared list may predate these accounts
				eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			}
		})

		It("uses a Secret as credentials only once it opts in with the label, without a restart", func() {
			id := t.account(instagram, 30*day)
			Expect(k8sClient.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: ns},
				StringData: map[string]string{"session": t.session},
			})).To(Succeed())
			sa := newSocialAccount(ns, "needs-label", id, func(sa *boringv1alpha1.SocialAccount) {
				sa.Spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "plain"}
			})
			got := eventuallyCondition(sa, boringv1alpha1.ConditionSynced, metav1.ConditionFalse, boringv1alpha1.ReasonCredentialsMissing)
			Expect(condition(got, boringv1alpha1.ConditionSynced).Message).To(ContainSubstring(boringv1alpha1.CredentialsLabel + "=true"))
			Expect(backend.CountFor(boringtest.EndpointList, t.user)).To(BeZero())

			s := getSecret(Default, ns, "plain")
			s.Labels = credentialsLabel
			Expect(k8sClient.Update(ctx, s)).To(Succeed())
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
		})
	})

	Context("forced sync and caching", func() {
		It("sees an upstream change only on a forced sync, which bypasses the shared cache", func() {
			id := t.account(instagram, 30*day)
			sa := newSocialAccount(ns, "forced", id)
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Expect(backend.RevokeAccount(id)).To(Succeed())
			fakeClock.Step(time.Second)
			setAnnotation(sa, "unrelated", "poke") // an annotation change syncs, from the cache
			checkedAt(sa, instagram)
			Expect(condition(getSA(Default, sa), boringv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			value := requestSync(sa)
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionFalse, boringv1alpha1.ReasonTokenInvalid)
			Expect(got.Status.LastHandledSyncRequest).To(Equal(value))
		})

		It("shares one list call between SocialAccounts of one credential", func() {
			ids := make([]string, 0, 10)
			for range 10 {
				ids = append(ids, t.account(threads, 30*day))
			}
			sas := make([]*boringv1alpha1.SocialAccount, 0, len(ids))
			for i, id := range ids {
				sas = append(sas, newSocialAccount(ns, fmt.Sprintf("many-%d", i), id))
			}
			for _, sa := range sas {
				eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			}
			Expect(backend.CountFor(boringtest.EndpointList, t.user)).To(BeNumerically("<=", 2))
		})

		It("syncs on a spec change but not on a status-only write", func() {
			id := t.account(threads, 30*day)
			// Orphan: no credentials finalizer is added to the Secret, whose
			// change would (rightly) resync this SocialAccount mid-test.
			sa := newSocialAccount(ns, "triggers", id, func(sa *boringv1alpha1.SocialAccount) {
				sa.Spec.DeletionPolicy = boringv1alpha1.DeletionPolicyOrphan
			})
			eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)

			By("writing status behind the controller's back")
			cur := getSA(Default, sa)
			base := cur.DeepCopy()
			cur.Status.AccountName = "tampered"
			Expect(k8sClient.Status().Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
			Consistently(func(g Gomega) {
				g.Expect(getSA(g, sa).Status.AccountName).To(Equal("tampered"))
			}, time.Second).Should(Succeed())

			By("changing the spec")
			cur = getSA(Default, sa)
			base = cur.DeepCopy()
			cur.Spec.ExpiryWarningDays = 14
			Expect(k8sClient.Patch(ctx, cur, client.MergeFrom(base))).To(Succeed())
			Eventually(func(g Gomega) {
				got := getSA(g, sa)
				g.Expect(got.Status.AccountName).To(Equal("th_" + id))
				g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			}).Should(Succeed())
		})

		It("writes nothing on a quiet refresh", func() {
			id := t.account(facebook, 0)
			sa := newSocialAccount(ns, "quiet", id)
			before := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Eventually(func(g Gomega) { getSecret(g, ns, "quiet") }).Should(Succeed())
			secretRV := getSecret(Default, ns, "quiet").ResourceVersion
			fakeClock.Step(time.Second)
			setAnnotation(sa, "poke", "1")
			checkedAt(sa, facebook)
			after := getSA(Default, sa)
			Expect(after.Status).To(Equal(before.Status))
			Expect(getSecret(Default, ns, "quiet").ResourceVersion).To(Equal(secretRV))
		})
	})

	Context("metrics", func() {
		It("exports the account's expiry and validity, and drops them after delete", func() {
			id := t.account(instagram, 45*day)
			sa := newSocialAccount(ns, "metered", id, func(sa *boringv1alpha1.SocialAccount) {
				sa.Spec.ExpiryWarningDays = 30
				sa.Spec.RefreshInterval = &metav1.Duration{Duration: 2 * time.Hour}
			})
			got := eventuallyCondition(sa, boringv1alpha1.ConditionReady, metav1.ConditionTrue, boringv1alpha1.ReasonTokenValid)
			Eventually(func(g Gomega) {
				out := scrape(g)
				labels := fmt.Sprintf(`{name="metered",namespace="%s",platform="instagram"}`, ns)
				g.Expect(out).To(HaveKeyWithValue("boring_socialaccount_expiration_timestamp_seconds"+labels, float64(got.Status.ExpiresAt.Unix())))
				g.Expect(out).To(HaveKeyWithValue("boring_socialaccount_valid"+labels, 1.0))
				g.Expect(out).To(HaveKeyWithValue("boring_socialaccount_ready"+labels, 1.0))
				g.Expect(out).To(HaveKey("boring_socialaccount_last_sync_timestamp_seconds" + labels))
				// The object's own windows, so one alert rule honours each object's settings.
				g.Expect(out).To(HaveKeyWithValue("boring_socialaccount_expiry_warning_window_seconds"+labels, 30*86400.0))
				g.Expect(out).To(HaveKeyWithValue("boring_socialaccount_refresh_interval_seconds"+labels, 7200.0))
			}).Should(Succeed())
			deleteAndWaitGone(sa)
			Eventually(func(g Gomega) {
				for series := range scrape(g) {
					g.Expect(series).NotTo(ContainSubstring(fmt.Sprintf(`name="metered",namespace="%s"`, ns)))
				}
			}).Should(Succeed())
		})
	})
})
