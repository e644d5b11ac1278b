/*
 * bif.h: built-in functions implemented in C (listed in vm/bifs.tab).
 *
 * A BIF gets its process and its arguments and returns the result, or THE_NON_VALUE after
 * recording an exception with bif_raise() (or one of the helpers). BIFs build terms only through
 * p->builder and never run the GC, so their arguments stay valid throughout.
 */
#ifndef ZVM_BIF_H
#define ZVM_BIF_H

#include "build/gen/vm/bifs.h"
#include "vm/process.h"
#include "vm/term.h"

#define BIF_PROTO(m, f, a, fn) term_t fn(struct process *p, term_t *args);
ZVM_BIF_LIST(BIF_PROTO)
#undef BIF_PROTO

/* Records an exception of `cls` (error, exit, throw) and returns THE_NON_VALUE. */
term_t bif_raise(struct process *p, term_t cls, term_t reason);
static inline term_t bif_error(struct process *p, term_t reason)
{
    return bif_raise(p, ATOM_error, reason);
}
static inline term_t bif_badarg(struct process *p)
{
    return bif_error(p, ATOM_badarg);
}
/* {Tag, Value} as an error reason. */
term_t bif_error2(struct process *p, term_t tag, term_t value);

/* Integer helpers shared by the arithmetic BIFs and the interpreter's fast paths. */
term_t arith_add(struct process *p, term_t a, term_t b);
term_t arith_sub(struct process *p, term_t a, term_t b);
term_t arith_mul(struct process *p, term_t a, term_t b);
/* A term's value as an int64 if it is an integer that fits. */
bool term_to_int64(term_t t, int64_t *out);
/* A number's value as a double (false when not a number or too large for a double). */
bool term_to_double(term_t t, double *out);

/* Prints a term as ~w does (used by crash reports and erlang:display/1). */
struct textbuf;
void term_print(struct textbuf *out, term_t t);

/* The VM's console output for erlang:display/1 etc. */
void bif_console_init(void);

#endif
