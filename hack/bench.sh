#!/usr/bin/env bash
# Runs every benchmark and writes docs/benchmarks.md. Called by `make bench`,
# which sets KUBEBUILDER_ASSETS. Takes about 10 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

go build -o bin/manager ./cmd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== Boring client micro-benchmarks" >&2
go test ./internal/boring/ -run '^$' -bench . -benchtime 3s -count 1 | tee "$work/micro.txt" >&2

echo "== Controller and account API on envtest (N=${BENCH_SIZES:-100,1000,5000})" >&2
MANAGER_BIN="$root/bin/manager" BENCH_REPORT_DIR="$work" \
	go test ./test/bench/ -run '^$' -bench . -benchtime 1x -timeout 60m | tee "$work/bench.txt" >&2

{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (hack/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(go version | cut -d' ' -f3)."
	echo "Figures are from one run; the envtest ones vary by about 10% between runs."
	echo
	echo "## Controller (test/bench, envtest, one credential, refreshInterval 1m)"
	echo
	echo "The manager runs as its own process with its real flags; writes are the kube-apiserver's own"
	echo "\`apiserver_request_total\` counters; upstream requests are counted by the Boring stand-in."
	echo "The baseline is a plain client doing the same writes per SocialAccount (create, finalizer patch,"
	echo "Secret create, status patch, event) at the same concurrency (10) on a fresh control plane."
	echo
	echo "| N | all Ready | baseline | ratio (target <= 1.5) | upstream lists at creation | upstream lists in a quiet window (target <= 2) | object writes per SA at creation (target <= 3) | events per SA at creation | writes in a quiet 70 s window (target 0) | manager peak RSS (target < 150 MiB at 5,000) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	cat "$work/controller.md"
	echo
	echo "What the writes were (creation; quiet window; reconciles by result):"
	echo
	echo "| N | creation | quiet window | reconciles |"
	echo "|---|---|---|---|"
	cat "$work/controller-writes.md"
	echo
	echo "## Mapping by platformAccountID (test/bench BenchmarkPlatformMapping, one credential, refreshInterval 1m)"
	echo
	echo "| N | all Ready | upstream lists at creation | upstream lists in a quiet 70 s window (target 1 per 1m refresh) |"
	echo "|---|---|---|---|"
	cat "$work/platform.md"
	echo
	echo "## Account API: GET /api/accounts, 1,000 visible SocialAccounts, loopback"
	echo
	echo "| SocialAccounts | concurrent clients | requests/s | p50 | p99 (target < 20 ms) | failures | API-server requests during the 10 s run | of which |"
	echo "|---|---|---|---|---|---|---|---|"
	cat "$work/api.md" 2>/dev/null || echo "| (N=1000 not run) | | | | | | | |"
	echo
	echo "## Boring client (internal/boring)"
	echo
	echo '```'
	grep -E '^(Benchmark|goos|goarch|cpu)' "$work/micro.txt"
	echo '```'
	echo
	echo "## Raw output"
	echo
	echo '```'
	grep -E '^Benchmark' "$work/bench.txt"
	echo '```'
} > docs/benchmarks.md
echo "wrote docs/benchmarks.md" >&2
