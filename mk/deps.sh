#!/bin/sh
# Install (as root) or name (otherwise) the Debian packages listed in mk/packages.txt.
# Exit 0 when everything is present, 1 when something is missing and could not be installed.
set -eu
quiet=0
[ "${1:-}" = "-q" ] && quiet=1
list="$(dirname "$0")/packages.txt"
missing=""
for pkg in $(grep -v '^#' "$list" | awk 'NF {print $1}'); do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done
if [ -z "$missing" ]; then
    [ "$quiet" = 1 ] || echo "deps: all Debian packages present"
    exit 0
fi
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root; install them with: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || { echo "deps: apt-get install failed" >&2; exit 1; }
echo "deps: installed$missing"
