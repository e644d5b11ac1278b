/*
 * evtchn: event channels without interrupts (the 2-level ABI).
 *
 * Upcalls stay masked; a channel's arrival is only its pending bit in shared_info. The waiting
 * pattern every user follows (it cannot lose a wake-up):
 *     for (;;) { if (work is there) break;
 *                if (xg_evtchn_test_and_clear(port)) continue;   // something came: re-check
 *                if (xg_evtchn_poll(&port, 1, deadline) == XG_ETIMEDOUT) give up; }
 * SCHEDOP_poll returns at once when one of the ports is already pending, so a bit that is set
 * after the check is never slept through. It can also return early: Xen wakes a vcpu polling
 * more or fewer than one port on ANY event of the domain (the console's, xenstore's), so every
 * caller re-checks its condition and its deadline in a loop.
 *
 * All functions return 0 (or a port number) on success and a negative XG_E* code on failure.
 */
#ifndef ZERG_XG_EVTCHN_H
#define ZERG_XG_EVTCHN_H

#include <stdint.h>

#include "xen_headers.h"
#include "xg_error.h"

/* New port that domain `remote` may bind to (EVTCHNOP_alloc_unbound). Port or XG_EXEN. */
int xg_evtchn_alloc_unbound(domid_t remote);
int xg_evtchn_send(evtchn_port_t port);
int xg_evtchn_unmask(evtchn_port_t port);
int xg_evtchn_close(evtchn_port_t port);
/* Returns 1 if the port was pending (and clears it), else 0. */
int xg_evtchn_test_and_clear(evtchn_port_t port);
/* Blocks until one of `ports` is pending or Xen system time reaches `deadline_ns`
 * (UINT64_MAX: none). 0 when woken by an event (or early), XG_ETIMEDOUT at the deadline. */
int xg_evtchn_poll(const evtchn_port_t *ports, unsigned n, uint64_t deadline_ns);

#endif
