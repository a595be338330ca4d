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
	"maps"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// Caller is an authenticated Kubernetes user.
type Caller struct {
	authnv1.UserInfo
	// key is a one-way hash of the caller's token: what the token cache uses.
	key string
	// user is a one-way hash of the caller's identity (name, UID, groups,
	// extra): what the access decisions are remembered under, so that every
	// token of one user shares them.
	user string
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
	return &Caller{UserInfo: user, key: tokenKey(token), user: userKey(user)}
}

// Reviewer is the Authorizer of the manager: it checks callers with
// TokenReview and SubjectAccessReview and remembers the answers, with one
// review in flight per question.
//
// Fairness: a flood of made-up tokens must not lock out callers the API
// server already vouched for. Tokens not yet known are reviewed from the
// flood budget alone (past it: ErrReviewBudget, a 429). Answers about a known
// caller (its valid token, its access decisions) are refreshed from a
// reserve that unknown tokens never touch, and in the background from three
// quarters of the TTL on, so a busy caller never waits for one. An answer
// older than the TTL is not used while a review can be made: a revoked token
// or RoleBinding takes effect within the TTL. Only when no review can be
// made (both budgets spent, the API server failing) does a known caller's
// last answer stand, up to the hard maximum age.
type Reviewer struct {
	client       client.Client
	ttl          time.Duration
	refreshAfter time.Duration
	maxAge       time.Duration
	clock        clock.PassiveClock
	audiences    []string
	flood        *rate.Limiter
	reserve      *rate.Limiter

	group singleflight.Group
	authn *reviewCache[*Caller]
	authz *reviewCache[bool]
}

var _ Authorizer = (*Reviewer)(nil)

// maxEntries bounds each review cache.
const maxEntries = 10_000

// ReviewerOptions tune a Reviewer; zero values take the defaults.
type ReviewerOptions struct {
	// TTL is how long an answer is used without a new review (10s): a
	// revoked token or RoleBinding is refused within it.
	TTL time.Duration
	// MaxAge is the hard limit on the age of a known caller's answer, used
	// past the TTL only while no review can be made (5m).
	MaxAge time.Duration
	// Clock drives the TTL and the budgets (the real clock).
	Clock clock.PassiveClock
	// Audiences, when set, are asked of every TokenReview, and a token must
	// be valid for one of them: tokens minted for this API only
	// (kubectl create token SA --audience=...) instead of full-power ones.
	Audiences []string
	// ReviewsPerSecond and ReviewBurst budget the reviews of tokens not
	// known yet (20 a second, bursts of 40): a flood of fresh tokens must
	// not turn into a flood of requests to the API server.
	ReviewsPerSecond float64
	ReviewBurst      int
	// ReserveReviewsPerSecond and ReserveBurst budget the reviews about
	// known callers (10 a second, bursts of 20): refreshes and their
	// access decisions. Unknown tokens never spend it.
	ReserveReviewsPerSecond float64
	ReserveBurst            int
}

// ErrReviewBudget means a caller could not be reviewed now: the review
// budget is spent. Callers already reviewed are unaffected.
var ErrReviewBudget = errors.New("account API review budget exhausted")

// NewReviewer returns a Reviewer that creates reviews with c.
func NewReviewer(c client.Client, opts ReviewerOptions) *Reviewer {
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 5 * time.Minute
	}
	opts.MaxAge = max(opts.MaxAge, opts.TTL)
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.ReviewsPerSecond <= 0 {
		opts.ReviewsPerSecond = 20
	}
	if opts.ReviewBurst <= 0 {
		opts.ReviewBurst = 40
	}
	if opts.ReserveReviewsPerSecond <= 0 {
		opts.ReserveReviewsPerSecond = 10
	}
	if opts.ReserveBurst <= 0 {
		opts.ReserveBurst = 20
	}
	return &Reviewer{client: c, ttl: opts.TTL, refreshAfter: opts.TTL * 3 / 4, maxAge: opts.MaxAge,
		clock: opts.Clock, audiences: opts.Audiences,
		flood:   rate.NewLimiter(rate.Limit(opts.ReviewsPerSecond), opts.ReviewBurst),
		reserve: rate.NewLimiter(rate.Limit(opts.ReserveReviewsPerSecond), opts.ReserveBurst),
		authn:   newReviewCache[*Caller](opts.Clock, maxEntries), authz: newReviewCache[bool](opts.Clock, maxEntries)}
}

