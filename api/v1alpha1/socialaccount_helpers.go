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

package v1alpha1

import "time"

// Defaults the API server applies; repeated here so objects built in Go
// without a round trip (tests, older stored objects) behave the same.
const (
	DefaultRefreshInterval   = time.Hour
	DefaultExpiryWarningDays = 7
)

// EffectiveSecretName is the name of the account-ID Secret.
func (s *SocialAccount) EffectiveSecretName() string {
	if s.Spec.SecretName != "" {
		return s.Spec.SecretName
	}
	return s.Name
}

// EffectiveRefreshInterval is spec.refreshInterval or its default.
func (s *SocialAccount) EffectiveRefreshInterval() time.Duration {
	if s.Spec.RefreshInterval == nil || s.Spec.RefreshInterval.Duration < time.Minute {
		return DefaultRefreshInterval
	}
	return s.Spec.RefreshInterval.Duration
}

// EffectiveExpiryWarningDays is spec.expiryWarningDays or its default.
func (s *SocialAccount) EffectiveExpiryWarningDays() int32 {
	if s.Spec.ExpiryWarningDays <= 0 {
		return DefaultExpiryWarningDays
	}
	return s.Spec.ExpiryWarningDays
}

// EffectiveDeletionPolicy is spec.deletionPolicy or its default.
func (s *SocialAccount) EffectiveDeletionPolicy() DeletionPolicy {
	if s.Spec.DeletionPolicy == "" {
		return DeletionPolicyDisconnect
	}
	return s.Spec.DeletionPolicy
}

// IsPaused reports whether the paused annotation stops Boring calls.
func (s *SocialAccount) IsPaused() bool {
	return s.Annotations[PausedAnnotation] == "true"
}

// ResolvedAccountID is the Boring account_id the SocialAccount stands for:
// spec.accountID, or for a platformAccountID mapping the account it last
// resolved to (status.accountID; "" before the first resolution).
func (s *SocialAccount) ResolvedAccountID() string {
	if s.Spec.AccountID != "" {
		return s.Spec.AccountID
	}
	return s.Status.AccountID
}
