#!/bin/bash
# budget: 60
# what: the VM core library links with no libc: nm -u lists only platform functions and the allowed list
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
lib="$root/build/lib/libzvm-core.a"
allowed_file="$root/vm/freestanding-allowed.txt"
if [ ! -f "$lib" ]; then
    echo "FAIL: vm-core-freestanding: $lib was not built"
    exit 0
fi
# What the archive's objects define among themselves does not count as undefined.
defined=$(nm --defined-only -g "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
undefined=$(nm -u "$lib" 2>/dev/null | awk '$1 == "U" { print $2 }' | sort -u)
platform=$(sed -n 's/^[a-z][a-z_ 0-9]*[ *]\(zplat_[a-z_0-9]*\)(.*/\1/p' "$root/vm/platform.h" | sort -u)
allowed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$allowed_file" | awk '{ print $1 }' | sort -u)
offending=()
for sym in $undefined; do
    if grep -qx -- "$sym" <<<"$defined" || grep -qx -- "$sym" <<<"$platform" ||
        grep -qx -- "$sym" <<<"$allowed"; then
        continue
    fi
    offending+=("$sym")
done
if [ "${#offending[@]}" -eq 0 ]; then
    echo "PASS: vm-core-freestanding ($(wc -w <<<"$undefined") undefined symbols, all platform or allowed)"
else
    echo "FAIL: vm-core-freestanding: not platform functions nor allowed: ${offending[*]}"
fi
# The check itself must be able to fail: a platform symbol list that is empty means a broken parse.
if [ -z "$platform" ]; then
    echo "FAIL: vm-platform-functions: found no zplat_ function in vm/platform.h"
else
    echo "PASS: vm-platform-functions ($(wc -w <<<"$platform") functions in vm/platform.h)"
fi
