/*
 * interp.h: the interpreter loop (threaded code, computed goto) and its instruction addresses.
 */
#ifndef ZVM_INTERP_H
#define ZVM_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "build/gen/vm/opcodes.h"
#include "vm/term.h"

#define OPCODE_ENUM(num, name, arity, dep) OP_##name = num,
enum opcode { ZVM_OPCODE_LIST(OPCODE_ENUM) OP_END_ };
#undef OPCODE_ENUM

struct process;

/* Fills the handler table; must run before any module is loaded. */
void interp_init(void);
/* The handler address of an opcode, or 0 when zvm does not implement it. */
uintptr_t interp_op_addr(unsigned op);
/* The opcode whose handler is at `addr`, or -1. */
int interp_addr_op(uintptr_t addr);
/* Name and arity of an opcode number (NULL when not in the list). */
const char *opcode_name(unsigned op, unsigned *arity, int *deprecated);

enum interp_status {
    INTERP_EXITED,  /* the process ended: p->exit_reason (or p->pending_exit) says why */
    INTERP_YIELDED, /* its reductions ran out, or it called erlang:yield/0 */
    INTERP_WAITING, /* it waits in receive (or hibernates) for a message or its timeout */
};

/*
 * Runs process `p` from where it stopped (p->resume_I, p->resume_CP and its saved x registers)
 * for at most `reductions` function calls, then saves where it stopped and says why.
 */
enum interp_status interp_run(struct process *p, int reductions);

/* The continuation a process's first call returns to: reaching it ends the process normally. */
const uintptr_t *interp_exit_code(void);

/* Whether the instruction at pc is a func_info (a function head). */
bool interp_is_func_info(const uintptr_t *pc);

/* Coverage: how often each opcode ran (counted only when enabled). */
extern int interp_coverage_enabled;
extern uint64_t interp_op_counts[ZVM_OPCODE_MAX + 1];

#endif
