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

package mapping

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Platform is a wire platform as the SocialAccount API names it.
func Platform(p wire.Platform) boringv1alpha1.Platform { return boringv1alpha1.Platform(p) }

// WirePlatform is the wire name of a SocialAccount API platform.
func WirePlatform(p boringv1alpha1.Platform) wire.Platform { return wire.Platform(p) }

// Observe writes into st what Boring lists about the account at now. An
// account Boring no longer lists (nil) keeps its last known identity but
// nothing that calls it valid. status.accountID is not touched: following a
// new account_id is the reconcile's decision (it restarts workloads first).
func Observe(st *boringv1alpha1.SocialAccountStatus, a *wire.Account, now time.Time) {
	if a == nil {
		st.IsValid = ptr.To(false)
		st.ExpiresAt, st.DaysUntilExpiry, st.DataAccessExpiresAt = nil, nil, nil
		return
	}
	st.Platform = Platform(a.Platform)
	st.AccountName = a.Name()
	st.IsValid = ptr.To(a.IsValid && !wire.Expired(now, a.ExpiresAt))
	st.ExpiresAt = MetaTime(a.ExpiresAt)
	st.DaysUntilExpiry = nil
	if a.ExpiresAt != nil {
		st.DaysUntilExpiry = ptr.To(int32(wire.DaysUntil(now, *a.ExpiresAt)))
	}
	st.DataAccessExpiresAt = MetaTime(a.DataAccessExpiresAt)
	st.Facebook, st.Instagram, st.Threads = nil, nil, nil
	switch a.Platform {
	case wire.PlatformFacebook:
		st.Facebook = &boringv1alpha1.FacebookStatus{PageName: a.PageName, PageID: a.PageID}
	case wire.PlatformInstagram:
		st.Instagram = &boringv1alpha1.InstagramStatus{Username: a.IGUsername, AccountID: a.IGAccountID, AccountType: a.AccountType}
	case wire.PlatformThreads:
		st.Threads = &boringv1alpha1.ThreadsStatus{Username: a.ThreadsUsername, UserID: a.ThreadsID, ProfilePictureURL: a.ThreadsProfilePicture}
	}
}

// AccountOf is the Boring account a SocialAccount's status describes: the
// inverse of Observe, for answers built from status (the account API,
// kubectl-boring).
func AccountOf(sa *boringv1alpha1.SocialAccount) wire.Account {
	st := &sa.Status
	a := wire.Account{
		AccountID: sa.ResolvedAccountID(), Platform: WirePlatform(st.Platform),
		IsValid:   st.IsValid != nil && *st.IsValid,
		ExpiresAt: timeOf(st.ExpiresAt), DataAccessExpiresAt: timeOf(st.DataAccessExpiresAt),
	}
	if f := st.Facebook; f != nil {
		a.PageName, a.PageID = f.PageName, f.PageID
	}
	if i := st.Instagram; i != nil {
		a.IGUsername, a.IGAccountID, a.AccountType = i.Username, i.AccountID, i.AccountType
	}
	if t := st.Threads; t != nil {
		a.ThreadsUsername, a.ThreadsID, a.ThreadsProfilePicture = t.Username, t.UserID, t.ProfilePictureURL
	}
	return a
}

// MetaTime is t as status holds it: whole seconds, UTC (compare like with
// like, or every sync would look like a change).
func MetaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	return &metav1.Time{Time: t.UTC().Truncate(time.Second)}
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}
