#!/usr/bin/env bash
# Makes sure kube-apiserver, etcd and kubectl exist for envtest and prints the
# absolute folder holding them as the last line of output.
#
# envtest usually downloads these binaries from release buckets, which cannot
# be reached from every build machine. Instead they are built, pinned, from the
# Go module proxy (module hack/envtest), so the only network needed is the
# proxy. The first kube-apiserver build takes ~10 minutes on 2 cores; later
# runs reuse bin/ and the Go build cache.
#
# Arguments name more components of the same release to build into the same
# folder with the same flags (so they share the Go build cache), for the
# one-node cluster of hack/cluster.sh: kubelet kube-controller-manager
# kube-scheduler kube-proxy.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s_version=${ENVTEST_K8S_VERSION:-1.37.2}
dest=${ENVTEST_ASSETS_DIR:-$root/bin/k8s/$k8s_version}

have_all() {
	local d=$1
	[ -x "$d/kube-apiserver" ] && [ -x "$d/etcd" ] && [ -x "$d/kubectl" ]
}

# A caller-provided KUBEBUILDER_ASSETS wins when it is complete.
if [ $# -eq 0 ] && [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_all "$KUBEBUILDER_ASSETS"; then
	(cd "$KUBEBUILDER_ASSETS" && pwd)
	exit 0
fi

mkdir -p "$dest"
cd "$root/hack/envtest"

minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$k8s_version"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

build() {
	local name=$1 pkg=$2
	if [ ! -x "$dest/$name" ]; then
		echo "building $name from the Go module proxy (first time only; kube-apiserver takes ~10 min on 2 cores)" >&2
		CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest/$name.tmp" "$pkg"
		mv "$dest/$name.tmp" "$dest/$name"
	fi
}

build etcd go.etcd.io/etcd/server/v3
build kubectl k8s.io/kubernetes/cmd/kubectl
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
for name in "$@"; do
	case $name in
	kubelet | kube-controller-manager | kube-scheduler | kube-proxy) build "$name" "k8s.io/kubernetes/cmd/$name" ;;
	*)
		echo "unknown component $name" >&2
		exit 2
		;;
	esac
done

echo "$dest"
