/* evtchn: event channel operations and SCHEDOP_poll (see evtchn.h). */
#include "evtchn.h"

#include "boot.h"
#include "hypercall.h"
#include "pvclock.h"

#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))

int xg_evtchn_alloc_unbound(domid_t remote)
{
    evtchn_alloc_unbound_t op = {.dom = DOMID_SELF, .remote_dom = remote};
    if (xg_hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op) != 0)
        return XG_EXEN;
    return (int)op.port;
}

int xg_evtchn_send(evtchn_port_t port)
{
    evtchn_send_t op = {.port = port};
    return xg_hyp_event_channel_op(EVTCHNOP_send, &op) == 0 ? 0 : XG_EXEN;
}

int xg_evtchn_unmask(evtchn_port_t port)
{
    evtchn_unmask_t op = {.port = port};
    return xg_hyp_event_channel_op(EVTCHNOP_unmask, &op) == 0 ? 0 : XG_EXEN;
}

int xg_evtchn_close(evtchn_port_t port)
{
    evtchn_close_t op = {.port = port};
    return xg_hyp_event_channel_op(EVTCHNOP_close, &op) == 0 ? 0 : XG_EXEN;
}

int xg_evtchn_test_and_clear(evtchn_port_t port)
{
    xen_ulong_t *word = &xg_shared_info()->evtchn_pending[port / BITS_PER_WORD];
    xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
    return (__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}

int xg_evtchn_poll(const evtchn_port_t *ports, unsigned n, uint64_t deadline_ns)
{
    if (deadline_ns != UINT64_MAX && xg_clock_ns() >= deadline_ns)
        return XG_ETIMEDOUT;
    struct sched_poll op = {.nr_ports = n, .timeout = deadline_ns == UINT64_MAX ? 0 : deadline_ns};
    set_xen_guest_handle(op.ports, (evtchn_port_t *)ports);
    if (xg_hyp_sched_op(SCHEDOP_poll, &op) != 0)
        return XG_EXEN;
    /* An event that came with the deadline still counts as an event. */
    const xen_ulong_t *pending = xg_shared_info()->evtchn_pending;
    for (unsigned i = 0; i < n; i++)
        if (pending[ports[i] / BITS_PER_WORD] & ((xen_ulong_t)1 << (ports[i] % BITS_PER_WORD)))
            return 0;
    if (deadline_ns != UINT64_MAX && xg_clock_ns() >= deadline_ns)
        return XG_ETIMEDOUT;
    return 0;
}
