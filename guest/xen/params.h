/*
 * params: when the instance's parameters can be read (docs/guest-contract.md, Xen binding).
 *
 * The toolstack writes every parameter under data/zerg/ at once (in one xenstore transaction),
 * data/zerg/instance among them: a domain made for its request has them from its creation; a
 * domain prepared ahead of demand (a pooled one, marked by data/zerg/pooled) gets them only when
 * a request takes it, which may be much later, and may already be running by then. So a guest
 * reads no parameter before xg_params_wait() has returned 0: it watches data/zerg/instance and
 * returns once the node exists.
 *
 * Waits without a deadline in a pooled domain (the toolstack destroys it if no request comes);
 * otherwise until `deadline_ns` (Xen system time), since parameters that are not there at boot
 * never come. Returns 0, XG_ETIMEDOUT, or another XG_E* of the xenstore client. Needs
 * xg_store_init(). Leaves no watch behind.
 */
#ifndef ZERG_XG_PARAMS_H
#define ZERG_XG_PARAMS_H

#include <stdint.h>

int xg_params_wait(uint64_t deadline_ns);

#endif
