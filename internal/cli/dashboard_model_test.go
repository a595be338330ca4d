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

package cli

import (
	"errors"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

func TestDashboardRowState(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	in := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	ready := func(status metav1.ConditionStatus, reason string) []metav1.Condition {
		return []metav1.Condition{{Type: boringv1alpha1.ConditionReady, Status: status, Reason: reason}}
	}
	day := 24 * time.Hour
	tests := map[string]struct {
		status            boringv1alpha1.SocialAccountStatus
		warningDays       int32
		wantState, wantLb string
		wantDays          *int
	}{
		"valid, far":         {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), ExpiresAt: in(40 * day), Conditions: ready("True", "TokenValid")}, wantState: stateOK, wantLb: "OK", wantDays: ptr.To(40)},
		"valid, in window":   {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), ExpiresAt: in(3*day + time.Hour), Conditions: ready("True", "TokenValid")}, wantState: stateExpiring, wantLb: "Expiring", wantDays: ptr.To(3)},
		"wider window":       {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), ExpiresAt: in(20 * day), Conditions: ready("True", "TokenValid")}, warningDays: 30, wantState: stateExpiring, wantLb: "Expiring", wantDays: ptr.To(20)},
		"invalid":            {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(false), ExpiresAt: in(20 * day), Conditions: ready("False", "TokenInvalid")}, wantState: stateBad, wantLb: "Token invalid", wantDays: ptr.To(20)},
		"expired":            {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), ExpiresAt: in(-day), Conditions: ready("False", "TokenExpired")}, wantState: stateBad, wantLb: "Expired", wantDays: ptr.To(0)},
		"expired, stale":     {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), ExpiresAt: in(-time.Hour), Conditions: ready("True", "TokenValid")}, wantState: stateBad, wantLb: "Expired", wantDays: ptr.To(0)},
		"gone":               {status: boringv1alpha1.SocialAccountStatus{Conditions: ready("False", "AccountNotFound")}, wantState: stateBad, wantLb: "Not ready"},
		"pending":            {status: boringv1alpha1.SocialAccountStatus{Conditions: ready("False", "Pending")}, wantState: statePending, wantLb: "Pending"},
		"never synced":       {wantState: statePending, wantLb: "Pending"},
		"facebook, no token": {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), DataAccessExpiresAt: in(80 * day), Conditions: ready("True", "TokenValid")}, wantState: stateOK, wantLb: "OK", wantDays: ptr.To(80)},
		"facebook, data access soon": {status: boringv1alpha1.SocialAccountStatus{IsValid: ptr.To(true), DataAccessExpiresAt: in(2 * day), Conditions: ready("True", "TokenValid")},
			wantState: stateExpiring, wantLb: "Expiring", wantDays: ptr.To(2)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sa := &boringv1alpha1.SocialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"},
				Spec: boringv1alpha1.SocialAccountSpec{AccountID: "id", ExpiryWarningDays: tc.warningDays}, Status: tc.status}
			row := newDashboardRow(sa, "", now)
			if row.State != tc.wantState || row.Label != tc.wantLb {
				t.Errorf("state %s %q, want %s %q", row.State, row.Label, tc.wantState, tc.wantLb)
			}
			if (row.DaysLeft == nil) != (tc.wantDays == nil) || (row.DaysLeft != nil && *row.DaysLeft != *tc.wantDays) {
				t.Errorf("days left %v, want %v", ptr.Deref(row.DaysLeft, -1), ptr.Deref(tc.wantDays, -1))
			}
		})
	}
}

func TestDashboardSortRows(t *testing.T) {
	rows := []dashboardRow{
		{Key: "a/ok-far", Rank: rankOf[stateOK], DaysLeft: ptr.To(50)},
		{Key: "a/ok-never", Rank: rankOf[stateOK]},
		{Key: "a/ok-near", Rank: rankOf[stateOK], DaysLeft: ptr.To(20)},
		{Key: "b/pending", Rank: rankOf[statePending]},
		{Key: "a/expiring", Rank: rankOf[stateExpiring], DaysLeft: ptr.To(3)},
		{Key: "b/invalid", Rank: rankOf[stateBad], DaysLeft: ptr.To(30)},
		{Key: "a/expired", Rank: rankOf[stateBad], DaysLeft: ptr.To(0)},
		{Key: "a/gone", Rank: rankOf[stateBad]},
	}
	sortRows(rows)
	keys := make([]string, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, r.Key)
	}
	want := []string{"a/expired", "b/invalid", "a/gone", "a/expiring", "b/pending", "a/ok-near", "a/ok-far", "a/ok-never"}
	if !slices.Equal(keys, want) {
		t.Errorf("order %q, want %q", keys, want)
	}
}

func TestDashboardDecideHealth(t *testing.T) {
	now := time.Now()
	tests := map[string]struct {
		facts healthFacts
		want  string
	}{
		"rejected now":               {facts: healthFacts{accounts: 2, rejected: true, listErr: errRejected}, want: healthBad},
		"accounts say unauthorized":  {facts: healthFacts{accounts: 2, unauthorized: 1, listErr: errors.New("forbidden")}, want: healthBad},
		"event says unauthorized":    {facts: healthFacts{accounts: 2, lastEvent: eventSessionUnauthorized, eventTime: now}, want: healthBad},
		"authorized again":           {facts: healthFacts{accounts: 2, lastEvent: eventSessionAuthorized, eventTime: now}, want: healthOK},
		"listed":                     {facts: healthFacts{accounts: 0, listed: true}, want: healthOK},
		"unreadable, accounts fine":  {facts: healthFacts{accounts: 3, listErr: errors.New("forbidden")}, want: healthOK},
		"unreadable and unused":      {facts: healthFacts{listErr: errors.New("forbidden")}, want: healthUnknown},
		"listed beats an old events": {facts: healthFacts{accounts: 1, listed: true, lastEvent: eventSessionAuthorized, eventTime: now}, want: healthOK},
	}
	for name, tc := range tests {
		if got := decideHealth("ns/s", tc.facts, now); got.State != tc.want {
			t.Errorf("%s: %s (%s), want %s", name, got.State, got.Detail, tc.want)
		}
	}
}

func TestDashboardHostAllowed(t *testing.T) {
	loop := &dashboard{port: "8090", loopback: true, localhost: true}
	wide := &dashboard{port: "8090", loopback: false}
	tests := map[string]struct {
		d    *dashboard
		host string
		want bool
	}{
		"ip":                 {loop, "127.0.0.1:8090", true},
		"ipv6":               {loop, "[::1]:8090", true},
		"localhost":          {loop, "localhost:8090", true},
		"LOCALHOST":          {loop, "LOCALHOST:8090", true},
		"other port":         {loop, "127.0.0.1:8091", false},
		"no port":            {loop, "127.0.0.1", false},
		"a name (rebinding)": {loop, "attacker.example:8090", false},
		"localhost, wide":    {wide, "localhost:8090", false},
		"ip, wide":           {wide, "192.0.2.10:8090", true},
		"name, wide":         {wide, "dashboard.internal:8090", false},
		"empty":              {loop, "", false},
	}
	for name, tc := range tests {
		if got := tc.d.hostAllowed(tc.host); got != tc.want {
			t.Errorf("%s: hostAllowed(%q) = %v, want %v", name, tc.host, got, tc.want)
		}
	}
}
