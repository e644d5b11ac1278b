# libvirt-bench.dom0-test.sh: the bench's libvirt column (issue 5 item 6 d), sourced by
# dom0-tests.sh in bench mode (only `make bench-xen` puts it in the image), with its helpers.
# libvirtd runs in dom0 with its libxl driver (the image has it when /zerg/params says
# libvirt=1: tests/xen/fetch-libvirt.sh, mkdom0.sh's LIBVIRT_ROOT), and each cycle is the
# xl cycle's through virsh, for the same PV test guest (32 MB, 1 vCPU, destroy on poweroff):
#   libvirt-up         libvirtd starts and `virsh -c xen:///system version` answers
#   libvirt-cycle-N    `virsh create --paused` of the domain XML; the guest's parameters written to
#                      its xenstore while paused (as for xl); `virsh resume`; data/zerg/ready seen;
#                      `virsh destroy`; gone from `xl list`; its console line in xenconsoled's log
#   libvirt-stop       libvirtd stops on SIGTERM and only Domain-0 is left
# Timed phases (TIME: libvirt cycle N): create (virsh create + parameters), unpause (virsh
# resume), ready, destroy (virsh destroy until the domain is no longer listed), total.
# No shutdown phase: `virsh shutdown` of this guest does not return for 60 s. libvirt's
# libxl_domain_shutdown waits for the guest to acknowledge control/shutdown (clear the key, as
# Linux does); our test guest acts on the request but does not acknowledge it, and libvirt
# destroys the powered-off domain only after that wait (its shutdown handler needs the
# domain's job, which the waiting call holds).
# When libvirt cannot run, "TIME: libvirt not run: REASON" puts the reason in the table.
lv_log=/tmp/libvirtd.log

lv_virsh() { virsh -q -c xen:///system "$@"; }

# lv_dump: libvirtd's and libxl's own logs into the serial log (not echoed to the terminal).
lv_dump() {
    tail -n 40 $lv_log 2>/dev/null | sed 's/^/libvirtd.log: /'
    tail -n 20 /var/log/libvirt/libxl/libxl-driver.log 2>/dev/null | sed 's/^/libxl-driver.log: /'
}

lv_start() {
    mkdir -p /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
    t0=$(now)
    LIBVIRT_LOG_OUTPUTS="3:file:$lv_log" libvirtd >>$lv_log 2>&1 &
    lvpid=$!
    if ! wait_for '! kill -0 $lvpid 2>/dev/null || lv_virsh version >/tmp/virsh-version 2>&1' 6000 ||
        ! kill -0 $lvpid 2>/dev/null; then
        reason="libvirtd did not answer virsh within 60 s"
        kill -0 $lvpid 2>/dev/null || reason="libvirtd exited at start"
        reason="$reason: $(grep ' error : ' $lv_log | tail -n 1 | sed 's/.* error : //' | cut -c1-120)"
        echo "FAIL: libvirt-up: $reason"
        echo "TIME: libvirt not run: $reason (build/xen/serial.log, lines libvirtd.log:)"
        lv_dump
        kill -9 $lvpid 2>/dev/null
        return 1
    fi
    t1=$(now)
    echo "PASS: libvirt-up"
    echo "TIME: libvirt: libvirtd answered $(ms $t0 $t1)ms after its start;" \
        "$(grep -i 'running hypervisor\|using library' /tmp/virsh-version | tr '\n' ' ')"
}

lv_cycle() {
    i=$1
    name=zerg-lv-$i inst=lv-inst-$i
    cat >/tmp/lv-dom.xml <<EOF
<domain type='xen'>
  <name>$name</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type>linux</type><kernel>$guest</kernel></os>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices><console type='pty'/></devices>
</domain>
EOF
    t0=$(now)
    if ! lv_virsh create --paused /tmp/lv-dom.xml >/tmp/lv-create.log 2>&1; then
        echo "FAIL: libvirt-cycle-$i: virsh create failed: $(tr '\n' ' ' </tmp/lv-create.log | cut -c1-160)"
        return
    fi
    domid=$(xl domid "$name") || { echo "FAIL: libvirt-cycle-$i: xl domid $name failed"; return; }
    dp=/local/domain/$domid
    xenstore-write "$dp/data/zerg/instance" "$inst" "$dp/data/zerg/linger_ms" 20000 || {
        echo "FAIL: libvirt-cycle-$i: cannot write the guest's parameters"
        lv_virsh destroy "$name" >/dev/null 2>&1
        return
    }
    t1=$(now)
    if ! lv_virsh resume "$name" >/tmp/lv-resume.log 2>&1; then
        echo "FAIL: libvirt-cycle-$i: virsh resume failed: $(tr '\n' ' ' </tmp/lv-resume.log | cut -c1-160)"
        lv_virsh destroy "$name" >/dev/null 2>&1
        return
    fi
    t2=$(now)
    if ! wait_for '[ "$(xenstore-read $dp/data/zerg/ready 2>/dev/null)" = "$inst" ]' 1000; then
        echo "FAIL: libvirt-cycle-$i: data/zerg/ready never became $inst (domid $domid)"
        lv_virsh destroy "$name" >/dev/null 2>&1
        return
    fi
    t3=$(now)
    if ! lv_virsh destroy "$name" >/tmp/lv-destroy.log 2>&1; then
        echo "FAIL: libvirt-cycle-$i: virsh destroy failed: $(tr '\n' ' ' </tmp/lv-destroy.log | cut -c1-160)"
        return
    fi
    if ! wait_for "! listed $domid" 1000; then
        echo "FAIL: libvirt-cycle-$i: domain $domid still in xl list 10 s after virsh destroy"
        return
    fi
    t4=$(now)
    if ! wait_for "console_has $name 'instance=$inst ready'" 200; then
        echo "FAIL: libvirt-cycle-$i: console line 'instance=$inst ready' not in $consoles/guest-$name.log"
        return
    fi
    echo "PASS: libvirt-cycle-$i"
    echo "TIME: libvirt cycle $i: create=$(ms $t0 $t1)ms unpause=$(ms $t1 $t2)ms ready=$(ms $t2 $t3)ms" \
        "destroy=$(ms $t3 $t4)ms total=$(ms $t0 $t4)ms"
}

lv_stop() {
    kill -TERM $lvpid 2>/dev/null
    if ! wait_for '! kill -0 $lvpid 2>/dev/null' 1000; then
        echo "FAIL: libvirt-stop: libvirtd still running 10 s after SIGTERM"
        kill -9 $lvpid 2>/dev/null
    elif ! wait_for '[ "$(xl list | wc -l)" = 2 ]' 500; then
        echo "FAIL: libvirt-stop: left behind: $(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
    else
        echo "PASS: libvirt-stop"
    fi
    wait $lvpid 2>/dev/null
    for d in $(xl list | awk 'NR > 2 && $1 ~ /^zerg-lv-/ { print $2 }'); do xl destroy "$d"; done
}

if [ "${libvirt:-0}" != 1 ]; then
    echo "SKIP: libvirt-bench: ${libvirt_off:-not in this image}"
    echo "TIME: libvirt not run: ${libvirt_off:-not in this image}"
elif lv_start; then
    echo "ZERG-XEN: libvirt: $cycles virsh cycles"
    i=1
    while [ $i -le "$cycles" ]; do
        lv_cycle $i
        i=$((i + 1))
    done
    lv_dump
    lv_stop
fi
