#!/bin/bash
# harness: boot real Xen 4.17 with our dom0 inside QEMU, run the Xen tests in dom0, report.
#
#   tests/xen/harness.sh MODE FILE...      (MODE: test | bench; run by `make test-xen`/`bench-xen`)
#
# FILE... are copied into the dom0 image under /zerg/ (our guest image, dom0 test programs, the
# test script tests/xen/dom0-tests.sh). Everything else comes from Debian's packages, fetched
# and cached under build/xen/ (tests/xen/fetch.sh).
#
# Environment:
#   ACCEL=tcg|kvm          QEMU accelerator (default tcg: the path CI can rely on)
#   ZERG_XEN_BUDGET=SECS   what the QEMU run (boot, tests, poweroff) should take (default 120
#                          for test, 1200 for bench); an overrun is printed as OVER BUDGET
#   ZERG_XEN_TIMEOUT=SECS  watchdog limit: QEMU is killed and the run fails (default twice the
#                          budget)
#   ZERG_XEN_CYCLES=N      guest cycles per test (default 5 for test, 50 for bench)
#   ZERG_XEN_SERVE_TEST=0  leave out the `zerg serve` cases (tests/xen/zerg-serve.dom0-test.sh;
#                          on by default; when off, a printed and counted SKIP)
#   ZERG_XEN_POOL_MODE=M   xen.pool_mode of the prepared-pool cases in test mode (paused, the
#                          default, or running; bench mode runs both)
#   ZERG_XEN_LIBVIRT=0     leave out the bench's libvirt column (bench mode only; on by default
#                          there): libvirtd with its libxl driver in dom0, `virsh create` cycles
#                          (tests/xen/libvirt-bench.dom0-test.sh); the table then says "not run"
#   ZERG_XEN_BURST_TEST=1  run zerg-metrics-burst (8 concurrent creates while /metrics is
#                          polled; off by default, flaky under heavy load: docs/xen.md; when
#                          off, a printed and counted SKIP)
#
# Prints the PASS:/FAIL:/SKIP: lines of dom0 (and the harness's own), the measured figures, and
# closes with "N passed, N failed, N skipped"; exits 1 if anything failed. Any missing tool,
# failed download, timeout, Xen panic or dom0 crash is a FAIL line, never a skip.
set -uo pipefail
mode=${1:-test}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/xen"
work="$root/build/xen"
accel=${ACCEL:-tcg}
case "$mode" in
test)
    cycles=${ZERG_XEN_CYCLES:-5}
    budget=${ZERG_XEN_BUDGET:-120}
    ;;
bench)
    # 50 cycles of each path (xl, libvirt, libxl, zerg cold, both pool modes): the QEMU run
    # took 13-17 minutes at load 2.5-3.5 (docs/xen.md). The watchdog (twice the budget) keeps
    # the whole target within 40 minutes.
    cycles=${ZERG_XEN_CYCLES:-50}
    budget=${ZERG_XEN_BUDGET:-1200}
    ;;
*)
    echo "harness: unknown mode $mode (test or bench)" >&2
    exit 2
    ;;
esac
timeout=${ZERG_XEN_TIMEOUT:-$((budget * 2))}
mkdir -p "$work"
t0=$(date +%s.%N)

fail_early() {
    echo "FAIL: xen-harness: $*"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
command -v qemu-system-x86_64 >/dev/null ||
    fail_early "qemu-system-x86_64 not found: run 'make deps' (package qemu-system-x86)"
command -v python3 >/dev/null || fail_early "python3 not found: run 'make deps'"
case "$accel" in
tcg) accel_args=(-accel tcg -cpu max,-smap,-pku) ;;
kvm) accel_args=(-accel kvm -cpu host) ;;
*) fail_early "ACCEL must be tcg or kvm, not '$accel'" ;;
esac

bash "$here/fetch.sh" "$work" >"$work/fetch.log" 2>&1 ||
    fail_early "fetching the Debian packages failed: $(tail -n 3 "$work/fetch.log" | tr '\n' ' ')"
