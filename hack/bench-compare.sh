#!/usr/bin/env bash
# Compares the manager at the working tree with the manager at REF on the
# convergence bench, and writes docs/benchmarks-compare.md. Called by
# `make bench-compare REF=<commit>`, which sets KUBEBUILDER_ASSETS.
#
# On a shared 2-core machine the speed drifts by more than the difference
# worth finding, so one run of each says little. Here the two managers take
# turns under the same harness (this tree's test/bench), BENCH_COMPARE_ROUNDS
# rounds (default 4), the order swapped every round; each turn is one
# BenchmarkController run at BENCH_SIZES (default 5000), convergence only,
# its own baseline right after it. About 2.5 minutes a turn at 5,000.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ref=${1:?usage: bench-compare.sh REF}
rounds=${BENCH_COMPARE_ROUNDS:-4}
size=${BENCH_SIZES:-5000}
refCommit=$(git rev-parse --short "$ref^{commit}")
# "with changes" when what the manager is built from differs from HEAD.
here="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- api cmd internal go.mod go.sum || echo ' with changes')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/ref"
git archive "$refCommit" | tar -x -C "$work/ref"
(cd "$work/ref" && go build -o "$work/manager-ref" ./cmd)
go build -o "$work/manager-here" ./cmd

turn() { # turn ROUND NAME
	local dir="$work/$2-$1"
	mkdir "$dir"
	echo "== round $1: $2" >&2
	BENCH_SIZES="$size" BENCH_RUNS=1 BENCH_CONVERGENCE_ONLY=1 MANAGER_BIN="$work/manager-$2" BENCH_REPORT_DIR="$dir" \
		go test ./test/bench/ -run '^$' -bench 'BenchmarkController$' -benchtime 1x -timeout 30m >&2
	# The convergence row: | N | runs | ready | first | manager CPU | plane | driver | latency | baseline | plane | driver | latency | ratio |
	awk -F'|' -v r="$1" -v n="$2" '{ printf "| %s | %s |%s|%s|%s|%s|%s|%s|%s|%s|\n", r, n, $4, $6, $7, $8, $10, $11, $12, $14 }' "$dir/convergence.md" >>"$work/rows.md"
	awk -F'|' -v n="$2" '{ gsub(/ /, "", $14); print n, $14 }' "$dir/convergence.md" >>"$work/ratios.txt"
}

for r in $(seq 1 "$rounds"); do
	if ((r % 2)); then turn "$r" ref; turn "$r" here; else turn "$r" here; turn "$r" ref; fi
done

median() { # median NAME: the median of NAME's ratios
	awk -v n="$1" '$1 == n { print $2 }' "$work/ratios.txt" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
	echo "# Benchmark comparison"
	echo
	echo "Written by \`make bench-compare REF=$ref\` (hack/bench-compare.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, $(go version | cut -d' ' -f3):"
	echo "the manager at $refCommit (ref) and at $here (here), taking turns under the same harness, $rounds rounds, the"
	echo "order swapped every round; each turn is one convergence run at N=$size with its own plain-client baseline right"
	echo "after it (docs/benchmarks.md says what the columns measure). CPU is seconds used in the span."
	echo
	echo "| ratio, median | ref ($refCommit) | here ($here) |"
	echo "|---|---|---|"
	echo "| manager span / baseline span | $(median ref) | $(median here) |"
	echo
	echo "| round | manager | manager: start to all Ready | manager CPU | control plane CPU | driver CPU | baseline | control plane CPU, baseline | driver CPU, baseline | ratio |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	cat "$work/rows.md"
} >docs/benchmarks-compare.md
echo "wrote docs/benchmarks-compare.md" >&2
