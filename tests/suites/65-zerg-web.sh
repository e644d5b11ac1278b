#!/bin/bash
# budget: 180
# what: zerg_web (guest/apps) on stock erl: its request handling in Erlang, then served through zerg (ASan build) by sandboxed stock erl instances
set -u
root=$ZERG_ROOT
ebin=$root/build/apps/zerg_web/ebin
tests=$root/build/apps/zerg_web/test
if [ ! -f "$ebin/zerg_web.beam" ] || [ ! -f "$tests/zerg_web_tests.beam" ] ||
    [ ! -x "$root/build/images/erl-vm/beam.smp" ]; then
    echo "FAIL: zerg_web_built: build/apps/zerg_web or build/images/erl missing (make build-test)"
    exit 1
fi
# The Erlang-level cases print their own PASS:/FAIL: lines (and the supervisor report OTP prints
# when the restart case kills the state server).
erl -noshell -pa "$ebin" -pa "$tests" -run zerg_web_tests main 2>&1 | tr -d '\r'
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "FAIL: erl_cases_exit_status: zerg_web_tests halted with status $rc"
exec /usr/bin/python3 "$root/tests/integration/zerg_web_it.py"
