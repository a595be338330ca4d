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

package cli

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// The states of a dashboard row, most urgent first. The page colours them
// and always writes them out in words too.
const (
	stateBad      = "bad"      // expired, invalid, or otherwise not Ready
	stateExpiring = "expiring" // within its warning window
	statePending  = "pending"  // not synced yet
	stateOK       = "ok"
)

// dashboardRow is one SocialAccount as the page shows it. The page sorts
// by Rank, then DaysLeft (none last), then Key.
type dashboardRow struct {
	Key         string `json:"key"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	Platform    string `json:"platform"`
	AccountName string `json:"accountName"`
	AccountID   string `json:"accountID"`
	State       string `json:"state"`
	// Label is State in one or two words ("Token invalid", "Expiring").
	Label string `json:"label"`
	Rank  int    `json:"rank"`
	// DaysLeft is whole days until ExpiresAt; nil where nothing expires.
	DaysLeft    *int  `json:"daysLeft"`
	WarningDays int32 `json:"warningDays"`
	// ExpiresAt is the token's (or Facebook's data access) expiry, RFC 3339;
	// the page shows it in the viewer's time zone.
	ExpiresAt  string `json:"expiresAt,omitempty"`
	ExpiryWhat string `json:"expiryWhat,omitempty"`
	// Reason is the Ready condition's reason; ReasonText says it in words,
	// Message is the operator's own message.
	Reason     string `json:"reason"`
	ReasonText string `json:"reasonText"`
	Message    string `json:"message,omitempty"`
	// SyncProblem is the Synced condition in words when the last sync failed.
	SyncProblem string   `json:"syncProblem,omitempty"`
	Secret      string   `json:"secret"`
	Restarts    []string `json:"restarts"`
	Credentials string   `json:"credentials"`
	// SyncRequested is the sync-request annotation, SyncHandled the value the
	// operator last acted on (status.lastHandledSyncRequest).
	SyncRequested string `json:"syncRequested,omitempty"`
	SyncHandled   string `json:"syncHandled,omitempty"`
	LastSync      string `json:"lastSync,omitempty"`
	Deleting      bool   `json:"deleting,omitempty"`
	Paused        bool   `json:"paused,omitempty"`
}

// reasonsInWords says each Ready reason as the page shows it.
var reasonsInWords = map[string]string{
	boringv1alpha1.ReasonTokenValid:         "Connected; the token is valid",
	boringv1alpha1.ReasonTokenInvalid:       "The token is invalid: reconnect the account in Boring",
	boringv1alpha1.ReasonTokenExpired:       "The token has expired: reconnect the account in Boring",
	boringv1alpha1.ReasonAccountNotFound:    "Boring does not list this account under its session",
	boringv1alpha1.ReasonAccountDisabled:    "The account is disabled in Boring",
	boringv1alpha1.ReasonPlatformMismatch:   "The platform in the spec is not the one Boring reports",
	boringv1alpha1.ReasonSecretConflict:     "A Secret of that name exists and is not the operator's",
	boringv1alpha1.ReasonPending:            "Waiting for the first sync",
	boringv1alpha1.ReasonDisconnectFailed:   "Disconnecting it in Boring failed; the operator retries",
	boringv1alpha1.ReasonAccountReconnected: "Reconnected in Boring under a new account ID",
}

// syncReasonsInWords says why the last sync failed.
var syncReasonsInWords = map[string]string{
	boringv1alpha1.ReasonUnauthorized:       "Boring rejected the session",
	boringv1alpha1.ReasonBackendUnavailable: "Boring did not answer",
	boringv1alpha1.ReasonRateLimited:        "Boring is rate-limiting the session",
	boringv1alpha1.ReasonPaused:             "Paused: the operator leaves it alone",
	boringv1alpha1.ReasonCredentialsMissing: "No usable credentials",
}

// newDashboardRow builds the row of one SocialAccount at now. credentials is
// the Secret it syncs with (namespace/name), "" when unknown.
func newDashboardRow(sa *boringv1alpha1.SocialAccount, credentials string, now time.Time) dashboardRow {
	st := &sa.Status
	row := dashboardRow{
		Key: sa.Namespace + "/" + sa.Name, Namespace: sa.Namespace, Name: sa.Name,
		Platform: string(cmp.Or(st.Platform, sa.Spec.Platform)), AccountName: st.AccountName,
		AccountID: sa.ResolvedAccountID(), WarningDays: sa.EffectiveExpiryWarningDays(),
		Secret: cmp.Or(st.SecretName, sa.EffectiveSecretName()), Restarts: []string{}, Credentials: credentials,
		SyncRequested: sa.Annotations[boringv1alpha1.SyncRequestedAnnotation], SyncHandled: st.LastHandledSyncRequest,
		Deleting: !sa.DeletionTimestamp.IsZero(), Paused: sa.IsPaused(),
	}
	for _, t := range sa.Spec.RolloutRestartTargets {
		row.Restarts = append(row.Restarts, string(t.Kind)+" "+t.Name)
	}
	if st.LastSyncTime != nil {
		row.LastSync = st.LastSyncTime.UTC().Format(time.RFC3339)
	}
	// The expiry that comes first: the token's, or Facebook's data access.
	var expires, dataAccess *time.Time
	if st.ExpiresAt != nil {
		expires = &st.ExpiresAt.Time
	}
	if st.DataAccessExpiresAt != nil {
		dataAccess = &st.DataAccessExpiresAt.Time
	}
	if when := soonest(expires, dataAccess); when != nil {
		row.ExpiresAt = when.UTC().Format(time.RFC3339)
		row.ExpiryWhat = "token"
		if when == dataAccess {
			row.ExpiryWhat = "data access"
		}
		row.DaysLeft = daysLeft(when, now)
	}
	ready := meta.FindStatusCondition(st.Conditions, boringv1alpha1.ConditionReady)
	if ready != nil {
		row.Reason, row.Message = ready.Reason, ready.Message
		row.ReasonText = cmp.Or(reasonsInWords[ready.Reason], ready.Reason)
	}
	if synced := meta.FindStatusCondition(st.Conditions, boringv1alpha1.ConditionSynced); synced != nil && synced.Status != metav1.ConditionTrue {
		row.SyncProblem = cmp.Or(syncReasonsInWords[synced.Reason], synced.Reason)
		if synced.Message != "" {
			row.SyncProblem += ": " + synced.Message
		}
	}
	row.State, row.Label = rowState(sa, ready, row.DaysLeft, now)
	row.Rank = rankOf[row.State]
	return row
}

var rankOf = map[string]int{stateBad: 0, stateExpiring: 1, statePending: 2, stateOK: 3}

// rowState decides a row's state: the first rule that holds names it.
func rowState(sa *boringv1alpha1.SocialAccount, ready *metav1.Condition, days *int, now time.Time) (state, label string) {
	st := &sa.Status
	expired := st.ExpiresAt != nil && !st.ExpiresAt.After(now)
	switch {
	case ready != nil && ready.Reason == boringv1alpha1.ReasonTokenExpired, expired:
		return stateBad, "Expired"
	case ready != nil && ready.Reason == boringv1alpha1.ReasonTokenInvalid, st.IsValid != nil && !*st.IsValid:
		return stateBad, "Token invalid"
	case ready != nil && ready.Status != metav1.ConditionTrue && ready.Reason != boringv1alpha1.ReasonPending:
		return stateBad, "Not ready"
	case ready == nil || ready.Status != metav1.ConditionTrue:
		return statePending, "Pending"
	case days != nil && *days < int(sa.EffectiveExpiryWarningDays()):
		return stateExpiring, "Expiring"
	}
	return stateOK, "OK"
}

// sortRows puts the most urgent first: bad, expiring, pending, OK; within a
// state by days left (none last), then by namespace/name. The page sorts
// the same way (app.js) as rows change.
func sortRows(rows []dashboardRow) {
	slices.SortFunc(rows, func(a, b dashboardRow) int {
		if c := cmp.Compare(a.Rank, b.Rank); c != 0 {
			return c
		}
		switch {
		case a.DaysLeft == nil && b.DaysLeft != nil:
			return 1
		case a.DaysLeft != nil && b.DaysLeft == nil:
			return -1
		case a.DaysLeft != nil && *a.DaysLeft != *b.DaysLeft:
			return cmp.Compare(*a.DaysLeft, *b.DaysLeft)
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// unmappedRow is an account connected in Boring that no SocialAccount maps.
type unmappedRow struct {
	Credentials string `json:"credentials"`
	Platform    string `json:"platform"`
	AccountName string `json:"accountName"`
	AccountID   string `json:"accountID"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	DaysLeft    *int   `json:"daysLeft"`
}

