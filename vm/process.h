/*
 * process.h: an Erlang process: its heap (with overflow fragments), stack, registers and
 * exception state. Part 1 runs one process at a time; scheduling and mailboxes come in part 2.
 *
 * Heap discipline: instructions that build terms first ensure room with proc_ensure_heap() (which
 * may run the GC, so they pass the number of live x registers); BIFs and other C code that
 * cannot name their roots build through `p->builder`, which takes room from the heap when there
 * is some and otherwise from a heap fragment that the next GC folds in. Neither ever fails.
 */
#ifndef ZVM_PROCESS_H
#define ZVM_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/loader.h"
#include "vm/module.h"
#include "vm/term.h"

/* Part 1's one process is pid 0; pid 1 stands for the console group leader (zvm_io.erl). */
#define ZVM_GROUP_LEADER  make_pid_const(1)
#define make_pid_const(i) (((term_t)(i) << 4) | TAG_PID)

struct heap_frag {
    struct heap_frag *next;
    size_t used, cap;
    term_t words[];
};

struct process {
    struct builder builder; /* first member: builds on this process's heap */
    term_t *heap, *htop, *hend;
    size_t heap_words;      /* logical size: hend - heap */
    size_t heap_phys_words; /* allocated size (the heap may be logically shorter) */
    term_t *spare;          /* the last GC's from-space, kept as the next to-space (no remapping) */
    size_t spare_words;
    struct heap_frag *frags;
    size_t frag_words;
    term_t *refcs;             /* refc binaries on the heap and fragments, chained through word 4 */
    uint64_t vheap_bytes;      /* bytes of the refc binaries above (BEAM's binary virtual heap) */
    uint64_t vheap_limit;      /* past this, the next heap test collects garbage */
    term_t *stack, *stack_end; /* stack memory; frames grow down from stack_end */
    term_t *E;                 /* current frame: E[0] is its continuation, y(i) is E[i + 1] */
    uint64_t id;
    term_t dict; /* process dictionary: a list of {Key, Value} */
    /* the exception being raised */
    term_t exc_class, exc_reason, exc_trace;
    term_t exc_top;       /* {M, F, Args} of a failed BIF or function head, or NIL */
    term_t exc_args;      /* erlang:error/2's argument list for the current function, or NIL */
    bool exc_trace_given; /* erlang:raise/3: exc_trace is already the stack trace */
    term_t exit_reason;
    /* Mailbox (part 1: only the process's own sends reach it; part 2 replaces this with LING's
     * message queues). msgs[save] is the next message receive looks at. */
    term_t *msgs;
    uint32_t n_msgs, cap_msgs, save;
    const uintptr_t *bif_caller; /* the instruction that called the running BIF (or its CP) */
    const uintptr_t *bif_cp;     /* the continuation at that call, for process_info */
    bool trap_exit;
    uint64_t reductions;
    uint64_t gcs;
    bool grow_next;
    term_t x[MAX_X_REGS];
    double f[MAX_F_REGS];
};

/* _init/_dispose pair; `heap_words` 0 picks the default. */
void process_init(struct process *p, uint64_t id, size_t heap_words);
void process_dispose(struct process *p);

/*
 * Ensures `need` free words on the heap, collecting garbage if necessary; x(0)..x(live - 1), the
 * stack and the process's own term fields are the roots and are updated in place.
 */
void proc_ensure_heap(struct process *p, size_t need, unsigned live);
static inline term_t *proc_heap_take(struct process *p, size_t words)
{
    term_t *hp = p->htop;
    p->htop += words;
    return hp;
}
/* Collects garbage now (also used by tests and erlang:garbage_collect/0). */
void proc_gc(struct process *p, size_t need, unsigned live);

/* Ensures `words` free stack words below E, growing the stack if needed. */
void proc_ensure_stack(struct process *p, size_t words);

/* Appends a message that already lives on this process's heap (a send to self). */
void proc_mailbox_push(struct process *p, term_t msg);
/* Removes msgs[save] and resets the save position. */
void proc_mailbox_remove(struct process *p);

/* Words in use on the heap and fragments. */
size_t proc_heap_used(const struct process *p);

#endif
