#!/usr/bin/env bash
# Runs every benchmark and writes docs/benchmarks.md. Called by `make bench`,
# which sets KUBEBUILDER_ASSETS. Takes about 17 minutes on 2 cores (23 with
# BENCH_MANY_CREDENTIALS=1, which adds 10,000 SocialAccounts over 100 credentials).
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
	echo "Written by \`make bench\` (hack/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(go version | cut -d' ' -f3)."
	echo "Each size runs three times (BENCH_RUNS) and its convergence figures are min / median / max over those runs;"
	echo "every other figure is from the first run."
	echo
	echo "## Controller convergence (test/bench BenchmarkController, envtest, one credential, refreshInterval 1m)"
	echo
	echo "The manager runs as its own process with its real flags. The N SocialAccounts exist before it starts;"
	echo "its span runs from its start (process, caches, first syncs) until a watch has seen all Ready. The baseline"
	echo "is a plain client writing, per SocialAccount, what the manager wrote in that run (read back afterwards: the"
	echo "finalizer patch, the Secret with its labels, annotations and ownerReference, the status patch with the same"
	echo "status, the same event), over SocialAccounts with the same spec that also exist beforehand, at the same"
	echo "concurrency (10), on a fresh control plane, in the same run; its span ends the same way, when the same"
	echo "kind of watch has seen all Ready. The mean write latency is the API server's own"
	echo "(apiserver_request_duration_seconds over writes) during each span. CPU is what each process used in the"
	echo "span: the control plane is the API server and etcd (their process_cpu_seconds_total), the driver is the"
	echo "bench process (in the manager's span it serves the Boring stand-in and watches for Ready; in the"
	echo "baseline's it also makes the writes). All of it shares the machine's $(nproc) cores."
	echo
	echo "| N | runs | manager: start to all Ready | of which start to first Ready | manager CPU | control plane CPU, manager span | driver CPU, manager span | API server write latency, manager span | baseline: same writes, plain client | control plane CPU, baseline span | driver CPU, baseline span | API server write latency, baseline span | ratio (target <= 1.25) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$work/convergence.md"
	echo
	echo "First run of each size: writes and upstream calls (the kube-apiserver's own \`apiserver_request_total\`"
	echo "counters; upstream requests counted by the Boring stand-in) and the manager's peak RSS (VmHWM)."
	echo
	echo "| N | upstream lists at start | upstream lists in a quiet 1m window (target 1 per 1m refresh) | object writes per SA at start (target <= 3) | events per SA | writes in the quiet window (target 0) | manager peak RSS (target < 100 MiB at 5,000) | RSS after the quiet window |"
	echo "|---|---|---|---|---|---|---|---|"
	cat "$work/controller.md"
	echo
	echo "What the writes were (start; quiet window; reconciles by controller and result, start and quiet window together):"
	echo
	echo "| N | start | quiet window | reconciles |"
	echo "|---|---|---|---|"
	cat "$work/controller-writes.md"
	echo
	echo "## Restart (first run of each size)"
	echo
	echo "The manager is stopped over N Ready SocialAccounts and a new one started; \"re-verified\" is when the new"
	echo "one has checked every SocialAccount against Boring (its last-sync series). API-server reads are GET and"
	echo "LIST requests (watches left out)."
	echo
	echo "| N | all re-verified after (target <= 30 s) | object writes (target 0) | events (target 0) | upstream lists (target 1) | API-server reads (target <= 1 per SA) | of which |"
	echo "|---|---|---|---|---|---|---|"
	cat "$work/restart.md"
	echo
	if [ -s "$work/many.md" ]; then
		echo "## Many credentials (BenchmarkManyCredentials, BENCH_MANY_CREDENTIALS=1)"
		echo
		echo "SocialAccounts spread over namespaces, each with its own credentials Secret and Boring session, refreshInterval 1m;"
		echo "the baseline writes what the manager wrote, as above. Single run."
		echo
		echo "| N | credentials | manager: start to all Ready | baseline | ratio | upstream lists at start | upstream lists in a quiet 1m window after all Ready (target = credentials) | manager peak RSS (target < 150 MiB) |"
		echo "|---|---|---|---|---|---|---|---|"
		cat "$work/many.md"
		echo
	fi
	echo "## Mapping by platformAccountID (test/bench BenchmarkPlatformMapping, one credential, refreshInterval 1m)"
	echo
	echo "| N | all Ready | upstream lists at creation | upstream lists in a quiet 1m window (target 1 per 1m refresh) |"
	echo "|---|---|---|---|"
	cat "$work/platform.md"
	echo
	echo "## Account API: GET /api/accounts, 1,000 visible SocialAccounts, 50 clients, 10 s, loopback (single run)"
	echo
	echo "Next to it, in the same run, a static handler serving the same bytes, in a process of its own as the manager is, on the"
	echo "same loopback to the same clients."
	echo
	echo "| SocialAccounts | clients | API requests/s | API p50 | API p99 | failures | static requests/s | static p50 | static p99 | API / static (target >= 0.8) | API-server requests during the API run | of which |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$work/api.md" 2>/dev/null || echo "| (N=1000 not run) | | | | | | | | | | | |"
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
