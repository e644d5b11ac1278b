#!/bin/bash
# budget: 300
# what: zerg_web (guest/apps): its request handling in Erlang on stock erl, then served through zerg (ASan build) by sandboxed zvm instances and by sandboxed stock erl instances, the same cases
set -u
root=$ZERG_ROOT
ebin=$root/build/apps/zerg_web/ebin
tests=$root/build/apps/zerg_web/test
if [ ! -f "$ebin/zerg_web.beam" ] || [ ! -f "$tests/zerg_web_tests.beam" ] ||
    [ ! -x "$root/build/images/erl-vm/beam.smp" ] || [ ! -x "$root/build/bin/zvm-static" ] ||
    [ ! -f "$root/build/images/zvm/lib/zerg_web/ebin/zerg_web.beam" ]; then
    echo "FAIL: zerg_web_built: build/apps/zerg_web, build/images/{erl,zvm} or zvm-static missing (make build-test)"
    exit 1
fi
# The Erlang-level cases print their own PASS:/FAIL: lines (and the supervisor report OTP prints
# when the restart case kills the state server).
erl -noshell -pa "$ebin" -pa "$tests" -run zerg_web_tests main 2>&1 | tr -d '\r'
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "FAIL: erl_cases_exit_status: zerg_web_tests halted with status $rc"
exec /usr/bin/python3 "$root/tests/integration/zerg_web_it.py"
