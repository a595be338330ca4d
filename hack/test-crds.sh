#!/usr/bin/env bash
# Makes sure the CRDs of cert-manager and the Prometheus Operator exist for the
# installer tests (server-side dry-runs of the chart and config/default) and
# prints their folder as the last line. They are taken, unchanged, from the
# projects' own Go modules at pinned versions through the Go module proxy
# (checksums verified by the go command), never from a download site.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cert_manager=${CERT_MANAGER_VERSION:-v1.21.2}
prometheus_operator=${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}
dest=${TEST_CRDS_DIR:-$root/bin/crds/cert-manager-$cert_manager-prometheus-operator-$prometheus_operator}

module_dir() {
	go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

if [ ! -f "$dest/.complete" ]; then
	mkdir -p "$dest"
	cm=$(module_dir "github.com/cert-manager/cert-manager@$cert_manager")
	po=$(module_dir "github.com/prometheus-operator/prometheus-operator@$prometheus_operator")
	[ -n "$cm" ] && [ -n "$po" ] || { echo "could not download the CRD modules" >&2; exit 1; }
	for f in cert-manager.io_issuers.yaml cert-manager.io_clusterissuers.yaml cert-manager.io_certificates.yaml; do
		install -m 0644 "$cm/deploy/crds/$f" "$dest/$f"
	done
	for f in monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml; do
		install -m 0644 "$po/example/prometheus-operator-crd/$f" "$dest/$f"
	done
	touch "$dest/.complete"
fi
echo "$dest"
