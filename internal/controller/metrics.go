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
)

// accountLabels name a SocialAccount's series.
var accountLabels = []string{"namespace", "name", "platform"}

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
	lastSync map[types.NamespacedName]time.Time
}

// NewAccountMetrics returns a collector reading SocialAccounts from reader
// (the manager's cache), registered with reg, that exports series while
// leading() is true.
func NewAccountMetrics(reader client.Reader, reg prometheus.Registerer, leading func() bool) (*AccountMetrics, error) {
	m := &AccountMetrics{reader: reader, leading: leading, lastSync: map[types.NamespacedName]time.Time{}}
	if err := reg.Register(m); err != nil {
		return nil, fmt.Errorf("registering account metrics: %w", err)
	}
	return m, nil
}

// Synced records a successful check of sa against Boring.
func (m *AccountMetrics) Synced(sa *boringv1alpha1.SocialAccount, at time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.lastSync[types.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}] = at
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
	for _, d := range []*prometheus.Desc{descExpiration, descDataAccessExpiration, descValid, descReady, descLastSync, descWarningWindow, descRefreshInterval} {
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
		if t, ok := m.lastSync[types.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}]; ok {
			ch <- prometheus.MustNewConstMetric(descLastSync, prometheus.GaugeValue, float64(t.Unix()), labels...)
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
