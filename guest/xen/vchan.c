/* vchan: libxenvchan-compatible server over one granted page (see vchan.h). */
#include "vchan.h"

#include <xen/io/libxenvchan.h>

#include "boot.h"
#include "evtchn.h"
#include "freestanding.h"
#include "gnttab.h"
#include "xenstore.h"

#define LEFT_ORDER   10 /* client -> server */
#define LEFT_OFFSET  1024
#define RIGHT_ORDER  11 /* server -> client */
#define RIGHT_OFFSET 2048

static volatile struct vchan_interface *shared(struct xg_vchan *v)
{
    return (volatile struct vchan_interface *)v->page;
}

static volatile char *left_buf(struct xg_vchan *v)
{
    return (volatile char *)v->page + LEFT_OFFSET;
}

static volatile char *right_buf(struct xg_vchan *v)
{
    return (volatile char *)v->page + RIGHT_OFFSET;
}

int xg_vchan_server_init(struct xg_vchan *v, void *page, domid_t client, const char *xs_path,
                         uint64_t deadline_ns)
{
    char key[XG_STORE_PATH_MAX], value[16];
    memset(page, 0, XG_PAGE_SIZE);
    v->page = page;
    volatile struct vchan_interface *s = shared(v);
    s->left_order = LEFT_ORDER;
    s->right_order = RIGHT_ORDER;
    s->cli_live = 2; /* not yet connected */
    s->srv_live = 1;
    s->cli_notify = VCHAN_NOTIFY_WRITE; /* the client signals its first write to us */
    int gref = xg_gnttab_grant_page(client, page, 0);
    if (gref < 0)
        return gref;
    v->gref = gref;
    int port = xg_evtchn_alloc_unbound(client);
    if (port < 0)
        return port;
    v->port = (evtchn_port_t)port;
    if (xg_strlen(xs_path) + sizeof "/event-channel" > sizeof key)
        return XG_E2BIG;
    xg_snprintf(key, sizeof key, "%s/ring-ref", xs_path);
    xg_snprintf(value, sizeof value, "%d", gref);
    int rc = xg_store_write(key, value, deadline_ns);
    if (rc)
        return rc;
    xg_snprintf(key, sizeof key, "%s/event-channel", xs_path);
    xg_snprintf(value, sizeof value, "%u", v->port);
    return xg_store_write(key, value, deadline_ns);
}

/*
 * The notify bytes are named after the side that acts: srv_notify holds what the client asked
 * the server to signal, cli_notify what the server asked the client to signal.
 */

/* Notifies the client if it asked to hear about `bit` (VCHAN_NOTIFY_READ or _WRITE). */
static void notify_client(struct xg_vchan *v, uint8_t bit)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint8_t prev =
        __atomic_fetch_and((uint8_t *)&shared(v)->srv_notify, (uint8_t)~bit, __ATOMIC_SEQ_CST);
    if (prev & bit)
        xg_evtchn_send(v->port);
}

/* Waits until ready(v) with our request bit set first, so the client's next action wakes us. */
static int wait_for(struct xg_vchan *v, int (*ready)(struct xg_vchan *), uint8_t bit,
                    uint64_t deadline_ns)
{
    for (;;) {
        if (ready(v))
            return 0;
        __atomic_fetch_or((uint8_t *)&shared(v)->cli_notify, bit, __ATOMIC_SEQ_CST);
        if (ready(v))
            return 0;
        if (xg_evtchn_test_and_clear(v->port))
            continue;
        if (xg_evtchn_poll(&v->port, 1, deadline_ns) == XG_ETIMEDOUT)
            return ready(v) ? 0 : XG_ETIMEDOUT;
    }
}

static int client_closed(struct xg_vchan *v)
{
    return shared(v)->cli_live == 0;
}

static int readable(struct xg_vchan *v)
{
    volatile struct ring_shared *r = &shared(v)->left;
    return r->prod != r->cons || client_closed(v);
}

static int writable(struct xg_vchan *v)
{
    volatile struct ring_shared *r = &shared(v)->right;
    return r->prod - r->cons < (1u << RIGHT_ORDER) || client_closed(v);
}

