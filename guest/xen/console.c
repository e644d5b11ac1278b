/* console: writing the PV console ring (see console.h). */
#include "console.h"

#include <stdarg.h>
#include <stdint.h>

#include "boot.h"
#include "evtchn.h"
#include "freestanding.h"
#include "pvclock.h"

static volatile struct xencons_interface *ring;
static evtchn_port_t port;

void xg_console_init(void)
{
    start_info_t *si = xg_start_info();
    ring = xg_mfn_to_virt(si->console.domU.mfn);
    port = si->console.domU.evtchn;
}

/* Waits until `done()` or the stall limit; returns 0 if it happened, -1 on stall. */
static int wait_for_reader(int (*done)(void))
{
    uint64_t deadline = xg_clock_ns() + XG_CONSOLE_STALL_NS;
    for (;;) {
        if (done())
            return 0;
        if (xg_evtchn_test_and_clear(port))
            continue;
        if (xg_evtchn_poll(&port, 1, deadline) == XG_ETIMEDOUT)
            return done() ? 0 : -1;
    }
}

static int ring_has_space(void)
{
    return ring->out_prod - ring->out_cons < sizeof ring->out;
}

static int ring_is_empty(void)
{
    return ring->out_prod == ring->out_cons;
}

void xg_console_write(const char *buf, size_t len)
{
    if (!ring)
        return;
    while (len) {
        if (!ring_has_space()) {
            xg_evtchn_send(port);
            if (wait_for_reader(ring_has_space) != 0)
                return;
        }
        XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        while (len && prod - cons < sizeof ring->out) {
            ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *buf++;
            prod++;
            len--;
        }
        __atomic_thread_fence(__ATOMIC_RELEASE);
        ring->out_prod = prod;
        xg_evtchn_send(port);
    }
}

void xg_console_printf(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    size_t n = xg_fmt(line, sizeof line, fmt, ap);
    va_end(ap);
    xg_console_write(line, n);
}

void xg_console_flush(void)
{
    if (ring && !ring_is_empty())
        wait_for_reader(ring_is_empty);
}
