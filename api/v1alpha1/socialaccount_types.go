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

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Platform is the social network a Boring account belongs to.
// +kubebuilder:validation:Enum=facebook;instagram;threads
type Platform string

// Platforms Boring connects.
const (
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
	PlatformThreads   Platform = "threads"
)

// DeletionPolicy says what deleting a SocialAccount does in Boring.
// +kubebuilder:validation:Enum=Disconnect;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDisconnect disconnects (soft-deletes) the account in Boring
	// before the SocialAccount goes away.
	DeletionPolicyDisconnect DeletionPolicy = "Disconnect"
	// DeletionPolicyOrphan leaves the account connected in Boring.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// Finalizer, annotations and labels of the API.
const (
	// Finalizer holds a SocialAccount until its account is disconnected in Boring
	// (or its deletion policy says not to).
	Finalizer = "boring.aiagent-me.com/disconnect"
	// SyncRequestedAnnotation forces an immediate sync that bypasses the shared
	// account cache when its value changes; the value handled is echoed in
	// status.lastHandledSyncRequest.
	SyncRequestedAnnotation = "boring.aiagent-me.com/sync-requested-at"
	// RestartedAtAnnotation is set on the pod template of rollout targets to
	// restart them.
	RestartedAtAnnotation = "boring.aiagent-me.com/restartedAt"
	// PausedAnnotation set to "true" stops every call to Boring for the
	// SocialAccount, including the disconnect on deletion.
	PausedAnnotation = "boring.aiagent-me.com/paused"
	// DisconnectHandledAnnotation is written on a SocialAccount being
	// deleted once its disconnect was handled (done in Boring, or skipped
	// for another mapping), before its finalizer is removed, so a retry
	// never calls Boring twice. Its value is the account ID.
	DisconnectHandledAnnotation = "boring.aiagent-me.com/disconnect-handled"
	// ContentDigestAnnotation is written by the operator on each account-ID
	// Secret: a digest of the content it wrote. With the Secret's
	// managedFields showing that nobody else wrote to it, it lets a restarted
	// operator trust the Secret without reading its data.
	ContentDigestAnnotation = "boring.aiagent-me.com/content-digest"
	// CredentialsFinalizer holds a credentials Secret while a SocialAccount
	// that still has to disconnect uses it, so that deleting a namespace
	// can always disconnect its accounts and finish.
	CredentialsFinalizer = "boring.aiagent-me.com/credentials-in-use"
	// ManagedByLabel marks the Secrets the operator writes.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of ManagedByLabel on the operator's Secrets.
	ManagedByValue = "boring-operator"
	// CredentialsLabel, set to "true", opts a Secret in as Boring
	// credentials: a Secret without it is never read for a session.
	CredentialsLabel = "boring.aiagent-me.com/credentials"
	// DefaultCredentialsKey is the key read from the credentials Secret when
	// credentialsRef.key is not set.
	DefaultCredentialsKey = "session"
)

// Keys of the account-ID Secret.
const (
	SecretKeyAccountID   = "ACCOUNT_ID"
	SecretKeyPlatform    = "PLATFORM"
	SecretKeyAccountName = "ACCOUNT_NAME"
)

// Condition types.
const (
	// ConditionReady is True when the account exists in Boring, its token is
	// valid and not expired, and its Secret is written.
	ConditionReady = "Ready"
	// ConditionSynced is True when the last sync with Boring succeeded.
	ConditionSynced = "Synced"
)

// Reasons of the Ready condition.
const (
	ReasonTokenValid       = "TokenValid"
	ReasonTokenInvalid     = "TokenInvalid"
	ReasonTokenExpired     = "TokenExpired"
	ReasonAccountNotFound  = "AccountNotFound"
	ReasonAccountDisabled  = "AccountDisabled"
	ReasonPlatformMismatch = "PlatformMismatch"
	ReasonSecretConflict   = "SecretConflict"
	ReasonPending          = "Pending"
	ReasonDisconnectFailed = "DisconnectFailed"
	// ReasonAccountReconnected: spec.accountID is no longer listed, but the
	// same platform account is, under a new account_id.
	ReasonAccountReconnected = "AccountReconnected"
)

