#!/bin/sh
# guest/apps/erl_image.sh IMAGE_DIR VM_DIR APP_EBIN...
# Builds the read-only tree stock erl runs from as a zerg guest (configs/erl.json): IMAGE_DIR
# becomes the guest's /image (guest.image), so the VM is started with -root /image. Only what
# an instance reads: the boot script, the ebin directories of kernel and stdlib (the
# applications start_clean starts), and each application's ebin given (copied to
# IMAGE_DIR/lib/NAME/ebin). Plain copies, never symlinks: the guest's root has nothing else
# to point into. VM_DIR gets a copy of beam.smp, the ELF the sandbox execs (its path does not
# name the erts version, so configs need not change when Debian's erts does).
set -eu
. "$(dirname "$0")/image_lib.sh"
image=$1
vmdir=$2
shift 2
root=$(otp_root)
erts=$(erl -noshell -eval 'io:format("~s", [erlang:system_info(version)]), halt().')
beam=$root/erts-$erts/bin/beam.smp
[ -x "$beam" ] || { echo "erl_image.sh: no $beam" >&2; exit 1; }
tmp=$image.tmp
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/lib"
cp "$root/bin/start_clean.boot" "$tmp/bin/"
copy_otp_ebins "$root" "$tmp" kernel stdlib
copy_app_ebins "$tmp" "$@"
publish "$tmp" "$image"
mkdir -p "$vmdir"
cp "$beam" "$vmdir/beam.smp.tmp"
chmod 0755 "$vmdir/beam.smp.tmp"
mv "$vmdir/beam.smp.tmp" "$vmdir/beam.smp"
