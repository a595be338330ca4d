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

// Command image builds the project's container images without Docker or a
// base image (make image), as OCI image layout tarballs holding a linux/amd64
// and linux/arm64 index, and pushes them to a registry (make image-push).
//
//	image build -C ROOT -version 0.2.0 -commit SHA -epoch SECONDS -image REF [-cli-image REF] -out dist
//	image push -dir dist -image REF [-cli-image REF]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: image build|push [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = buildCmd(ctx, os.Args[2:])
	case "push":
		err = pushCmd(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: build or push", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		stop()
		os.Exit(1)
	}
}

// imageFlags are the names of the two images; the CLI's defaults to the
// manager's repository with its last part replaced, and the same tag.
type imageFlags struct{ manager, cli string }

func (f *imageFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.manager, "image", "", "the manager's image reference (registry/name:tag)")
	fs.StringVar(&f.cli, "cli-image", "", "kubectl-boring's image reference (default: -image's with the name kubectl-boring)")
}

func (f imageFlags) refs() (map[string]name.Reference, error) {
	manager, err := name.ParseReference(f.manager)
	if err != nil {
		return nil, fmt.Errorf("-image: %w", err)
	}
	var cli name.Reference
	if f.cli != "" {
		if cli, err = name.ParseReference(f.cli); err != nil {
			return nil, fmt.Errorf("-cli-image: %w", err)
		}
	} else if cli, err = SiblingRef(manager, "kubectl-boring"); err != nil {
		return nil, err
	}
	return map[string]name.Reference{Images[0].File: manager, Images[1].File: cli}, nil
}

// SiblingRef is ref with the last part of its repository replaced by base:
// registry/org/boring-operator:v1 -> registry/org/kubectl-boring:v1.
func SiblingRef(ref name.Reference, base string) (name.Reference, error) {
	repo := ref.Context()
	dir := repo.RepositoryStr()
	if i := strings.LastIndex(dir, "/"); i >= 0 {
		dir = dir[:i+1]
	} else {
		dir = ""
	}
	sibling := repo.RegistryStr() + "/" + dir + base
	if d, ok := ref.(name.Digest); ok {
		return nil, fmt.Errorf("%s is a digest: give -cli-image", d)
	}
	return name.ParseReference(sibling + ":" + ref.Identifier())
}

func buildCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var (
		b     Build
		imgs  imageFlags
		epoch string
	)
	fs.StringVar(&b.Root, "C", ".", "the module's root folder")
	fs.StringVar(&b.Version, "version", "", "the release, without the v")
	fs.StringVar(&b.Commit, "commit", "", "the git commit")
	fs.StringVar(&epoch, "epoch", "", "the commit's time in seconds since 1970 (git log -1 --format=%ct)")
	fs.StringVar(&b.Out, "out", "dist", "the folder to write the tarballs to")
	imgs.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if b.Version == "" || b.Commit == "" || epoch == "" || imgs.manager == "" {
		return fmt.Errorf("-version, -commit, -epoch and -image are required")
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("-epoch: %w", err)
	}
	b.Time = time.Unix(secs, 0).UTC()
	if b.Refs, err = imgs.refs(); err != nil {
		return err
	}
	b.Log = os.Stdout
	results, err := b.Run(ctx)
	if err != nil {
		return err
	}
	for _, r := range results {
		fmt.Print(r.Summary())
	}
	return nil
}

func pushCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	var (
		dir  string
		imgs imageFlags
	)
	fs.StringVar(&dir, "dir", "dist", "the folder make image wrote the tarballs to")
	imgs.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	refs, err := imgs.refs()
	if err != nil {
		return err
	}
	for _, spec := range Images {
		ref := refs[spec.File]
		digest, err := Push(ctx, dir+"/"+spec.File, ref)
		if err != nil {
			return fmt.Errorf("push %s to %s: %w", spec.File, ref, err)
		}
		fmt.Printf("pushed %s@%s\n", ref.Name(), digest)
	}
	return nil
}
