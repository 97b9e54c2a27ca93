#!/usr/bin/env bash
# Installs the Zapier app's dependencies exactly as package-lock.json pins them
# (npm ci; skipped when node_modules already matches the lock file) and runs its
# tests (node's test runner, in zapier-platform-core's app tester) against an
# orderhub the tests start: $ORDERHUB_BIN when set, else one built with `go build`.
set -euo pipefail
cd "$(dirname "$0")"
if ! cmp -s package-lock.json node_modules/.orderhub-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.orderhub-installed-lock
fi
npm test