// The states of a credentials Secret.
const (
	healthOK      = "ok"
	healthBad     = "bad"
	healthUnknown = "unknown"
)

// The events the operator raises on a credentials Secret when Boring starts
// or stops accepting its session.
const (
	eventSessionUnauthorized = "SessionUnauthorized"
	eventSessionAuthorized   = "SessionAuthorized"
)

// labelRejected is the label of a credentials Secret whose session Boring
// refuses.
const labelRejected = "Session rejected"

// credentialsHealth is one credentials Secret as far as the user can see it.
type credentialsHealth struct {
	Key      string `json:"key"`
	State    string `json:"state"`
	Label    string `json:"label"`
	Detail   string `json:"detail"`
	Accounts int    `json:"accounts"`
}

// healthFacts is what the dashboard could learn about one Secret.
type healthFacts struct {
	// accounts and unauthorized count the visible SocialAccounts using it,
	// and those whose last sync Boring refused (Synced=False Unauthorized).
	accounts, unauthorized int
	// listed: the user could read the Secret and Boring answered with it;
	// listErr: why not (nil when listed).
	listed  bool
	listErr error
	// rejected: Boring answered Unauthorized to the session just now.
	rejected bool
	// lastEvent is the newest SessionUnauthorized/SessionAuthorized event on
	// the Secret ("" when none or not listable), at eventTime.
	lastEvent string
	eventTime time.Time
}

