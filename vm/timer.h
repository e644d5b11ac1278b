/*
 * timer.h: the VM's timers, one binary min-heap ordered by deadline (monotonic ns).
 *
 * Two kinds: a receive timeout (receive ... after), owned by the waiting process, and a message
 * timer (erlang:send_after/start_timer), named by a reference id and holding its message in an
 * area of its own until it fires. This module only keeps them; what firing means is the
 * scheduler's business (sched.c pops due timers and acts on them, then frees them).
 */
#ifndef ZVM_TIMER_H
#define ZVM_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/term.h"

enum timer_kind {
    TIMER_RECEIVE,     /* wakes process `owner` at its receive's timeout */
    TIMER_SEND_AFTER,  /* sends `msg` to `dest` */
    TIMER_START_TIMER, /* sends {timeout, Ref, msg} to `dest` */
};

struct timer {
    uint64_t deadline;
    uint64_t ref_id; /* message timers: the reference's id; 0 for a receive timeout */
    size_t heap_index;
    enum timer_kind kind;
    uint64_t owner; /* receive timeouts: the waiting process's pid index */
    term_t dest;    /* message timers: a pid or a registered name */
    term_t msg;     /* message timers: the message, in `area` */
    struct lit_area area;
};

/* A receive timeout for process `owner_pid_index` at `deadline`. */
struct timer *timer_start_receive(uint64_t owner_pid_index, uint64_t deadline);
/*
 * A message timer: `msg` is copied into the timer. Returns the timer (its ref_id names it).
 */
struct timer *timer_start_message(enum timer_kind kind, uint64_t ref_id, term_t dest, term_t msg,
                                  uint64_t deadline);
/* The message timer named by `ref_id`, or NULL when it fired or was cancelled. */
struct timer *timer_find(uint64_t ref_id);
/* Takes `t` off the heap and frees it. */
void timer_cancel(struct timer *t);
/* The earliest deadline, or UINT64_MAX when no timer is set. */
uint64_t timer_next_deadline(void);
/* Takes the earliest timer off the heap if it is due at `now` (the caller frees it with
 * timer_free()), else returns NULL. */
struct timer *timer_pop_due(uint64_t now);
void timer_free(struct timer *t);
/* Cancels every message timer whose destination is `pid` (its receiver died). */
void timer_cancel_for(term_t pid);

#endif
