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
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The images are built once for the package (compiling four binaries is the
// cost) and packed twice from the same binaries, to show the packing is
// reproducible; the tests read the first tarballs.
var (
	build   Build
	results map[string]Result
	again   map[string]Result
	root    = filepath.Join("..", "..", "..")
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "image-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := buildOnce(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "building the images:", err)
		return 1
	}
	return m.Run()
}

func buildOnce(tmp string) error {
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return err
	}
	epoch, err := git("log", "-1", "--format=%ct")
	if err != nil {
		return err
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return err
	}
	refs, err := imageFlags{manager: "ghcr.io/aiagent-me/boring-operator:v0.0.0-test"}.refs()
	if err != nil {
		return err
	}
	build = Build{Root: root, Version: "0.0.0-test", Commit: commit, Time: time.Unix(secs, 0).UTC(),
		Refs: refs, Out: filepath.Join(tmp, "dist"), Log: os.Stderr}
	bins := filepath.Join(tmp, "bin")
	start := time.Now()
	if err := build.Compile(context.Background(), bins); err != nil {
		return err
	}
	compiled := time.Since(start)
	list, err := build.Package(bins)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "compiled the binaries in %s, packed the images in %s\n",
		compiled.Round(time.Second), (time.Since(start) - compiled).Round(time.Second))
	results = map[string]Result{}
	for _, r := range list {
		results[filepath.Base(r.Path)] = r
		fmt.Fprint(os.Stderr, r.Summary())
	}
	second := build
	second.Out = filepath.Join(tmp, "again")
	if list, err = second.Package(bins); err != nil {
		return err
	}
	again = map[string]Result{}
	for _, r := range list {
		again[filepath.Base(r.Path)] = r
	}
	return nil
}

func git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func TestReproducible(t *testing.T) {
	for file, r := range results {
		a, err := os.ReadFile(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(again[file].Path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Index != again[file].Index || !bytes.Equal(a, b) {
			t.Errorf("%s: packing the same binaries twice gave %s and %s (tarballs equal: %v)",
				file, r.Index, again[file].Index, bytes.Equal(a, b))
		}
	}
}

// TestTarball reads the tarball's own entries: the layout's files in sorted
// order, at the commit's time, and index.json naming the image.
func TestTarball(t *testing.T) {
	for _, spec := range Images {
		t.Run(spec.File, func(t *testing.T) {
			r := results[spec.File]
			names := tarNames(t, r.Path, build.Time)
			for _, want := range []string{"oci-layout", "index.json", "manifest.json"} {
				if !slices.Contains(names, want) {
					t.Errorf("%s holds no %s: %v", spec.File, want, names)
				}
			}
			if !slices.IsSorted(names) {
				t.Errorf("entries not sorted: %v", names)
			}

			l, err := OpenTarball(r.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = l.Close() }()
			if l.Entry.MediaType != types.OCIImageIndex || l.Entry.Digest != r.Index {
				t.Errorf("index.json's entry is %s %s, want %s %s", l.Entry.MediaType, l.Entry.Digest, types.OCIImageIndex, r.Index)
			}
			wantAnn := map[string]string{
				annotationContainerdName: r.Ref.Name(),
				annotationRefName:        "v0.0.0-test",
			}
			if diff := cmp.Diff(wantAnn, l.Entry.Annotations); diff != "" {
				t.Errorf("index.json's annotations (-want +got):\n%s", diff)
			}
			if want := "ghcr.io/aiagent-me/" + spec.Title + ":v0.0.0-test"; r.Ref.Name() != want {
				t.Errorf("image named %s, want %s", r.Ref.Name(), want)
			}
			checkDockerManifest(t, l, r)
		})
	}
}

func tarNames(t *testing.T, file string, mtime time.Time) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(mtime) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: time %s owner %d:%d, want %s 0:0", h.Name, h.ModTime, h.Uid, h.Gid, mtime)
		}
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
}