// Reasons of the Synced condition.
const (
	ReasonSyncSucceeded      = "SyncSucceeded"
	ReasonUnauthorized       = "Unauthorized"
	ReasonBackendUnavailable = "BackendUnavailable"
	ReasonRateLimited        = "RateLimited"
	ReasonPaused             = "Paused"
	ReasonCredentialsMissing = "CredentialsMissing"
	// ReasonAccountDisabled (a Ready reason too) on Synced: Boring answered
	// AccountDisabled, so the sync brought no account data.
)

// Event reasons.
const (
	EventTokenExpiringSoon      = "TokenExpiringSoon"
	EventDataAccessExpiringSoon = "DataAccessExpiringSoon"
	EventTokenInvalid           = "TokenInvalid"
	EventTokenExpired           = "TokenExpired"
	EventAccountNotFound        = "AccountNotFound"
	EventUnauthorized           = "Unauthorized"
	EventSynced                 = "Synced"
	EventDisconnected           = "Disconnected"
	EventDisconnectFailed       = "DisconnectFailed"
	EventDisconnectSkipped      = "DisconnectSkipped"
	EventSecretConflict         = "SecretConflict"
	EventPlatformMismatch       = "PlatformMismatch"
	EventAccountDisabled        = "AccountDisabled"
	EventAccountReconnected     = "AccountReconnected"
	EventAmbiguousAccount       = "AmbiguousAccount"
	EventRolloutRestarted       = "RolloutRestarted"
	EventRolloutTargetMissing   = "RolloutTargetMissing"
	// EventRolloutRestartDisabled: the operator runs without workload rights
	// (--rollout-restart=false), so the targets were not restarted.
	EventRolloutRestartDisabled = "RolloutRestartDisabled"
)

