#!/bin/bash
# Fetches OTP's compiler test suites from Debian's source package `erlang` (the exact version
# below) with a private apt state, without touching the machine's apt configuration:
# deb-src lines for the mirrors this machine is configured with, its own lists and cache under
# the output directory, `apt-get source --download-only`, then only lib/compiler/test/ extracted.
#   tests/otp/fetch-otp-src.sh OUTDIR      -> OUTDIR/compiler-test/*.erl
# Idempotent: does nothing when OUTDIR/compiler-test/.complete exists. Fails loudly.
set -euo pipefail
version="1:25.2.3+dfsg-1+deb12u4"
out=${1:?usage: fetch-otp-src.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -f "$out/compiler-test/.complete" ] && exit 0

apt_dir="$out/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc"
# deb-src for every stanza of the machine's deb822 sources (and classic lines), verified with
# the same keyring the stanza names.
sources="$apt_dir/etc/sources.list"
: > "$sources"
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
        function flush() { if (uris != "" && suites != "") { n = split(uris, u, " "); m = split(suites, s, " ");
                           opt = key != "" ? "[signed-by=" key "] " : "";
                           for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print "deb-src " opt u[i] " " s[j] " " comps }
                           uris = ""; suites = ""; comps = "main"; key = "" }
        BEGIN { comps = "main"; key = "" }
        /^Signed-By:/ { sub(/^Signed-By:[[:space:]]*/, ""); key = $0 }
        /^[[:space:]]*$/ { flush(); next }
        /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
        /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
        /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
        END { flush() }' "$f" >> "$sources"
done
if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\(.*\)$/deb-src \1\2/p' /etc/apt/sources.list >> "$sources"
fi
if [ ! -s "$sources" ]; then
    echo "fetch-otp-src: no apt sources found on this machine" >&2
    exit 1
fi
apt_opts=(-o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache=$apt_dir/cache" -o "Dir::Etc::SourceList=$sources"
          -o "Dir::Etc::SourceParts=/dev/null" -o "Dir::State::status=/var/lib/dpkg/status"
          -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -o "Acquire::Retries=3")
apt-get "${apt_opts[@]}" -q update > "$apt_dir/update.log" 2>&1 || {
    echo "fetch-otp-src: apt-get update failed:" >&2; tail -5 "$apt_dir/update.log" >&2; exit 1; }
mkdir -p "$out/src"
(cd "$out/src" && apt-get "${apt_opts[@]}" -q source --download-only "erlang=$version") \
    > "$apt_dir/source.log" 2>&1 || {
    echo "fetch-otp-src: apt-get source erlang=$version failed:" >&2; tail -5 "$apt_dir/source.log" >&2; exit 1; }
orig=$(ls "$out"/src/erlang_*.orig.tar.* 2>/dev/null | head -n 1)
if [ -z "$orig" ]; then
    echo "fetch-otp-src: no orig tarball downloaded" >&2
    exit 1
fi
rm -rf "$out/compiler-test" "$out/extract"
mkdir -p "$out/extract" "$out/compiler-test"
tar -xf "$orig" -C "$out/extract" --wildcards '*/lib/compiler/test/*' 
src_dir=$(find "$out/extract" -type d -path '*/lib/compiler/test' | head -n 1)
if [ -z "$src_dir" ]; then
    echo "fetch-otp-src: lib/compiler/test not found in $orig" >&2
    exit 1
fi
cp -r "$src_dir"/. "$out/compiler-test/"
touch "$out/compiler-test/.complete"