static int drained(struct xg_vchan *v)
{
    volatile struct ring_shared *r = &shared(v)->right;
    return r->prod == r->cons || client_closed(v);
}

long xg_vchan_read(struct xg_vchan *v, void *buf, size_t len, uint64_t deadline_ns)
{
    int rc = wait_for(v, readable, VCHAN_NOTIFY_WRITE, deadline_ns);
    if (rc)
        return rc;
    volatile struct ring_shared *r = &shared(v)->left;
    uint32_t cons = r->cons, prod = r->prod;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t avail = prod - cons;
    if (avail > (1u << LEFT_ORDER))
        return XG_EIO; /* the client corrupted the indexes */
    size_t n = avail < len ? avail : len;
    char *out = buf;
    for (size_t i = 0; i < n; i++)
        out[i] = left_buf(v)[(cons + i) & ((1u << LEFT_ORDER) - 1)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->cons = cons + (uint32_t)n;
    notify_client(v, VCHAN_NOTIFY_READ);
    return (long)n; /* 0: closed and drained */
}

long xg_vchan_write_some(struct xg_vchan *v, const void *buf, size_t len)
{
    if (client_closed(v))
        return XG_EIO;
    volatile struct ring_shared *r = &shared(v)->right;
    uint32_t cons = r->cons, prod = r->prod;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t used = prod - cons;
    if (used > (1u << RIGHT_ORDER))
        return XG_EIO; /* the client corrupted the indexes */
    size_t n = (1u << RIGHT_ORDER) - used;
    if (n > len)
        n = len;
    const char *in = buf;
    for (size_t i = 0; i < n; i++)
        right_buf(v)[(prod + i) & ((1u << RIGHT_ORDER) - 1)] = in[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->prod = prod + (uint32_t)n;
    if (n)
        notify_client(v, VCHAN_NOTIFY_WRITE);
    return (long)n;
}

int xg_vchan_write_all(struct xg_vchan *v, const void *buf, size_t len, uint64_t deadline_ns)
{
    const char *in = buf;
    while (len) {
        int rc = wait_for(v, writable, VCHAN_NOTIFY_READ, deadline_ns);
        if (rc)
            return rc;
        long n = xg_vchan_write_some(v, in, len);
        if (n < 0)
            return (int)n;
        in += n;
        len -= (size_t)n;
    }
    return 0;
}

unsigned xg_vchan_readiness(struct xg_vchan *v, unsigned want)
{
    unsigned ready = (readable(v) ? 1u : 0u) | (writable(v) ? 2u : 0u);
    uint8_t ask = 0;
    if ((want & 1) && !(ready & 1))
        ask |= VCHAN_NOTIFY_WRITE;
    if ((want & 2) && !(ready & 2))
        ask |= VCHAN_NOTIFY_READ;
    if (ask) {
        __atomic_fetch_or((uint8_t *)&shared(v)->cli_notify, ask, __ATOMIC_SEQ_CST);
        /* Re-check after asking: the client may have acted in between. */
        ready = (readable(v) ? 1u : 0u) | (writable(v) ? 2u : 0u);
    }
    return ready;
}

void xg_vchan_close(struct xg_vchan *v, uint64_t deadline_ns)
{
    if (!v->page)
        return;
    wait_for(v, drained, VCHAN_NOTIFY_READ, deadline_ns);
    shared(v)->srv_live = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    xg_evtchn_send(v->port);
}

void xg_vchan_describe(struct xg_vchan *v, char *buf, size_t cap)
{
    volatile struct vchan_interface *s = shared(v);
    xg_snprintf(buf, cap,
                "cli_live=%u srv_live=%u in.prod=%u in.cons=%u out.prod=%u out.cons=%u "
                "cli_notify=%u srv_notify=%u port=%u gref=%d",
                s->cli_live, s->srv_live, s->left.prod, s->left.cons, s->right.prod, s->right.cons,
                s->cli_notify, s->srv_notify, v->port, v->gref);
}
