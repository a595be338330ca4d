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

package install_test

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestServiceMonitorVerifiesTheMetricsCertificate (issue 24.7): whenever the
// chart knows the CA of the pair the manager serves metrics with, the scrape
// verifies it, for a name the certificate holds; insecureSkipVerify only when
// it does not, or when asked for.
func TestServiceMonitorVerifiesTheMetricsCertificate(t *testing.T) {
	on := []string{"--set", "metrics.serviceMonitor.enabled=true"}
	tests := map[string]struct {
		args     []string
		caSecret string // "" means insecureSkipVerify
	}{
		"cert-manager (the default)":   {caSecret: "boring-operator-account-api-server-cert"},
		"cert-manager, a named Secret": {args: []string{"--set", "accountAPI.tls.secretName=api-tls"}, caSecret: "api-tls"},
		"your own Secret with ca.crt": {args: []string{"--set", "accountAPI.tls.certManager.enabled=false",
			"--set", "accountAPI.tls.caInSecret=true", "--set", "accountAPI.tls.secretName=api-tls"}, caSecret: "api-tls"},
		"your own Secret without ca.crt":   {args: []string{"--set", "accountAPI.tls.certManager.enabled=false"}},
		"no account API (no pair mounted)": {args: []string{"--set", "accountAPI.enabled=false"}},
		"insecureSkipVerify asked for":     {args: []string{"--set", "metrics.serviceMonitor.tlsConfig.insecureSkipVerify=true"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			objs := helmTemplate(t, append(on, tc.args...)...)
			sm := find(t, objs, "ServiceMonitor", "boring-operator-controller-manager")
			endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
			tls, _, _ := unstructured.NestedMap(endpoints[0].(map[string]any), "tlsConfig")
			skip, _, _ := unstructured.NestedBool(tls, "insecureSkipVerify")
			ca, _, _ := unstructured.NestedString(tls, "ca", "secret", "name")
			key, _, _ := unstructured.NestedString(tls, "ca", "secret", "key")
			serverName, _, _ := unstructured.NestedString(tls, "serverName")
			if tc.caSecret == "" {
				if !skip || ca != "" {
					t.Fatalf("tlsConfig %v: want insecureSkipVerify and no CA", tls)
				}
				return
			}
			if skip || ca != tc.caSecret || key != "ca.crt" {
				t.Fatalf("tlsConfig %v: want verification with ca.crt of Secret %s", tls, tc.caSecret)
			}
			// The manager serves metrics with the pair that Secret holds...
			d := find(t, objs, "Deployment", "boring-operator-controller-manager")
			containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
			c := containers[0].(map[string]any)
			args, _, _ := unstructured.NestedStringSlice(c, "args")
			mounts, _, _ := unstructured.NestedSlice(c, "volumeMounts")
			volumes, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
			dir := ""
			for _, a := range args {
				if v, ok := strings.CutPrefix(a, "--metrics-cert-dir="); ok {
					dir = v
				}
			}
			mounted := ""
			for _, m := range mounts {
				if m.(map[string]any)["mountPath"] == dir {
					mounted = m.(map[string]any)["name"].(string)
				}
			}
			secret := ""
			for _, v := range volumes {
				if v.(map[string]any)["name"] == mounted {
					secret, _, _ = unstructured.NestedString(v.(map[string]any), "secret", "secretName")
				}
			}
			if dir == "" || secret != tc.caSecret {
				t.Fatalf("metrics are served from %q, mounted from Secret %q, want the pair of Secret %s", dir, secret, tc.caSecret)
			}
			// ...and the certificate cert-manager issues names the server.
			if serverName != "boring-operator-controller-manager-metrics-service."+namespace+".svc" {
				t.Errorf("serverName %q is not the metrics Service", serverName)
			}
			for _, o := range objs {
				if o.GetKind() == "Certificate" {
					names, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "dnsNames")
					if !slices.Contains(names, serverName) {
						t.Errorf("the Certificate's dnsNames %v lack the serverName %s", names, serverName)
					}
				}
			}
		})
	}
}
