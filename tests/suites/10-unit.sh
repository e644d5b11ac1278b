#!/bin/bash
# budget: 120
# what: CUnit unit tests (ASan + UBSan build): build/asan/bin/unit-tests
set -u
exec "$ZERG_ROOT/build/asan/bin/unit-tests"
