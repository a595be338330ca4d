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
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
	"github.com/aiagent-me/boring-operator/internal/boring"
	"github.com/aiagent-me/boring-operator/internal/mapping"
)

// accountLabels name a SocialAccount's series, credentialsLabels a
// credentials Secret's.
var (
	accountLabels     = []string{"namespace", "name", "platform"}
	credentialsLabels = []string{"namespace", "secret"}
)

var (
	descExpiration = prometheus.NewDesc("boring_socialaccount_expiration_timestamp_seconds",
		"When the SocialAccount's token expires (Unix seconds); absent where it never expires.",
		accountLabels, nil)
	descDataAccessExpiration = prometheus.NewDesc("boring_socialaccount_data_access_expiration_timestamp_seconds",
		"When Facebook data access must be re-authorised (Unix seconds).",
		accountLabels, nil)
	descValid = prometheus.NewDesc("boring_socialaccount_valid",
		"1 when Boring reports the SocialAccount's token valid, else 0.",
		accountLabels, nil)
	descReady = prometheus.NewDesc("boring_socialaccount_ready",
		"1 when the SocialAccount's Ready condition is True, else 0.",
		accountLabels, nil)
	descLastSync = prometheus.NewDesc("boring_socialaccount_last_sync_timestamp_seconds",
		"When the SocialAccount was last checked against Boring (Unix seconds), including quiet syncs that wrote nothing.",
		accountLabels, nil)
	descWarningWindow = prometheus.NewDesc("boring_socialaccount_expiry_warning_window_seconds",
		"The SocialAccount's own warning window (spec.expiryWarningDays) in seconds: alert when the expiry is nearer than this.",
		accountLabels, nil)
	descUnmapped = prometheus.NewDesc("boring_credentials_unmapped_accounts",
		"Accounts Boring lists under a credentials Secret that no SocialAccount using that Secret maps (from the last shared list; no extra call to Boring).",
		credentialsLabels, nil)
	descCredentialsAuthorized = prometheus.NewDesc("boring_credentials_authorized",
		"1 when Boring's last answer to the session of a credentials Secret was not Unauthorized, 0 when it was.",
		credentialsLabels, nil)
	descCredentialsLastSuccess = prometheus.NewDesc("boring_credentials_last_success_timestamp_seconds",
		"When Boring last listed the accounts of a credentials Secret's session (Unix seconds).",
		credentialsLabels, nil)
	descRefreshInterval = prometheus.NewDesc("boring_socialaccount_refresh_interval_seconds",
		"How often the SocialAccount is checked against Boring (spec.refreshInterval) in seconds.",
		accountLabels, nil)
)

// AccountMetrics is a Prometheus collector computed at scrape time from the
// manager's cache: a deleted SocialAccount leaves no series behind.
type AccountMetrics struct {
	reader client.Reader
	// leading reports whether this replica leads; only the leader exports
	// per-account series, or every alert would fire once per replica.
	leading func() bool

	mu       sync.Mutex
	lastSync map[types.NamespacedName]syncRecord
	// lists is the last account list seen per credentials Secret.
	lists map[types.NamespacedName]*boring.Snapshot

	// health and defaults are the reconciler's (set by SetupWithManager).
	health   *credentialsHealth
	defaults mapping.Defaults
}

// syncRecord is a SocialAccount's last successful check.
type syncRecord struct {
	at          time.Time
	credentials types.NamespacedName
}

// NewAccountMetrics returns a collector reading SocialAccounts from reader
// (the manager's cache), registered with reg, that exports series while
// leading() is true.
func NewAccountMetrics(reader client.Reader, reg prometheus.Registerer, leading func() bool) (*AccountMetrics, error) {
	m := &AccountMetrics{reader: reader, leading: leading,
		lastSync: map[types.NamespacedName]syncRecord{}, lists: map[types.NamespacedName]*boring.Snapshot{}}
	if err := reg.Register(m); err != nil {
		return nil, fmt.Errorf("registering account metrics: %w", err)
	}
	return m, nil
}

// Synced records a successful check of sa against Boring, with the
// credentials Secret it used and the account list it was checked in.
func (m *AccountMetrics) Synced(sa *boringv1alpha1.SocialAccount, at time.Time, credentials types.NamespacedName, list *boring.Snapshot) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.lastSync[types.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}] = syncRecord{at: at, credentials: credentials}
	if list != nil {
		m.lists[credentials] = list
	}
	m.mu.Unlock()
}

