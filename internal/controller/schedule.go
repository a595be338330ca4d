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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const day = 24 * time.Hour

// nextSync is how long to wait before the next sync: the earliest of the next
// refresh, the next change of daysUntilExpiry, the opening of the warning
// window, the next daily warning and expiry itself, for the token and for
// Facebook data access. Never less than a second, so never a hot loop.
func nextSync(now time.Time, refresh time.Duration, warnDays int32, lastWarning *metav1.Time, expiries ...*time.Time) time.Duration {
	next := now.Add(refresh)
	consider := func(t time.Time) {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	window := time.Duration(warnDays) * day
	for _, exp := range expiries {
		if exp == nil || !exp.After(now) {
			continue
		}
		left := exp.Sub(now)
		// daysUntilExpiry = floor(left/day) drops at exp - floor(left/day)*day.
		consider(exp.Add(-(left / day) * day))
		consider(exp.Add(-window))
		consider(*exp)
		if lastWarning != nil && left < window {
			consider(lastWarning.Add(day))
		}
	}
	// Land just past a boundary, so the sync sees the new value.
	wait := next.Sub(now) + 100*time.Millisecond
	if wait < time.Second {
		wait = time.Second
	}
	return wait
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

// inWarningWindow reports whether a deadline (nil: none) is still ahead but
// closer than the warning window.
func inWarningWindow(now time.Time, deadline *time.Time, warnDays int32) bool {
	return deadline != nil && deadline.After(now) && deadline.Sub(now) < time.Duration(warnDays)*day
}

// warningDue reports whether the daily expiry warning may be raised again.
func warningDue(now time.Time, last *metav1.Time) bool {
	return last == nil || now.Sub(last.Time) >= day
}
