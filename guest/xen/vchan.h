/*
 * vchan: the server end of a libxenvchan channel, so dom0's libxenvchan_client_init() can talk
 * to this guest without any network device (io/libxenvchan.h is the shared layout).
 *
 * The server owns one shared page (struct vchan_interface followed by two in-page rings: the
 * client-to-server "left" ring of 1024 bytes at offset 1024, order 10, and the server-to-client
 * "right" ring of 2048 bytes at offset 2048, order 11), grants it to the client domain, allocates
 * an unbound event channel for it, and publishes both under a xenstore path as
 * <path>/ring-ref and <path>/event-channel. Notifications follow libxenvchan: a side that waits
 * sets its request in the peer's notify byte (cli_notify, for us) before re-checking the ring;
 * a side that reads or writes signals when its own byte (srv_notify) asks for it.
 *
 * Every wait has a deadline (Xen system time, UINT64_MAX: none). Reads return the byte count,
 * 0 once the client has closed and the ring is drained, or a negative XG_E*; writes return 0
 * when everything was queued, XG_EIO if the client went away first.
 */
#ifndef ZERG_XG_VCHAN_H
#define ZERG_XG_VCHAN_H

#include <stddef.h>
#include <stdint.h>

#include "xen_headers.h"
#include "xg_error.h"

struct xg_vchan {
    volatile void *page; /* the shared page: struct vchan_interface and both rings */
    evtchn_port_t port;
    int gref;
};

/* `page` is a page-aligned, page-sized buffer of ours that lives as long as the channel. */
int xg_vchan_server_init(struct xg_vchan *v, void *page, domid_t client, const char *xs_path,
                         uint64_t deadline_ns);
long xg_vchan_read(struct xg_vchan *v, void *buf, size_t len, uint64_t deadline_ns);
int xg_vchan_write_all(struct xg_vchan *v, const void *buf, size_t len, uint64_t deadline_ns);
/* Non-blocking forms for an event loop (the VM's platform): bytes written now (0 when the ring
 * is full), or XG_EIO once the client has gone. */
long xg_vchan_write_some(struct xg_vchan *v, const void *buf, size_t len);
/* Readiness now, as a mask: 1 readable (data or closed), 2 writable. Asks the client, through
 * the notify byte, to signal the ones in `want` that are not ready, so a poll on v->port wakes
 * when they become ready. */
unsigned xg_vchan_readiness(struct xg_vchan *v, unsigned want);
/* One line describing the shared page (liveness, ring indexes, notify bytes), for diagnostics. */
void xg_vchan_describe(struct xg_vchan *v, char *buf, size_t cap);
/* Waits (bounded) until the client has taken everything written, then marks us closed. */
void xg_vchan_close(struct xg_vchan *v, uint64_t deadline_ns);

#endif
