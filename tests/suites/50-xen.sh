#!/bin/bash
# budget: 300
# what: real Xen 4.17 in QEMU (TCG): dom0 boots; test guest cycles through xl and libxl; console, bad parameters, nothing left behind
# The harness is tests/xen/harness.sh (make test-xen). ZERG_SKIP_XEN=1 skips it, and says so; a
# machine without QEMU or the Xen packages fails it (make deps installs them).
set -u
if [ "${ZERG_SKIP_XEN:-0}" = 1 ]; then
    echo "SKIP: xen: ZERG_SKIP_XEN=1 was given"
    exit 0
fi
cd "$ZERG_ROOT" || exit 1
exec make -s --no-print-directory test-xen
