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

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// TestFallbackRoots runs this test binary again (it is the manager's package,
// so it links what the manager links) with the system's CA locations pointed
// at an empty folder, as in the image, and checks there that a public root
// (ISRG Root X1, Let's Encrypt's) is trusted while a certificate of nobody's is
// not.
func TestFallbackRoots(t *testing.T) {
	if os.Getenv("BORING_FALLBACK_ROOTS_CHILD") == "1" {
		checkPublicRootTrusted(t)
		return
	}
	empty := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFallbackRoots$", "-test.v")
	cmd.Env = append(os.Environ(),
		"BORING_FALLBACK_ROOTS_CHILD=1",
		"SSL_CERT_FILE="+filepath.Join(empty, "none.pem"),
		"SSL_CERT_DIR="+empty,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the check without system roots failed: %v\n%s", err, out)
	}
	t.Logf("without system roots:\n%s", out)
}

func checkPublicRootTrusted(t *testing.T) {
	var isrg *x509.Certificate
	for r := range bundle.Roots() {
		c, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		if c.Subject.CommonName == "ISRG Root X1" {
			isrg = c
		}
	}
	if isrg == nil {
		t.Fatal("ISRG Root X1 is not in the fallback bundle")
	}
	// Roots nil: the system's pool, which has nothing in it here but what
	// SetFallbackRoots gave it.
	if _, err := isrg.Verify(x509.VerifyOptions{}); err != nil {
		t.Fatalf("ISRG Root X1 does not verify against the system pool: %v", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "nobody's root"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IsCA:         true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	own, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if _, err := own.Verify(x509.VerifyOptions{}); !errors.As(err, &unknown) {
		t.Fatalf("a self-signed certificate verified against the system pool (err %v): the pool is not the fallback one", err)
	}
	t.Log("ISRG Root X1 verifies; a self-signed certificate does not")
}
