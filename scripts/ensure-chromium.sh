#!/usr/bin/env bash
# Makes sure a Chromium for the console's real-browser tests (console/browser_test.go,
# driven by chromedp) is installed: Debian's "chromium" package. Idempotent; .ci/run
# calls it. Without a browser those tests skip loudly on a developer machine and fail
# with CI=true. ORDERHUB_CHROMIUM may name another Chromium/Chrome binary.
set -euo pipefail

have_chromium() {
  if [ -n "${ORDERHUB_CHROMIUM:-}" ] && [ -x "$ORDERHUB_CHROMIUM" ]; then return 0; fi
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  return 1
}

if have_chromium; then
  exit 0
fi

. "$(dirname "$0")/lib-apt.sh"
apt_prepare ensure-chromium "no Chromium and no apt-get; install Chromium or set ORDERHUB_CHROMIUM" \
  "installing Debian's chromium"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

if ! have_chromium; then
  echo "ensure-chromium: installed chromium but found no browser on PATH" >&2
  exit 1
fi
echo "ensure-chromium: ok ($(chromium --version 2>/dev/null || echo chromium))" >&2
