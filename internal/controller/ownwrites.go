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
//
// It also remembers the SocialAccounts whose disconnect this manager handled,
// until they are gone: the disconnect-handled annotation is written without a
// lock, over changes the controller never read (a user's edit while Boring
// answered), so a cached copy from between the two carries neither the
// annotation nor a version the controller superseded.
type ownWrites struct {
	mu           sync.Mutex
	superseded   map[types.UID][]string
	disconnected map[types.NamespacedName]types.UID
}

func newOwnWrites() *ownWrites {
	return &ownWrites{superseded: map[types.UID][]string{}, disconnected: map[types.NamespacedName]types.UID{}}
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

// handledDisconnect records that the disconnect of the SocialAccount key
// with uid was handled (Boring called, or not needed).
func (w *ownWrites) handledDisconnect(key types.NamespacedName, uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.disconnected[key] = uid
}

// disconnectHandled reports whether handledDisconnect was recorded for this
// very object (a new one of the same name is another account).
func (w *ownWrites) disconnectHandled(key types.NamespacedName, uid types.UID) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	got, ok := w.disconnected[key]
	return ok && got == uid
}

// gone drops what is remembered of the SocialAccount key, which no longer
// exists.
func (w *ownWrites) gone(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.disconnected, key)
}
