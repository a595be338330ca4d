//go:build e2e

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

package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	boringv1alpha1 "github.com/aiagent-me/boring-operator/api/v1alpha1"
)

// waitAllSyncedAfter waits until the leader's metrics say it synced every
// SocialAccount after since. It scrapes as Prometheus would, with the
// token of a ServiceAccount the chart binds to its metrics-reader role
// (metrics.readerSubjects).
func waitAllSyncedAfter(t *testing.T, since time.Time) {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{}
	sa.Namespace, sa.Name = releaseNS, scraperName
	if err := c.Create(ctx, sa); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(kubectl(t, "create", "token", scraperName, "-n", releaseNS, "--duration", "1h"))
	httpClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		// The metrics endpoint serves a self-signed certificate (the
		// chart's ServiceMonitor skips verification too).
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed, test only
	}}
	eventually(t, 2*time.Minute, "the leader's metrics showing every SocialAccount synced after the upgrade", func() error {
		var list boringv1alpha1.SocialAccountList
		if err := c.List(ctx, &list); err != nil {
			return err
		}
		holder := leaseHolder(t)
		pod := &corev1.Pod{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: releaseNS, Name: holder}, pod); err != nil {
			return fmt.Errorf("the lease holder %q: %w", holder, err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+net.JoinHostPort(pod.Status.PodIP, "8443")+"/metrics", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			return fmt.Errorf("metrics answered %d: %s", resp.StatusCode, body)
		}
		synced := map[string]float64{}
		scanner := bufio.NewScanner(resp.Body)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		for scanner.Scan() {
			line := scanner.Text()
			if !strings.HasPrefix(line, "boring_socialaccount_last_sync_timestamp_seconds{") {
				continue
			}
			labels, value, _ := strings.Cut(line[strings.Index(line, "{"):], " ")
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return err
			}
			synced[labelValue(labels, "namespace")+"/"+labelValue(labels, "name")] = v
		}
		for _, sa := range list.Items {
			key := sa.Namespace + "/" + sa.Name
			v, ok := synced[key]
			if !ok {
				return fmt.Errorf("%s not synced by the leader %s yet", key, holder)
			}
			if v < float64(since.Unix()) {
				return fmt.Errorf("%s last synced at %s, before the upgrade", key, time.Unix(int64(v), 0))
			}
		}
		return nil
	})
}

func labelValue(labels, name string) string {
	_, rest, ok := strings.Cut(labels, name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// statusWrites lists the writes to SocialAccounts' status since a moment,
// from the API server's audit log (hack/cluster.sh records every write to
// SocialAccounts).
func statusWrites(t *testing.T, since time.Time) []string {
	t.Helper()
	f, err := os.Open(env.auditLog)
	must(t, err)
	defer func() { _ = f.Close() }()
	var out []string
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 4<<20)
	for scanner.Scan() {
		var ev struct {
			Verb      string `json:"verb"`
			ObjectRef struct {
				Resource    string `json:"resource"`
				Subresource string `json:"subresource"`
				Namespace   string `json:"namespace"`
				Name        string `json:"name"`
			} `json:"objectRef"`
			User struct {
				Username string `json:"username"`
			} `json:"user"`
			RequestReceivedTimestamp time.Time `json:"requestReceivedTimestamp"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &ev); err != nil {
			t.Fatalf("audit log: %v", err)
		}
		if ev.ObjectRef.Resource != "socialaccounts" || ev.ObjectRef.Subresource != "status" ||
			(ev.Verb != "update" && ev.Verb != "patch") || ev.RequestReceivedTimestamp.Before(since) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s/%s by %s at %s", ev.Verb, ev.ObjectRef.Namespace, ev.ObjectRef.Name,
			ev.User.Username, ev.RequestReceivedTimestamp.Format(time.RFC3339Nano)))
	}
	must(t, scanner.Err())
	return out
}
