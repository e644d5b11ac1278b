/* xenstore: synchronous client over the xenstore ring (see xenstore.h). */
#include "xenstore.h"

#include "boot.h"
#include "evtchn.h"
#include "freestanding.h"
#include "pvclock.h"

struct store_event {
    char path[XG_STORE_PATH_MAX];
    char token[XG_STORE_TOKEN_MAX];
};

static volatile struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static uint32_t next_req_id;
static int broken; /* a malformed ring or reply: every later call fails with XG_EIO */
/* Queued watch events, oldest at `head`. */
static struct store_event events[XG_STORE_EVENTS];
static unsigned ev_head, ev_count, ev_dropped;
/* One reply or event payload, NUL-terminated for convenience. */
static char payload[XENSTORE_PAYLOAD_MAX + 1];

int xg_store_init(void)
{
    start_info_t *si = xg_start_info();
    ring = xg_mfn_to_virt(si->store_mfn);
    if (!ring)
        return XG_EINVAL;
    port = si->store_evtchn;
    next_req_id = 1;
    return 0;
}

/* Waits for the ring condition `ready()` with the wake-up-safe pattern of evtchn.h. */
static int wait_ring(int (*ready)(void), uint64_t deadline_ns)
{
    for (;;) {
        if (ready())
            return 0;
        if (xg_evtchn_test_and_clear(port))
            continue;
        if (xg_evtchn_poll(&port, 1, deadline_ns) == XG_ETIMEDOUT)
            return ready() ? 0 : XG_ETIMEDOUT;
    }
}

static int req_has_space(void)
{
    return ring->req_prod - ring->req_cons < XENSTORE_RING_SIZE;
}

static int rsp_has_data(void)
{
    return ring->rsp_prod != ring->rsp_cons;
}

static int ring_write(const void *data, size_t len, uint64_t deadline_ns)
{
    const char *p = data;
    while (len) {
        int rc = wait_ring(req_has_space, deadline_ns);
        if (rc)
            return rc;
        XENSTORE_RING_IDX cons = ring->req_cons, prod = ring->req_prod;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (prod - cons > XENSTORE_RING_SIZE)
            return XG_EIO;
        size_t n = XENSTORE_RING_SIZE - (prod - cons);
        size_t to_end = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
        if (n > to_end)
            n = to_end;
        if (n > len)
            n = len;
        memcpy((char *)ring->req + MASK_XENSTORE_IDX(prod), p, n);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        ring->req_prod = prod + (XENSTORE_RING_IDX)n;
        xg_evtchn_send(port);
        p += n;
        len -= n;
    }
    return 0;
}

static int ring_read(void *data, size_t len, uint64_t deadline_ns)
{
    char *p = data;
    while (len) {
        int rc = wait_ring(rsp_has_data, deadline_ns);
        if (rc)
            return rc;
        XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (prod - cons > XENSTORE_RING_SIZE)
            return XG_EIO;
        size_t n = prod - cons;
        size_t to_end = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
        if (n > to_end)
            n = to_end;
        if (n > len)
            n = len;
        memcpy(p, (const char *)ring->rsp + MASK_XENSTORE_IDX(cons), n);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        ring->rsp_cons = cons + (XENSTORE_RING_IDX)n;
        xg_evtchn_send(port);
        p += n;
        len -= n;
    }
    return 0;
}

/* Copies a NUL-terminated field of an event payload; 0, or -1 if missing or too long. */
static int take_field(const char **p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    while (*p + n < end && (*p)[n])
        n++;
    if (*p + n >= end || n >= cap)
        return -1;
    memcpy(out, *p, n + 1);
    *p += n + 1;
    return 0;
}

static void queue_event(size_t len)
{
    struct store_event ev;
    const char *p = payload, *end = payload + len;
    if (take_field(&p, end, ev.path, sizeof ev.path) ||
        take_field(&p, end, ev.token, sizeof ev.token)) {
        ev_dropped = 1; /* an event we cannot represent is reported like a dropped one */
        return;
    }
    if (ev_count == XG_STORE_EVENTS) {
        ev_head = (ev_head + 1) % XG_STORE_EVENTS;
        ev_count--;
        ev_dropped = 1;
    }
    events[(ev_head + ev_count) % XG_STORE_EVENTS] = ev;
    ev_count++;
}

/* Once a message has begun, the rest is already on its way: allow it this long. */
#define MESSAGE_REST_NS 1000000000ull

/*
 * Reads one message into `payload`; queues it if it is a watch event. XG_ETIMEDOUT means nothing
 * was consumed (the connection is still in step); any failure after the first byte breaks it.
 */
