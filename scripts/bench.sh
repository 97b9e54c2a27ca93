#!/usr/bin/env bash
# The standard benchmark set of docs/benchmarks.md: builds the server (orderhub) and
# the load generator (orderhub-bench), then runs each scenario of orderhub-bench
# against a freshly spawned hub (SQLite), appending the results to
# docs/benchmarks.md (or $BENCH_OUT). Not part of scripts/test.
#
#   scripts/bench.sh                      # ≈ 3 minutes
#   DURATION=30s scripts/bench.sh         # longer measurements
#   LABEL="idle machine" scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="${BENCH_OUT:-docs/benchmarks.md}"
duration="${DURATION:-10s}"
label="${LABEL:-}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
bin="$dir/orderhub"
go build -o "$dir/" ./cmd/orderhub ./cmd/orderhub-bench
load() { awk '{print "load average " $1 ", " $2 ", " $3 " (1, 5, 15 min) at the start."}' /proc/loadavg; }
run() {
  echo "== orderhub-bench $*" >&2
  "$dir/orderhub-bench" --binary "$bin" --duration "$duration" --out "$out" --label "$label $(load)" "$@"
}
{
  echo
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC') — scripts/bench.sh, $(nproc) cores, $(go version | awk '{print $3}'), commit $(git rev-parse --short=12 HEAD)"
} >>"$out"
run --scenario orders --mode closed --concurrency 64
run --scenario orders --mode closed --concurrency 256
run --scenario orders --mode open --rate 1000 --concurrency 256
run --scenario orders --mode open --rate 2500 --concurrency 256
run --scenario orders --mode open --rate 5000 --concurrency 512
run --scenario purchases --mode closed --concurrency 64
run --scenario mixed --mode closed --concurrency 64 --receivers 2
run --scenario mixed --mode open --rate 1000 --concurrency 256 --receivers 2
