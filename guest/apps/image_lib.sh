# guest/apps/image_lib.sh: what the image builders (erl_image.sh, zvm_image.sh) share, sourced
# by both. Images are plain copies, never symlinks: a guest's root has nothing else to point into.

# The installed OTP's root directory.
otp_root() {
    erl -noshell -eval 'io:format("~s", [code:root_dir()]), halt().'
}

# copy_otp_ebins ROOT DEST APP...: ROOT/lib/APP-V/ebin (the newest V) into DEST/lib/APP-V/ebin.
copy_otp_ebins() {
    _root=$1
    _dest=$2
    shift 2
    for _app in "$@"; do
        _dir=$(cd "$_root/lib" && ls -d "$_app"-[0-9]* | sort -V | tail -n 1)
        mkdir -p "$_dest/lib/$_dir"
        cp -RL "$_root/lib/$_dir/ebin" "$_dest/lib/$_dir/"
    done
}

# copy_app_ebins DEST EBIN...: each .../NAME/ebin into DEST/lib/NAME/ebin.
copy_app_ebins() {
    _dest=$1
    shift
    for _ebin in "$@"; do
        _name=$(basename "$(dirname "$_ebin")")
        mkdir -p "$_dest/lib/$_name"
        cp -RL "$_ebin" "$_dest/lib/$_name/"
    done
}

# publish TMP IMAGE: makes the finished tree readable by every uid and moves it into place.
publish() {
    chmod -R a+rX,go-w "$1"
    rm -rf "$2"
    mv "$1" "$2"
}