static int read_message(struct xsd_sockmsg *hdr, uint64_t deadline_ns)
{
    int rc = wait_ring(rsp_has_data, deadline_ns);
    if (rc)
        return rc;
    uint64_t rest = xg_clock_ns() + MESSAGE_REST_NS;
    if (rest < deadline_ns)
        rest = deadline_ns;
    if (ring_read(hdr, sizeof *hdr, rest) || hdr->len > XENSTORE_PAYLOAD_MAX ||
        ring_read(payload, hdr->len, rest)) {
        broken = 1;
        return XG_EIO;
    }
    payload[hdr->len] = '\0';
    if (hdr->type == XS_WATCH_EVENT)
        queue_event(hdr->len);
    return 0;
}

/* Sends one request made of `n` parts and waits for its reply (left in `payload`). */
static int request(enum xsd_sockmsg_type type, const char *const *parts, const size_t *lens,
                   unsigned n, uint64_t deadline_ns, uint32_t *reply_len)
{
    if (!ring)
        return XG_EINVAL;
    if (broken)
        return XG_EIO;
    struct xsd_sockmsg hdr = {.type = type, .req_id = next_req_id++, .tx_id = 0, .len = 0};
    for (unsigned i = 0; i < n; i++)
        hdr.len += (uint32_t)lens[i];
    if (hdr.len > XENSTORE_PAYLOAD_MAX)
        return XG_E2BIG;
    uint32_t id = hdr.req_id;
    int rc = ring_write(&hdr, sizeof hdr, deadline_ns);
    for (unsigned i = 0; rc == 0 && i < n; i++)
        rc = ring_write(parts[i], lens[i], deadline_ns);
    if (rc) {
        broken = 1; /* a half-sent request leaves the ring out of step for good */
        return rc;
    }
    for (;;) {
        /* On a timeout the late reply is skipped by its req_id when it comes. */
        rc = read_message(&hdr, deadline_ns);
        if (rc)
            return rc;
        if (hdr.type == XS_WATCH_EVENT || hdr.req_id != id)
            continue;
        if (hdr.type == XS_ERROR)
            return xg_error_from_xenstore(payload, hdr.len);
        if (hdr.type != type)
            return XG_EIO;
        *reply_len = hdr.len;
        return 0;
    }
}

int xg_store_read(const char *path, char *value, size_t cap, uint64_t deadline_ns)
{
    const char *parts[] = {path};
    size_t lens[] = {xg_strlen(path) + 1};
    uint32_t len;
    int rc = request(XS_READ, parts, lens, 1, deadline_ns, &len);
    if (rc)
        return rc;
    if (len >= cap)
        return XG_E2BIG;
    memcpy(value, payload, len);
    value[len] = '\0';
    return (int)len;
}

int xg_store_write(const char *path, const char *value, uint64_t deadline_ns)
{
    const char *parts[] = {path, value};
    size_t lens[] = {xg_strlen(path) + 1, xg_strlen(value)};
    uint32_t len;
    return request(XS_WRITE, parts, lens, 2, deadline_ns, &len);
}

static int watch_op(enum xsd_sockmsg_type type, const char *path, const char *token,
                    uint64_t deadline_ns)
{
    if (xg_strlen(path) >= XG_STORE_PATH_MAX || xg_strlen(token) >= XG_STORE_TOKEN_MAX)
        return XG_E2BIG;
    const char *parts[] = {path, token};
    size_t lens[] = {xg_strlen(path) + 1, xg_strlen(token) + 1};
    uint32_t len;
    return request(type, parts, lens, 2, deadline_ns, &len);
}

int xg_store_watch(const char *path, const char *token, uint64_t deadline_ns)
{
    return watch_op(XS_WATCH, path, token, deadline_ns);
}

int xg_store_unwatch(const char *path, const char *token, uint64_t deadline_ns)
{
    return watch_op(XS_UNWATCH, path, token, deadline_ns);
}

int xg_store_next_event(char path[XG_STORE_PATH_MAX], char token[XG_STORE_TOKEN_MAX],
                        uint64_t deadline_ns)
{
    if (!ring)
        return XG_EINVAL;
    while (!ev_count && !ev_dropped) {
        if (broken)
            return XG_EIO;
        struct xsd_sockmsg hdr;
        int rc = read_message(&hdr, deadline_ns);
        if (rc)
            return rc;
    }
    if (ev_dropped) {
        ev_dropped = 0;
        return XG_E2BIG;
    }
    memcpy(path, events[ev_head].path, XG_STORE_PATH_MAX);
    memcpy(token, events[ev_head].token, XG_STORE_TOKEN_MAX);
    ev_head = (ev_head + 1) % XG_STORE_EVENTS;
    ev_count--;
    return 0;
}
