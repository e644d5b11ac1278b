/*
 * sched.h: the VM's processes and its one scheduler (one vCPU per guest is our model).
 *
 * Processes live in a table keyed by pid; runnable ones wait in one FIFO run queue and run for a
 * budget of reductions before they yield. When no process is runnable the scheduler is idle: it
 * blocks in zplat_wait() until the nearest timer deadline or an I/O event, hands each event to
 * the outlets (outlet.h), fires the timers that are due, and runs again.
 *
 * Everything here runs on the scheduler's one thread; C code outside the interpreter (BIFs,
 * outlets, timers) may call these functions at any point where no GC is in progress.
 *
 * Messages from C: build the message on the receiver's heap through `&to->builder` (which never
 * runs the GC: it takes room from the heap or from a heap fragment the receiver's next GC folds
 * in), then hand it over with sched_deliver(). That is safe whether the receiver is the running
 * process or a suspended one, because a suspended process's heap is consistent.
 *
 * Signals follow OTP's semantics: links are two-way and carry exit signals ({'EXIT', From,
 * Reason} to a process trapping exits, otherwise death unless the reason is `normal`); monitors
 * are one-way, stackable, and end with one {'DOWN', Ref, process, Object, Reason}; an alias is a
 * reference that delivers to its process while active (monitor/3's {alias, demonitor |
 * reply_demonitor | explicit_unalias}, alias/0,1).
 */
#ifndef ZVM_SCHED_H
#define ZVM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/process.h"
#include "vm/term.h"

/* Reductions a process may use before it yields (BEAM's CONTEXT_REDS). */
#define SCHED_SLICE_REDUCTIONS 4000

/* The live process with this pid, or NULL (never a process that has exited). */
struct process *sched_lookup(term_t pid);

/* The process the scheduler is running now (NULL while idle). */
struct process *sched_current(void);

/* Appends `msg` (already on to's heap, see above) to to's queue and wakes it if it waits. */
void sched_deliver(struct process *to, term_t msg);

/*
 * Sends an exit signal from `from` (a pid or a port) to `to` with `reason`: a process trapping
 * exits gets {'EXIT', From, Reason}; otherwise it exits unless the reason is `normal`.
 * `link_signal` marks a signal caused by a broken link; otherwise it is exit/2's, where `kill`
 * cannot be trapped (the process dies with `killed`) and `normal` from the process itself ends it.
 */
void sched_exit_signal(term_t from, struct process *to, term_t reason, bool link_signal);

/* --- used by the VM's own boot and BIFs -------------------------------------------------- */

struct spawn_opts {
    bool link;
    bool monitor;
    int alias_mode;    /* with monitor: 0 none, else enum sched_alias_mode */
    size_t min_heap;   /* words, 0: default */
    bool fullsweep_given;     /* fullsweep_after given: minor collections between major ones */
    uint64_t fullsweep_after;
    uint64_t *mon_ref; /* out: the monitor's reference id when `monitor` */
};

enum sched_alias_mode {
    ALIAS_EXPLICIT_UNALIAS = 1,
    ALIAS_DEMONITOR,
    ALIAS_REPLY_DEMONITOR,
};

/*
 * Creates a runnable process that calls Module:Function(Args...), `args` a proper list on
 * parent's heap (copied), with parent's group leader (`parent` NULL: the first process, its own
 * group leader). Returns the new process.
 */
struct process *sched_spawn(struct process *parent, term_t module, term_t function, term_t args,
                            const struct spawn_opts *opts);

/* A fresh reference id (also the ids of monitors, aliases and timers). */
uint64_t sched_new_ref_id(void);
/* A reference term for `id` built through `b`. */
term_t sched_build_ref(struct builder *b, uint64_t id);
static inline uint64_t ref_id_of(term_t ref)
{
    return (uint64_t)boxed_ptr(ref)[1];
}

/*
 * `Dest ! Msg` from process `from`: a pid, a registered name, {Name, Node}, an alias or a port.
 * Returns false for a destination that is invalid (badarg): not one of those, or a name nobody
 * has registered. A message to a process that has exited or an inactive alias is dropped.
 */
bool sched_send(struct process *from, term_t dest, term_t msg);

/* link/1 and unlink/1 between process `p` and pid `other`. */
void sched_link(struct process *p, term_t other);
void sched_unlink(struct process *p, term_t other);
bool sched_is_linked(const struct process *p, term_t other);

/*
 * monitor(process, Target) from `p`: `target` is a pid or a registered name. Returns the
 * monitor's reference id; a target that does not exist gets its 'DOWN' (noproc) at once.
 */
uint64_t sched_monitor(struct process *p, term_t target, int alias_mode);
/* demonitor: true when the monitor was active (and is now removed). */
bool sched_demonitor(struct process *p, uint64_t ref_id);
/* alias/0,1 and unalias/1. */
uint64_t sched_alias(struct process *p, int alias_mode);
bool sched_unalias(struct process *p, uint64_t ref_id);

/* register/2, unregister/1, whereis/1 (NIL when not registered), registered/0. */
bool sched_register(term_t name, term_t pid);
bool sched_unregister(term_t name);
term_t sched_whereis(term_t name);
term_t sched_registered(struct process *p);
/* processes/0, built on p's heap, and how many processes are alive. */
term_t sched_processes(struct process *p);
uint64_t sched_process_count(void);
/* The monitors p holds, as process_info(P, monitors) lists them, built on `b`. */
term_t sched_monitors_info(struct builder *b, const struct process *p);
/* The pids monitoring p, as process_info(P, monitored_by). */
term_t sched_monitored_by_info(struct builder *b, const struct process *p);
/* The pids p is linked to, as process_info(P, links). */
term_t sched_links_info(struct builder *b, const struct process *p);

/* Receive timeouts: arms p's timer for `deadline` unless one is armed; cancels it. */
void sched_receive_timer_arm(struct process *p, uint64_t deadline);
void sched_receive_timer_cancel(struct process *p);

/* Boots: `first` (made by sched_spawn with parent NULL) runs; its abnormal exit ends the VM with
 * status 1 after a report. Runs until halt; does not return. */
void sched_run(struct process *first) __attribute__((noreturn));

#endif
