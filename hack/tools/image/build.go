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
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	module = "github.com/aiagent-me/boring-operator"
	source = "https://github.com/aiagent-me/boring-operator"
	// user is distroless's nonroot: the same uid the Dockerfile's image runs as.
	user = "65532:65532"

	// Annotations on index.json's entry that name the image: containerd
	// (ctr images import, and docker load with its containerd store) reads the
	// first, OCI tools (skopeo's oci-archive:FILE:TAG) the second.
	annotationContainerdName = "io.containerd.image.name"
	annotationRefName        = "org.opencontainers.image.ref.name"
)

// Spec is one of the project's images: which main package goes in, and what
// the image says about itself.
type Spec struct {
	// File is the tarball's name under the output folder.
	File string
	// Binary is the file's name in the image (and the entrypoint, /Binary).
	Binary string
	// Package is the main package, relative to the module's root.
	Package     string
	Title       string
	Description string
}

// Images are what `make image` writes.
var Images = []Spec{{
	File:        "boring-operator.oci.tar",
	Binary:      "manager",
	Package:     "./cmd",
	Title:       "boring-operator",
	Description: "Kubernetes operator that maps Boring publishing accounts to SocialAccounts and serves Boring's account API over RBAC",
}, {
	File:        "kubectl-boring.oci.tar",
	Binary:      "kubectl-boring",
	Package:     "./cmd/kubectl-boring",
	Title:       "kubectl-boring",
	Description: "kubectl plugin for boring-operator's SocialAccounts (kubectl boring audit, status, import)",
}}

// Platforms are the platforms of every image, in the index's order.
var Platforms = []v1.Platform{
	{OS: "linux", Architecture: "amd64"},
	{OS: "linux", Architecture: "arm64"},
}

// Build says what to build from which sources.
type Build struct {
	// Root is the module's root folder.
	Root string
	// Version is the release without the v ("0.2.0").
	Version string
	// Commit is the git commit's full hash.
	Commit string
	// Time is the commit's time: every file time, the config's created and
	// the created label, so that a rebuild of the commit is the same image.
	Time time.Time
	// Refs name each image (by Spec.File) in the tarball's index.json.
	Refs map[string]name.Reference
	// Out is the folder the tarballs are written to.
	Out string
	// Log receives progress and the summary (digests and sizes).
	Log io.Writer
}

// GoBuildFlags are the flags every binary is built with (the Dockerfile's go
// build uses the same): static (CGO_ENABLED=0 is set in the environment),
// without build paths or VCS status, stripped, version stamped.
func GoBuildFlags(version, commit, date string) []string {
	pkg := module + "/internal/version"
	return []string{
		"-trimpath", "-buildvcs=false",
		"-ldflags", fmt.Sprintf("-s -w -X %s.Version=%s -X %s.Commit=%s -X %s.Date=%s",
			pkg, version, pkg, commit, pkg, date),
	}
}

// Labels are the image config's OCI labels for spec.
func (b Build) Labels(spec Spec) map[string]string {
	return map[string]string{
		"org.opencontainers.image.source":      source,
		"org.opencontainers.image.version":     b.Version,
		"org.opencontainers.image.revision":    b.Commit,
		"org.opencontainers.image.created":     b.date(),
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.title":       spec.Title,
		"org.opencontainers.image.description": spec.Description,
	}
}

func (b Build) date() string { return b.Time.UTC().Format(time.RFC3339) }

// Result is one tarball written.
type Result struct {
	Path  string
	Ref   name.Reference
	Index v1.Hash
	// Sizes is, per platform ("linux/amd64"), the bytes a pull transfers:
	// manifest, config and the compressed layer.
	Sizes map[string]int64
}

// Run compiles the binaries for every platform and writes one tarball per image.
func (b Build) Run(ctx context.Context) ([]Result, error) {
	bins, err := os.MkdirTemp("", "boring-image-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(bins) }()
	if err := b.Compile(ctx, bins); err != nil {
		return nil, err
	}
	return b.Package(bins)
}

// Compile builds every image's binary for every platform into bins/ARCH/.
func (b Build) Compile(ctx context.Context, bins string) error {
	for _, p := range Platforms {
		if err := b.compile(ctx, p, filepath.Join(bins, p.Architecture)); err != nil {
			return err
		}
	}
	return nil
}

// Package writes the tarballs from the binaries Compile wrote into bins.
func (b Build) Package(bins string) ([]Result, error) {
	if err := os.MkdirAll(b.Out, 0o755); err != nil {
		return nil, err
	}
	var results []Result
	for _, spec := range Images {
		res, err := b.writeImage(spec, bins)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.File, err)
		}
		results = append(results, res)
	}
	return results, nil
}

// compile builds every image's main package for p.
func (b Build) compile(ctx context.Context, p v1.Platform, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, spec := range Images {
		args := append([]string{"build"}, GoBuildFlags(b.Version, b.Commit, b.date())...)
		args = append(args, "-o", filepath.Join(dir, spec.Binary), spec.Package)
		_, _ = fmt.Fprintf(b.Log, "go build %s (%s/%s)\n", spec.Package, p.OS, p.Architecture)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = b.Root
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		// GOFLAGS and the microarchitecture levels are fixed so that the
		// caller's environment does not change the binaries.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture,
			"GOFLAGS=-mod=readonly", "GOAMD64=v1", "GOARM64=v8.0", "GOEXPERIMENT=")
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s for %s/%s: %w", spec.Package, p.OS, p.Architecture, err)
		}
	}
	return nil
}

