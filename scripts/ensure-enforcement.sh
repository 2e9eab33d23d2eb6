#!/usr/bin/env bash
# The response tests load what the node writes into real enforcement points: Unbound (Debian's
# package: unbound, unbound-checkconf) reads the RPZ zone, nftables (nft) the ruleset inside a
# network namespace the test makes (ip, from iproute2). `npm test` runs this first: it installs
# what is missing when we may (root with apt-get); otherwise it says what to do and the tests that
# need them fail naming it. CTI_UNBOUND=<path> and CTI_NFT=<path> point the tests at other builds.
set -euo pipefail
source "$(dirname "$0")/lib/apt-ensure.sh"
need() {
  local override="$1" binary="$2" package="$3"
  local found="${!override:-$(command -v "$binary" || true)}"
  if [ -n "$found" ] && [ -x "$found" ]; then return 0; fi
  if [ -n "${!override:-}" ]; then echo "ensure-enforcement: $override=${!override} is not an executable" >&2; exit 1; fi
  if apt_ensure "$package" "the enforcement-point tests" "no $binary on the PATH; install Debian's $package (apt-get install $package) or set $override"; then
    echo "ensure-enforcement: $binary installed"
  fi
}
need CTI_UNBOUND unbound unbound
need CTI_NFT nft nftables
