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
	"cmp"
	"slices"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

// Resolution is what a SocialAccount maps to in a credential's account list.
type Resolution struct {
	// Account is the account mapped (nil: none).
	Account *wire.Account
	// Matches is how many accounts had the platform ID (platformAccountID
	// mappings); more than one means the same account is connected twice.
	Matches int
	// ReconnectedAs is, for an accountID mapping whose ID is gone, the
	// account_id under which the same platform account is connected now.
	ReconnectedAs string
}

// Resolve finds the account sa maps in snap. A platformAccountID mapping
// takes the account of that platform with that platform ID (a valid one
// first, then the newest). An accountID mapping takes that ID; when it is
// gone, the platform ID it had last time tells whether it was reconnected.
func Resolve(snap *boring.Snapshot, sa *boringv1alpha1.SocialAccount) Resolution {
	if pid := sa.Spec.PlatformAccountID; pid != "" {
		candidates := snap.ByPlatformID(WirePlatform(sa.Spec.Platform), pid)
		return Resolution{Account: preferred(candidates), Matches: len(candidates)}
	}
	if acct, ok := snap.Lookup(sa.Spec.AccountID); ok {
		return Resolution{Account: acct, Matches: 1}
	}
	if p, pid := lastPlatformID(&sa.Status); pid != "" {
		if now := preferred(snap.ByPlatformID(p, pid)); now != nil {
			return Resolution{ReconnectedAs: now.AccountID}
		}
	}
	return Resolution{}
}

// preferred picks among accounts with one platform ID: valid before
// invalid, then the newest created_at, then the greatest account_id (so
// the choice is the same on every replica and every sync).
func preferred(candidates []*wire.Account) *wire.Account {
	if len(candidates) == 0 {
		return nil
	}
	return slices.MaxFunc(candidates, func(a, b *wire.Account) int {
		valid := func(x *wire.Account) int {
			if x.IsValid {
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(valid(a), valid(b)), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.AccountID, b.AccountID))
	})
}

// lastPlatformID is the platform and platform ID status last saw.
func lastPlatformID(st *boringv1alpha1.SocialAccountStatus) (wire.Platform, string) {
	p := WirePlatform(st.Platform)
	switch {
	case st.Facebook != nil && p == wire.PlatformFacebook:
		return p, st.Facebook.PageID
	case st.Instagram != nil && p == wire.PlatformInstagram:
		return p, st.Instagram.AccountID
	case st.Threads != nil && p == wire.PlatformThreads:
		return p, st.Threads.UserID
	}
	return p, ""
}
