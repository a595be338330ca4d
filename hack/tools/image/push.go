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
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Layout is an image layout tarball unpacked into a temporary folder.
type Layout struct {
	Dir string
	// Entry is index.json's one entry (with its annotations).
	Entry v1.Descriptor
	// Index is the multi-platform index that entry names.
	Index v1.ImageIndex
}

// Close removes the unpacked folder.
func (l *Layout) Close() error { return os.RemoveAll(l.Dir) }

// OpenTarball unpacks an image layout tarball (make image's) and opens its index.
func OpenTarball(file string) (*Layout, error) {
	dir, err := os.MkdirTemp("", "boring-layout-")
	if err != nil {
		return nil, err
	}
	l := &Layout{Dir: dir}
	if err := untar(file, dir); err != nil {
		_ = l.Close()
		return nil, err
	}
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	m, err := top.IndexManifest()
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	if len(m.Manifests) != 1 {
		_ = l.Close()
		return nil, fmt.Errorf("%s: index.json lists %d entries, want 1", file, len(m.Manifests))
	}
	l.Entry = m.Manifests[0]
	if l.Index, err = top.ImageIndex(l.Entry.Digest); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

// untar extracts the regular files of a tar, refusing paths that leave dir.
func untar(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		rel := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("%s: entry %q leaves the folder", file, h.Name)
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

// Push sends the index in an image layout tarball, with its images and
// blobs, to ref, authenticating as the docker config ($DOCKER_CONFIG, or
// ~/.docker/config.json: docker login, crane auth login) says. It returns the
// index's digest, which is the one the tarball holds.
func Push(ctx context.Context, file string, ref name.Reference, opts ...remote.Option) (v1.Hash, error) {
	l, err := OpenTarball(file)
	if err != nil {
		return v1.Hash{}, err
	}
	defer func() { _ = l.Close() }()
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	if err := remote.WriteIndex(ref, l.Index, opts...); err != nil {
		return v1.Hash{}, err
	}
	return l.Entry.Digest, nil
}
