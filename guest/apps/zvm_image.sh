#!/bin/sh
# guest/apps/zvm_image.sh IMAGE_DIR VM_EBIN APP_EBIN...
# Builds the read-only tree a zvm instance runs from (configs/local.json: guest.image; the
# sandbox makes it the guest's working directory, /image in its root): vm/ebin, the VM's own
# modules (its init, io servers, application, logger, code); lib/erts-V/ebin (prim_inet and the
# other modules erts preloads), lib/kernel-V/ebin and lib/stdlib-V/ebin, the stock OTP modules
# loaded on demand (gen_server, supervisor, io_lib...); and lib/NAME/ebin for each application
# ebin given, .app files included. zvm is started with
# -zvm-ebin vm/ebin -zvm-otp lib. Plain copies, never symlinks: the guest's root has nothing
# else to point into.
set -eu
. "$(dirname "$0")/image_lib.sh"
image=$1
vm_ebin=$2
shift 2
root=$(otp_root)
tmp=$image.tmp
rm -rf "$tmp"
mkdir -p "$tmp/vm/ebin" "$tmp/lib"
cp "$vm_ebin"/*.beam "$tmp/vm/ebin/"
copy_otp_ebins "$root" "$tmp" erts kernel stdlib
copy_app_ebins "$tmp" "$@"
publish "$tmp" "$image"
