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
	"testing"
	"time"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/boring/wire"
)

func TestResolve(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ig := func(id, pid string, valid bool, created time.Time) wire.Account {
		return wire.Account{AccountID: id, Platform: wire.PlatformInstagram, IGAccountID: pid, IsValid: valid, CreatedAt: created}
	}
	snap := boring.NewSnapshot([]wire.Account{
		ig("one", "100", true, t0),
		ig("dup-old", "200", true, t0),
		ig("dup-new", "200", true, t0.Add(time.Hour)),
		ig("dup-newest-invalid", "200", false, t0.Add(2*time.Hour)),
		ig("reconnected", "300", true, t0.Add(time.Hour)),
		{AccountID: "fb", Platform: wire.PlatformFacebook, PageID: "100", IsValid: true},
	}, t0)
	byPID := func(p boringv1alpha1.Platform, pid string) *boringv1alpha1.SocialAccount {
		return &boringv1alpha1.SocialAccount{Spec: boringv1alpha1.SocialAccountSpec{Platform: p, PlatformAccountID: pid}}
	}
	byID := func(id string, st boringv1alpha1.SocialAccountStatus) *boringv1alpha1.SocialAccount {
		return &boringv1alpha1.SocialAccount{Spec: boringv1alpha1.SocialAccountSpec{AccountID: id}, Status: st}
	}
	lastSeen := func(pid string) boringv1alpha1.SocialAccountStatus {
		return boringv1alpha1.SocialAccountStatus{Platform: boringv1alpha1.PlatformInstagram, Instagram: &boringv1alpha1.InstagramStatus{AccountID: pid}}
	}
	tests := map[string]struct {
		sa            *boringv1alpha1.SocialAccount
		want          string
		matches       int
		reconnectedAs string
	}{
		"platform ID, one match":                 {byPID(boringv1alpha1.PlatformInstagram, "100"), "one", 1, ""},
		"platform ID of another platform":        {byPID(boringv1alpha1.PlatformFacebook, "100"), "fb", 1, ""},
		"platform ID, valid first, then newest":  {byPID(boringv1alpha1.PlatformInstagram, "200"), "dup-new", 3, ""},
		"platform ID not listed":                 {byPID(boringv1alpha1.PlatformThreads, "100"), "", 0, ""},
		"account ID listed":                      {byID("one", lastSeen("100")), "one", 1, ""},
		"account ID gone, platform ID listed":    {byID("gone", lastSeen("300")), "", 0, "reconnected"},
		"account ID gone, platform ID gone too":  {byID("gone", lastSeen("999")), "", 0, ""},
		"account ID never seen, nothing to hint": {byID("gone", boringv1alpha1.SocialAccountStatus{}), "", 0, ""},
	}
	for name, tc := range tests {
		got := Resolve(snap, tc.sa)
		id := ""
		if got.Account != nil {
			id = got.Account.AccountID
		}
		if id != tc.want || got.Matches != tc.matches || got.ReconnectedAs != tc.reconnectedAs {
			t.Errorf("%s: got %q (%d matches, reconnected as %q), want %q (%d, %q)", name, id, got.Matches, got.ReconnectedAs, tc.want, tc.matches, tc.reconnectedAs)
		}
	}
}
