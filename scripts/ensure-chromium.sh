#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with playwright-core (no browser is downloaded: this
# machine reaches no browser CDN). `npm test` runs this first: it installs the package when it is
# missing and we may (root with apt-get); otherwise it says what to do and the browser tests fail
# naming it. CTI_CHROMIUM=<path> points the tests at another Chromium.
set -euo pipefail
source "$(dirname "$0")/lib/apt-ensure.sh"
browser="${CTI_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then exit 0; fi
if [ -n "${CTI_CHROMIUM:-}" ]; then echo "ensure-chromium: CTI_CHROMIUM=$browser is not an executable" >&2; exit 1; fi
if apt_ensure chromium "the browser tests" "no Chromium at $browser; install Debian's chromium (apt-get install chromium) or set CTI_CHROMIUM"; then
  echo "ensure-chromium: $("$browser" --version 2>/dev/null || echo installed)"
fi
