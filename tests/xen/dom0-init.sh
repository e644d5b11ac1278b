#!/bin/sh
# /init of the harness's dom0 (busybox sh). Brings up the Xen control plane, runs the tests in
# /zerg/dom0-tests.sh, prints their PASS:/FAIL:/SKIP: lines on the console, and powers off.
# The host side (tests/xen/harness.sh) reads the console through QEMU's serial port; the lines
# "ZERG-XEN: ..." are markers it waits for. PID 1 must never exit (that panics the kernel), so
# every failure path ends in the same poweroff.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu

halt_now() {
    echo "ZERG-XEN: end"
    sync
    poweroff -f
    sleep 60
}
fatal() {
    echo "FAIL: dom0-setup: $*"
    halt_now
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/log/xen/console
# Loopback for programs that serve on 127.0.0.1 in dom0 (zerg itself); no other interface.
ip link set lo up
exec </dev/console >/dev/console 2>&1
# Kernel messages would split our result lines on the shared console: only emergencies from now.
dmesg -n 1
echo "ZERG-XEN: dom0 kernel up"

for m in $(cat /modules/order); do
    insmod "/modules/$m.ko" || fatal "insmod $m failed"
done
mount -t xenfs xenfs /proc/xen || fatal "cannot mount xenfs on /proc/xen"
grep -q control_d /proc/xen/capabilities || fatal "this kernel is not running as Xen's dom0"

xenstored --pid-file /run/xenstored.pid || fatal "xenstored did not start"
tries=0
until xenstore-exists / 2>/dev/null; do
    tries=$((tries + 1))
    [ $tries -lt 100 ] || fatal "xenstored does not answer"
    usleep 50000
done
xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1 || {
    cat /tmp/xen-init-dom0.log
    fatal "xen-init-dom0 failed"
}
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
    fatal "xenconsoled did not start"
xl list >/tmp/xl-list.txt 2>&1 || {
    cat /tmp/xl-list.txt
    fatal "xl list failed"
}
echo "ZERG-XEN: dom0 ready"

if [ -f /zerg/dom0-tests.sh ]; then
    sh /zerg/dom0-tests.sh
else
    echo "FAIL: dom0-tests: /zerg/dom0-tests.sh is missing from the image"
fi
halt_now
