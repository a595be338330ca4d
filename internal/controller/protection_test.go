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

package controller

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// TestProtectorAsks: the protector is asked about a Secret only when a
// SocialAccount may have changed whether it is needed, and never when a
// SocialAccount starts needing a Secret that is held already (measured
// before: at 100 SocialAccounts created under one Secret, 75 protector
// reconciles, each listing the 100; controller-runtime's map-func handler
// also mapped each update's old object, which lacks the finalizer).
func TestProtectorAsks(t *testing.T) {
	withFinalizer := func(sa *boringv1alpha1.SocialAccount) { controllerutil.AddFinalizer(sa, boringv1alpha1.Finalizer) }
	deleting := func(sa *boringv1alpha1.SocialAccount) { sa.DeletionTimestamp = ptr.To(metav1.Now()) }
	otherCreds := func(sa *boringv1alpha1.SocialAccount) {
		sa.Spec.CredentialsRef = &boringv1alpha1.CredentialsReference{Name: "other"}
	}
	fresh := fastSocialAccount("a", "acct-1")
	synced := fastSocialAccount("a", "acct-1", withFinalizer)
	for _, tc := range []struct {
		name string
		held bool
		send func(h eventHandler, q workqueue.TypedRateLimitingInterface[reconcile.Request])
		want []string
	}{
		{"finalizer added, Secret held", true, update(fresh, synced), nil},
		{"finalizer added, Secret not held yet", false, update(fresh, synced), []string{fastNS + "/creds"}},
		{"seen at start, Secret held", true, create(synced), nil},
		{"moved to other credentials", true, update(synced, fastSocialAccount("a", "acct-1", withFinalizer, otherCreds)),
			[]string{fastNS + "/creds", fastNS + "/other"}},
		{"being deleted", true, update(synced, fastSocialAccount("a", "acct-1", withFinalizer, deleting)), []string{fastNS + "/creds"}},
		{"gone", true, del(synced), []string{fastNS + "/creds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme := runtime.NewScheme()
			if err := clientgoscheme.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: fastNS, Name: "creds",
				Labels: map[string]string{boringv1alpha1.CredentialsLabel: "true"}}}
			if tc.held {
				secret.Finalizers = []string{boringv1alpha1.CredentialsFinalizer}
			}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(secret).Build()
			p := &CredentialsProtector{Client: c, Credentials: credentialsCache{c: c}, Defaults: mapping.Defaults{}}
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
			defer q.ShutDown()
			tc.send(p.socialAccountEvents(), q)
			var got []string
			for q.Len() > 0 {
				req, _ := q.Get()
				got = append(got, req.String())
				q.Done(req)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("the protector was asked about %v, want %v", got, tc.want)
			}
		})
	}
}

type eventHandler = interface {
	Create(context.Context, event.CreateEvent, workqueue.TypedRateLimitingInterface[reconcile.Request])
	Update(context.Context, event.UpdateEvent, workqueue.TypedRateLimitingInterface[reconcile.Request])
	Delete(context.Context, event.DeleteEvent, workqueue.TypedRateLimitingInterface[reconcile.Request])
}

func update(old, new *boringv1alpha1.SocialAccount) func(eventHandler, workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	return func(h eventHandler, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		h.Update(context.Background(), event.UpdateEvent{ObjectOld: old, ObjectNew: new}, q)
	}
}

func create(sa *boringv1alpha1.SocialAccount) func(eventHandler, workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	return func(h eventHandler, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		h.Create(context.Background(), event.CreateEvent{Object: sa}, q)
	}
}

func del(sa *boringv1alpha1.SocialAccount) func(eventHandler, workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	return func(h eventHandler, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		h.Delete(context.Background(), event.DeleteEvent{Object: sa}, q)
	}
}
