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

package accountapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeSelfSigned(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "account-api"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestListenTLSWhenCertDirHasAPair checks that a cert/key pair turns on TLS
// and that an empty or missing cert dir falls back to plain HTTP.
func TestListenTLSWhenCertDirHasAPair(t *testing.T) {
	tests := map[string]struct {
		withPair bool
		certDir  bool
		wantTLS  bool
	}{
		"cert and key": {withPair: true, certDir: true, wantTLS: true},
		"empty dir":    {certDir: true},
		"no dir":       {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := ServerOptions{BindAddress: "127.0.0.1:0"}
			if tc.certDir {
				opts.CertDir = t.TempDir()
			}
			if tc.withPair {
				writeSelfSigned(t, opts.CertDir)
			}
			ln, watcher, err := listen(opts)
			if err != nil {
				t.Fatal(err)
			}
			if (watcher != nil) != tc.wantTLS {
				t.Fatalf("certificate watcher: got %v, want TLS %v", watcher != nil, tc.wantTLS)
			}
			srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if (r.TLS != nil) != tc.wantTLS {
					w.WriteHeader(http.StatusTeapot)
				}
			})}
			go func() { _ = srv.Serve(ln) }()
			defer func() { _ = srv.Close() }()

			scheme := "http"
			c := &http.Client{Timeout: 5 * time.Second}
			if tc.wantTLS {
				scheme = "https"
				c.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // self-signed test certificate
			}
			resp, err := c.Get(scheme + "://" + ln.Addr().String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d", resp.StatusCode)
			}
			if tc.wantTLS && resp.TLS == nil {
				t.Fatal("answer was not over TLS")
			}
		})
	}
}
