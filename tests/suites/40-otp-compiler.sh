#!/bin/bash
# budget: 1200
# what: OTP 25's compiler test suites (from Debian's erlang source) on stock erl and on zvm, side by side
# Stock erl must pass every case (PASS:/FAIL: lines). zvm's cases print as zvm-pass:/zvm-fail:
# (not counted by the test runner); each suite then prints one PASS:/FAIL: line
# "zvm passes >= T% of SUITE", T from tests/otp/thresholds.txt, and a closing table.
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
zvm="${ZVM:-$root/build/asan/bin/zvm}"
otp="$root/build/otp"
ebin="$otp/ebin"
logs="$otp/logs"
suites="andor apply beam_except bif bs_bincomp bs_bit_binaries bs_construct bs_match bs_size_expr
        bs_utf float fun guard lc map match receive record trycatch"
case_timeout=${ZVM_OTP_CASE_TIMEOUT:-60}

if ! out=$(bash "$root/tests/otp/fetch-otp-src.sh" "$otp" 2>&1); then
    echo "FAIL: otp-compiler-fetch: $(tr '\n' ' ' <<<"$out" | head -c 400)"
    exit 1
fi
if [ ! -x "$zvm" ]; then
    echo "FAIL: otp-compiler-setup: $zvm was not built"
    exit 1
fi
mkdir -p "$ebin" "$logs"
src="$otp/compiler-test"
if ! erlc -o "$ebin" "$root"/tests/otp/*.erl "$src/test_lib.erl" > "$logs/erlc.log" 2>&1; then
    echo "FAIL: otp-compiler-setup: erlc failed: $(head -c 400 "$logs/erlc.log")"
    exit 1
fi

threshold_of() {
    awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' \
        "$root/tests/otp/thresholds.txt"
}

table=()
total_z=0 total_e=0 total_n=0
for suite in $suites; do
    name=${suite}_SUITE
    if ! erlc -o "$ebin" -I "$src" "$src/$name.erl" > "$logs/$name.erlc.log" 2>&1; then
        echo "FAIL: otp-$suite: erlc failed: $(head -c 300 "$logs/$name.erlc.log" | tr '\n' ' ')"
        continue
    fi
    # Stock erl: every case in its own process with a timeout, one VM for the suite.
    rm -f "$logs/$name.erl.out"
    timeout 600 erl -noshell -pa "$ebin" -run otp_runner_erl run_all "$name" 60000 "$src" \
        "$logs/$name.erl.out" > "$logs/$name.erl.log" 2>&1
    touch "$logs/$name.erl.out"
    cases=$(sed -n "s/^RESULT $name:\([^ ]*\) .*/\1/p" "$logs/$name.erl.out")
    n=0 e_pass=0 z_pass=0
    for c in $cases; do
        n=$((n + 1))
        line=$(grep -m1 "^RESULT $name:$c " "$logs/$name.erl.out")
        if [[ "$line" == *" pass" ]]; then
            e_pass=$((e_pass + 1))
            echo "PASS: otp-erl:$suite:$c"
        else
            echo "FAIL: otp-erl:$suite:$c: ${line#RESULT $name:$c fail }"
        fi
        # zvm: a fresh VM for every case.
        timeout "$case_timeout" "$zvm" -noshell -pa "$ebin" -zvm-coverage -run otp_runner run "$name" "$c" "$src" \
            > "$logs/$name.$c.zvm.out" 2>&1
        rc=$?
        zline=$(grep -m1 "^RESULT $name:$c " "$logs/$name.$c.zvm.out")
        if [[ "$zline" == *" pass" ]]; then
            z_pass=$((z_pass + 1))
            echo "zvm-pass: $suite:$c"
        elif [ -n "$zline" ]; then
            echo "zvm-fail: $suite:$c: ${zline#RESULT $name:$c fail }" | head -c 400; echo
        elif [ "$rc" = 124 ]; then
            echo "zvm-fail: $suite:$c: timeout after ${case_timeout}s"
        else
            echo "zvm-fail: $suite:$c: exit $rc: $(grep -v '^RESULT' "$logs/$name.$c.zvm.out" | head -c 300 | tr '\n' ' ')"
        fi
    done
    if [ "$n" = 0 ]; then
        echo "FAIL: otp-$suite: stock erl ran no case: $(head -c 300 "$logs/$name.erl.log" | tr '\n' ' ')"
        continue
    fi
    t=$(threshold_of "$suite")
    pct=$((100 * z_pass / n))
    echo "$suite: zvm $z_pass passed, $((n - z_pass)) failed; erl $e_pass passed, $((n - e_pass)) failed"
    if [ "$pct" -ge "$t" ]; then
        echo "PASS: zvm passes >= $t% of $suite ($pct%: $z_pass of $n)"
    else
        echo "FAIL: zvm passes >= $t% of $suite: only $pct% ($z_pass of $n)"
    fi
    table+=("$(printf '%-16s %5d %5d %5d %4d%%' "$suite" "$n" "$z_pass" "$e_pass" "$pct")")
    total_n=$((total_n + n)) total_z=$((total_z + z_pass)) total_e=$((total_e + e_pass))
done
# What the zvm runs executed (-zvm-coverage), for the coverage claims of docs/vm.md.
cat "$logs"/*.zvm.out 2>/dev/null | awk '
    $1 == "zvm-coverage:" && $2 == "op" { ops[$3] = 1 }
    $1 == "zvm-coverage:" && $2 == "bif" { bifs[$3] = 1 }
    END { for (o in ops) print "op", o; for (b in bifs) print "bif", b }' | sort > "$otp/coverage.txt"
echo "zvm-coverage over these suites: $(grep -c '^op ' "$otp/coverage.txt") generic opcodes and $(grep -c '^bif ' "$otp/coverage.txt") BIFs executed (list: build/otp/coverage.txt)"
echo "OTP compiler suites: cases, zvm passed, erl passed, zvm %"
printf '%s\n' "${table[@]}"
if [ "$total_n" -gt 0 ]; then
    printf '%-16s %5d %5d %5d %4d%%\n' total "$total_n" "$total_z" "$total_e" $((100 * total_z / total_n))
fi
