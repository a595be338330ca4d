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

// Command dev runs boring-operator on this machine with no cluster and no
// Boring account (see internal/devenv). `make dev` runs it; Ctrl-C stops
// everything it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
	"github.com/aiagent-me/boring-operator/internal/devenv"
)

func main() {
	apiAddr := flag.String("api-bind-address", "127.0.0.1:8082", "Where the account API listens (port 0 picks a free one).")
	stateDir := flag.String("state-dir", filepath.Join("bin", "dev"), "Folder for the kubeconfig and the dashboard token.")
	verbose := flag.Bool("verbose", false, "Print the manager's log.")
	standin := flag.String("standin", "", "Run only the Boring stand-in, seeded like make dev, at this address (make dev-cluster).")
	flag.Parse()
	if *standin != "" {
		if err := runStandin(*standin); err != nil {
			fail("The Boring stand-in: " + err.Error())
		}
		return
	}

	if *verbose {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	assets := assetsDir()
	if assets == "" {
		fail("No kube-apiserver, etcd and kubectl: run `make dev` once, which builds them into bin/k8s (or set KUBEBUILDER_ASSETS)")
	}
	root, err := os.Getwd()
	if err != nil {
		fail(err.Error())
	}
	if !devenv.FreePort(*apiAddr) {
		fmt.Fprintf(os.Stderr, "%s is taken; the account API takes a free port instead\n", *apiAddr)
		*apiAddr = "127.0.0.1:0"
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("Starting a local control plane, the Boring stand-in and the manager...")
	env, err := devenv.Start(ctx, devenv.Options{Root: root, StateDir: *stateDir, AssetsDir: assets, APIAddress: *apiAddr})
	if err != nil {
		fail("Failed to start the dev environment: " + err.Error())
	}
	defer env.Stop()

	waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	ready := devenv.WaitForSamples(waitCtx, env.Client)
	cancel()

	fmt.Printf(`
boring-operator is running (samples synced: %v).

  Boring stand-in:   %s
  Account API:       %s
  kubectl:           %s

Paste into another terminal:

  export KUBECONFIG=%s
  %s get socialaccounts -A
  %s get socialaccounts -A -o wide
  %s describe socialaccount -n %s client-a-instagram
  %s
  go run ./cmd/kubectl-boring dashboard -A --open --boring-url %s

Press Ctrl-C to stop everything.
`, ready == nil, env.BoringURL, env.APIURL, env.Kubectl, env.Kubeconfig, env.Kubectl, env.Kubectl, env.Kubectl, devenv.Namespace,
		env.CurlCommand(), env.BoringURL)

	select {
	case <-ctx.Done():
		fmt.Println("\nStopping...")
	case err := <-env.Done():
		if err != nil {
			fmt.Fprintln(os.Stderr, "The manager stopped:", err)
		}
	}
}

// assetsDir is $KUBEBUILDER_ASSETS, else the newest bin/k8s/<version> that
// `make dev` built, so `go run ./cmd/dev` works on its own after one make dev.
func assetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	dirs, _ := filepath.Glob(filepath.Join("bin", "k8s", "*"))
	slices.Reverse(dirs) // Glob sorts; the last is the newest version.
	for _, dir := range dirs {
		complete := true
		for _, name := range []string{"kube-apiserver", "etcd", "kubectl"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				complete = false
			}
		}
		if abs, err := filepath.Abs(dir); complete && err == nil {
			return abs
		}
	}
	return ""
}

// runStandin serves the seeded stand-in until SIGINT or SIGTERM, for the
// pods of make dev-cluster, which reach it on the cluster's bridge address.
func runStandin(addr string) error {
	backend := boringtest.New()
	if err := backend.LoadSeedFile(filepath.Join("hack", "dev", "seed.json")); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: backend, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Printf("Boring stand-in serving http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
