#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with playwright-core (no browser is downloaded: this
# machine reaches no browser CDN). `npm test` runs this first: it installs the package when it is
# missing and we may (root with apt-get); otherwise it says what to do and the browser tests fail
# naming it. CTI_CHROMIUM=<path> points the tests at another Chromium.
set -euo pipefail
browser="${CTI_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then exit 0; fi
if [ -n "${CTI_CHROMIUM:-}" ]; then echo "ensure-chromium: CTI_CHROMIUM=$browser is not an executable" >&2; exit 1; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends chromium >/tmp/ensure-chromium.log 2>&1; then
    apt-get update -q >>/tmp/ensure-chromium.log 2>&1
    apt-get install -y -q --no-install-recommends chromium >>/tmp/ensure-chromium.log 2>&1 || { tail -20 /tmp/ensure-chromium.log >&2; exit 1; }
  fi
  echo "ensure-chromium: $("$browser" --version 2>/dev/null || echo installed)"
else
  echo "ensure-chromium: no Chromium at $browser; install Debian's chromium (apt-get install chromium) or set CTI_CHROMIUM; the browser tests will fail until then" >&2
fi
