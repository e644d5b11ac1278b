#!/bin/bash
# budget: 120
# what: vm/support (bignums, float text, float parsing, inflate) cross-checked line by line against stock erl
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
drv="$root/build/asan/bin/vm-support-check"
work=$(mktemp -d "${TMPDIR:-/tmp}/zerg-vmsupport.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -x "$drv" ]; then
    echo "FAIL: vm-support-driver: $drv was not built"
    exit 0
fi
if ! command -v erlc >/dev/null || ! command -v erl >/dev/null; then
    echo "FAIL: vm-support-erl: stock erl/erlc not installed (mk/packages.txt: erlang-base)"
    exit 0
fi
if ! erlc -o "$work" "$root/tests/vm_support/check.erl" 2>"$work/erlc.err"; then
    echo "FAIL: vm-support-erlc: $(head -c 300 "$work/erlc.err")"
    exit 0
fi
erl_run() { # erl_run FUNC ARGS...: runs check:FUNC with stock erl
    (cd "$work" && erl -noshell -pa "$work" -run check "$@" -s init stop </dev/null)
}

# The guest's way of linking: no C library at all, no undefined symbol, and it runs.
fs="$root/build/asan/bin/vm-support-freestanding"
if [ ! -x "$fs" ]; then
    echo "FAIL: freestanding-link: $fs was not built"
elif [ -n "$(nm -u "$fs" 2>&1)" ]; then
    echo "FAIL: freestanding-link: undefined symbols: $(nm -u "$fs" 2>&1 | head -c 200)"
else
    "$fs"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS: freestanding-link (libc-free static binary: sin, short print, parse, pow, inflate, zlib deflate)"
    else
        echo "FAIL: freestanding-link: check $rc of tests/vm_support/freestanding_main.c failed"
    fi
fi

# The inflate vectors come from stock zlib/term_to_binary: erl writes them, the driver checks.
erl_run gen_inflate "$work/inflate.vec" 2>"$work/gen.err" ||
    echo "FAIL: vm-support-inflate-vectors: $(head -c 300 "$work/gen.err")"

# group NAME COUNT: driver lines vs. erl's recomputation of the same lines.
group() {
    local name=$1 count=$2 out="$work/$1.c.out" ref="$work/$1.erl.out"
    if ! "$drv" "$name" "$count" >"$out" 2>"$work/$name.err"; then
        echo "FAIL: $name: driver failed: $(head -c 300 "$work/$name.err")"
        return
    fi
    local lines
    lines=$(wc -l <"$out")
    if [ "$lines" -eq 0 ]; then
        echo "FAIL: $name: driver printed nothing"
        return
    fi
    if ! erl_run main "$out" "$ref" 2>"$work/$name.erl.err"; then
        echo "FAIL: $name: erl failed: $(head -c 300 "$work/$name.erl.err")"
        return
    fi
    # Per operation: a group passes only if every line of every operation matches.
    local ops op bad=0
    ops=$(cut -d' ' -f1 "$out" | sort -u)
    for op in $ops; do
        local n diff
        n=$(grep -c "^$op " "$out")
        diff=$(diff <(grep "^$op " "$out") <(grep "^$op " "$ref") | grep -c '^[<>]')
        if [ "$diff" -eq 0 ]; then
            echo "PASS: $name/$op ($n lines identical to stock erl)"
        else
            bad=1
            echo "FAIL: $name/$op: $((diff / 2)) of $n lines differ from stock erl, first:"
            diff <(grep "^$op " "$out") <(grep "^$op " "$ref") | grep '^[<>]' | head -n 2 | cut -c1-400
        fi
    done
    return $bad
}

group bignum 1500
group float_fmt 3000
group float_parse 4000
[ -s "$work/inflate.vec" ] && group inflate "$work/inflate.vec"

# libm: musl's (ours) vs glibc's (stock erl). Exact agreement is not expected everywhere; each
# function has a measured bound in ulp (docs/vm-freestanding.md), and badarith must agree.
libm_bound() {
    case $1 in
    math_sqrt | math_ceil | math_floor | math_fmod) echo 0 ;;
    math_erfc) echo 3 ;;
    math_sinh | math_cosh | math_tanh | math_log10) echo 2 ;;
    *) echo 1 ;;
    esac
}
if "$drv" libm 5000 >"$work/libm.c.out" 2>"$work/libm.err" &&
    erl_run main "$work/libm.c.out" "$work/libm.erl.out" 2>>"$work/libm.err" &&
    erl_run ulp "$work/libm.c.out" "$work/libm.erl.out" >"$work/libm.stats" 2>>"$work/libm.err" &&
    [ -s "$work/libm.stats" ]; then
    while read -r fn total exact maxulp errmis; do
        bound=$(libm_bound "$fn")
        pct=$(awk -v e="$exact" -v t="$total" 'BEGIN { printf "%.2f", 100 * e / t }')
        if [ "$errmis" -eq 0 ] && [ "$maxulp" -le "$bound" ]; then
            echo "PASS: libm/$fn ($exact of $total bit-identical to erl ($pct%), max $maxulp ulp <= $bound)"
        else
            echo "FAIL: libm/$fn: max $maxulp ulp (bound $bound), $errmis badarith disagreements of $total"
        fi
    done <"$work/libm.stats"
else
    echo "FAIL: libm: $(head -c 300 "$work/libm.err")"
fi
