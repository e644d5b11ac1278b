#!/bin/bash
# budget: 240
# what: the Erlang corpus on the release zvm under valgrind (memory errors, definite leaks), results still equal to stock erl's
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
zvm="${ZVM_RELEASE:-$root/build/bin/zvm}"
out="$root/build/tests/valgrind"
ebin="$out/ebin"
mkdir -p "$ebin"
# The ASan build cannot run under valgrind, and valgrind sees what ASan does not: reads of
# uninitialised memory, and leaks in the release flags' code paths.
valgrind_flags=(--error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite)
if ! command -v valgrind > /dev/null; then
    echo "FAIL: valgrind-setup: valgrind is not installed (make deps)"
    exit 0
fi
if [ ! -x "$zvm" ]; then
    echo "FAIL: valgrind-setup: $zvm was not built"
    exit 0
fi
. "$root/tests/erlang/corpus_lib.sh"
corpus_compile "$out" "$ebin" || exit 0

# The flags must turn a definite leak into a failing exit status, or every case below would
# pass whatever zvm does.
printf '#include <stdlib.h>\nint main(void){ void *volatile p = malloc(64); p = 0; return p != 0; }\n' \
    > "$out/leak.c"
if ! cc -O0 -o "$out/leak" "$out/leak.c" 2> "$out/leak.log"; then
    echo "FAIL: valgrind-detects-leak: could not build the leaking probe: $(head -c 300 "$out/leak.log")"
elif valgrind -q "${valgrind_flags[@]}" "$out/leak" > "$out/leak.log" 2>&1; then
    echo "FAIL: valgrind-detects-leak: a program leaking 64 bytes exited 0 under valgrind"
else
    echo "PASS: valgrind-detects-leak"
fi

for src in "$root"/tests/erlang/t_*.erl; do
    mod=$(basename "$src" .erl)
    corpus_erl_cases "$mod" "$ebin" "$out/$mod.erl.out"
    timeout 180 valgrind -q --log-file="$out/$mod.valgrind.log" "${valgrind_flags[@]}" \
        "$zvm" -noshell -pa "$ebin" -run corpus_runner main "$mod" > "$out/$mod.zvm.raw" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && [ -s "$out/$mod.erl.out" ]; then
        echo "FAIL: valgrind-$mod: exit $rc under valgrind: $(grep -m3 -E 'Invalid|uninitialised|definitely|ERROR SUMMARY' "$out/$mod.valgrind.log" | tr '\n' ' ' | head -c 400) (log: $out/$mod.valgrind.log)"
    else
        corpus_verdict "valgrind-$mod" "$out/$mod.erl.out" "$out/$mod.zvm.raw" "$rc"
    fi
done

# Error paths free what they took too: an uncaught exception, a missing code path. Valgrind
# reports its findings with exit status 99 here, apart from zvm's own non-zero status.
error_case() {
    local name=$1
    shift
    timeout 60 valgrind -q --log-file="$out/$name.valgrind.log" --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite "$zvm" -noshell "$@" \
        < /dev/null > "$out/$name.out" 2>&1
    local rc=$?
    if [ "$rc" = 99 ]; then
        echo "FAIL: valgrind-$name: $(grep -m3 -E 'Invalid|uninitialised|definitely' "$out/$name.valgrind.log" | tr '\n' ' ' | head -c 400) (log: $out/$name.valgrind.log)"
    elif [ "$rc" = 0 ]; then
        echo "FAIL: valgrind-$name: zvm exited 0 on an error: $(head -c 300 "$out/$name.out")"
    else
        echo "PASS: valgrind-$name (zvm exit $rc)"
    fi
}
error_case uncaught-undef -pa "$ebin" -run no_such_module main
error_case missing-code-path -pa "$out/no-such-directory" -run t_basic main
