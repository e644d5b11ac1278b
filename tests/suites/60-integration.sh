#!/bin/bash
# budget: 300
# what: zerg serve (ASan build) on loopback with the process backend and the fixture guest
set -u
exec /usr/bin/python3 "$ZERG_ROOT/tests/integration/zerg_it.py"