pkgroot="$work/pkgroot"

# The libvirt column (bench only). libvirt 9.0's libxl driver will not start unless it can name
# the host CPU from Xen's feature words with one of its models. Under TCG it cannot: TCG has no
# VME (which libvirt's oldest models need), and Xen clears SEP (which all the others need) on
# an AMD CPU, which QEMU's `max` CPU says it is. So the bench boots that CPU as GenuineIntel;
# test mode keeps QEMU's default.
libvirt=0
libvirt_off="left out by ZERG_XEN_LIBVIRT=0"
late_fails=()
if [ "$mode" = bench ] && [ "${ZERG_XEN_LIBVIRT:-1}" = 1 ]; then
    if bash "$here/fetch-libvirt.sh" "$work" >"$work/fetch-libvirt.log" 2>&1; then
        libvirt=1
        libvirt_off=
        [ "$accel" = tcg ] && accel_args=(-accel tcg -cpu max,-smap,-pku,vendor=GenuineIntel)
    else
        libvirt_off="fetching the libvirt packages failed, see build/xen/fetch-libvirt.log"
        late_fails+=("FAIL: libvirt-fetch: $(tail -n 2 "$work/fetch-libvirt.log" | tr '\n' ' ')")
    fi
elif [ "$mode" != bench ]; then
    libvirt_off="bench mode only"
fi

# Parameters for dom0-tests.sh travel inside the image.
pool_mode=${ZERG_XEN_POOL_MODE:-paused}
case "$pool_mode" in
paused | running) ;;
*) fail_early "ZERG_XEN_POOL_MODE must be paused or running, not '$pool_mode'" ;;
esac
printf 'mode=%s\ncycles=%s\nzerg_serve=%s\nzerg_burst=%s\npool_mode=%s\nlibvirt=%s\n' "$mode" \
    "$cycles" "${ZERG_XEN_SERVE_TEST:-1}" "${ZERG_XEN_BURST_TEST:-0}" "$pool_mode" "$libvirt" \
    >"$work/params"
printf 'libvirt_off="%s"\n' "$libvirt_off" >>"$work/params"
lvroot=
[ "$libvirt" = 1 ] && lvroot="$work/libvirtroot"
LIBVIRT_ROOT=$lvroot bash "$here/mkdom0.sh" "$pkgroot" "$work/dom0.cpio.gz" "$here/dom0-tests.sh" "$work/params" \
    "$@" >"$work/mkdom0.log" 2>&1 ||
    fail_early "building the dom0 image failed: $(tail -n 3 "$work/mkdom0.log" | tr '\n' ' ')"

xen_gz="$pkgroot/boot/xen-4.17-amd64.gz"
[ -f "$xen_gz" ] || fail_early "no Xen hypervisor image in $pkgroot/boot"
# QEMU's -kernel takes the 32-bit multiboot ELF that the .gz holds.
if [ ! -f "$work/xen.elf" ] || [ "$xen_gz" -nt "$work/xen.elf" ]; then
    zcat "$xen_gz" >"$work/xen.elf.tmp" && mv "$work/xen.elf.tmp" "$work/xen.elf" ||
        fail_early "cannot unpack $xen_gz"
