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

// Command testimage builds the small images the one-node test cluster runs
// (hack/cluster.sh): the pod sandbox ("pause") and the e2e publisher. No
// image can be pulled there, so each is one static Go binary in one layer,
// written as a docker-archive tarball that `ctr images import` names.
//
//	testimage -main ./testimage/pause -image localhost/boring-e2e/pause:1 -out pause.tar
//
// With -busybox it packs a static busybox binary instead (Debian's
// busybox-static), as /bin/busybox with /bin/sh, /bin/env and /bin/grep
// linked to it: the busybox image the getting-started page's pod runs.
//
//	testimage -busybox /bin/busybox -image docker.io/library/busybox:1.35 -out busybox.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	pkg := flag.String("main", "", "the main package to build (a path in this module)")
	busybox := flag.String("busybox", "", "a static busybox binary to pack instead of -main")
	ref := flag.String("image", "", "the image's name")
	out := flag.String("out", "", "the tarball to write")
	flag.Parse()
	var err error
	if *busybox != "" {
		err = runBusybox(*busybox, *ref, *out)
	} else {
		err = run(*pkg, *ref, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testimage:", err)
		os.Exit(1)
	}
}

func run(pkg, image, out string) error {
	if pkg == "" || image == "" || out == "" {
		return fmt.Errorf("-main, -image and -out are required")
	}
	tag, err := name.NewTag(image)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "testimage")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	binary := filepath.Join(dir, "app")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary, pkg)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building %s: %w", pkg, err)
	}
	layer, err := binaryLayer(binary, "/"+filepath.Base(pkg))
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.Entrypoint = []string{"/" + filepath.Base(pkg)}
	cfg.Config.User = "65532:65532"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}

// runBusybox writes an image of the static busybox binary with the applets
// the getting-started page uses linked to it; like the public busybox image,
// it runs sh as root by default.
func runBusybox(binary, image, out string) error {
	if image == "" || out == "" {
		return fmt.Errorf("-image and -out are required")
	}
	tag, err := name.NewTag(image)
	if err != nil {
		return err
	}
	layer, err := binaryLayer(binary, "/bin/busybox", "sh", "env", "grep")
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.Cmd = []string{"sh"}
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}

// binaryLayer is a layer holding one executable file at path, and a
// symbolic link to it for each of links, beside it.
func binaryLayer(binary, path string, links ...string) (v1.Layer, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path[1:], Mode: 0o755, Size: int64(len(data)),
		Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	for _, l := range links {
		if err := tw.WriteHeader(&tar.Header{Name: filepath.Join(filepath.Dir(path[1:]), l), Linkname: filepath.Base(path),
			Mode: 0o777, Typeflag: tar.TypeSymlink, ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
}
