#!/usr/bin/env bash
# The rule-file tests compile YARA rules with the real yara (Debian's package: yarac and yara), as
# the node does before it writes a rule file. `npm test` runs this first: it installs the package
# when it is missing and we may (root with apt-get); otherwise it says what to do and the tests
# that need yara fail naming it. CTI_YARAC=<path> points the node and the tests at another yarac.
set -euo pipefail
source "$(dirname "$0")/lib/apt-ensure.sh"
yarac="${CTI_YARAC:-$(command -v yarac || true)}"
if [ -n "$yarac" ] && [ -x "$yarac" ]; then exit 0; fi
if [ -n "${CTI_YARAC:-}" ]; then echo "ensure-yara: CTI_YARAC=$CTI_YARAC is not an executable" >&2; exit 1; fi
if apt_ensure yara "the YARA tests" "no yarac on the PATH; install Debian's yara (apt-get install yara) or set CTI_YARAC"; then
  echo "ensure-yara: $(yara --version 2>/dev/null || echo installed)"
fi