fi
vmlinuz=$(ls "$pkgroot"/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || fail_early "no dom0 kernel in $pkgroot/boot"

# smap=0: without it dom0 crashes at once under TCG. dom0 gets 512 MB of the 2 GB; the rest is
# for guests (with all memory in dom0 every guest build fails).
xen_args="dom0_mem=512M,max:512M dom0_max_vcpus=1 console=com1 com1=115200,8n1 loglvl=all"
xen_args+=" guest_loglvl=all noreboot cet=no-shstk,no-ibt smap=0"
dom0_args="console=hvc0 earlyprintk=xen"
t_prep=$(date +%s.%N)
echo "xen-harness: booting Xen in QEMU ($accel), budget ${budget}s (watchdog ${timeout}s)," \
    "$cycles cycles per test;" \
    "serial log: $work/serial.log"
python3 "$here/watchdog.py" --timeout "$timeout" --log "$work/serial.log" \
    --echo '^(PASS|FAIL|SKIP): |^ZERG-XEN: |^TIME: ' --end 'ZERG-XEN: end' -- \
    qemu-system-x86_64 "${accel_args[@]}" -m 2G -smp 2 -machine pc -display none -monitor none \
    -serial stdio -no-reboot -nic none -kernel "$work/xen.elf" -append "$xen_args" \
    -initrd "$vmlinuz $dom0_args,$work/dom0.cpio.gz"
wd=$?
t_end=$(date +%s.%N)

# Results: the dom0 lines (timestamp stripped) plus the harness's own verdict on the run.
results="$work/results.txt"
sed -n 's/^\[ *[0-9.]*\] \(\(PASS\|FAIL\|SKIP\): .*\)$/\1/p' "$work/serial.log" >"$results"
ready_at=$(sed -n 's/^\[ *\([0-9.]*\)\] ZERG-XEN: dom0 ready$/\1/p' "$work/serial.log" | head -n 1)
for f in "${late_fails[@]}"; do echo "$f" | tee -a "$results"; done
case $wd in
0) echo "PASS: xen-boot: QEMU ran Xen and dom0 to a clean poweroff" >>"$results" ;;
2) echo "FAIL: xen-boot: watchdog timeout after ${timeout}s (see $work/serial.log)" >>"$results" ;;
3) echo "FAIL: xen-boot: Xen panic or dom0 crash: $(grep 'watchdog: fatal' "$work/serial.log" |
    head -n 1 | sed 's/.*seen, killing the command: //') (see $work/serial.log)" >>"$results" ;;
*) echo "FAIL: xen-boot: QEMU ended before dom0 finished (watchdog status $wd; see" \
    "$work/serial.log)" >>"$results" ;;
esac
if [ -n "$ready_at" ]; then
    echo "TIME: qemu start -> dom0 ready: ${ready_at} s"
else
    echo "FAIL: xen-dom0-ready: dom0 never reported ready" >>"$results"
fi
if [ -n "$ready_at" ] && ! grep -q '^\[ *[0-9.]*\] ZERG-XEN: tests complete$' "$work/serial.log"; then
    echo "FAIL: xen-dom0-tests: dom0-tests.sh did not run to its end" >>"$results"
fi
grep '^\(PASS\|FAIL\|SKIP\): xen-boot\|^FAIL: xen-dom0-' "$results"

# The table (tests/xen/summarize.awk): p50/p90 per phase and path, the cycles each path ran, and
# each path's whole cycle against xl's in this run, with the load the figures were taken under.
sed 's/^\[ *[0-9.]*\] //' "$work/serial.log" | awk -v mode="$mode" -v want="$cycles" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -f "$here/summarize.awk"
qemu_s=$(awk -v b="$t_prep" -v c="$t_end" 'BEGIN { printf "%.1f", c - b }')
awk -v a="$t0" -v b="$t_prep" -v c="$t_end" -v budget="$budget" 'BEGIN {
    printf "TIME: QEMU run (boot, tests, poweroff) %.1f s of a %d s budget; harness total %.1f s" \
        " (fetch and image %.1f s)\n", c - b, budget, c - a, b - a }'
# Over the budget is reported, not failed: TCG is CPU-bound, and a loaded 2-core machine can
# slow it several-fold without anything being wrong. The watchdog (twice the budget) is the
# hard limit, and that one fails the run.
if awk -v q="$qemu_s" -v b="$budget" 'BEGIN { exit !(q > b) }'; then
    echo "TIME: OVER BUDGET: the QEMU run took ${qemu_s}s, budget ${budget}s (machine load:" \
        "$(cut -d' ' -f1-3 /proc/loadavg))"
fi
p=$(grep -c '^PASS: ' "$results")
f=$(grep -c '^FAIL: ' "$results")
s=$(grep -c '^SKIP: ' "$results")
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
