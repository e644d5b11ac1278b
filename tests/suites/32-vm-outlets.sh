#!/bin/bash
# budget: 120
# what: zvm adopts the guest contract's fd 3 (Unix stream and loopback TCP) and fd 4 (SOCK_SEQPACKET, one message per recv) through gen_tcp:fdopen, as the spawner hands them over
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
zvm="${ZVM:-$root/build/asan/bin/zvm}"
drv="$root/build/asan/bin/zvm-fd-contract"
work=$(mktemp -d "${TMPDIR:-/tmp}/zerg-outlets.XXXXXX")
trap 'rm -rf "$work"' EXIT
for f in "$zvm" "$drv"; do
    if [ ! -x "$f" ]; then
        echo "FAIL: outlets-setup: $f was not built"
        exit 0
    fi
done
if ! erlc -o "$work" "$root/tests/outlets/fd_guest.erl" > "$work/erlc.log" 2>&1; then
    echo "FAIL: outlets-setup: erlc failed: $(head -c 300 "$work/erlc.log")"
    exit 0
fi
for mode in unix tcp; do
    out=$(timeout 60 "$drv" "$zvm" "$work" "$mode" 2>"$work/$mode.err")
    case "$out" in
        PASS:*|FAIL:*) echo "$out" ;;
        *) echo "FAIL: fd-contract-$mode: no verdict (exit $?): $(head -c 300 "$work/$mode.err" | tr '\n' ' ')" ;;
    esac
    if grep -q "ERROR\|fd_guest:" "$work/$mode.err"; then
        echo "FAIL: fd-contract-$mode-stderr: $(head -c 300 "$work/$mode.err" | tr '\n' ' ')"
    fi
done