// CredentialsReference names the key of a Secret, in the SocialAccount's own
// namespace, that holds a Boring session cookie value.
type CredentialsReference struct {
	// name of the Secret in the SocialAccount's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// key in the Secret's data whose value is the Boring session cookie.
	// Defaults to "session".
	// +optional
	// +kubebuilder:default=session
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`
}

// SecretTemplate holds metadata copied onto the account-ID Secret.
type SecretTemplate struct {
	// labels added to the Secret, next to app.kubernetes.io/managed-by.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// annotations added to the Secret.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// RolloutTargetKind is a workload kind that can be restarted.
// +kubebuilder:validation:Enum=Deployment;StatefulSet;DaemonSet
type RolloutTargetKind string

// Workload kinds a rollout restart applies to.
const (
	RolloutTargetDeployment  RolloutTargetKind = "Deployment"
	RolloutTargetStatefulSet RolloutTargetKind = "StatefulSet"
	RolloutTargetDaemonSet   RolloutTargetKind = "DaemonSet"
)

// RolloutTarget names a workload, in the SocialAccount's namespace, that is
// restarted when the account ID in the Secret changes.
type RolloutTarget struct {
	// kind is Deployment, StatefulSet or DaemonSet.
	// +required
	Kind RolloutTargetKind `json:"kind"`

	// name of the workload in the SocialAccount's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// SocialAccountSpec declares which Boring account a SocialAccount stands for.
// +kubebuilder:validation:XValidation:rule="has(self.accountID) != has(self.platformAccountID)",message="exactly one of spec.accountID and spec.platformAccountID must be set"
// +kubebuilder:validation:XValidation:rule="!has(self.platformAccountID) || has(self.platform)",message="spec.platform is required with spec.platformAccountID"
type SocialAccountSpec struct {
	// accountID is the Boring account_id of the connected Facebook Page,
	// Instagram business account or Threads account, as shown by Boring's
	// GET /api/accounts. It changes whenever the account is reconnected;
	// prefer platformAccountID, which does not. Letters, digits, '-', '_',
	// '.' and ':' only. Exactly one of accountID and platformAccountID.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._:-]*$`
	AccountID string `json:"accountID,omitempty"`

	// platformAccountID is the platform's own ID of the account: the Facebook
	// page_id, the Instagram ig_account_id or the Threads threads_id. It
	// stays the same when the account is reconnected in Boring (which mints a
	// new account_id), so the SocialAccount follows reconnects; status.accountID
	// shows the account_id in use. Requires platform. Exactly one of
	// accountID and platformAccountID.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._:-]*$`
	PlatformAccountID string `json:"platformAccountID,omitempty"`

	// platform is the platform the account is on: facebook, instagram or
	// threads. Required with platformAccountID. With accountID it is
	// optional; when set and Boring disagrees, the SocialAccount is not
	// Ready (reason PlatformMismatch).
	// +optional
	Platform Platform `json:"platform,omitempty"`

	// credentialsRef names the Secret key, in this namespace, holding the Boring
	// session used for this account. When omitted, the manager's
	// --default-credentials Secret is used, if this namespace may use it.
	// +optional
	CredentialsRef *CredentialsReference `json:"credentialsRef,omitempty"`

	// secretName is the name of the Secret, in this namespace, that receives the
	// account ID (keys ACCOUNT_ID, PLATFORM, ACCOUNT_NAME). Defaults to the
	// SocialAccount's own name. Must be a DNS-1123 subdomain.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName,omitempty"`

	// secretTemplate holds labels and annotations copied onto the Secret.
	// +optional
	SecretTemplate *SecretTemplate `json:"secretTemplate,omitempty"`

	// deletionPolicy says what deleting this SocialAccount does in Boring:
	// Disconnect (the default) disconnects the account there (a soft delete;
	// reconnecting creates a new account_id); Orphan leaves it connected.
	// +optional
	// +kubebuilder:default=Disconnect
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// refreshInterval is how often the account is checked in Boring, as a Go
	// duration (for example 30m, 1h, 6h). At least 1m; defaults to 1h.
	// +optional
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="refreshInterval must be at least 1m"
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`

	// expiryWarningDays is how many days before the token expires the
	// operator starts raising TokenExpiringSoon warnings. 1 to 60, default 7.
	// +optional
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	ExpiryWarningDays int32 `json:"expiryWarningDays,omitempty"`

	// rolloutRestartTargets are workloads in this namespace restarted (their
	// pod template gets the annotation boring.aiagent-me.com/restartedAt, as
	// `kubectl rollout restart` does) when the account ID in the Secret
	// changes, for example after a reconnect. Not on the Secret's first
	// creation, nor when a tampered Secret is repaired.
	// +optional
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=32
	RolloutRestartTargets []RolloutTarget `json:"rolloutRestartTargets,omitempty"`
}

// FacebookStatus is what Boring reports about a Facebook Page.
type FacebookStatus struct {
	// pageName is the Page's name (Boring's page_name).
	// +optional
	PageName string `json:"pageName,omitempty"`
	// pageID is the Page's Facebook ID (Boring's page_id).
	// +optional
	PageID string `json:"pageID,omitempty"`
}

// InstagramStatus is what Boring reports about an Instagram account.
type InstagramStatus struct {
	// username is the Instagram handle (Boring's ig_username).
	// +optional
	Username string `json:"username,omitempty"`
	// accountID is Instagram's own ID of the account (Boring's ig_account_id).
	// +optional
	AccountID string `json:"accountID,omitempty"`
	// accountType is BUSINESS, CREATOR or MEDIA_CREATOR (Boring's account_type).
	// +optional
	AccountType string `json:"accountType,omitempty"`
}

// ThreadsStatus is what Boring reports about a Threads account.
type ThreadsStatus struct {
	// username is the Threads handle (Boring's threads_username).
	// +optional
	Username string `json:"username,omitempty"`
	// userID is Threads' own ID of the account (Boring's threads_id).
	// +optional
	UserID string `json:"userID,omitempty"`
	// profilePictureURL is the account's picture (Boring's threads_profile_picture).
	// +optional
	ProfilePictureURL string `json:"profilePictureURL,omitempty"`
}

// SocialAccountStatus is the account as last seen in Boring.
type SocialAccountStatus struct {
	// accountID is the Boring account_id in use: spec.accountID, or the
	// account that spec.platformAccountID resolved to. It is kept while the
	// account is not listed, so a reconnect is recognised.
	// +optional
	AccountID string `json:"accountID,omitempty"`

	// platform is the platform Boring reports for the account.
	// +optional
	Platform Platform `json:"platform,omitempty"`

	// accountName is the Page name, Instagram username or Threads username.
	// +optional
	AccountName string `json:"accountName,omitempty"`

	// isValid is Boring's verdict on the account's token.
	// +optional
	IsValid *bool `json:"isValid,omitempty"`

	// expiresAt is when the token expires (RFC 3339); absent where it never
	// expires (Facebook Page tokens).
	// +optional
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`

	// daysUntilExpiry is the number of whole days left before expiresAt
	// (rounded down, 0 once expired); absent where the token never expires.
	// +optional
	DaysUntilExpiry *int32 `json:"daysUntilExpiry,omitempty"`

	// dataAccessExpiresAt is when Facebook data access must be re-authorised
	// (every 90 days). Facebook only.
	// +optional
	DataAccessExpiresAt *metav1.Time `json:"dataAccessExpiresAt,omitempty"`

	// facebook holds the Facebook Page's details.
	// +optional
	Facebook *FacebookStatus `json:"facebook,omitempty"`

	// instagram holds the Instagram account's details.
	// +optional
	Instagram *InstagramStatus `json:"instagram,omitempty"`

	// threads holds the Threads account's details.
	// +optional
	Threads *ThreadsStatus `json:"threads,omitempty"`

	// secretName is the Secret holding the account ID, once written.
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// lastSyncTime is when a sync last changed this status. A refresh that
	// finds nothing new writes nothing; see the metric
	// boring_socialaccount_last_sync_timestamp_seconds for freshness.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// lastExpiryWarningTime is when the last TokenExpiringSoon or
	// DataAccessExpiringSoon warning was raised (at most one a day).
	// +optional
	LastExpiryWarningTime *metav1.Time `json:"lastExpiryWarningTime,omitempty"`

	// lastHandledSyncRequest is the value of the
	// boring.aiagent-me.com/sync-requested-at annotation last acted on.
	// +optional
	LastHandledSyncRequest string `json:"lastHandledSyncRequest,omitempty"`

	// observedGeneration is the metadata.generation the status describes.
	// It is 0 until the first successful sync, so kstatus-aware tools
	// (kubectl wait, Flux, Argo CD) see the object as in progress until then.
	// +kubebuilder:default=0
	ObservedGeneration int64 `json:"observedGeneration"`

	// conditions: Ready (usable: found, valid, not expired, Secret written)
	// and Synced (last call to Boring succeeded).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// SocialAccount maps a friendly Kubernetes name to a Boring account_id, keeps
// its token's validity and expiry in status, and writes the ID into a Secret.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=socialacct,categories=boring
// +kubebuilder:printcolumn:name="Platform",type=string,JSONPath=`.status.platform`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.status.accountName`
// +kubebuilder:printcolumn:name="Valid",type=boolean,JSONPath=`.status.isValid`
// +kubebuilder:printcolumn:name="Days",type=integer,JSONPath=`.status.daysUntilExpiry`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Account-ID",type=string,JSONPath=`.status.accountID`,priority=1
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.expiresAt`,priority=1
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.status.secretName`,priority=1
type SocialAccount struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec says which Boring account this is and how to manage it.
	// +required
	Spec SocialAccountSpec `json:"spec"`

	// status is the account as last seen in Boring.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status SocialAccountStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// SocialAccountList is a list of SocialAccounts.
type SocialAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []SocialAccount `json:"items"`
}
