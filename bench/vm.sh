#!/bin/bash
# bench/vm.sh: zvm against stock erl on the same CPU-bound kernels (bench/vm_bench.erl), in one
# run, as ratios; plus zvm's boot time to the first instruction of the application and both VMs'
# whole start-run-halt time; and one zerg_web instance by itself (no zerg, no sandbox: bench/
# instance_start.c), started from the image's snapshot, from .beam files, and the C fixture
# guest in its place, with the cost of a page fault on this machine. Run by `make bench-vm`
# (after `make all`).
#   VM_BENCH_REPEAT=3   runs per VM (the best time of each kernel is kept)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
zvm="$root/build/bin/zvm"
out="$root/build/bench-vm"
repeat=${VM_BENCH_REPEAT:-3}
mkdir -p "$out"
[ -x "$zvm" ] || { echo "bench/vm.sh: $zvm is not built (make all)" >&2; exit 1; }
erlc -o "$out" "$root/bench/vm_bench.erl"

best() { # best (lowest) microseconds of kernel $2 in file $1
    awk -v k="$2" '$1 == "BENCH" && $2 == k { if (min == "" || $3 < min) min = $3 } END { print min }' "$1"
}
check() {
    awk -v k="$2" '$1 == "BENCH" && $2 == k { print $4; exit }' "$1"
}
: > "$out/zvm.txt"
: > "$out/erl.txt"
for _ in $(seq "$repeat"); do
    "$zvm" -noshell -pa "$out" -run vm_bench main >> "$out/zvm.txt" 2>&1
    erl -noshell -pa "$out" -run vm_bench main 2>&1 | tr -d '\r' >> "$out/erl.txt"
done
printf '%-8s %12s %12s %10s  %s\n' kernel "zvm us" "erl us" "zvm/erl" "same result"
for k in nrev fib bignum binary smallmap bigmap biglive; do
    z=$(best "$out/zvm.txt" "$k")
    e=$(best "$out/erl.txt" "$k")
    same=no
    [ "$(check "$out/zvm.txt" "$k")" = "$(check "$out/erl.txt" "$k")" ] && same=yes
    if [ -z "$z" ] || [ -z "$e" ]; then
        echo "bench/vm.sh: kernel $k did not run on both VMs (see $out/*.txt)" >&2
        exit 1
    fi
    printf '%-8s %12d %12d %10.2f  %s\n' "$k" "$z" "$e" "$(awk -v a="$z" -v b="$e" 'BEGIN { print a / b }')" "$same"
done
# Boot: nanoseconds from the platform's start to the application's first instruction (in zvm),
# and the whole process (start, run a function that halts, exit) for both VMs.
boot_ns=$("$zvm" -noshell -pa "$out" -run vm_bench boot 2>&1 | awk '$1 == "BOOT" { print $2 }')
wall() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
}
zw=$(for _ in 1 2 3 4 5; do wall "$zvm" -noshell -pa "$out" -run vm_bench boot; done | sort -n | head -1)
ew=$(for _ in 1 2 3; do wall erl -noshell -pa "$out" -run erlang halt; done | sort -n | head -1)
printf 'zvm boot to first application instruction: %d us\n' $((boot_ns / 1000))
printf 'start-run-halt wall time: zvm %d us, erl %d us (erl/zvm %.1f)\n' "$zw" "$ew" \
    "$(awk -v a="$ew" -v b="$zw" 'BEGIN { print a / b }')"

# One zerg_web instance by itself, 100 runs each: exec to "ready" and to exit after the answer.
starts="$root/build/bin/zvm-start-bench"
image="$root/build/images/zvm"
[ -x "$starts" ] && [ -e "$image/zvm.snap" ] || { echo "bench/vm.sh: run make all first" >&2; exit 1; }
zs=(-zvm-ebin vm/ebin -zvm-otp lib)
snap=$("$starts" 100 "$image" /json "$root/build/bin/zvm-static" "${zs[@]}" -zvm-snapshot zvm.snap \
    -noshell -run zerg_web main)
files=$("$starts" 100 "$image" /json "$root/build/bin/zvm-static" "${zs[@]}" -noshell -run zerg_web main)
fixture=$("$starts" 100 "$image" /json "$root/build/bin/zerg-fixture-guest")
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
echo "one zerg_web instance by itself (GET /json, exec to exit after the answer, p50 of 100, no sandbox):"
for row in "zvm, snapshot:$snap" "zvm, .beam files:$files" "C fixture guest:$fixture"; do
    v=${row#*:}
    printf '  %-18s %6s ms to ready, %6s ms to exit; CPU per run %s ms user, %s ms system\n' \
        "${row%%:*}" "$(field ready_p50_ms "$v")" "$(field exit_p50_ms "$v")" \
        "$(field user_ms "$v")" "$(field sys_ms "$v")"
done
printf 'one page fault on fresh memory on this machine: %s us\n' \
    "$(field fault_us "$("$starts" --fault-probe)")"

