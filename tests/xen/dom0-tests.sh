#!/bin/sh
# dom0-tests: the Xen tests, run by /init inside the harness's dom0 (busybox sh).
#
# Prints one PASS:/FAIL:/SKIP: line per case and TIME: lines with measured phases; the host side
# (tests/xen/harness.sh) collects them from the serial console. /zerg/params sets `cycles`.
#   xl-cycle-N        `xl create -p` of the test guest, parameters written to its xenstore while
#                     paused, unpause, readiness seen, `xl shutdown -w` (the guest acts on
#                     control/shutdown), gone from `xl list`, its console line in xenconsoled's log
#   libxl-cycle-N     the same cycle through libxl directly (zerg-xen-libxl-cycle)
#   vchan-serve-N     the guest serves one HTTP request over a vchan (its server end, granted
#                     page + event channel published in xenstore; zerg-xen-vchan-get is the
#                     dom0 client), then powers off by itself and is gone
#   platform-xen      zerg-xen-platguest checks vm/platform.h on Xen (memory, heap, clocks,
#                     wait, code, I/O handles) and serves a request through zplat_* calls
#   zvm-on-xen        the zvm VM core on the Xen platform layer runs an Erlang module linked
#                     into its image (tests/xen/erl/xen_hello.erl), prints its term, halts(0)
#   testguest-bad-params  a guest started without its instance parameter crashes and says why
#   no-domains-left   only Domain-0 remains at the end
. /zerg/params
guest=/zerg/zerg-xen-testguest
cfg=/zerg/testguest.cfg
consoles=/var/log/xen/console
now() { /zerg/zerg-xen-now; }
ms() { echo $((($2 - $1) / 1000)).$(((($2 - $1) % 1000) / 100)); }

# True when domain $1 (a domid) is in `xl list`, dying ones included.
listed() { xl list 2>/dev/null | awk -v id="$1" 'NR > 1 && $2 == id { found = 1 } END { exit !found }'; }

# Waits up to $2 centiseconds for command $1 (a shell function name or command) to succeed.
wait_for() {
    n=0
    until eval "$1"; do
        n=$((n + 1))
        [ $n -le "$2" ] || return 1
        usleep 10000
    done
}

console_has() { grep -q "$2" "$consoles/guest-$1.log" 2>/dev/null; }

xl_cycle() {
    i=$1
    name=zerg-xl-$i inst=xl-inst-$i
    t0=$(now)
    if ! xl create -q -p "$cfg" "name=\"$name\"" >/tmp/xl-create-$i.log 2>&1; then
        echo "FAIL: xl-cycle-$i: xl create failed: $(tail -n 2 /tmp/xl-create-$i.log | tr '\n' ' ')"
        return
    fi
    domid=$(xl domid "$name") || { echo "FAIL: xl-cycle-$i: xl domid $name failed"; return; }
    dp=/local/domain/$domid
    xenstore-write "$dp/data/zerg/instance" "$inst" "$dp/data/zerg/linger_ms" 20000 || {
        echo "FAIL: xl-cycle-$i: cannot write the guest's parameters"
        xl destroy "$domid"
        return
    }
    t1=$(now)
    xl unpause "$domid" || { echo "FAIL: xl-cycle-$i: xl unpause failed"; xl destroy "$domid"; return; }
    t2=$(now)
    if ! wait_for '[ "$(xenstore-read $dp/data/zerg/ready 2>/dev/null)" = "$inst" ]' 1000; then
        echo "FAIL: xl-cycle-$i: data/zerg/ready never became $inst (domid $domid)"
        xl destroy "$domid"
        return
    fi
    t3=$(now)
    if ! xl shutdown -w "$domid" >/tmp/xl-shutdown-$i.log 2>&1; then
        echo "FAIL: xl-cycle-$i: xl shutdown -w failed: $(tail -n 1 /tmp/xl-shutdown-$i.log)"
        xl destroy "$domid"
        return
    fi
    t4=$(now)
    if ! wait_for "! listed $domid" 1000; then
        echo "FAIL: xl-cycle-$i: domain $domid still in xl list 10 s after shutdown"
        return
    fi
    t5=$(now)
    if ! wait_for "console_has $name 'instance=$inst ready'" 200; then
        echo "FAIL: xl-cycle-$i: console line 'instance=$inst ready' not in $consoles/guest-$name.log"
        return
    fi
    echo "PASS: xl-cycle-$i"
    echo "TIME: xl cycle $i: create=$(ms $t0 $t1)ms unpause=$(ms $t1 $t2)ms ready=$(ms $t2 $t3)ms" \
        "shutdown=$(ms $t3 $t4)ms destroy=$(ms $t4 $t5)ms total=$(ms $t0 $t5)ms"
}

