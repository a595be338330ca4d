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

// Package index holds the field indexes on SocialAccounts that the controller
// and the account API share, registered once per manager.
package index

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

const (
	// AccountID indexes SocialAccounts by the Boring account_id they stand
	// for: spec.accountID, or the one spec.platformAccountID resolved to.
	AccountID = "resolvedAccountID"
	// Credentials indexes SocialAccounts by the NAMESPACE/NAME of the
	// credentials Secret they use (mapping.Defaults.CredentialsOf): their
	// own, or the default one where their namespace may use it.
	Credentials = "credentials"
)

// Register adds the indexes to indexer; defaults are the manager's default
// credentials.
func Register(ctx context.Context, indexer client.FieldIndexer, defaults mapping.Defaults) error {
	if err := indexer.IndexField(ctx, &boringv1alpha1.SocialAccount{}, AccountID, ByAccountID); err != nil {
		return fmt.Errorf("indexing %s: %w", AccountID, err)
	}
	if err := indexer.IndexField(ctx, &boringv1alpha1.SocialAccount{}, Credentials, func(o client.Object) []string {
		creds, err := defaults.CredentialsOf(o.(*boringv1alpha1.SocialAccount))
		if err != nil {
			return nil
		}
		return []string{creds.Secret.String()}
	}); err != nil {
		return fmt.Errorf("indexing %s: %w", Credentials, err)
	}
	return nil
}

// ByAccountID is the AccountID index function.
func ByAccountID(o client.Object) []string {
	if id := o.(*boringv1alpha1.SocialAccount).ResolvedAccountID(); id != "" {
		return []string{id}
	}
	return nil
}
