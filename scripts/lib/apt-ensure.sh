# Sourced by scripts/ensure-*.sh: installs one Debian package for the tests when we may (root with
# apt-get), else says how and returns 1. The log of a failed install is in /tmp/ensure-<pkg>.log.
#   apt_ensure <package> <what needs it> <hint>
apt_ensure() {
  local package="$1" purpose="$2" hint="$3" log="/tmp/ensure-$1.log"
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
    echo "ensure-$package: $hint; $purpose will fail until then" >&2
    return 1
  fi
  echo "ensure-$package: installing Debian's $package for $purpose..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "$package" >"$log" 2>&1; then
    apt-get update -q >>"$log" 2>&1
    apt-get install -y -q --no-install-recommends "$package" >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
  fi
}
