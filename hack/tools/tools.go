//go:build tools

// Package tools only records the main packages built by the project's
// Makefile (targets helm and promtool), so that `go mod tidy` keeps them.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/promtool"
	_ "helm.sh/helm/v3/cmd/helm"
)
