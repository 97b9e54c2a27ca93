#!/usr/bin/env bash
# Node.js and npm for the Zapier app's tests (integrations/zapier, run by
# `go test ./...` through integrations/zapier/zapier_test.go, which fails under
# CI=true without them), and the app's npm packages as package-lock.json pins them.
# A no-op when all are there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 16 ]; then
  echo "Node.js $(node --version) is too old: zapier-platform-core 19.1.0 needs Node >= 16" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version)"
cd integrations/zapier
if ! cmp -s package-lock.json node_modules/.orderhub-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.orderhub-installed-lock
fi
