#!/bin/sh
# gen_code_table: writes (on stdout) an assembly file that links each .beam file given into the
# image as one struct xg_code_module entry of the .xg_code section (guest/xen/platform_xen.h):
# the module name (the file name without .beam), its bytes (.incbin), its length.
#   gen_code_table.sh FILE.beam...
set -eu
i=0
for f in "$@"; do
    [ -f "$f" ] || { echo "gen_code_table: $f does not exist" >&2; exit 1; }
    name=$(basename "$f" .beam)
    case "$name" in *[!a-z0-9_]*) echo "gen_code_table: odd module name $name" >&2; exit 1 ;; esac
    abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    printf '    .section .rodata\nname_%d: .asciz "%s"\n    .balign 16\nbytes_%d: .incbin "%s"\nend_%d:\n' \
        "$i" "$name" "$i" "$abs" "$i"
    printf '    .section .xg_code, "a"\n    .balign 8\n    .quad name_%d, bytes_%d, end_%d - bytes_%d\n' \
        "$i" "$i" "$i" "$i"
    i=$((i + 1))
done
printf '    .section .note.GNU-stack, "", @progbits\n'
