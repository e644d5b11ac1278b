#!/bin/sh
# dom0-tests: the Xen tests, run by /init inside the harness's dom0 (busybox sh).
. /zerg/params
if xl list | grep -q '^Domain-0 '; then
    echo "PASS: xl-list-dom0"
else
    echo "FAIL: xl-list-dom0: xl list does not show Domain-0"
fi
