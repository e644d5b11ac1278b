# tests/erlang/corpus_lib.sh: sourced by the suites that run the corpus (tests/erlang/t_*.erl) on
# one flavour of zvm and compare each module's CASE lines with stock erl's.
#
#   corpus_compile OUT EBIN     compiles the corpus into EBIN (with its .app files); prints a
#                               FAIL line and returns 1 when erlc fails
#   corpus_erl_cases MOD EBIN FILE
#                               stock erl's sorted CASE lines of module MOD into FILE
#   corpus_verdict NAME ERLFILE ZVMRAW RC
#                               one PASS or FAIL line for case NAME: zvm's output ZVMRAW (exit
#                               status RC) must hold exactly erl's CASE lines
corpus_compile() {
    local out=$1 ebin=$2
    mkdir -p "$ebin"
    if ! erlc -o "$ebin" "$root"/tests/erlang/*.erl > "$out/erlc.log" 2>&1; then
        echo "FAIL: corpus-compile: erlc failed: $(head -c 400 "$out/erlc.log")"
        return 1
    fi
    cp "$root"/tests/erlang/*.app "$ebin"/
}

corpus_erl_cases() {
    timeout 120 erl -noshell -pa "$2" -run corpus_runner main "$1" 2>&1 | tr -d '\r' |
        grep '^CASE ' | sort > "$3"
}

corpus_verdict() {
    local name=$1 erlfile=$2 raw=$3 rc=$4
    grep '^CASE ' "$raw" | sort > "$raw.cases"
    if [ ! -s "$erlfile" ]; then
        echo "FAIL: $name: stock erl ran no case"
    elif [ "$rc" != 0 ]; then
        echo "FAIL: $name: zvm exit $rc: $(grep -v '^CASE ' "$raw" | head -c 300 | tr '\n' ' ')"
    elif ! cmp -s "$erlfile" "$raw.cases"; then
        echo "FAIL: $name: results differ from erl's: $(diff "$erlfile" "$raw.cases" | head -4 | tr '\n' ' ' | head -c 400)"
    else
        echo "PASS: $name ($(wc -l < "$raw.cases") cases)"
    fi
}
