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
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// ServerOptions configure the API's listener.
type ServerOptions struct {
	// BindAddress is host:port; "0" or "" disables the API.
	BindAddress string
	// CertDir holds tls.crt and tls.key; without them the API is plain HTTP.
	CertDir string
}

// AddToManager adds the API to mgr as a manager.Server, which runs on every
// replica (reads come from the cache; deletes go through the API server, so
// no leader is needed). It returns the bound address, or "" when disabled.
func AddToManager(mgr manager.Manager, h http.Handler, opts ServerOptions) (string, error) {
	log := logf.Log.WithName("account-api")
	if opts.BindAddress == "" || opts.BindAddress == "0" {
		log.Info("Account API disabled")
		return "", nil
	}
	ln, watcher, err := listen(opts)
	if err != nil {
		return "", err
	}
	if watcher != nil {
		if err := mgr.Add(watcher); err != nil {
			_ = ln.Close()
			return "", err
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
		return "", err
	}
	return ln.Addr().String(), nil
}

// listen opens the API's listener: TLS with a reloading certificate when
// opts.CertDir holds tls.crt and tls.key, plain HTTP otherwise (and says so).
func listen(opts ServerOptions) (net.Listener, *certwatcher.CertWatcher, error) {
	log := logf.Log.WithName("account-api")
	ln, err := net.Listen("tcp", opts.BindAddress)
	if err != nil {
		return nil, nil, fmt.Errorf("listening for the account API: %w", err)
	}
	certFile, keyFile := filepath.Join(opts.CertDir, "tls.crt"), filepath.Join(opts.CertDir, "tls.key")
	switch {
	case opts.CertDir != "" && exists(certFile) && exists(keyFile):
		watcher, err := certwatcher.New(certFile, keyFile)
		if err != nil {
			_ = ln.Close()
			return nil, nil, fmt.Errorf("loading the account API certificate: %w", err)
		}
		log.Info("Serving the account API over HTTPS", "address", ln.Addr().String())
		return tls.NewListener(ln, &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: watcher.GetCertificate,
			NextProtos:     []string{"http/1.1"},
		}), watcher, nil
	case opts.CertDir != "":
		log.Info("No tls.crt/tls.key in the cert dir: serving the account API over plain HTTP",
			"certDir", opts.CertDir, "address", ln.Addr().String())
	default:
		log.Info("Serving the account API over plain HTTP (set --api-cert-dir for TLS)", "address", ln.Addr().String())
	}
	return ln, nil, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist) && err == nil
}
