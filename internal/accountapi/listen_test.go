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
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
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

// serve runs a handler on ln that answers 200 over TLS and 418 in clear, so
// a test sees which one it got.
func serve(t *testing.T, ln net.Listener) {
	t.Helper()
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			w.WriteHeader(http.StatusTeapot)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func get(scheme, addr string) (*http.Response, error) {
	c := &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // test certificates
	resp, err := c.Get(scheme + "://" + addr + "/")
	if err == nil {
		_ = resp.Body.Close()
	}
	return resp, err
}

// TestListenNeverInClear: TLS on every non-loopback bind, from the cert dir
// (waited for, then reloaded) or a generated pair; plain HTTP only on
// loopback without a cert dir.
func TestListenNeverInClear(t *testing.T) {
	tests := map[string]struct {
		bind     string
		certDir  bool
		withPair bool
		wantTLS  bool
	}{
		"cert dir with a pair":              {bind: "127.0.0.1:0", certDir: true, withPair: true, wantTLS: true},
		"no cert dir, all addresses":        {bind: "0.0.0.0:0", wantTLS: true},
		"no cert dir, loopback: plain HTTP": {bind: "127.0.0.1:0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := ServerOptions{BindAddress: tc.bind}
			if tc.certDir {
				opts.CertDir = t.TempDir()
				writeSelfSigned(t, opts.CertDir)
			}
			ln, cert, err := listen(opts)
			if err != nil {
				t.Fatal(err)
			}
			if cert != nil && cert.dir != "" {
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				go func() { _ = cert.Start(ctx) }()
			}
			serve(t, ln)
			addr := "127.0.0.1:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
			scheme := map[bool]string{true: "https", false: "http"}[tc.wantTLS]
			// The watcher loads the pair within a second.
			var resp *http.Response
			if perr := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
				resp, err = get(scheme, addr)
				return err == nil, nil
			}); perr != nil {
				t.Fatal(err)
			}
			want := map[bool]int{true: http.StatusOK, false: http.StatusTeapot}[tc.wantTLS]
			if resp.StatusCode != want || (resp.TLS != nil) != tc.wantTLS {
				t.Fatalf("got %d, TLS %v; want TLS %v", resp.StatusCode, resp.TLS != nil, tc.wantTLS)
			}
			if tc.wantTLS {
				if resp, err := get("http", addr); err == nil && resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("a plain HTTP request was answered %d", resp.StatusCode)
				}
			}
		})
	}
}

// TestCertificateWrittenAfterStart: with an empty cert dir nothing is
// served (no fallback to HTTP) until the pair appears, then TLS, with no
// restart.
func TestCertificateWrittenAfterStart(t *testing.T) {
	dir := t.TempDir()
	ln, cert, err := listen(ServerOptions{BindAddress: "127.0.0.1:0", CertDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = cert.Start(ctx) }()
	serve(t, ln)
	addr := ln.Addr().String()
	if _, err := get("https", addr); err == nil {
		t.Fatal("TLS handshake succeeded before there was a certificate")
	}
	if resp, err := get("http", addr); err == nil && resp.StatusCode == http.StatusTeapot {
		t.Fatal("served plain HTTP while waiting for the certificate")
	}
	if cert.ready(nil) == nil {
		t.Fatal("ready before the certificate was loaded")
	}
	writeSelfSigned(t, dir)
	var lastErr error
	if perr := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		resp, err := get("https", addr)
		lastErr = err
		return err == nil && resp.StatusCode == http.StatusOK && resp.TLS != nil, nil
	}); perr != nil {
		t.Fatalf("certificate written after start not picked up: %v", lastErr)
	}
	if err := cert.ready(nil); err != nil {
		t.Fatalf("not ready after the certificate was loaded: %v", err)
	}
}

// TestCertificateDirServesThePairOnceWritten: the metrics endpoint's
// certificate fails every handshake until the pair exists, then serves it.
func TestCertificateDirServesThePairOnceWritten(t *testing.T) {
	dir := t.TempDir()
	c := NewCertificateDir("the metrics endpoint", dir)
	if c.NeedLeaderElection() {
		t.Error("every replica serves metrics")
	}
	if _, err := c.GetCertificate(nil); err == nil {
		t.Fatal("a certificate was served before the pair existed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Start(ctx) }()
	writeSelfSigned(t, dir)
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		got, err := c.GetCertificate(nil)
		return err == nil && got != nil && len(got.Certificate) == 1, nil
	})
	if err != nil {
		t.Fatalf("the pair written after start was not served: %v", err)
	}
}
