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

// Command kubectl-boring is the kubectl plugin for boring-operator: with the
// binary on PATH, `kubectl boring ...` runs it.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/go-logr/logr"
	// The image has no /etc/ssl: Go falls back to these roots (Mozilla's,
	// built in) only when the system has none.
	_ "golang.org/x/crypto/x509roots/fallback"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/aiagent-me/boring-operator/internal/cli"
	"github.com/aiagent-me/boring-operator/internal/version"
)

func main() {
	// The dashboard watches through controller-runtime's cache, whose
	// logger would otherwise complain that none was set; the commands say
	// what went wrong themselves.
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cli.NewCommand(streams)
	// --version prints what make image or the Dockerfile stamped.
	root.Version = version.Version + " (commit " + version.Commit + ", " + version.Date + ")"
	code := cli.Execute(ctx, root, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}
