/*
 * exception.h: stack traces and uncaught-error reports.
 *
 * A stack trace is built when an exception is raised (not lazily as BEAM does), already in the
 * form erlang:get_stacktrace/0 and try ... catch C:R:S give: [{M, F, ArityOrArgs, Location}],
 * at most EXCEPTION_TRACE_DEPTH frames (OTP's default backtrace_depth is 8).
 */
#ifndef ZVM_EXCEPTION_H
#define ZVM_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/module.h"
#include "vm/process.h"
#include "vm/rt.h"

#define EXCEPTION_TRACE_DEPTH 8

/*
 * The trace of an exception raised at instruction `pc` (NULL when raised by a BIF reached through
 * an export, whose caller is `cp`), with continuation `cp` (NULL when saved in a frame) and frame
 * pointer `E`. Uses p->exc_top (a failing BIF or function head) and p->exc_args (error/2).
 */
term_t exception_build_trace(struct process *p, const uintptr_t *pc, const uintptr_t *cp,
                             term_t *E);

/* Whether a BIF's purpose is to raise (error/1,2,3, exit/1, throw/1, raise/3, nif_error/1,2). */
bool exception_bif_raises(const struct export *e);

/* Appends an Erlang-style report of an uncaught exception to `out`. */
void exception_report(struct textbuf *out, term_t cls, term_t reason, term_t trace);

#endif