// passwd and group name root and distroless's nonroot, so that tools that
// look the image's user up (id, ps, kubectl debug) find a name.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

const (
	etcGroup  = "etc/group"
	etcPasswd = "etc/passwd"
)

// LayerFiles are the paths the layer of spec holds, in the layer's order.
func LayerFiles(spec Spec) []string {
	return []string{"etc/", etcGroup, etcPasswd, spec.Binary}
}

func (b Build) layer(spec Spec, binary string) (v1.Layer, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	entries := []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755},
		{Typeflag: tar.TypeReg, Name: etcGroup, Mode: 0o644, Size: int64(len(group))},
		{Typeflag: tar.TypeReg, Name: etcPasswd, Mode: 0o644, Size: int64(len(passwd))},
		{Typeflag: tar.TypeReg, Name: spec.Binary, Mode: 0o755, Size: int64(len(bin))},
	}
	contents := map[string][]byte{etcGroup: []byte(group), etcPasswd: []byte(passwd), spec.Binary: bin}
	for _, h := range entries {
		h.ModTime = b.Time.UTC()
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(contents[h.Name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	// Compressed once, here: compress/gzip writes no time or name into
	// the header, so the same tar gives the same bytes.
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	compressed := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(compressed)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

func (b Build) image(spec Spec, p v1.Platform, binary string) (v1.Image, error) {
	layer, err := b.layer(spec, binary)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Created:   v1.Time{Time: b.Time.UTC()},
			CreatedBy: "make image (hack/tools/image)",
			Comment:   spec.Binary + ", /etc/passwd and /etc/group",
		},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: b.Time.UTC()}
	cf.OS = p.OS
	cf.Architecture = p.Architecture
	cf.Config = v1.Config{
		User:       user,
		Entrypoint: []string{"/" + spec.Binary},
		WorkingDir: "/",
		Labels:     b.Labels(spec),
	}
	return mutate.ConfigFile(img, cf)
}

func (b Build) writeImage(spec Spec, bins string) (Result, error) {
	ref, ok := b.Refs[spec.File]
	if !ok {
		return Result{}, fmt.Errorf("no image reference given")
	}
	res := Result{Path: filepath.Join(b.Out, spec.File), Ref: ref, Sizes: map[string]int64{}}

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var amd64 v1.Image
	for _, p := range Platforms {
		img, err := b.image(spec, p, filepath.Join(bins, p.Architecture, spec.Binary))
		if err != nil {
			return res, err
		}
		if p.Architecture == "amd64" {
			amd64 = img
		}
		size, err := pullSize(img)
		if err != nil {
			return res, err
		}
		res.Sizes[p.OS+"/"+p.Architecture] = size
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture}},
		})
	}
	digest, err := idx.Digest()
	if err != nil {
		return res, err
	}
	res.Index = digest

	// index.json lists the one multi-platform index, named.
	top := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{
		Add: idx,
		Descriptor: v1.Descriptor{Annotations: map[string]string{
			annotationContainerdName: ref.Name(),
			annotationRefName:        ref.Identifier(),
		}},
	})
	dir, err := os.MkdirTemp("", "boring-layout-")
	if err != nil {
		return res, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if _, err := layout.Write(dir, top); err != nil {
		return res, err
	}
	// docker load with Docker's own (not containerd's) image store reads
	// manifest.json, docker save's format, which holds one image per entry:
	// it gets linux/amd64's, the blobs being the layout's.
	if err := writeDockerManifest(dir, ref, amd64); err != nil {
		return res, err
	}
	return res, tarFolder(dir, res.Path, b.Time)
}

func pullSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, err
	}
	size := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	return size, nil
}

func writeDockerManifest(dir string, ref name.Reference, img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	blob := func(h v1.Hash) string { return path.Join("blobs", h.Algorithm, h.Hex) }
	entry := tarball.Descriptor{Config: blob(m.Config.Digest), RepoTags: []string{ref.Name()}}
	for _, l := range m.Layers {
		entry.Layers = append(entry.Layers, blob(l.Digest))
	}
	raw, err := json.Marshal(tarball.Manifest{entry})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), raw, 0o644)
}

// tarFolder writes dir's files into a tar at out, sorted by name, with
// mtime, owner and modes fixed, so that the same files give the same tar.
func tarFolder(dir, out string, mtime time.Time) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }()
	tw := tar.NewWriter(f)
	dirs := map[string]bool{}
	for _, file := range files {
		// Each folder once, before its first file, as extractors expect.
		for _, d := range parents(file) {
			if !dirs[d+"/"] {
				dirs[d+"/"] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755,
					ModTime: mtime.UTC(), Format: tar.FormatPAX}); err != nil {
					return err
				}
			}
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: file, Mode: 0o644, Size: int64(len(data)),
			ModTime: mtime.UTC(), Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// parents are the folders file is in, outermost first ("a/b/c" -> a, a/b).
func parents(file string) []string {
	parts := strings.Split(file, "/")
	var out []string
	for i := 1; i < len(parts); i++ {
		out = append(out, strings.Join(parts[:i], "/"))
	}
	return out
}

// Summary is what make image prints for a tarball.
func (r Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n  index  %s\n", r.Path, r.Ref.Name(), r.Index)
	for _, p := range Platforms {
		key := p.OS + "/" + p.Architecture
		fmt.Fprintf(&b, "  %-12s %6.1f MiB (%d bytes)\n", key, float64(r.Sizes[key])/(1<<20), r.Sizes[key])
	}
	return b.String()
}
