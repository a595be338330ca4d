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
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// ownWrites exists because the manager's cache lags behind the controller's
// own writes: a reconcile that reads a SocialAccount at a resourceVersion the
// controller already wrote over would repeat that write and its events. It
// remembers, per object UID, the resourceVersions the controller superseded,
// and forgets them as soon as the cache shows a newer version.
type ownWrites struct {
	mu         sync.Mutex
	superseded map[types.UID][]string
}

func newOwnWrites() *ownWrites {
	return &ownWrites{superseded: map[types.UID][]string{}}
}

// wroteOver records that the object at resourceVersion rv was replaced by
// one of our writes.
func (w *ownWrites) wroteOver(uid types.UID, rv string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.superseded[uid] = append(w.superseded[uid], rv)
}

// stale reports whether the object at rv is older than our last write.
// Seeing any other version means the cache caught up: the memory goes.
func (w *ownWrites) stale(uid types.UID, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	rvs, ok := w.superseded[uid]
	if !ok {
		return false
	}
	if slices.Contains(rvs, rv) {
		return true
	}
	delete(w.superseded, uid)
	return false
}

// forget drops what is remembered of an object that is gone.
func (w *ownWrites) forget(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.superseded, uid)
}
