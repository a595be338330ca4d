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
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// ServerOptions configure the API's listener.
type ServerOptions struct {
	// BindAddress is host:port; "0" or "" disables the API.
	BindAddress string
	// CertDir holds tls.crt and tls.key. Without it the API serves a
	// self-signed pair it generates, or plain HTTP on a loopback address.
	CertDir string
}

// AddToManager adds the API to mgr as a manager.Server, which runs on every
// replica (reads come from the cache; deletes go through the API server, so
// no leader is needed). It returns the bound address ("" when disabled) and
// a readiness check that passes once the API can answer.
func AddToManager(mgr manager.Manager, h http.Handler, opts ServerOptions) (string, healthz.Checker, error) {
	log := logf.Log.WithName("account-api")
	if opts.BindAddress == "" || opts.BindAddress == "0" {
		log.Info("Account API disabled")
		return "", healthz.Ping, nil
	}
	ln, cert, err := listen(opts)
	if err != nil {
		return "", nil, err
	}
	if cert != nil && cert.dir != "" {
		if err := mgr.Add(cert); err != nil {
			_ = ln.Close()
			return "", nil, err
		}
	}
	srv := &http.Server{
		Handler: h,
		// Slowloris: a client must send its headers promptly.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	timeout := 10 * time.Second
	if err := mgr.Add(&manager.Server{Name: "account-api", Server: srv, Listener: ln, ShutdownTimeout: &timeout}); err != nil {
		_ = ln.Close()
		return "", nil, err
	}
	ready := healthz.Ping
	if cert != nil {
		return ln.Addr().String(), cert.ready, nil
	}
	return ln.Addr().String(), ready, nil
}

// listen opens the API's listener. Bearer tokens must never cross a
// network in clear, so it serves TLS on every address but loopback: with
// the pair in opts.CertDir (reloaded when it changes, and waited for when it
// is not there yet), or else with a self-signed pair generated now. Plain
// HTTP only on a loopback address without a cert dir (make dev).
func listen(opts ServerOptions) (net.Listener, *servingCert, error) {
	log := logf.Log.WithName("account-api")
	ln, err := net.Listen("tcp", opts.BindAddress)
	if err != nil {
		return nil, nil, fmt.Errorf("listening for the account API: %w", err)
	}
	var cert *servingCert
	switch {
	case opts.CertDir != "":
		cert = &servingCert{what: "the account API", dir: opts.CertDir}
		log.Info("Serving the account API over HTTPS with the certificate in the cert dir (reloaded on change)",
			"address", ln.Addr().String(), "certDir", opts.CertDir)
	case !isLoopback(ln.Addr()):
		pair, err := selfSigned(ln.Addr())
		if err != nil {
			_ = ln.Close()
			return nil, nil, err
		}
		cert = &servingCert{static: pair}
		log.Info("Serving the account API over HTTPS with a self-signed certificate generated at start-up (set --api-cert-dir for a real one)",
			"address", ln.Addr().String())
	default:
		log.Info("Serving the account API over plain HTTP on a loopback address", "address", ln.Addr().String())
		return ln, nil, nil
	}
	return tls.NewListener(ln, &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: cert.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}), cert, nil
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// servingCert is the API's certificate: a static pair, or the pair in dir,
// loaded once both files exist and reloaded when they change.
type servingCert struct {
	// what the certificate is for, in log lines ("the account API").
	what    string
	dir     string
	static  *tls.Certificate
	watcher atomic.Pointer[certwatcher.CertWatcher]
}

// CertificateDir serves the TLS pair in a folder (tls.crt, tls.key): loaded
// once both files exist, reloaded when they change, and until then every
// handshake fails (never a fallback to another certificate). The manager's
// metrics endpoint uses it to serve the pair the account API serves, whose CA
// a scraper can then verify. Add it to the manager, which runs its Start.
type CertificateDir struct{ servingCert }

// NewCertificateDir returns a CertificateDir for dir; what names its use in
// log lines ("the metrics endpoint").
func NewCertificateDir(what, dir string) *CertificateDir {
	return &CertificateDir{servingCert{what: what, dir: dir}}
}

var errNoCertificate = errors.New("the certificate is not in the cert dir yet")

// GetCertificate serves the current pair; before the cert dir has one,
// every handshake fails rather than fall back to plain HTTP.
func (c *servingCert) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c.static != nil {
		return c.static, nil
	}
	w := c.watcher.Load()
	if w == nil {
		return nil, errNoCertificate
	}
	return w.GetCertificate(hello)
}

func (c *servingCert) ready(*http.Request) error {
	if c.static == nil && c.watcher.Load() == nil {
		return errNoCertificate
	}
	return nil
}

// Start waits for tls.crt and tls.key in the cert dir, then watches them.
func (c *servingCert) Start(ctx context.Context) error {
	crt, key := filepath.Join(c.dir, "tls.crt"), filepath.Join(c.dir, "tls.key")
	log := logf.Log.WithName("tls").WithValues("for", c.what, "certDir", c.dir)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for !exists(crt) || !exists(key) {
		log.V(1).Info("Waiting for the certificate")
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	w, err := certwatcher.New(crt, key)
	if err != nil {
		return fmt.Errorf("loading the certificate of %s: %w", c.what, err)
	}
	c.watcher.Store(w)
	log.Info("Loaded the certificate")
	return w.Start(ctx)
}

// NeedLeaderElection is false: every replica serves the API (and metrics).
func (c *servingCert) NeedLeaderElection() bool { return false }

// selfSigned generates a pair for the listener's address (and localhost and
// the host name), valid for a year, with client-go's generator.
func selfSigned(addr net.Addr) (*tls.Certificate, error) {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	var ips []net.IP
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		ips = []net.IP{tcp.IP}
	}
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(host, ips, []string{"localhost"})
	if err != nil {
		return nil, fmt.Errorf("generating the account API's self-signed certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading the account API's self-signed certificate: %w", err)
	}
	return &pair, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
