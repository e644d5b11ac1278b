#!/bin/bash
# fetch: download the Debian packages the dom0 image is made of, and unpack them (dpkg -x, so no
# maintainer script or boot hook runs on the build machine).
#
#   tests/xen/fetch.sh OUT_DIR
#
# OUT_DIR/debs/   the .deb files (a cache: a second run downloads nothing it already has)
# OUT_DIR/pkgroot the union of their unpacked contents
# OUT_DIR/versions.txt  package=version, one a line, as unpacked
#
# The Xen user-space in the image must be the version of the build machine's libxen-dev (our
# dom0 test programs are compiled against its headers and link its libraries), so every Xen
# package is asked for at exactly that version; if the mirror no longer has it, this fails
# loudly instead of mixing versions. Exits non-zero with a message naming what went wrong.
set -euo pipefail
out=${1:?usage: fetch.sh OUT_DIR}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

die() {
    echo "xen-fetch: $*" >&2
    exit 1
}

for tool in apt-get apt-cache dpkg dpkg-query dpkg-deb; do
    command -v "$tool" >/dev/null || die "$tool not found (a Debian machine is needed)"
done
xen_ver=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null) ||
    die "libxen-dev is not installed on this machine: run 'make deps'"
[ -n "$xen_ver" ] || die "libxen-dev is not installed on this machine: run 'make deps'"

# The dom0 kernel: whatever versioned image the metapackage points at today. A machine whose
# package lists were never fetched (or were cleaned) knows none: fetch them once, as root.
kernel_of_metapackage() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
kernel_pkg=$(kernel_of_metapackage)
if [ -z "$kernel_pkg" ] && [ "$(id -u)" = 0 ]; then
    echo "xen-fetch: apt knows no linux-image-amd64: running apt-get update"
    apt-get update -q >/dev/null || die "apt-get update failed"
    kernel_pkg=$(kernel_of_metapackage)
fi
[ -n "$kernel_pkg" ] ||
    die "apt does not know linux-image-amd64 (run 'apt-get update', or 'make deps')"

xen_pkgs="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
  libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
  libxenhypfs1 libxentoolcore1 libxentoollog1 libxendevicemodel1"
other_pkgs="$kernel_pkg busybox-static"

wanted=()
for p in $xen_pkgs; do wanted+=("$p=$xen_ver"); done
for p in $other_pkgs; do
    v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$v" ] && [ "$v" != "(none)" ] || die "apt has no candidate for $p"
    wanted+=("$p=$v")
done

# apt-get download names files NAME_VERSION_ARCH.deb with ':' escaped as %3a.
deb_file() {
    local name=${1%%=*} ver=${1#*=}
    ls "$out/debs/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1
}
missing=()
for w in "${wanted[@]}"; do
    [ -n "$(deb_file "$w")" ] || missing+=("$w")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "xen-fetch: downloading ${#missing[@]} package(s): ${missing[*]}"
    (cd "$out/debs" && apt-get download -q "${missing[@]}") ||
        die "apt-get download failed for: ${missing[*]} (mirror reachable? 'apt-get update' done?)"
fi

# Unpack into a fresh root when the set of packages changed (stamp = the wanted list).
stamp="$out/pkgroot.stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${wanted[*]}" ]; then
    rm -rf "$out/pkgroot" "$stamp"
    mkdir -p "$out/pkgroot"
    : >"$out/versions.txt"
    for w in "${wanted[@]}"; do
        f=$(deb_file "$w")
        [ -n "$f" ] || die "package $w missing after download"
        dpkg-deb --fsys-tarfile "$f" >/dev/null || die "$f is not a valid package"
        dpkg -x "$f" "$out/pkgroot" || die "cannot unpack $f"
        echo "$w" >>"$out/versions.txt"
    done
    # Keep only what the image can use: the Xen kernel modules (not the other ~4000), and no
    # directories named *.d (etc/init.d ...): the top-level Makefile includes every build/**/*.d
    # as a dependency file.
    find "$out/pkgroot/lib/modules" -mindepth 3 -maxdepth 3 ! -path '*/kernel/drivers' \
        -exec rm -rf {} +
    find "$out/pkgroot/lib/modules" -mindepth 4 -maxdepth 4 ! -path '*/drivers/xen' \
        -exec rm -rf {} +
    find "$out/pkgroot" -depth -name '*.d' -exec rm -rf {} +
    echo "${wanted[*]}" >"$stamp"
fi
echo "xen-fetch: Xen $xen_ver, kernel $kernel_pkg, ${#wanted[@]} packages ready in $out"