// checkDockerManifest: manifest.json (for docker load without containerd)
// names the image and points at linux/amd64's config and layer.
func checkDockerManifest(t *testing.T, l *Layout, r Result) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(l.Dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	img := platformImage(t, l.Index, "amd64")
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"blobs/sha256/" + m.Config.Digest.Hex, "blobs/sha256/" + m.Layers[0].Digest.Hex, r.Ref.Name()}
	if len(entries) != 1 || len(entries[0].Layers) != 1 || len(entries[0].RepoTags) != 1 {
		t.Fatalf("manifest.json: %s", raw)
	}
	got := []string{entries[0].Config, entries[0].Layers[0], entries[0].RepoTags[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest.json (-want +got):\n%s", diff)
	}
}

func platformImage(t *testing.T, idx v1.ImageIndex, arch string) v1.Image {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.Architecture == arch {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatalf("no %s image in the index", arch)
	return nil
}

// TestImages opens each image of each tarball: platforms, config, labels,
// and the layer's files, and the binary's build.
func TestImages(t *testing.T) {
	for _, spec := range Images {
		t.Run(spec.File, func(t *testing.T) {
			l, err := OpenTarball(results[spec.File].Path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = l.Close() }()
			m, err := l.Index.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			var platforms []string
			for _, d := range m.Manifests {
				if d.Platform == nil || d.MediaType != types.OCIManifestSchema1 {
					t.Fatalf("index entry %s: platform %v, media type %s", d.Digest, d.Platform, d.MediaType)
				}
				platforms = append(platforms, d.Platform.String())
			}
			if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, platforms); diff != "" {
				t.Fatalf("platforms (-want +got):\n%s", diff)
			}
			for _, arch := range []string{"amd64", "arm64"} {
				t.Run(arch, func(t *testing.T) {
					img := platformImage(t, l.Index, arch)
					checkConfig(t, spec, img, arch)
					files := layerFiles(t, img)
					var names []string
					for _, f := range files {
						names = append(names, f.Name)
					}
					if diff := cmp.Diff(LayerFiles(spec), names); diff != "" {
						t.Fatalf("the layer's files (-want +got):\n%s", diff)
					}
					checkFiles(t, spec, files, arch)
				})
			}
		})
	}
}

func checkConfig(t *testing.T, spec Spec, img v1.Image, arch string) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != arch || !cf.Created.Equal(build.Time) {
		t.Errorf("config: %s/%s created %s, want linux/%s %s", cf.OS, cf.Architecture, cf.Created, arch, build.Time)
	}
	want := v1.Config{
		User:       "65532:65532",
		Entrypoint: []string{"/" + spec.Binary},
		WorkingDir: "/",
		Labels: map[string]string{
			"org.opencontainers.image.source":      "https://github.com/aiagent-me/boring-operator",
			"org.opencontainers.image.version":     "0.0.0-test",
			"org.opencontainers.image.revision":    build.Commit,
			"org.opencontainers.image.created":     build.Time.Format(time.RFC3339),
			"org.opencontainers.image.licenses":    "Apache-2.0",
			"org.opencontainers.image.title":       spec.Title,
			"org.opencontainers.image.description": spec.Description,
		},
	}
	if diff := cmp.Diff(want, cf.Config); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("manifest: config %s, layers %v", m.Config.MediaType, m.Layers)
	}
}

type file struct {
	tar.Header
	Data []byte
}

func layerFiles(t *testing.T, img v1.Image) []file {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var files []file
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file{Header: *h, Data: data})
	}
}

