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

	"k8s.io/apimachinery/pkg/types"

	"github.com/aiagent-me/boring-operator/internal/boring"
)

func TestSecretVersions(t *testing.T) {
	s := newSecretVersions()
	key := types.NamespacedName{Namespace: "n", Name: "creds"}
	if _, ok := s.session(key, "1", "session"); ok {
		t.Fatal("nothing read yet")
	}
	s.rememberSession(key, "1", "session", boring.Session("v1"))
	if v, ok := s.session(key, "1", "session"); !ok || v != "v1" {
		t.Fatalf("got %v %v", v, ok)
	}
	if _, ok := s.session(key, "2", "session"); ok {
		t.Fatal("a changed resourceVersion must be read again")
	}
	if _, ok := s.session(key, "1", "other"); ok {
		t.Fatal("another key was never read")
	}
	s.rememberSession(key, "1", "empty", "")
	if _, ok := s.session(key, "1", "empty"); ok {
		t.Fatal("an empty value is no session")
	}
	s.rememberVerified(key, "5", "digest-a")
	if !s.verified(key, "5", "digest-a") || s.verified(key, "5", "digest-b") || s.verified(key, "6", "digest-a") {
		t.Fatal("verified must match both the version and the desired digest")
	}
	s.forget(key)
	if s.verified(key, "5", "digest-a") {
		t.Fatal("forget drops the entry")
	}
}
