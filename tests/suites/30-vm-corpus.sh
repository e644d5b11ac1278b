#!/bin/bash
# budget: 600
# what: the Erlang corpus (tests/erlang/t_*.erl) on zvm (ASan build), each case checked against stock erl's result
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
zvm="${ZVM:-$root/build/asan/bin/zvm}"
out="$root/build/tests/erlang"
ebin="$out/ebin"
mkdir -p "$ebin"
if [ ! -x "$zvm" ]; then
    echo "FAIL: corpus-setup: $zvm was not built"
    exit 0
fi
if ! erlc -o "$ebin" "$root"/tests/erlang/*.erl > "$out/erlc.log" 2>&1; then
    echo "FAIL: corpus-setup: erlc failed: $(head -c 400 "$out/erlc.log")"
    exit 0
fi
# Application resource files of the corpus applications (t_proc_app).
cp "$root"/tests/erlang/*.app "$ebin"/
for src in "$root"/tests/erlang/t_*.erl; do
    mod=$(basename "$src" .erl)
    # Each VM runs one module per invocation; a VM that dies loses only that module's cases.
    # erl writes standard error through its tty layer, which ends lines with CR LF.
    timeout 120 erl -noshell -pa "$ebin" -run corpus_runner main "$mod" 2>&1 | tr -d '\r' > "$out/$mod.erl.out"
    timeout 300 "$zvm" -noshell -pa "$ebin" -zvm-coverage -run corpus_runner main "$mod" \
        > "$out/$mod.zvm.out" 2>&1
    zrc=$?
    n=0
    while IFS= read -r line; do
        case "$line" in CASE\ *) ;; *) continue ;; esac
        n=$((n + 1))
        rest=${line#CASE }
        name=${rest%% *}
        expected=${rest#* }
        got=$(grep -F -m1 -- "CASE $name " "$out/$mod.zvm.out")
        got=${got#CASE $name }
        if [ -z "$got" ]; then
            why=$(grep -v '^CASE ' "$out/$mod.zvm.out" | head -c 300 | tr '\n' ' ')
            echo "FAIL: $name: no result from zvm (exit $zrc): $why"
        elif [ "$got" = "$expected" ]; then
            echo "PASS: $name"
        else
            echo "FAIL: $name: zvm gave $(head -c 300 <<<"$got") but erl gave $(head -c 300 <<<"$expected")"
        fi
    done < "$out/$mod.erl.out"
    if [ "$n" = 0 ]; then
        echo "FAIL: $mod: stock erl ran no case: $(head -c 300 "$out/$mod.erl.out" | tr '\n' ' ')"
    fi
done
cat "$out"/*.zvm.out 2>/dev/null | awk '
    $1 == "zvm-coverage:" && $2 == "op" { ops[$3] = 1 }
    $1 == "zvm-coverage:" && $2 == "bif" { bifs[$3] = 1 }
    END { for (o in ops) print "op", o; for (b in bifs) print "bif", b }' | sort > "$out/coverage.txt"
echo "zvm-coverage over the corpus: $(grep -c '^op ' "$out/coverage.txt") generic opcodes and $(grep -c '^bif ' "$out/coverage.txt") BIFs executed (list: build/tests/erlang/coverage.txt)"

# The idle state blocks: once every process waits for a message that cannot come (here the
# command returns and only the io servers are left, as under erl -noshell), zvm must sleep in
# the platform's wait, not spin. CPU used in the second second of its life, from /proc.
"$zvm" -noshell -s erlang is_atom x > "$out/idle.out" 2>&1 &
idle_pid=$!
sleep 1
t0=$(awk '{print $14 + $15}' "/proc/$idle_pid/stat" 2>/dev/null)
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$idle_pid/stat" 2>/dev/null)
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null
hz=$(getconf CLK_TCK)
if [ -z "$t0" ] || [ -z "$t1" ]; then
    echo "FAIL: idle-blocks: zvm did not stay up: $(head -c 300 "$out/idle.out")"
elif [ $((t1 - t0)) -gt $((hz / 10)) ]; then
    echo "FAIL: idle-blocks: zvm used $((t1 - t0)) of $hz clock ticks in one idle second"
else
    echo "PASS: idle-blocks ($((t1 - t0)) clock ticks in one idle second)"
fi

# A process that dies with an uncaught error gets erl's error report: the legacy header with
# the time (UTC, as our logger prints it), the pid line, the exit value, a blank line.
report_norm() { # header time and pid numbers made constant
    tr -d '\r' | sed -E 's/^(=ERROR REPORT==== )[0-9]{2}-[A-Z][a-z]{2}-[0-9]{4}::[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}( ===)$/\1TIME\2/; s/<0\.[0-9]+\.0>/<PID>/'
}
erl -noshell -pa "$ebin" -run crash_report_probe main 2>&1 | report_norm > "$out/report.erl"
"$zvm" -noshell -pa "$ebin" -run crash_report_probe main 2>&1 | tee "$out/report.zvm.raw" |
    report_norm > "$out/report.zvm"
today=$(date -u +%d-%b-%Y)
if ! grep -q '^=ERROR REPORT==== TIME ===$' "$out/report.erl"; then
    echo "FAIL: crash-report: erl printed no report: $(head -c 300 "$out/report.erl")"
elif ! cmp -s "$out/report.erl" "$out/report.zvm"; then
    echo "FAIL: crash-report: differs from erl's: $(diff "$out/report.erl" "$out/report.zvm" | head -6 | tr '\n' ' ')"
elif ! grep -q "^=ERROR REPORT==== $today::" "$out/report.zvm.raw"; then
    echo "FAIL: crash-report: the header's date is not today's ($today, UTC): $(head -n 1 "$out/report.zvm.raw")"
else
    echo "PASS: crash-report"
fi
