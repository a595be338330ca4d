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

package accountapi

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestReviewCacheKeepsUntilItsKeep(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	c := newReviewCache[bool](clk, 2)
	if _, ok := c.get("a"); ok {
		t.Fatal("empty cache answered")
	}
	c.put("a", true, 10*time.Second)
	clk.Step(9 * time.Second)
	if r, ok := c.get("a"); !ok || !r.value || clk.Since(r.at) != 9*time.Second {
		t.Fatalf("answer not kept with its time: %+v %v", r, ok)
	}
	clk.Step(time.Second + time.Nanosecond)
	if _, ok := c.get("a"); ok {
		t.Fatal("answer kept past its keep")
	}
	c.put("b", true, time.Minute)
	c.put("c", true, time.Minute)
	c.put("d", true, time.Minute)
	if _, ok := c.get("b"); ok {
		t.Fatal("a full cache must drop its least recently used answer")
	}
}

// fakeAPIServer answers TokenReviews and SubjectAccessReviews from what a
// test sets, counting them; the Reviewer's decisions are what is tested.
type fakeAPIServer struct {
	mu      sync.Mutex
	tokens  map[string]string // token -> user
	allowed map[string]bool   // user/namespace -> allowed
	fail    bool
	authn   atomic.Int32
	authz   atomic.Int32
	// reviewed is sent every review, when not nil.
	reviewed chan struct{}
}

func (f *fakeAPIServer) client() client.Client {
	return fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			f.mu.Lock()
			defer func() {
				f.mu.Unlock()
				if f.reviewed != nil {
					f.reviewed <- struct{}{}
				}
			}()
			if f.fail {
				return errors.New("the API server is unavailable")
			}
			switch r := obj.(type) {
			case *authnv1.TokenReview:
				f.authn.Add(1)
				if user, ok := f.tokens[r.Spec.Token]; ok {
					r.Status = authnv1.TokenReviewStatus{Authenticated: true, User: authnv1.UserInfo{Username: user}}
				}
			case *authzv1.SubjectAccessReview:
				f.authz.Add(1)
				r.Status.Allowed = f.allowed[r.Spec.User+"/"+r.Spec.ResourceAttributes.Namespace]
			default:
				return errors.New("unexpected object")
			}
			return nil
		},
	}).WithScheme(runtime.NewScheme()).Build()
}

func (f *fakeAPIServer) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func TestReviewerDecisions(t *testing.T) {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(time.Now())
	api := &fakeAPIServer{tokens: map[string]string{"alice-1": "alice", "alice-2": "alice"}, allowed: map[string]bool{"alice/a": true}}
	r := NewReviewer(api.client(), ReviewerOptions{Clock: clk, TTL: 10 * time.Second, MaxAge: time.Minute,
		ReviewsPerSecond: 1, ReviewBurst: 2, ReserveReviewsPerSecond: 1, ReserveBurst: 2})

	alice, err := r.Authenticate(ctx, "alice-1")
	if err != nil || alice == nil || alice.Username != "alice" {
		t.Fatalf("known token: %v %v", alice, err)
	}
	if ok, err := r.Allowed(ctx, alice, "list", "a"); err != nil || !ok {
		t.Fatalf("allowed in a: %v %v", ok, err)
	}
	other, _ := r.Authenticate(ctx, "alice-2")
	if ok, _ := r.Allowed(ctx, other, "list", "a"); !ok || api.authz.Load() != 1 {
		t.Fatalf("a second token of one user must share its access decisions: %d reviews", api.authz.Load())
	}

	// The flood budget is spent (2 in its burst, both used above): unknown
	// tokens are refused, known ones keep working.
	if _, err := r.Authenticate(ctx, "random"); !errors.Is(err, ErrReviewBudget) {
		t.Fatalf("unknown token past the flood budget: want ErrReviewBudget, got %v", err)
	}
	before := api.authn.Load()
	clk.Step(5 * time.Second)
	if c, err := r.Authenticate(ctx, "alice-1"); err != nil || c == nil || api.authn.Load() != before {
		t.Fatalf("a fresh answer is reused without a review: %v %v", c, err)
	}

	// From three quarters of the TTL: served at once, refreshed behind.
	api.reviewed = make(chan struct{}, 10)
	clk.Step(3 * time.Second)
	if c, err := r.Authenticate(ctx, "alice-1"); err != nil || c == nil {
		t.Fatalf("known caller refused while being refreshed: %v %v", c, err)
	}
	<-api.reviewed
	if got := api.authn.Load(); got != before+1 {
		t.Fatalf("want one background refresh, got %d", got-before)
	}

	// RoleBinding removed: refused once the decision's age reaches the TTL,
	// although the flood budget is spent (the refresh is from the reserve).
	api.set(func() { api.allowed["alice/a"] = false })
	clk.Step(10 * time.Second)
	if ok, err := r.Allowed(ctx, alice, "list", "a"); err != nil || ok {
		t.Fatalf("access revoked a TTL ago must be refused: %v %v", ok, err)
	}
	<-api.reviewed
	api.set(func() { api.allowed["alice/a"] = true })
	clk.Step(10 * time.Second)
	if ok, _ := r.Allowed(ctx, alice, "list", "a"); !ok {
		t.Fatal("access granted again a TTL ago must be allowed")
	}
	<-api.reviewed

	// No review possible: the last answer stands, up to the maximum age.
	api.set(func() { api.fail = true })
	for range 3 {
		clk.Step(10 * time.Second)
		if c, err := r.Authenticate(ctx, "alice-1"); err != nil || c == nil {
			t.Fatalf("known caller refused while the API server fails, within the maximum age: %v %v", c, err)
		}
	}
	clk.Step(time.Minute)
	if c, err := r.Authenticate(ctx, "alice-1"); err == nil && c != nil {
		t.Fatal("an answer older than the maximum age was used")
	}

	// A token the API server refused is not asked about again within the TTL.
	api.set(func() { api.fail = false })
	clk.Step(time.Minute)
	n := api.authn.Load()
	for range 3 {
		if c, err := r.Authenticate(ctx, "bogus"); err != nil || c != nil {
			t.Fatalf("bogus token: %v %v", c, err)
		}
	}
	if api.authn.Load() != n+1 {
		t.Fatalf("a refused token was reviewed %d times within the TTL", api.authn.Load()-n)
	}
}
