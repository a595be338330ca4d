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
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

func TestReviewCache(t *testing.T) {
	clk := testingclock.NewFakePassiveClock(time.Now())
	c := newReviewCache[bool](clk, 10*time.Second, 3)
	if _, ok := c.get("a"); ok {
		t.Fatal("empty cache answered")
	}
	c.put("a", true)
	if v, ok := c.get("a"); !ok || !v {
		t.Fatal("fresh answer not reused")
	}
	clk.SetTime(clk.Now().Add(10 * time.Second))
	if _, ok := c.get("a"); ok {
		t.Fatal("answer reused past its TTL")
	}
	// Full: expired entries go first, live ones stay.
	c.put("b", true)
	c.put("c", false)
	c.put("d", true) // "a" is expired and swept
	if _, ok := c.get("b"); !ok {
		t.Fatal("a live entry was dropped while an expired one could go")
	}
	c.put("e", true) // b, c, d all live: everything goes
	if _, ok := c.get("b"); ok {
		t.Fatal("a full cache of live entries must be dropped, not grow")
	}
	if v, ok := c.get("e"); !ok || !v {
		t.Fatal("the newest answer must be kept")
	}
	if len(c.entries) > c.max {
		t.Fatalf("cache holds %d entries, max %d", len(c.entries), c.max)
	}
}
