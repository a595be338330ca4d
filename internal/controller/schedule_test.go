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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNextSync(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	const slack = 100 * time.Millisecond
	tests := map[string]struct {
		refresh     time.Duration
		warnDays    int32
		lastWarning *metav1.Time
		expiries    []*time.Time
		want        time.Duration
	}{
		"never expires: the refresh":                   {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{nil}, want: time.Hour + slack},
		"days count down before the refresh":           {refresh: 6 * time.Hour, warnDays: 7, expiries: []*time.Time{at(30*day + 2*time.Hour)}, want: 2*time.Hour + slack},
		"the window opens before the day changes":      {refresh: 24 * time.Hour, warnDays: 7, expiries: []*time.Time{at(7*day + 30*time.Minute)}, want: 30*time.Minute + slack},
		"a 30-day window opens":                        {refresh: 24 * time.Hour, warnDays: 30, expiries: []*time.Time{at(30*day + 20*time.Minute)}, want: 20*time.Minute + slack},
		"expiry itself":                                {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(10 * time.Minute)}, want: 10*time.Minute + slack},
		"the next daily warning":                       {refresh: 48 * time.Hour, warnDays: 7, lastWarning: &metav1.Time{Time: now.Add(-20 * time.Hour)}, expiries: []*time.Time{at(3*day + 12*time.Hour)}, want: 4*time.Hour + slack},
		"data access expiry counts too":                {refresh: 24 * time.Hour, warnDays: 7, expiries: []*time.Time{nil, at(40*day + 3*time.Hour)}, want: 3*time.Hour + slack},
		"already expired: the refresh, no hot loop":    {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(-time.Hour)}, want: time.Hour + slack},
		"a boundary right now: at least a second away": {refresh: time.Hour, warnDays: 7, expiries: []*time.Time{at(time.Millisecond)}, want: time.Second},
	}
	for name, tc := range tests {
		if got := nextSync(now, tc.refresh, tc.warnDays, tc.lastWarning, tc.expiries...); got != tc.want {
			t.Errorf("%s: got %s, want %s", name, got, tc.want)
		}
	}
}

func TestWarningWindowAndDue(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	windows := map[string]struct {
		deadline *time.Time
		days     int32
		want     bool
	}{
		"none":                {nil, 7, false},
		"past":                {at(-time.Minute), 7, false},
		"just inside":         {at(7*day - time.Second), 7, true},
		"on the edge":         {at(7 * day), 7, false},
		"inside a 30-day one": {at(20 * day), 30, true},
		"outside a 7-day one": {at(20 * day), 7, false},
	}
	for name, tc := range windows {
		if got := inWarningWindow(now, tc.deadline, tc.days); got != tc.want {
			t.Errorf("window %s: got %v, want %v", name, got, tc.want)
		}
	}
	due := map[string]struct {
		last *metav1.Time
		want bool
	}{
		"never warned":       {nil, true},
		"warned an hour ago": {&metav1.Time{Time: now.Add(-time.Hour)}, false},
		"warned a day ago":   {&metav1.Time{Time: now.Add(-day)}, true},
	}
	for name, tc := range due {
		if got := warningDue(now, tc.last); got != tc.want {
			t.Errorf("due %s: got %v, want %v", name, got, tc.want)
		}
	}
}
