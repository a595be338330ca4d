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
)

func TestResponseCache(t *testing.T) {
	now := time.Now()
	c := newResponseCache()
	c.put("k", c.version(), now.Add(time.Minute), nil, []byte("x"))
	if _, ok := c.get("k", c.version(), now); ok {
		t.Fatal("without change notices nothing may be remembered")
	}
	c.invalidate() // the informer is wired: remembering is safe
	v := c.version()
	c.put("k", v, now.Add(time.Minute), map[string]bool{"": true}, []byte("body"))
	if got, ok := c.get("k", v, now); !ok || string(got.body) != "body" || !got.decisions[""] {
		t.Fatal("answer not reused with its decisions")
	}
	if _, ok := c.get("k", v, now.Add(time.Minute)); ok {
		t.Fatal("answer reused past its expiry")
	}
	c.invalidate()
	if _, ok := c.get("k", c.version(), now); ok {
		t.Fatal("answer reused after a SocialAccount changed")
	}
	for i := range maxResponses + 1 {
		c.put(string(rune('a'+i%26))+string(rune(i)), c.version(), now.Add(time.Minute), nil, nil)
	}
	if len(c.entries) > maxResponses {
		t.Fatalf("%d answers held, max %d", len(c.entries), maxResponses)
	}
}
