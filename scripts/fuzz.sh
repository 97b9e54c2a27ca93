#!/usr/bin/env bash
# Mutation fuzzing of every `func FuzzX` in the module, one target at a time (go test
# allows one -fuzz target per run). Plain `go test` (scripts/test) already runs each
# target's seed corpus; this script searches beyond it.
#
#   scripts/fuzz.sh                 # every target, FUZZTIME each (default 10s)
#   FUZZTIME=5m scripts/fuzz.sh     # a long run
#   scripts/fuzz.sh FuzzParseVendorOrder FuzzHTTP   # only these targets
#
# A failing input is written to the package's testdata/fuzz/FuzzX/ directory, where
# plain `go test` replays it from then on: fix the bug and commit the file as the
# regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
want=" $* "
failed=0
ran=0
while IFS=: read -r file fn; do
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$fn")
  if [ $# -gt 0 ] && [[ "$want" != *" $name "* ]]; then
    continue
  fi
  pkg="./$(dirname "$file")"
  echo "== $pkg $name ($fuzztime)"
  ran=$((ran + 1))
  log=$(mktemp)
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; then
    # On an overloaded machine the fuzzing engine itself may time out while
    # stopping its workers ("context deadline exceeded", no failing input): that
    # is not a finding, so run the target once more.
    if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
      echo "== $name: the fuzzing engine timed out while stopping (no failing input); running it again"
      go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" || failed=$((failed + 1))
    else
      failed=$((failed + 1))
    fi
  fi
  rm -f "$log"
done < <(git ls-files '*_test.go' | xargs grep -H -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' | sort)
echo "fuzz: $ran targets, $failed failed"
[ "$failed" -eq 0 ]
