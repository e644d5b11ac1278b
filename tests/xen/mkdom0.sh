#!/bin/bash
# mkdom0: build the dom0 root (a busybox initramfs) from the unpacked Debian packages.
#
#   tests/xen/mkdom0.sh PKGROOT OUT.cpio.gz FILE...
#
# The image holds busybox, the Xen tools dom0 needs (xl, xenstored, xenconsoled, xen-init-dom0,
# libxl-save-helper, the xenstore-* commands), the shared libraries `ldd` names for them and for
# our own programs plus ld.so and libgcc_s.so.1 (glibc dlopens it when a thread exits; without it
# xl aborts at exit), and the Xen kernel modules, loaded by path at boot (dpkg -x leaves no
# modules.dep). With LIBVIRT_ROOT set (the bench), libvirtd, its libxl driver and virsh too.
# Each FILE is copied to /zerg/ in the image; tests/xen/dom0-init.sh becomes /init.
# Our dynamically linked programs among FILE get their libraries resolved the same way.
set -euo pipefail
pkgroot=${1:?usage: mkdom0.sh PKGROOT OUT.cpio.gz FILE...}
out=${2:?usage: mkdom0.sh PKGROOT OUT.cpio.gz FILE...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)

die() {
    echo "xen-mkdom0: $*" >&2
    exit 1
}
[ -x "$pkgroot/bin/busybox" ] || die "$pkgroot has no busybox (run tests/xen/fetch.sh first)"
command -v cpio >/dev/null || die "cpio not found: run 'make deps'"

stage="${out%.cpio.gz}.stage"
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,zerg,modules}
mkdir -p "$stage"/{proc,sys,dev,run,tmp,root,etc/xen,var/lib/xen,var/log/xen/console}
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
ln -s ../run "$stage/var/run"

# busybox and its applets (dom0's shell, mount, insmod, poweroff ...).
cp "$pkgroot/bin/busybox" "$stage/bin/busybox"
for applet in $("$pkgroot/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done

# Xen tools, by their real paths (/usr/sbin/xl and friends are wrapper scripts).
xenbin=usr/lib/xen-4.17/bin
mkdir -p "$stage/$xenbin"
elfs=()
for tool in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do
    [ -f "$pkgroot/$xenbin/$tool" ] || die "$xenbin/$tool is missing from the Xen packages"
    cp "$pkgroot/$xenbin/$tool" "$stage/$xenbin/$tool"
    ln -sf "/$xenbin/$tool" "$stage/usr/sbin/$tool"
    elfs+=("$pkgroot/$xenbin/$tool")
done
for tool in "$pkgroot"/usr/bin/xenstore*; do
    cp -a "$tool" "$stage/usr/bin/"
    [ -L "$tool" ] || elfs+=("$tool")
done

# libvirt, for the bench's libvirt column (LIBVIRT_ROOT: tests/xen/fetch-libvirt.sh's unpacked
# packages): libvirtd with only its libxl driver (it loads what it finds), virsh, the CPU model
# map (the libxl driver names the host CPU from it at start and refuses to start without one),
# and a passwd/group with root (libvirtd looks its user up).
libvirt_root=${LIBVIRT_ROOT:-}
if [ -n "$libvirt_root" ]; then
    lvlib=usr/lib/x86_64-linux-gnu
    lvdrv=$lvlib/libvirt/connection-driver/libvirt_driver_libxl.so
    for f in usr/sbin/libvirtd usr/bin/virsh "$lvdrv" usr/share/libvirt/cpu_map/index.xml \
        etc/libvirt/libvirt.conf; do
        [ -f "$libvirt_root/$f" ] || die "$f is missing from $libvirt_root (fetch-libvirt.sh run?)"
    done
    mkdir -p "$stage/$(dirname "$lvdrv")" "$stage/usr/share/libvirt" "$stage/etc/libvirt"
    cp "$libvirt_root/usr/sbin/libvirtd" "$stage/usr/sbin/"
    cp "$libvirt_root/usr/bin/virsh" "$stage/usr/bin/"
    cp "$libvirt_root/$lvdrv" "$stage/$lvdrv"
    cp -r "$libvirt_root/usr/share/libvirt/cpu_map" "$stage/usr/share/libvirt/"
    cp "$libvirt_root/etc/libvirt/libvirt.conf" "$stage/etc/libvirt/"
    echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
    echo 'root:x:0:' >"$stage/etc/group"
    elfs+=("$libvirt_root/usr/sbin/libvirtd" "$libvirt_root/usr/bin/virsh" "$libvirt_root/$lvdrv")
fi

# Our programs and data.
for f in "$@"; do
    [ -f "$f" ] || die "$f does not exist (built?)"
    cp "$f" "$stage/zerg/"
    if readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'; then
        elfs+=("$f")
    fi
done
cp "$here/dom0-init.sh" "$stage/init"
: >"$stage/etc/xen/xl.conf" # xl's defaults; without the file it complains on every call
chmod 755 "$stage/init"

# Shared libraries: resolved against the unpacked Xen libraries first, then the build machine's
# (Debian 12 both), copied under their soname.
libpath="$pkgroot/usr/lib/x86_64-linux-gnu:$pkgroot/lib/x86_64-linux-gnu"
[ -z "$libvirt_root" ] || libpath+=":$libvirt_root/usr/lib/x86_64-linux-gnu"
libs=$(for e in "${elfs[@]}"; do
    LD_LIBRARY_PATH=$libpath ldd "$e" || die "ldd failed on $e"
done)
if echo "$libs" | grep -q 'not found'; then
    die "libraries not found: $(echo "$libs" | grep 'not found' | sort -u | tr -s ' \t\n' ' ')"
fi
for lib in $(echo "$libs" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | sort -u) \
    /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
    cp -L "$lib" "$stage/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/usr/lib64/ld-linux-x86-64.so.2"

# Kernel modules, in load order (xenfs needs privcmd).
kmods=$(ls -d "$pkgroot"/lib/modules/*/kernel/drivers/xen 2>/dev/null | head -n 1)
[ -n "$kmods" ] || die "no kernel modules in $pkgroot (linux-image unpacked?)"
for m in xen-privcmd xenfs/xenfs xen-evtchn xen-gntdev xen-gntalloc; do
    [ -f "$kmods/$m.ko" ] || die "kernel module $m.ko is missing"
    cp "$kmods/$m.ko" "$stage/modules/"
done
printf '%s\n' xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc >"$stage/modules/order"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "xen-mkdom0: $(du -h "$out" | cut -f1) dom0 image $out ($(find "$stage" -type f | wc -l) files)"
