//go:build tools

// Package tools only records the main packages built by the project's
// Makefile (targets helm, promtool and kustomize), so that `go mod tidy` keeps them.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/promtool"
	_ "helm.sh/helm/v3/cmd/helm"
	_ "sigs.k8s.io/kustomize/kustomize/v5"
)