// TTL is how long an answer is used without a new review.
func (a *Reviewer) TTL() time.Duration { return a.ttl }

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// userKey hashes everything a SubjectAccessReview is asked about the user.
func userKey(u authnv1.UserInfo) string {
	h := sha256.New()
	field := func(s string) { _, _ = h.Write([]byte(s)); _, _ = h.Write([]byte{0}) }
	field(u.Username)
	field(u.UID)
	groups := slices.Clone(u.Groups)
	slices.Sort(groups)
	field(strconv.Itoa(len(groups)))
	for _, g := range groups {
		field(g)
	}
	keys := slices.Sorted(maps.Keys(u.Extra))
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(strconv.Itoa(len(u.Extra[k])))
		for _, v := range u.Extra[k] {
			field(v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// budget is whom a review is charged to.
type budget int

const (
	// fromFlood: a question never answered, such as an unknown token.
	fromFlood budget = iota
	// fromReserve: a question about a known caller; the flood budget is
	// used once the reserve is spent.
	fromReserve
)

// spend takes one review from b.
func (a *Reviewer) spend(b budget) error {
	now := a.clock.Now()
	if b == fromReserve && a.reserve.AllowN(now, 1) {
		return nil
	}
	if a.flood.AllowN(now, 1) {
		return nil
	}
	return ErrReviewBudget
}

// decide answers the question key from c as described on Reviewer. known
// reports whether an answer is about a known caller, so refreshed from the
// reserve and kept up to the maximum age; other answers are kept for the TTL
// only. b charges a question not in the cache. ask makes the review.
func decide[V any](ctx context.Context, a *Reviewer, c *reviewCache[V], key string, b budget, known func(V) bool, ask func(context.Context) (V, error)) (V, error) {
	// fetch reviews, unless an answer newer than after arrived meanwhile
	// (another request's review): one review per question in flight, and
	// none again right after it.
	fetch := func(ctx context.Context, b budget, after time.Time) (V, error) {
		v, err, _ := a.group.Do(key, func() (any, error) {
			if cur, ok := c.get(key); ok && cur.at.After(after) {
				return cur.value, nil
			}
			if err := a.spend(b); err != nil {
				return nil, err
			}
			v, err := ask(ctx)
			if err != nil {
				return nil, err
			}
			keep := a.ttl
			if known(v) {
				keep = a.maxAge
			}
			c.put(key, v, keep)
			return v, nil
		})
		if err != nil {
			var zero V
			return zero, err
		}
		return v.(V), nil
	}
	r, ok := c.get(key)
	if !ok || (!known(r.value) && a.clock.Since(r.at) >= a.ttl) {
		return fetch(ctx, b, r.at)
	}
	age := a.clock.Since(r.at)
	switch {
	case age < a.refreshAfter || !known(r.value):
		return r.value, nil
	case age < a.ttl:
		// Refreshed while still valid, so a busy caller never waits.
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.ttl)
			defer cancel()
			if _, err := fetch(ctx, fromReserve, r.at); err != nil && !errors.Is(err, ErrReviewBudget) {
				logf.FromContext(ctx).V(1).Info("Failed to refresh an account API review", "error", err.Error())
			}
		}()
		return r.value, nil
	}
	v, err := fetch(ctx, fromReserve, r.at)
	if err != nil {
		// No review can be made now: the last answer stands until the cache
		// drops it at the maximum age.
		logf.FromContext(ctx).V(1).Info("Using an account API review past its TTL", "age", age.String(), "error", err.Error())
		return r.value, nil
	}
	return v, nil
}

// Authenticate returns the caller a bearer token belongs to, or nil when the
// API server does not accept the token.
func (a *Reviewer) Authenticate(ctx context.Context, token string) (*Caller, error) {
	key := tokenKey(token)
	return decide(ctx, a, a.authn, "authn/"+key, fromFlood, func(c *Caller) bool { return c != nil },
		func(ctx context.Context) (*Caller, error) {
			review := &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token, Audiences: a.audiences}}
			if err := a.client.Create(ctx, review); err != nil {
				return nil, fmt.Errorf("creating TokenReview: %w", err)
			}
			if !review.Status.Authenticated || !a.forUs(review.Status.Audiences) {
				return nil, nil
			}
			return &Caller{UserInfo: review.Status.User, key: key, user: userKey(review.Status.User)}, nil
		})
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
// caller's identity and what attrs sets. Answers are remembered per user and
// question, not per token, and are about a caller the API server vouched
// for: refreshed from the reserve.
func (a *Reviewer) review(ctx context.Context, caller *Caller, what string, attrs func(*authzv1.SubjectAccessReviewSpec)) (bool, error) {
	user := caller.user
	if user == "" {
		user = userKey(caller.UserInfo)
	}
	return decide(ctx, a, a.authz, "authz/"+user+"/"+what, fromReserve, func(bool) bool { return true },
		func(ctx context.Context) (bool, error) {
			extra := map[string]authzv1.ExtraValue{}
			for k, v := range caller.Extra {
				extra[k] = authzv1.ExtraValue(v)
			}
			review := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
				User: caller.Username, UID: caller.UID, Groups: caller.Groups, Extra: extra,
			}}
			attrs(&review.Spec)
			if err := a.client.Create(ctx, review); err != nil {
				return false, fmt.Errorf("creating SubjectAccessReview: %w", err)
			}
			return review.Status.Allowed && !review.Status.Denied, nil
		})
}
