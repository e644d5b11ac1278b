/*
 * loader.h: loads a .beam file (the IFF container of OTP 25's compiler) into a module whose code
 * is zvm's threaded form.
 *
 * Chunks read: AtU8 (or OTP 26's compact-length atoms), Code, StrT, ImpT, ExpT, LitT (zlib), FunT,
 * Line, Type (version checked; typed register operands decoded as plain registers), Attr and CInf
 * (module_info). LocT, Meta and Dbgi are skipped.
 *
 * Operand encodings in the threaded code (what the interpreter reads after a handler address):
 *   source/destination  a term with a nonzero tag (literal), or a register word with tag 00:
 *                       (index << 3) for x(index), (index << 3) | 4 for y(index)
 *   label               the absolute address of the target code word, 0 for "no label"
 *   unsigned            the number itself (arity, live, sizes, float register index)
 *   list                its length, then its items encoded as above
 *   import              struct export * (calls, and the BIF of bif0..2 / gc_bif1..3)
 * Malformed, truncated or unsupported input is a load error with a message naming the problem
 * (an opcode zvm does not implement is named, with its arity); it never crashes the VM.
 */
#ifndef ZVM_LOADER_H
#define ZVM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "vm/module.h"
#include "vm/rt.h"

#define MAX_X_REGS 1024
#define MAX_Y_REGS (1 << 20)
#define MAX_F_REGS 1024

/*
 * Loads bytes[0..len) as module `expected` (THE_NON_VALUE: any name) and registers it. Returns
 * the module, or NULL with a one-line reason in `err`. The bytes are not kept.
 */
struct module *load_module(const uint8_t *bytes, size_t len, term_t expected, struct textbuf *err);

/*
 * Parses and transforms without registering (for tests); the caller frees the result with
 * module_free(). Same errors as load_module().
 */
struct module *load_module_unregistered(const uint8_t *bytes, size_t len, term_t expected,
                                        struct textbuf *err);

/*
 * Finds module `name` through the platform's image and loads it. Returns the module (already
 * loaded ones included), or NULL: with a reason in `err` when the module exists but cannot be
 * loaded, with `err` left empty when there is no such module.
 */
struct module *load_module_by_name(term_t name, struct textbuf *err);

#endif
