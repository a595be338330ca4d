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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// Caller is an authenticated Kubernetes user.
type Caller struct {
	authnv1.UserInfo
	// key is a one-way hash of the caller's token: what the caches use.
	key string
}

// Authorizer decides who a caller is and what they may do.
type Authorizer interface {
	// Authenticate returns the caller a token belongs to, nil if none.
	Authenticate(ctx context.Context, token string) (*Caller, error)
	// Allowed reports whether caller may do verb on SocialAccounts in
	// namespace ("" meaning every namespace).
	Allowed(ctx context.Context, caller *Caller, verb, namespace string) (bool, error)
}

// NewCaller returns a Caller for a token; Authorizer implementations use it.
func NewCaller(user authnv1.UserInfo, token string) *Caller {
	return &Caller{UserInfo: user, key: tokenKey(token)}
}

// Reviewer is the Authorizer of the manager: it checks callers with
// TokenReview and SubjectAccessReview, remembering answers for a short TTL
// (reviewCache), with one review in flight per question.
type Reviewer struct {
	client    client.Client
	ttl       time.Duration
	clock     clock.PassiveClock
	audiences []string
	budget    *rate.Limiter

	group singleflight.Group
	authn *reviewCache[*Caller]
	authz *reviewCache[bool]
}

var _ Authorizer = (*Reviewer)(nil)

// maxEntries bounds each review cache.
const maxEntries = 10_000

// ReviewerOptions tune a Reviewer; zero values take the defaults.
type ReviewerOptions struct {
	// TTL is how long answers are reused (10s).
	TTL time.Duration
	// Clock drives the TTL and the budget (the real clock).
	Clock clock.PassiveClock
	// Audiences, when set, are asked of every TokenReview, and a token must
	// be valid for one of them: tokens minted for this API only
	// (kubectl create token SA --audience=...) instead of full-power ones.
	Audiences []string
	// ReviewsPerSecond and ReviewBurst budget the reviews of callers not in
	// the cache (20 a second, bursts of 40): a flood of fresh tokens must
	// not turn into a flood of requests to the API server.
	ReviewsPerSecond float64
	ReviewBurst      int
}

// ErrReviewBudget means a caller could not be reviewed now: the review
// budget is spent. Callers already reviewed are unaffected.
var ErrReviewBudget = errors.New("account API review budget exhausted")

// NewReviewer returns a Reviewer that creates reviews with c.
func NewReviewer(c client.Client, opts ReviewerOptions) *Reviewer {
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.ReviewsPerSecond <= 0 {
		opts.ReviewsPerSecond = 20
	}
	if opts.ReviewBurst <= 0 {
		opts.ReviewBurst = 40
	}
	return &Reviewer{client: c, ttl: opts.TTL, clock: opts.Clock, audiences: opts.Audiences,
		budget: rate.NewLimiter(rate.Limit(opts.ReviewsPerSecond), opts.ReviewBurst),
		authn:  newReviewCache[*Caller](opts.Clock, opts.TTL, maxEntries), authz: newReviewCache[bool](opts.Clock, opts.TTL, maxEntries)}
}

// spend takes one review from the budget.
func (a *Reviewer) spend() error {
	if !a.budget.AllowN(a.clock.Now(), 1) {
		return ErrReviewBudget
	}
	return nil
}

// TTL is how long answers are reused.
func (a *Reviewer) TTL() time.Duration { return a.ttl }

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the caller a bearer token belongs to, or nil when the
// API server does not accept the token.
func (a *Reviewer) Authenticate(ctx context.Context, token string) (*Caller, error) {
	key := tokenKey(token)
	if caller, ok := a.authn.get(key); ok {
		return caller, nil
	}
	v, err, _ := a.group.Do("authn/"+key, func() (any, error) {
		if err := a.spend(); err != nil {
			return nil, err
		}
		review := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: a.audiences}}
		if err := a.client.Create(ctx, review); err != nil {
			return nil, fmt.Errorf("creating TokenReview: %w", err)
		}
		var caller *Caller
		if review.Status.Authenticated && a.forUs(review.Status.Audiences) {
			caller = &Caller{UserInfo: review.Status.User, key: key}
		}
		a.authn.put(key, caller)
		return caller, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Caller), nil
}

// forUs reports whether a token valid for audiences may call this API.
func (a *Reviewer) forUs(audiences []string) bool {
	if len(a.audiences) == 0 {
		return true
	}
	for _, want := range a.audiences {
		if slices.Contains(audiences, want) {
			return true
		}
	}
	return false
}

// Allowed reports whether caller may do verb on SocialAccounts in namespace
// ("" meaning every namespace).
func (a *Reviewer) Allowed(ctx context.Context, caller *Caller, verb, namespace string) (bool, error) {
	return a.review(ctx, caller, "resource/"+verb+"/"+namespace, func(spec *authzv1.SubjectAccessReviewSpec) {
		spec.ResourceAttributes = &authzv1.ResourceAttributes{
			Namespace: namespace, Verb: verb,
			Group: boringv1alpha1.GroupVersion.Group, Resource: "socialaccounts",
		}
	})
}

// AllowedPath reports whether caller may do verb (get, post, ...) on a
// non-resource URL path such as /metrics.
func (a *Reviewer) AllowedPath(ctx context.Context, caller *Caller, verb, path string) (bool, error) {
	return a.review(ctx, caller, "path/"+verb+"/"+path, func(spec *authzv1.SubjectAccessReviewSpec) {
		spec.NonResourceAttributes = &authzv1.NonResourceAttributes{Path: path, Verb: verb}
	})
}

// review asks the API server, through a SubjectAccessReview with the
// caller's identity and what attrs sets, once per key and TTL.
func (a *Reviewer) review(ctx context.Context, caller *Caller, what string, attrs func(*authzv1.SubjectAccessReviewSpec)) (bool, error) {
	key := caller.key + "/" + what
	if allowed, ok := a.authz.get(key); ok {
		return allowed, nil
	}
	v, err, _ := a.group.Do("authz/"+key, func() (any, error) {
		if err := a.spend(); err != nil {
			return nil, err
		}
		extra := map[string]authzv1.ExtraValue{}
		for k, v := range caller.Extra {
			extra[k] = authzv1.ExtraValue(v)
		}
		review := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
			User: caller.Username, UID: caller.UID, Groups: caller.Groups, Extra: extra,
		}}
		attrs(&review.Spec)
		if err := a.client.Create(ctx, review); err != nil {
			return nil, fmt.Errorf("creating SubjectAccessReview: %w", err)
		}
		allowed := review.Status.Allowed && !review.Status.Denied
		a.authz.put(key, allowed)
		return allowed, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}
