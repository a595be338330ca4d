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
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// WillDisconnect reports whether deleting sa will still call Boring: policy
// Disconnect, the finalizer in place, and no disconnect handled yet.
func WillDisconnect(sa *boringv1alpha1.SocialAccount) bool {
	return sa.EffectiveDeletionPolicy() == boringv1alpha1.DeletionPolicyDisconnect &&
		controllerutil.ContainsFinalizer(sa, boringv1alpha1.Finalizer) &&
		sa.Annotations[boringv1alpha1.DisconnectHandledAnnotation] == ""
}

// SameSession reports whether other syncs with the same Boring session as the
// SocialAccount being deleted. An error means it could not be told.
type SameSession func(other *boringv1alpha1.SocialAccount) (bool, error)

// KeptBy finds another SocialAccount that keeps the account connected, so
// deleting sa must not disconnect it: one that maps the same account ID
// (candidates, from the account-ID index), is not being deleted nor in
// leaving (deleted together with sa), and syncs with the same session.
//
// It fails closed: when same cannot tell for a candidate (the credentials
// could not be read), it returns the error, and the caller must not
// disconnect; a disconnect cannot be undone (a reconnect mints a new
// account_id).
func KeptBy(sa *boringv1alpha1.SocialAccount, candidates []boringv1alpha1.SocialAccount,
	leaving func(*boringv1alpha1.SocialAccount) bool, same SameSession) (*boringv1alpha1.SocialAccount, error) {
	id := sa.ResolvedAccountID()
	for i := range candidates {
		o := &candidates[i]
		if o.UID == sa.UID || !o.DeletionTimestamp.IsZero() || o.ResolvedAccountID() != id || (leaving != nil && leaving(o)) {
			continue
		}
		ok, err := same(o)
		if err != nil {
			return nil, fmt.Errorf("deciding whether %s/%s keeps account %s: %w", o.Namespace, o.Name, id, err)
		}
		if ok {
			return o, nil
		}
	}
	return nil, nil
}

// KeeperName names the SocialAccount that keeps the account, as sa's owner
// may see it: by name in sa's namespace, anonymously elsewhere (another
// tenant's object is none of their business).
func KeeperName(sa, keeper *boringv1alpha1.SocialAccount) string {
	if keeper.Namespace == sa.Namespace {
		return "SocialAccount " + keeper.Name
	}
	return "a SocialAccount in another namespace"
}
