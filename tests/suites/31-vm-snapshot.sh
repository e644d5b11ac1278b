#!/bin/bash
# budget: 420
# what: zvm's snapshot of the loaded state (vm/snapshot.h): made from the zvm image's code path, reproducible, adopted by the ASan zvm with the corpus results equal to stock erl's, and refused with a reason (then modules load from files) when it does not fit
set -u
root=${ZERG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
zvm="${ZVM:-$root/build/asan/bin/zvm}"
image="$root/build/images/zvm"
out="$root/build/tests/snapshot"
ebin="$out/ebin"
rm -rf "$out"
mkdir -p "$out"
for f in "$zvm" "$root/build/bin/zvm-static" "$image/vm/ebin/zvm_init.beam"; do
    if [ ! -e "$f" ]; then
        echo "FAIL: snapshot-setup: $f was not built (make build-test)"
        exit 0
    fi
done
. "$root/tests/erlang/corpus_lib.sh"
corpus_compile "$out" "$ebin" || exit 0

# The image's code path (the VM's modules, erts, kernel, stdlib, zerg_web), as instances see it.
# The corpus stays outside the snapshot (-pa at run time): its cases about loading on demand
# must see their modules not loaded yet, as under erl.
make_snapshot() { # ZVM FILE [MORE-ARGS...]
    local exe=$1 file=$2
    shift 2
    (cd "$image" && "$exe" -zvm-ebin vm/ebin -zvm-otp lib -zvm-make-snapshot "$file" "$@")
}
run_on() { # SNAPSHOT-ARGS... -- ERL-ARGS...
    (cd "$image" && timeout 300 "$zvm" -zvm-ebin vm/ebin -zvm-otp lib "$@")
}

snap="$out/asan.snap"
make_snapshot "$zvm" "$snap" > "$out/make.log" 2>&1
rc=$?
summary=$(grep -m1 '^zvm: snapshot: [0-9]* modules' "$out/make.log")
n=$(sed -n 's/^zvm: snapshot: \([0-9]*\) modules.*/\1/p' <<<"$summary")
others=$(grep '^zvm: snapshot: [a-z_0-9]* left out:' "$out/make.log" | grep -v 'nif_start' | head -3 |
    tr '\n' ' ')
if [ "$rc" != 0 ] || [ ! -s "$snap" ] || [ -z "$n" ]; then
    echo "FAIL: snapshot-make: exit $rc: $(head -c 400 "$out/make.log" | tr '\n' ' ')"
elif [ "$n" -lt 150 ]; then
    echo "FAIL: snapshot-make: only $n modules loaded: $summary"
elif [ -n "$others" ]; then
    # Only modules that need NIFs (nif_start) may be left out; anything else is a loader bug.
    echo "FAIL: snapshot-make: modules left out for another reason: $others"
else
    echo "PASS: snapshot-make ($summary)"
fi

make_snapshot "$zvm" "$out/again.snap" > "$out/again.log" 2>&1
if cmp -s "$snap" "$out/again.snap"; then
    echo "PASS: snapshot-reproducible"
else
    echo "FAIL: snapshot-reproducible: two snapshots of the same image differ: $(cmp "$snap" "$out/again.snap" 2>&1 | head -c 200)"
fi

# -zvm-snapshot-first: the modules named load first (the image's training run names those an
# instance uses); a name that is no module is reported and left out, the snapshot still made.
make_snapshot "$zvm" "$out/first.snap" -zvm-snapshot-first lists no_such_module_zz gen_server \
    > "$out/first.log" 2>&1
rc=$?
if [ "$rc" != 0 ] || [ ! -s "$out/first.snap" ]; then
    echo "FAIL: snapshot-first: exit $rc: $(tail -n 3 "$out/first.log" | tr '\n' ' ')"
elif ! grep -q '^zvm: snapshot: no_such_module_zz left out: not found' "$out/first.log"; then
    echo "FAIL: snapshot-first: the missing module was not reported: $(tail -n 3 "$out/first.log" | tr '\n' ' ')"
elif ! grep -q "^zvm: snapshot: $n modules" "$out/first.log"; then
    echo "FAIL: snapshot-first: not the same $n modules: $(tail -n 1 "$out/first.log")"
else
    echo "PASS: snapshot-first"
fi

compiler=$(ls -d /usr/lib/erlang/lib/compiler-*/ebin 2>/dev/null | head -n 1)
# Every corpus module on the adopted snapshot: the same results as stock erl, nothing refused.
for src in "$root"/tests/erlang/t_*.erl; do
    mod=$(basename "$src" .erl)
    corpus_erl_cases "$mod" "$ebin" "$out/$mod.erl.out"
    cp "$out/$mod.erl.out" "$out/$mod.erl.all"
    # The image has no compiler; t_code compiles at run time: stock OTP's, loaded from files.
    run_on -zvm-snapshot "$snap" -noshell -pa "$ebin" $compiler -run corpus_runner main "$mod" \
        > "$out/$mod.zvm.raw" 2>&1
    rc=$?
    if [ "$mod" = t_basic ]; then
        # t_atoms asks list_to_existing_atom("hello"): under erl (and zvm without a snapshot)
        # no loaded module has that atom; the snapshot's modules do. Which atoms exist depends
        # on which modules are loaded, in erl's embedded mode too: not comparable here.
        echo "SKIP: snapshot-corpus-t_basic:t_atoms: depends on which modules are loaded"
        grep -v '^CASE t_basic:t_atoms ' "$out/$mod.erl.out" > "$out/$mod.erl.tmp"
        mv "$out/$mod.erl.tmp" "$out/$mod.erl.out"
        grep -v '^CASE t_basic:t_atoms ' "$out/$mod.zvm.raw" > "$out/$mod.zvm.tmp"
        mv "$out/$mod.zvm.tmp" "$out/$mod.zvm.raw"
    fi
    if grep -q 'snapshot refused' "$out/$mod.zvm.raw"; then
        echo "FAIL: snapshot-corpus-$mod: $(grep -m1 'snapshot refused' "$out/$mod.zvm.raw")"
    else
        corpus_verdict "snapshot-corpus-$mod" "$out/$mod.erl.out" "$out/$mod.zvm.raw" "$rc"
    fi
done

# A snapshot that does not fit is refused with its reason, and the instance still runs (its
# modules load from files): the corpus module t_basic must still give erl's results.
refused() { # NAME SNAPSHOT-FILE EXPECTED-REASON
    local name=$1 file=$2 reason=$3
    run_on -zvm-snapshot "$file" -noshell -pa "$ebin" -run corpus_runner main t_basic \
        > "$out/$name.raw" 2>&1
    local rc=$?
    if ! grep -q -- "$reason" "$out/$name.raw"; then
        echo "FAIL: snapshot-$name: no \"$reason\" message: $(grep -v '^CASE ' "$out/$name.raw" | head -c 300 | tr '\n' ' ')"
    else
        corpus_verdict "snapshot-$name" "$out/t_basic.erl.all" "$out/$name.raw" "$rc"
    fi
}
refused refused-other-binary "$image/zvm.snap" "snapshot refused: made by another zvm binary"
head -c 100000 "$snap" > "$out/truncated.snap"
refused refused-truncated "$out/truncated.snap" "snapshot refused: mapped at another address or truncated"
head -c 65536 /dev/urandom > "$out/garbage.snap"
refused refused-garbage "$out/garbage.snap" "snapshot refused: not a zvm snapshot"
refused refused-missing "$out/no-such.snap" "no-such.snap: No such file or directory"
: > "$out/empty.snap"
refused refused-empty "$out/empty.snap" "empty.snap: not a snapshot file"
