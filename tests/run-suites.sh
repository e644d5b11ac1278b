#!/bin/bash
# Runs every test suite under tests/suites/ (or the ones named as arguments) in file-name order.
#
# A suite is an executable script whose header holds `# budget: SECONDS` (its time limit) and
# `# what: TEXT`. It prints one line per case:  PASS: name | FAIL: name: why | SKIP: name: why
# A suite that overruns its budget, or exits non-zero without printing a FAIL line, counts as
# one failed case of its own, so nothing fails silently. Skips are printed and counted.
# Closes with the line `N passed, N failed, N skipped`; exits 1 if anything failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
suites_dir="$root/tests/suites"
out_dir="${ZERG_TEST_OUT:-$root/build/test-results}"
mkdir -p "$out_dir"
export ZERG_ROOT="$root"

if [ $# -gt 0 ]; then
    suites=()
    for name in "$@"; do
        f=$(ls "$suites_dir"/*-"$name".sh 2>/dev/null | head -n 1)
        [ -n "$f" ] || { echo "run-suites: no suite named $name" >&2; exit 2; }
        suites+=("$f")
    done
else
    suites=("$suites_dir"/*.sh)
fi

total_pass=0 total_fail=0 total_skip=0
failed_cases=()
skipped_cases=()
for suite in "${suites[@]}"; do
    name=$(basename "$suite" .sh)
    name=${name#*-}
    budget=$(sed -n 's/^# budget: *\([0-9][0-9]*\).*/\1/p' "$suite" | head -n 1)
    what=$(sed -n 's/^# what: *//p' "$suite" | head -n 1)
    budget=${budget:-300}
    log="$out_dir/$name.log"
    echo "=== suite $name (budget ${budget}s): $what"
    start=$(date +%s.%N)
    timeout --kill-after=10 "$budget" bash "$suite" > >(tee "$log") 2>&1
    rc=$?
    wait
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    p=$(grep -c '^PASS: ' "$log")
    f=$(grep -c '^FAIL: ' "$log")
    s=$(grep -c '^SKIP: ' "$log")
    while IFS= read -r line; do failed_cases+=("$name: ${line#FAIL: }"); done < <(grep '^FAIL: ' "$log")
    while IFS= read -r line; do skipped_cases+=("$name: ${line#SKIP: }"); done < <(grep '^SKIP: ' "$log")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "FAIL: suite $name overran its budget of ${budget}s"
        failed_cases+=("$name: overran its budget of ${budget}s")
        f=$((f + 1))
    elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "FAIL: suite $name exited with status $rc without naming a failed case"
        failed_cases+=("$name: exited with status $rc")
        f=$((f + 1))
    elif [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then
        echo "FAIL: suite $name ran no case"
        failed_cases+=("$name: ran no case")
        f=$((f + 1))
    fi
    printf '=== suite %s: %d passed, %d failed, %d skipped in %ss\n' "$name" "$p" "$f" "$s" "$secs"
    total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
done

if [ ${#failed_cases[@]} -gt 0 ]; then
    echo "Failed cases:"
    printf '  %s\n' "${failed_cases[@]}"
fi
if [ ${#skipped_cases[@]} -gt 0 ]; then
    echo "Skipped cases:"
    printf '  %s\n' "${skipped_cases[@]}"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
