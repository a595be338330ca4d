//go:build tools

// Package envtest only records the main packages built by the project's
// Makefile (target envtest-assets), so that `go mod tidy` keeps them.
package envtest

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
