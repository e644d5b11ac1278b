/*
 * process.h: an Erlang process: its heap (with overflow fragments), stack, registers and
 * exception state. Part 1 runs one process at a time; scheduling and mailboxes come in part 2.
 *
 * Processes are created, scheduled and ended by vm/sched.c; links, monitors and timers refer to
 * them by pid, never by pointer, so a process that has exited is simply not found.
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

struct sched_link;
struct sched_monitor;
struct sched_alias;
struct timer;

enum proc_state {
    PROC_RUNNABLE, /* in the run queue (or running) */
    PROC_WAITING,  /* in receive (or hibernating) until a message, an exit signal or its timer */
    PROC_EXITING,  /* ended, its signals not yet sent */
};

struct heap_frag {
    struct heap_frag *next;
    size_t used, cap;
    term_t words[];
};

struct process {
    struct builder builder; /* first member: builds on this process's heap */
    /*
     * Two generations (vm/gc.c, docs/vm.md "Heap"). The young heap is where everything is
     * built; the words below `high_water` have survived one collection already, so the next
     * minor collection promotes what is live of them to the old heap, and copies the rest of
     * the live young data into a fresh young heap. A major collection (fullsweep) copies both
     * generations into the young heap, frees the old heap, and leaves everything below the
     * high-water mark (so the next minor collection promotes it).
     */
    term_t *heap, *htop, *hend; /* young generation */
    term_t *high_water;         /* young words below this survived a collection */
    size_t heap_words;          /* logical young size: hend - heap (OTP's heap_size) */
    size_t heap_phys_words;     /* allocated size (the heap may be logically shorter) */
    term_t *spare;              /* the last young from-space, kept as the next to-space */
    size_t spare_words;
    term_t *old_heap, *old_htop, *old_hend; /* old generation, NULL until a first promotion */
    struct heap_frag *frags;                /* young too: folded in by the next collection */
    size_t frag_words;
    term_t *refcs;        /* refc binaries in the young heap and fragments, chained by word 4 */
    uint64_t vheap_bytes; /* bytes of the refc binaries above (BEAM's binary virtual heap) */
    uint64_t vheap_limit; /* past this, the next heap test collects garbage */
    term_t *old_refcs;    /* refc binaries in the old heap */
    uint64_t old_vheap_bytes, old_vheap_limit; /* past the limit, the next collection is major */
    size_t min_heap_words;     /* spawn_opt/process_flag min_heap_size, a heap size of OTP's */
    uint64_t fullsweep_after;  /* minor collections between two major ones (OTP's 65535) */
    uint64_t gcs;              /* minor collections since the last major one (minor_gcs) */
    uint64_t major_gcs;        /* major collections, ever */
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
    /*
     * The message queue: messages are appended (each already copied onto this heap or a
     * fragment of it) and removed from anywhere; msgs[save] is the next one receive looks at.
     * recv_marker_bind records a position (the queue's length then) so a receive that only
     * matches messages newer than a fresh reference skips the older ones (OTP 25's
     * recv_marker_*); removals before a marker move it down.
     */
    term_t *msgs;
    uint32_t n_msgs, cap_msgs, save;
    term_t marker_ref[2];   /* the references the two marker slots are bound to (NIL: free) */
    uint32_t marker_pos[2]; /* the queue position each marker records */
    /* Scheduling state (vm/sched.c). The saved registers are live only while suspended. */
    enum proc_state state;
    struct process *run_next;   /* run queue link */
    const uintptr_t *resume_I;  /* where the process continues (NULL: not started) */
    const uintptr_t *resume_CP; /* its continuation register then */
    const uintptr_t *timeout_I; /* where a receive continues when its timeout fires */
    term_t *saved_x;            /* x(0..n_saved - 1) while suspended at a call */
    unsigned n_saved, cap_saved;
    struct timer *recv_timer; /* the running receive ... after's timer, or NULL */
    term_t pending_exit; /* an exit signal to act on at the next chance, or THE_NON_VALUE */
    term_t group_leader; /* a pid */
    term_t reg_name;     /* registered name, or NIL */
    term_t initial_call; /* {M, F, Arity} */
    struct sched_link *links;
    struct sched_monitor *monitors;     /* monitors this process holds */
    struct sched_monitor *monitored_by; /* monitors on this process */
    struct sched_alias *aliases;        /* its active aliases */
    bool yield_now;                     /* erlang:yield/0 gave up the rest of the slice */
    bool crashed;                       /* it ended by an uncaught error (for the error report) */
    bool reports_crash;                 /* spawned to log another's error report */
    const uintptr_t *bif_caller; /* the instruction that called the running BIF (or its CP) */
    const uintptr_t *bif_cp;     /* the continuation at that call, for process_info */
    bool trap_exit;
    uint64_t reductions;
    /* The register files; every process points at the scheduler's one set (one runs at a time). */
    term_t *x;
    double *f;
};

/* _init/_dispose pair; `heap_words` (spawn_opt's min_heap_size) 0 picks the default, 233. */
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
/*
 * Collects both generations now (a major collection: erlang:garbage_collect/0,1, tests), leaving
 * `need` free words; the roots are those of proc_ensure_heap().
 */
void proc_gc(struct process *p, size_t need, unsigned live);
/* A major collection into a young heap of exactly the live data and no old heap (hibernate). */
void proc_gc_hibernate(struct process *p, unsigned live);

/* OTP's heap sizes (12, 38, 51, 90, ... 233, 376, ...): the smallest at least `words`. */
size_t proc_heap_size_at_least(size_t words);
/* process_flag(min_heap_size, Words): takes effect at the next collection; returns the old. */
size_t proc_set_min_heap_size(struct process *p, size_t words);
/* OTP's total_heap_size: young heap, old heap and fragments, in words. */
size_t proc_total_heap_words(const struct process *p);
/* Words of memory the heaps hold (allocated young heaps, old heap, fragments). */
size_t proc_heap_memory_words(const struct process *p);
/*
 * Checks the heaps' invariants (tests): every pointer of a live object of the old heap points
 * into the old heap or outside this process's heaps, every young one into the young heap, a
 * fragment, the old heap or outside; the refc chains hold their generation's binaries.
 * Returns NULL or what is wrong. Walks from the roots, as the collector would.
 */
const char *proc_heap_check(struct process *p, unsigned live);

/* Ensures `words` free stack words below E, growing the stack if needed. */
void proc_ensure_stack(struct process *p, size_t words);

/* Appends a message that already lives on this process's heap (see sched_deliver()). */
void proc_mailbox_push(struct process *p, term_t msg);
/* Removes msgs[save] and resets the save position. */
void proc_mailbox_remove(struct process *p);
/* Removes msgs[i] (demonitor's flush); the save position and markers follow. */
void proc_mailbox_remove_at(struct process *p, uint32_t i);

/* Words in use on the young heap, fragments and the old heap. */
size_t proc_heap_used(const struct process *p);

#endif