i=1
while [ $i -le "$cycles" ]; do
    xl_cycle $i
    i=$((i + 1))
done

/zerg/zerg-xen-libxl-cycle "$guest" "$cycles" zerg-lx 2>/tmp/libxl-cycle.err
rc=$?
if [ $rc != 0 ] && [ $rc != 1 ]; then
    echo "FAIL: libxl-cycle: zerg-xen-libxl-cycle exited with status $rc:" \
        "$(tail -n 3 /tmp/libxl-cycle.err | tr '\n' ' ')"
fi
i=1
while [ $i -le "$cycles" ]; do
    if wait_for "console_has zerg-lx-$i 'instance=zerg-lx-inst-$i ready'" 200; then
        echo "PASS: libxl-console-$i"
    else
        echo "FAIL: libxl-console-$i: console line missing from $consoles/guest-zerg-lx-$i.log"
    fi
    i=$((i + 1))
done

# vchan_serve CASE KERNEL NAME SERVED_LINE: a guest that publishes a vchan and serves one HTTP
# request over it (zerg-xen-vchan-get is the dom0 client and prints its own PASS/FAIL line),
# then powers off by itself and is gone, leaving SERVED_LINE on its console.
vchan_serve() {
    case_name=$1 kernel=$2 name=$3 served=$4
    inst=$name-inst
    xl create -q -p "$cfg" "name=\"$name\"" "kernel=\"$kernel\"" >/tmp/xl-$name.log 2>&1 || {
        echo "FAIL: $case_name: xl create failed: $(tail -n 1 /tmp/xl-$name.log)"
        return
    }
    domid=$(xl domid "$name")
    dp=/local/domain/$domid
    xenstore-write "$dp/data/zerg/instance" "$inst" "$dp/data/zerg/vchan" data/zerg/vchan
    xl unpause "$domid"
    if ! wait_for '[ "$(xenstore-read $dp/data/zerg/ready 2>/dev/null)" = "$inst" ]' 2000; then
        echo "FAIL: $case_name: never ready (domid $domid)" \
            "$(grep -h 'FAILED\|error' "$consoles/guest-$name.log" 2>/dev/null | tail -n 1)"
        xl destroy "$domid"
        return
    fi
    if ! /zerg/zerg-xen-vchan-get "$domid" "$dp/data/zerg/vchan" "$inst" 2>/tmp/vchan-$name.err
    then
        echo "FAIL: $case_name: no valid answer over vchan $(tr '\n' ' ' </tmp/vchan-$name.err)"
        wait_for "! listed $domid" 1000 || xl destroy "$domid"
    elif ! wait_for "! listed $domid" 1000; then
        echo "FAIL: $case_name: guest did not power off after serving"
        xl destroy "$domid"
    elif ! wait_for "console_has $name '$served'" 200; then
        echo "FAIL: $case_name: no '$served' line on the guest console:" \
            "$(tail -n 1 "$consoles/guest-$name.log" 2>/dev/null)"
    else
        echo "PASS: $case_name"
    fi
}
for i in 1 2; do
    vchan_serve vchan-serve-$i "$guest" zerg-vc-$i "served one request"
done
# vm/platform.h on Xen: memory beyond the boot mapping, heap, clocks, wait, code, I/O handles.
vchan_serve platform-xen /zerg/zerg-xen-platguest zerg-plat "all checks passed"
grep -h "zerg-platguest:" "$consoles/guest-zerg-plat.log" 2>/dev/null | sed 's/^/TIME: /'

