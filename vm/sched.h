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
 */
#ifndef ZVM_SCHED_H
#define ZVM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/process.h"
#include "vm/term.h"

/* The live process with this pid, or NULL (never a process that has exited). */
struct process *sched_lookup(term_t pid);

/* The process the scheduler is running now (NULL while idle). */
struct process *sched_current(void);

/* Appends `msg` (already on to's heap, see above) to to's queue and wakes it if it waits. */
void sched_deliver(struct process *to, term_t msg);

/*
 * Sends an exit signal from `from` (a pid or a port) to `to` with `reason`, as erlang:exit/2
 * does: a process trapping exits gets {'EXIT', From, Reason}; otherwise it exits unless the
 * reason is `normal` (`kill` cannot be trapped and becomes `killed`). `link_signal` marks a
 * signal caused by a broken link (then `normal` is ignored by a process not trapping exits).
 */
void sched_exit_signal(term_t from, struct process *to, term_t reason, bool link_signal);

#endif
