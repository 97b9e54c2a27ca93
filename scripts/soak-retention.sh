#!/usr/bin/env bash
# The retention soak of docs/reliability.md: the same steady open-loop load of Vendor
# Order API orders (each delivered to a webhook receiver in the bench process) runs
# twice against a freshly spawned hub on SQLite, over loopback only — once without
# pruning (--retention-interval 0) and once with retention set to RETENTION (default
# 1m) and a pass every INTERVAL (default 10s) — sampling the database file, its WAL
# and its free pages every SAMPLE (default 20s). With pruning the file levels off once
# the first rows are old enough; without it the file grows for the whole run. Compare
# the two runs' order p99. PARALLEL=1 runs the two at the same time (two hubs, two
# databases): on a shared machine both then see the same background load, which
# makes their latencies comparable. Results are appended to $SOAK_OUT (default: a
# temp file, printed). Bounded: 2 × (MINUTES + 10 s warm-up) (1 × with PARALLEL=1),
# plus the drains. Not part of scripts/test.
#
#   scripts/soak-retention.sh                  # 2 × 4 minutes at 300 orders/s
#   MINUTES=2 RATE=200 scripts/soak-retention.sh
#   PARALLEL=1 MINUTES=3 scripts/soak-retention.sh
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${MINUTES:-4}"
rate="${RATE:-300}"
retention="${RETENTION:-1m}"
interval="${INTERVAL:-10s}"
sample="${SAMPLE:-20s}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="${SOAK_OUT:-$work/soak.md}"
bin="$work/orderhub"
go build -o "$work/" ./cmd/orderhub ./cmd/orderhub-bench
load() { awk '{print "load average " $1 ", " $2 ", " $3 " (1, 5, 15 min) at the start."}' /proc/loadavg; }
run() {
  local name="$1" db="$2"; shift 2
  rm -f "$work/$db"*
  echo "== $name: orderhub-bench … --serve-args \"$*\"" >&2
  "$work/orderhub-bench" --binary "$bin" --scenario orders --webhooks --receivers 1 --mode open --rate "$rate" \
    --concurrency 64 --warmup 10s --duration "${minutes}m" --db "sqlite:$work/$db" --sample-db "$sample" \
    --serve-args "$*" --out "$work/$db.md" --label "$name. $(load)"
  cat "$work/$db.md" >>"$out"
}
echo -e "\n## Retention soak $(date -u '+%Y-%m-%d %H:%M UTC') — $(nproc) cores, commit $(git rev-parse --short=12 HEAD), ${rate} orders/s for ${minutes} min" >>"$out"
without=(run "Without pruning (--retention-interval 0)" off.db --retention-interval 0)
with=(run "With pruning (--retention-delivered $retention --retention-dead $retention --retention-interval $interval)" on.db \
  --retention-delivered "$retention" --retention-dead "$retention" --retention-interval "$interval")
if [ -n "${PARALLEL:-}" ]; then
  echo "(both runs at the same time)" >>"$out"
  "${without[@]}" >"$work/off.txt" & pid=$!
  "${with[@]}" >"$work/on.txt"
  wait "$pid"
  cat "$work/off.txt" "$work/on.txt"
else
  "${without[@]}"
  "${with[@]}"
fi
if [ -z "${SOAK_OUT:-}" ]; then cat "$out"; fi