// decideHealth turns the facts into a verdict, the first rule that holds
// naming it.
func decideHealth(key string, f healthFacts, now time.Time) credentialsHealth {
	h := credentialsHealth{Key: key, Accounts: f.accounts}
	event := ""
	if f.lastEvent != "" {
		event = fmt.Sprintf(" (event %s, %s ago)", f.lastEvent, ago(f.eventTime, now))
	}
	switch {
	case f.rejected:
		h.State, h.Label, h.Detail = healthBad, labelRejected, "Boring refused this session just now: store a fresh session cookie"+event
	case f.unauthorized > 0:
		h.State, h.Label = healthBad, labelRejected
		h.Detail = fmt.Sprintf("Boring refused the session at the last sync of %d of its %d SocialAccounts%s", f.unauthorized, f.accounts, event)
	case f.lastEvent == eventSessionUnauthorized:
		h.State, h.Label, h.Detail = healthBad, labelRejected, "The operator reported the session refused"+event
	case f.listed:
		h.State, h.Label, h.Detail = healthOK, "Session works", "Boring accepted it just now"+event
	case f.accounts > 0:
		h.State, h.Label, h.Detail = healthOK, "No errors", "The operator's last syncs with it succeeded"+event
		if f.listErr != nil {
			h.Detail += "; " + f.listErr.Error()
		}
	default:
		h.State, h.Label, h.Detail = healthUnknown, "Unknown", "No SocialAccount you can see uses it"+event
		if f.listErr != nil {
			h.Detail += "; " + f.listErr.Error()
		}
	}
	return h
}