# The VM itself as a guest: run xen_hello:main/0 from the image; halt(0) powers the domain off.
# on_crash=preserve tells a crash (zplat_exit with a non-zero status) from a clean poweroff.
zvm_on_xen() {
    name=zerg-zvm
    t0=$(now)
    xl create -q -p "$cfg" "name=\"$name\"" 'kernel="/zerg/zerg-xen-zvm"' 'memory=64' \
        'on_crash="preserve"' >/tmp/xl-zvm.log 2>&1 || {
        echo "FAIL: zvm-on-xen: xl create failed: $(tail -n 1 /tmp/xl-zvm.log)"
        return
    }
    domid=$(xl domid "$name")
    xenstore-write "/local/domain/$domid/data/zerg/run" "xen_hello main"
    t1=$(now)
    xl unpause "$domid"
    if ! wait_for "! listed $domid || xl list $domid 2>/dev/null | awk 'NR == 2 { exit \$5 !~ /c/ }'" 2000
    then
        echo "FAIL: zvm-on-xen: still running after 20 s: $(tail -n 2 "$consoles/guest-$name.log" | tr '\n' ' ')"
        xl destroy "$domid"
        return
    fi
    t2=$(now)
    if listed "$domid"; then
        echo "FAIL: zvm-on-xen: the VM crashed: $(tail -n 3 "$consoles/guest-$name.log" | tr '\n' ' ')"
        xl destroy "$domid"
    elif ! wait_for "console_has $name '{zvm_on_xen,55,\[a,b,c\]}'" 200; then
        echo "FAIL: zvm-on-xen: no {zvm_on_xen,55,[a,b,c]} on the console:" \
            "$(tail -n 2 "$consoles/guest-$name.log" | tr '\n' ' ')"
    else
        echo "PASS: zvm-on-xen"
        echo "TIME: zvm on xen: create=$(ms $t0 $t1)ms unpause-to-gone=$(ms $t1 $t2)ms"
        grep -h "zerg-zvm:" "$consoles/guest-$name.log" | sed 's/^/TIME: /'
    fi
}
zvm_on_xen

# A guest without its instance parameter must fail visibly: crashed, reason in xenstore and on
# its console. on_crash=preserve keeps it around to be inspected.
bad_params() {
    name=zerg-bad
    xl create -q -p "$cfg" "name=\"$name\"" 'on_crash="preserve"' >/tmp/xl-bad.log 2>&1 || {
        echo "FAIL: testguest-bad-params: xl create failed"
        return
    }
    domid=$(xl domid "$name")
    xl unpause "$domid"
    if ! wait_for "xl list $domid 2>/dev/null | awk 'NR == 2 { exit \$5 !~ /c/ }'" 1000; then
        echo "FAIL: testguest-bad-params: guest did not crash: $(xl list "$domid" | tail -n 1)"
    elif ! xenstore-read "/local/domain/$domid/data/zerg/error" | grep -q 'data/zerg/instance'; then
        echo "FAIL: testguest-bad-params: data/zerg/error does not name the missing parameter"
    elif ! wait_for "console_has $name 'error: cannot read data/zerg/instance'" 200; then
        echo "FAIL: testguest-bad-params: console does not say what was wrong"
    else
        echo "PASS: testguest-bad-params"
    fi
    xl destroy "$domid"
}
bad_params

if wait_for '[ "$(xl list | wc -l)" = 2 ]' 500; then
    echo "PASS: no-domains-left"
else
    echo "FAIL: no-domains-left: $(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
fi
# Extension point: other areas ship their own dom0 tests as files named *.dom0-test.sh in
# XEN_HARNESS_FILES (for example the spawner's xen backend through `zerg serve`); each runs
# here with this script's helpers, and prints its own PASS:/FAIL: lines.
for extra in /zerg/*.dom0-test.sh; do
    [ -f "$extra" ] || continue
    echo "ZERG-XEN: running $(basename "$extra")"
    . "$extra" || echo "FAIL: $(basename "$extra" .dom0-test.sh): exited with status $?"
done

# The host side fails the run if this marker is missing (the script died part way).
echo "ZERG-XEN: tests complete"