func checkFiles(t *testing.T, spec Spec, files []file, arch string) {
	t.Helper()
	for _, f := range files {
		if !f.ModTime.Equal(build.Time) || f.Uid != 0 || f.Gid != 0 {
			t.Errorf("%s: time %s owner %d:%d, want %s 0:0", f.Name, f.ModTime, f.Uid, f.Gid, build.Time)
		}
		switch f.Name {
		case etcPasswd:
			if !regexp.MustCompile(`(?m)^nonroot:x:65532:65532:`).Match(f.Data) {
				t.Errorf("/etc/passwd names no user 65532:\n%s", f.Data)
			}
		case etcGroup:
			if !regexp.MustCompile(`(?m)^nonroot:x:65532:`).Match(f.Data) {
				t.Errorf("/etc/group names no group 65532:\n%s", f.Data)
			}
		case spec.Binary:
			if f.Mode != 0o755 {
				t.Errorf("/%s has mode %o", spec.Binary, f.Mode)
			}
			checkBinary(t, spec, f.Data, arch)
		}
	}
}

// checkBinary: a static ELF for arch, built as the Makefile says, with the
// fallback roots linked in; the host's own architecture's runs --help.
func checkBinary(t *testing.T, spec Spec, data []byte, arch string) {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if ef.Machine != machine {
		t.Errorf("/%s is for %s, want %s", spec.Binary, ef.Machine, machine)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("/%s is dynamically linked", spec.Binary)
		}
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	wantSettings := map[string]string{"-trimpath": "true", "CGO_ENABLED": "0", "GOARCH": arch, "GOOS": "linux"}
	for k, v := range wantSettings {
		if settings[k] != v {
			t.Errorf("/%s built with %s=%q, want %q", spec.Binary, k, settings[k], v)
		}
	}
	// -trimpath keeps -ldflags out of the build info: look for what -X set.
	for _, stamp := range []string{build.Version, build.Commit, build.Time.Format(time.RFC3339)} {
		if !bytes.Contains(data, []byte(stamp)) {
			t.Errorf("/%s is not stamped with %s", spec.Binary, stamp)
		}
	}
	if _, ok := settings["vcs.revision"]; ok {
		t.Errorf("/%s carries VCS status (%v): a dirty tree would change the image", spec.Binary, settings)
	}
	if !slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "golang.org/x/crypto/x509roots/fallback" }) {
		t.Errorf("/%s does not link golang.org/x/crypto/x509roots/fallback: it cannot verify TLS in the image", spec.Binary)
	}
	if strings.Contains(string(data), "/hack/tools/image") || strings.Contains(string(data), absRoot(t)) {
		t.Errorf("/%s holds a build path", spec.Binary)
	}

	if runtime.GOOS != "linux" || runtime.GOARCH != arch {
		return
	}
	exe := filepath.Join(t.TempDir(), spec.Binary)
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("/%s --help: %v\n%s", spec.Binary, err, out)
	}
	want := map[string]string{"manager": "-boring-url", "kubectl-boring": "audit"}[spec.Binary]
	if !strings.Contains(string(out), want) {
		t.Errorf("/%s --help says nothing of %s:\n%s", spec.Binary, want, out)
	}
	t.Logf("/%s (%s) --help exits 0", spec.Binary, arch)
}

func absRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestPush pushes each tarball to go-containerregistry's in-memory
// registry as make image-push does, pulls it back and compares.
func TestPush(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no one's credentials: the registry is anonymous
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := imageFlags{manager: u.Host + "/team/boring-operator:v9"}.refs()
	if err != nil {
		t.Fatal(err)
	}
	if got := refs[Images[1].File].Name(); got != u.Host+"/team/kubectl-boring:v9" {
		t.Errorf("kubectl-boring's image defaults to %s", got)
	}
	for _, spec := range Images {
		ref := refs[spec.File]
		digest, err := Push(t.Context(), results[spec.File].Path, ref)
		if err != nil {
			t.Fatal(err)
		}
		if digest != results[spec.File].Index {
			t.Errorf("push reported %s, the tarball's index is %s", digest, results[spec.File].Index)
		}
		pulled, err := remote.Index(ref, remote.WithContext(t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pulled.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if got != digest {
			t.Errorf("%s: pulled %s, pushed %s", ref, got, digest)
		}
		for _, p := range Platforms {
			img, err := remote.Image(ref, remote.WithPlatform(p), remote.WithContext(t.Context()))
			if err != nil {
				t.Fatal(err)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.Architecture != p.Architecture || cf.Config.Entrypoint[0] != "/"+spec.Binary {
				t.Errorf("%s for %s: config for %s, entrypoint %v", ref, p.Architecture, cf.Architecture, cf.Config.Entrypoint)
			}
		}
	}
}

// TestDockerfile: the Dockerfile builds the manager with make image's flags.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	joined := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(raw), " ")
	flags := GoBuildFlags("${VERSION}", "${COMMIT}", "${DATE}")
	want := "go build " + strings.Join(flags[:len(flags)-1], " ") + ` "` + flags[len(flags)-1] + `"`
	if !strings.Contains(joined, want) {
		t.Errorf("the Dockerfile has no\n  %s", want)
	}
	for _, env := range []string{"CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0", "USER 65532:65532", `ENTRYPOINT ["/manager"]`} {
		if !strings.Contains(joined, env) {
			t.Errorf("the Dockerfile has no %s", env)
		}
	}
}

func TestSiblingRef(t *testing.T) {
	tests := map[string]string{
		"ghcr.io/aiagent-me/boring-operator:v0.2.0": "ghcr.io/aiagent-me/kubectl-boring:v0.2.0",
		"localhost:5000/boring-operator:dev":        "localhost:5000/kubectl-boring:dev",
		"registry.example/a/b/boring-operator:v1":   "registry.example/a/b/kubectl-boring:v1",
	}
	for in, want := range tests {
		ref, err := name.ParseReference(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SiblingRef(ref, "kubectl-boring")
		if err != nil || got.Name() != want {
			t.Errorf("SiblingRef(%s) = %v, %v; want %s", in, got, err, want)
		}
	}
}

// TestImageReferences: the chart and config/manager name the image make
// image builds by default: IMG, ghcr.io/aiagent-me/boring-operator:v$(VERSION).
func TestImageReferences(t *testing.T) {
	read := func(rel string) string {
		raw, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	find := func(rel, pattern string) string {
		m := regexp.MustCompile(pattern).FindStringSubmatch(read(rel))
		if m == nil {
			t.Fatalf("%s has no match for %s", rel, pattern)
		}
		return m[1]
	}
	version := find("Makefile", `(?m)^VERSION \?= (\S+)$`)
	if img := find("Makefile", `(?m)^IMG \?= (\S+)$`); img != "ghcr.io/aiagent-me/boring-operator:v$(VERSION)" {
		t.Errorf("the Makefile's IMG is %s", img)
	}
	got := map[string]string{
		"chart version":             find("charts/boring-operator/Chart.yaml", `(?m)^version: (\S+)$`),
		"chart appVersion":          find("charts/boring-operator/Chart.yaml", `(?m)^appVersion: "(\S+)"$`),
		"values image.repository":   find("charts/boring-operator/values.yaml", `(?m)^  repository: (\S+)$`),
		"values image.tag":          find("charts/boring-operator/values.yaml", `(?m)^  tag: (\S*)$`),
		"config/manager image name": find("config/manager/kustomization.yaml", `(?m)^  newName: (\S+)$`),
		"config/manager image tag":  find("config/manager/kustomization.yaml", `(?m)^  newTag: (\S+)$`),
	}
	want := map[string]string{
		"chart version":             version,
		"chart appVersion":          version,
		"values image.repository":   "ghcr.io/aiagent-me/boring-operator",
		"values image.tag":          `""`,
		"config/manager image name": "ghcr.io/aiagent-me/boring-operator",
		"config/manager image tag":  "v" + version,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("image references disagree with the Makefile's VERSION %s (-want +got):\n%s", version, diff)
	}
}
