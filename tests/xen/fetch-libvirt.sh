#!/bin/bash
# fetch-libvirt: download and unpack what the bench's libvirt column needs in dom0: libvirtd with
# its libxl driver and virsh, from Debian's packages (dpkg -x: no maintainer script runs).
#
#   tests/xen/fetch-libvirt.sh OUT_DIR
#
# OUT_DIR/debs/         the .deb files (a cache shared with tests/xen/fetch.sh)
# OUT_DIR/libvirtroot/  the union of their unpacked contents (mkdom0.sh's LIBVIRT_ROOT)
# OUT_DIR/libvirt-versions.txt  package=version, one a line, as unpacked
#
# The packages: libvirt0, libvirt-daemon (libvirtd), libvirt-daemon-driver-xen (the libxl
# driver), libvirt-clients (virsh), and every library package they depend on, directly or
# through another such package, that the build machine does not have installed (mkdom0.sh
# takes the installed ones from the build machine, as it does for our own programs). Not
# followed: libvirt's other hypervisor drivers (libvirt-daemon depends on the QEMU one; libvirtd
# loads only the drivers it finds) and the Xen libraries (the image has them from fetch.sh, at
# libxen-dev's version). Exits non-zero with a message naming what went wrong.
set -euo pipefail
out=${1:?usage: fetch-libvirt.sh OUT_DIR}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

die() {
    echo "xen-fetch-libvirt: $*" >&2
    exit 1
}
for tool in apt-get apt-cache dpkg-query dpkg-deb dpkg; do
    command -v "$tool" >/dev/null || die "$tool not found (a Debian machine is needed)"
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
followed() {
    case $1 in
    libvirt-daemon-driver-xen) return 0 ;;
    libxen* | libvirt-daemon-driver-* | libvirt-daemon-system*) return 1 ;;
    lib*) return 0 ;;
    *) return 1 ;;
    esac
}

# The closure: first alternative of each Depends/PreDepends, virtual names left out.
roots="libvirt0 libvirt-daemon libvirt-daemon-driver-xen libvirt-clients"
todo=$roots
pkgs=" "
while [ -n "$todo" ]; do
    next=""
    for p in $todo; do
        case "$pkgs" in *" $p "*) continue ;; esac
        pkgs="$pkgs$p "
        deps=$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "$p" 2>/dev/null |
            awk '/^ *\|?(Pre)?Depends: / { if (!alt) print $2; alt = ($1 ~ /^\|/) }' |
            grep -v '^<') || die "apt-cache depends $p failed (apt-get update done?)"
        for d in $deps; do
            followed "$d" && ! installed "$d" && next="$next $d"
        done
    done
    todo=$next
done

wanted=()
for p in $pkgs; do
    v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$v" ] && [ "$v" != "(none)" ] || die "apt has no candidate for $p"
    wanted+=("$p=$v")
done
deb_file() {
    local name=${1%%=*} ver=${1#*=}
    ls "$out/debs/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1
}
missing=()
for w in "${wanted[@]}"; do
    [ -n "$(deb_file "$w")" ] || missing+=("$w")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "xen-fetch-libvirt: downloading ${#missing[@]} package(s): ${missing[*]}"
    (cd "$out/debs" && apt-get download -q "${missing[@]}") ||
        die "apt-get download failed for: ${missing[*]} (mirror reachable? 'apt-get update' done?)"
fi

stamp="$out/libvirtroot.stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${wanted[*]}" ]; then
    rm -rf "$out/libvirtroot" "$stamp"
    mkdir -p "$out/libvirtroot"
    : >"$out/libvirt-versions.txt"
    for w in "${wanted[@]}"; do
        f=$(deb_file "$w")
        [ -n "$f" ] || die "package $w missing after download"
        dpkg -x "$f" "$out/libvirtroot" || die "cannot unpack $f"
        echo "$w" >>"$out/libvirt-versions.txt"
    done
    # No directories named *.d under build/ (the top-level Makefile includes build/**/*.d).
    find "$out/libvirtroot" -depth -name '*.d' -exec rm -rf {} +
    echo "${wanted[*]}" >"$stamp"
fi
echo "xen-fetch-libvirt: ${#wanted[@]} packages ready in $out/libvirtroot: ${wanted[*]}"
