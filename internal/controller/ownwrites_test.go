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
)

func TestOwnWrites(t *testing.T) {
	w := newOwnWrites()
	const uid = types.UID("u1")
	if w.stale(uid, "1") {
		t.Fatal("nothing written yet: nothing is stale")
	}
	w.wroteOver(uid, "1")
	w.wroteOver(uid, "2")
	if !w.stale(uid, "1") || !w.stale(uid, "2") {
		t.Fatal("versions we wrote over are stale until the cache moves on")
	}
	if w.stale(uid, "3") {
		t.Fatal("a newer version is not stale")
	}
	if w.stale(uid, "1") {
		t.Fatal("once the cache showed a newer version, the memory is gone")
	}
	w.wroteOver(uid, "4")
	w.forget(uid)
	if w.stale(uid, "4") {
		t.Fatal("forget drops the memory")
	}
}