// Forget drops what is remembered of a SocialAccount that is gone.
func (m *AccountMetrics) Forget(key types.NamespacedName) {
	if m == nil {
		return
	}
	m.mu.Lock()
	delete(m.lastSync, key)
	m.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (m *AccountMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descExpiration, descDataAccessExpiration, descValid, descReady, descLastSync,
		descWarningWindow, descRefreshInterval, descUnmapped, descCredentialsAuthorized, descCredentialsLastSuccess} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *AccountMetrics) Collect(ch chan<- prometheus.Metric) {
	if !m.leading() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var list boringv1alpha1.SocialAccountList
	if err := m.reader.List(ctx, &list); err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range list.Items {
		sa := &list.Items[i]
		if !sa.DeletionTimestamp.IsZero() {
			continue
		}
		labels := []string{sa.Namespace, sa.Name, string(sa.Status.Platform)}
		st := &sa.Status
		if st.ExpiresAt != nil {
			ch <- prometheus.MustNewConstMetric(descExpiration, prometheus.GaugeValue, float64(st.ExpiresAt.Unix()), labels...)
		}
		if st.DataAccessExpiresAt != nil {
			ch <- prometheus.MustNewConstMetric(descDataAccessExpiration, prometheus.GaugeValue, float64(st.DataAccessExpiresAt.Unix()), labels...)
		}
		if st.IsValid != nil {
			ch <- prometheus.MustNewConstMetric(descValid, prometheus.GaugeValue, boolFloat(*st.IsValid), labels...)
		}
		ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue,
			boolFloat(meta.IsStatusConditionTrue(st.Conditions, boringv1alpha1.ConditionReady)), labels...)
		ch <- prometheus.MustNewConstMetric(descWarningWindow, prometheus.GaugeValue,
			float64(sa.EffectiveExpiryWarningDays())*(24*time.Hour).Seconds(), labels...)
		ch <- prometheus.MustNewConstMetric(descRefreshInterval, prometheus.GaugeValue,
			sa.EffectiveRefreshInterval().Seconds(), labels...)
		if rec, ok := m.lastSync[types.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}]; ok {
			ch <- prometheus.MustNewConstMetric(descLastSync, prometheus.GaugeValue, float64(rec.at.Unix()), labels...)
		}
	}
	m.collectUnmapped(ch, list.Items)
	m.collectHealth(ch, list.Items)
}

// collectHealth exports the session health of each credentials Secret some
// SocialAccount uses.
func (m *AccountMetrics) collectHealth(ch chan<- prometheus.Metric, items []boringv1alpha1.SocialAccount) {
	if m.health == nil {
		return
	}
	for secret, st := range m.health.snapshot(credentialsInUse(m.defaults, items)) {
		ch <- prometheus.MustNewConstMetric(descCredentialsAuthorized, prometheus.GaugeValue, boolFloat(st.authorized), secret.Namespace, secret.Name)
		if !st.lastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(descCredentialsLastSuccess, prometheus.GaugeValue, float64(st.lastSuccess.Unix()), secret.Namespace, secret.Name)
		}
	}
}

// collectUnmapped exports, per credentials Secret some SocialAccount uses,
// how many of the accounts in its last list no such SocialAccount maps.
// Lists of Secrets no SocialAccount uses any more are forgotten. m.mu is held.
func (m *AccountMetrics) collectUnmapped(ch chan<- prometheus.Metric, items []boringv1alpha1.SocialAccount) {
	mapped := map[types.NamespacedName]map[string]bool{}
	for i := range items {
		sa := &items[i]
		rec, ok := m.lastSync[types.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}]
		if !ok || !sa.DeletionTimestamp.IsZero() {
			continue
		}
		if mapped[rec.credentials] == nil {
			mapped[rec.credentials] = map[string]bool{}
		}
		if snap := m.lists[rec.credentials]; snap != nil {
			if acct := mapping.Resolve(snap, sa).Account; acct != nil {
				mapped[rec.credentials][acct.AccountID] = true
			}
		}
	}
	for creds, snap := range m.lists {
		ids, used := mapped[creds]
		if !used {
			delete(m.lists, creds)
			continue
		}
		unmapped := 0
		for id := range snap.Accounts {
			if !ids[id] {
				unmapped++
			}
		}
		ch <- prometheus.MustNewConstMetric(descUnmapped, prometheus.GaugeValue, float64(unmapped), creds.Namespace, creds.Name)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
