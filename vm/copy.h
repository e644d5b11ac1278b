/*
 * copy.h: deep copies of terms into another heap or area (persistent_term today; messages
 * between processes in part 2). Sharing inside the term is not preserved (as BEAM's
 * copy_struct); literals are copied too, so the copy never points into a module.
 */
#ifndef ZVM_COPY_H
#define ZVM_COPY_H

#include "vm/heap.h"
#include "vm/term.h"

/* The copy of `t` built through `b`. Refc binaries are shared (their count incremented). */
term_t copy_term(struct builder *b, term_t t);

#endif
