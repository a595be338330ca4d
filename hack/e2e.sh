#!/usr/bin/env bash
# make e2e: the user journey (test/e2e, build tag e2e) on a real one-node
# cluster (hack/cluster.sh) with the chart installed from this checkout and
# the image from make image. The cluster is taken down at the end, also on
# failure; with E2E_ARTIFACTS set, every component's log and the failing
# pods' descriptions are kept there.
#
#   HELM=bin/helm-... IMG=ghcr.io/aiagent-me/boring-operator:v0.2.0 hack/e2e.sh
#
# E2E_KEEP=1 leaves the cluster running after the tests (make dev-cluster-down
# removes it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
k8s_version=${ENVTEST_K8S_VERSION:-1.37.2}
: "${HELM:?set HELM to the helm binary}"
HELM=$(realpath "$HELM")
: "${IMG:?set IMG to the manager image make image built}"
image_tar=${IMAGE_TAR:-dist/boring-operator.oci.tar}

[ "$(id -u)" -eq 0 ] || {
	echo "e2e: cannot run: needs root (it runs a kubelet, containerd and iptables rules); CI runs it as root" >&2
	exit 1
}
[ -f "$image_tar" ] || {
	echo "e2e: cannot run: $image_tar is missing (make image)" >&2
	exit 1
}

cleanup() {
	local code=$?
	if [ -n "${E2E_ARTIFACTS:-}" ]; then
		./hack/cluster.sh logs "$E2E_ARTIFACTS/cluster" || true
	fi
	if [ "${E2E_KEEP:-}" = 1 ]; then
		echo "e2e: cluster left running: export KUBECONFIG=$(./hack/cluster.sh kubeconfig)" >&2
	else
		./hack/cluster.sh down || code=1
	fi
	exit "$code"
}
trap cleanup EXIT

start=$(date +%s)
./hack/cluster.sh up
echo "e2e: cluster up in $(($(date +%s) - start))s" >&2

./hack/cluster.sh test-images
./hack/cluster.sh import "$image_tar"

eval "$(./hack/cluster.sh env)"
E2E_KUBECTL=$root/bin/k8s/$k8s_version/kubectl E2E_HELM=$HELM E2E_CHART=$root/charts/boring-operator \
	E2E_IMAGE=$IMG E2E_PUBLISHER_IMAGE=$E2E_PUBLISHER_IMAGE \
	E2E_KUBECONFIG=$E2E_KUBECONFIG E2E_HOST_IP=$E2E_HOST_IP E2E_AUDIT_LOG=$E2E_AUDIT_LOG \
	go test -race -tags e2e -count=1 -timeout 20m ${E2E_TEST_FLAGS:--v} ./test/e2e
echo "e2e: passed in $(($(date +%s) - start))s" >&2
