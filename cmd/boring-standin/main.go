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

// Command boring-standin serves the Boring stand-in (internal/boring/boringtest)
// on a local port, seeded from a JSON file, for `make dev` and manual testing.
// It is not Boring: it holds everything in memory and forgets it on exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aiagent-me/boring-operator/internal/boring/boringtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "Address to listen on (port 0 picks a free one).")
	seed := flag.String("seed", "", "JSON seed file with users, sessions and accounts.")
	flag.Parse()

	srv := boringtest.New()
	if *seed != "" {
		if err := srv.LoadSeedFile(*seed); err != nil {
			log.Fatalf("Failed to load seed: %v", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("Failed to listen: %v", err)
	}
	// The URL line is what scripts read to find the stand-in.
	fmt.Printf("boring-standin listening on http://%s\n", ln.Addr())

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdownCtx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("Serve: %v", err)
	}
}
