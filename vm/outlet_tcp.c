/*
 * outlet_tcp.c: the "tcp_inet" driver. It speaks the protocol of OTP's inet driver (inet_drv.c)
 * as stock prim_inet uses it, so gen_tcp, inet and prim_inet from the installed OTP run
 * unmodified (docs/vm.md, "Outlets", says why this and not a prim_inet of our own):
 *
 *   port_control(S, ?INET_REQ_* + magic, Bytes) -> [?INET_REP_OK | Reply] | [?INET_REP_ERROR |
 *       "errname"]: open, fdopen, bind, listen, connect, accept, recv (the last three answer a
 *       16-bit reference and later send {inet_async, S, Ref, Result} to the caller), setopts and
 *       getopts in prim_inet's encoding, peer/name, shutdown, getstat, getstatus, gettype, getfd,
 *       subscribe (empty output queue), unrecv;
 *   port_command(S, Data) -> the caller gets {inet_reply, S, ok | {error, R}};
 *   to the owner: {tcp, S, Data}, {tcp_closed, S}, {tcp_error, S, R}, {tcp_passive, S},
 *       {empty_out_q, S} to subscribers.
 *
 * Back-pressure: a send is written at once as far as the socket takes it, the rest queued and
 * written on ZPLAT_IO_WRITE. While the queue is above the high watermark the port is busy:
 * port_command with nosuspend answers false, and the {inet_reply, S, ok} of every send is held
 * back until the queue falls to the low watermark, so gen_tcp:send blocks its caller then, as
 * BEAM suspends the caller of a busy port.
 *
 * A SOCK_SEQPACKET socket (fdopen of the guest contract's fd 4) keeps message boundaries both
 * ways: every read is one message (one recv result or one {tcp, S, Msg}), every send one message.
 * Both queues frame such messages internally with a 32-bit length.
 *
 * Packet modes: raw (0), 1, 2, 4 and line; the others (http, asn1, ...) are refused with einval.
 */
#include "vm/outlet.h"

#include "vm/atom.h"
#include "vm/process.h"
#include "vm/sched.h"

/* prim_inet's numbers (kernel/src/inet_int.hrl). */
#define CONTROL_MAGIC 0x03f1a300u

enum {
    INET_REP_ERROR = 0,
    INET_REP_OK = 1,
    INET_AF_INET = 1,
    INET_AF_INET6 = 2,
    INET_AF_ANY = 3,
    INET_AF_LOOPBACK = 4,
    INET_AF_LOCAL = 5,
    INET_TYPE_STREAM = 1,
    INET_TYPE_SEQPACKET = 3,
    INET_PASSIVE = 0,
    INET_ACTIVE = 1,
    INET_ONCE = 2,
    INET_MULTI = 3,
    INET_F_OPEN = 0x01,
    INET_F_BOUND = 0x02,
    INET_F_ACTIVE = 0x04,
    INET_F_LISTEN = 0x08,
    INET_F_CON = 0x10,
    INET_F_ACC = 0x20,
    INET_F_BUSY = 0x80,
};

enum {
    INET_REQ_OPEN = 1,
    INET_REQ_CLOSE = 2,
    INET_REQ_CONNECT = 3,
    INET_REQ_PEER = 4,
    INET_REQ_NAME = 5,
    INET_REQ_BIND = 6,
    INET_REQ_SETOPTS = 7,
    INET_REQ_GETOPTS = 8,
    INET_REQ_GETSTAT = 11,
    INET_REQ_GETHOSTNAME = 12,
    INET_REQ_FDOPEN = 13,
    INET_REQ_GETFD = 14,
    INET_REQ_GETTYPE = 15,
    INET_REQ_GETSTATUS = 16,
    INET_REQ_SUBSCRIBE = 24,
    INET_REQ_ACCEPT = 26,
    INET_REQ_LISTEN = 27,
    INET_REQ_IGNOREFD = 28,
    TCP_REQ_RECV = 42,
    TCP_REQ_UNRECV = 43,
    TCP_REQ_SHUTDOWN = 44,
};

enum {
    OPT_REUSEADDR = 0,
    OPT_KEEPALIVE = 1,
    OPT_DONTROUTE = 2,
    OPT_LINGER = 3,
    OPT_BROADCAST = 4,
    OPT_OOBINLINE = 5,
    OPT_SNDBUF = 6,
    OPT_RCVBUF = 7,
    OPT_PRIORITY = 8,
    OPT_TOS = 9,
    OPT_NODELAY = 10,
    OPT_IPV6_V6ONLY = 16,
    LOPT_BUFFER = 20,
    LOPT_HEADER = 21,
    LOPT_ACTIVE = 22,
    LOPT_PACKET = 23,
    LOPT_MODE = 24,
    LOPT_DELIVER = 25,
    LOPT_EXITONCLOSE = 26,
    LOPT_HIWTRMRK = 27,
    LOPT_LOWTRMRK = 28,
    LOPT_SEND_TIMEOUT = 30,
    LOPT_DELAY_SEND = 31,
    LOPT_PACKET_SIZE = 32,
    LOPT_READ_PACKETS = 33,
    OPT_RAW = 34,
    LOPT_SEND_TIMEOUT_CLOSE = 35,
    LOPT_MSGQ_HIWTRMRK = 36,
    LOPT_MSGQ_LOWTRMRK = 37,
    LOPT_NETNS = 38,
    LOPT_SHOW_ECONNRESET = 39,
    LOPT_LINE_DELIM = 40,
    OPT_TCLASS = 41,
    OPT_BIND_TO_DEVICE = 42,
    OPT_DEBUG = 99,
};

enum { PB_RAW = 0, PB_1 = 1, PB_2 = 2, PB_4 = 3, PB_LINE = 8 };

enum {
    STAT_RECV_CNT = 1,
    STAT_RECV_MAX = 2,
    STAT_RECV_AVG = 3,
    STAT_RECV_DVI = 4,
    STAT_SEND_CNT = 5,
    STAT_SEND_MAX = 6,
    STAT_SEND_AVG = 7,
    STAT_SEND_PEND = 8,
    STAT_RECV_OCT = 9,
    STAT_SEND_OCT = 10,
};

enum tcp_state {
    TCP_CLOSED, /* no socket yet (before open/fdopen), or the connection is over */
    TCP_OPEN,   /* a socket, neither listening nor connected */
    TCP_LISTENING,
    TCP_CONNECTING,
    TCP_CONNECTED,
};

enum op_kind { OP_NONE, OP_RECV, OP_ACCEPT, OP_CONNECT };

#define MAX_OPS      8
#define READ_CHUNK   65536u
#define MAX_PACKET   (64u << 20) /* inet_drv's TCP_MAX_PACKET_SIZE */
#define FRAME_HEADER 4

struct tcp_op {
    uint16_t ref;
    term_t caller;
    uint32_t len; /* recv: bytes wanted (0: what is there) */
    uint64_t deadline;
};

struct byte_queue {
    uint8_t *data;
    size_t head, len, cap; /* bytes data[head .. head + len) */
};

struct pid_list {
    term_t *pids;
    size_t n, cap;
};

struct tcp_outlet {
    struct outlet ol;
    zplat_handle_t h; /* -1: none */
    int family;       /* enum zplat_family, 0 before open */
    int type;         /* enum zplat_socktype */
    enum tcp_state state;
    bool bound;
    bool peer_eof;    /* the peer's end of stream was read, not yet reported */
    bool read_closed; /* the end was reported to a passive reader (then recv: enotconn) */
    bool write_shut;  /* shutdown(write) done, or writing failed */
    bool adopted;     /* fdopen: the descriptor is not ours to close (inet_drv's "prebound") */
    /* the pending operations, all of one kind */
    enum op_kind op_kind;
    struct tcp_op ops[MAX_OPS];
    unsigned n_ops;
    uint16_t next_ref;
    /* driver options (inet_drv's defaults) */
    int active;
    int active_n;
    int htype;
    uint32_t psize, hsz, bufsz;
    int deliver_port; /* deliver: port ({S, {data, D}}) rather than term */
    bool exitf;
    bool delay_send, send_timeout_close, show_econnreset;
    int send_timeout;
    uint32_t high, low;
    int line_delim;
    /* queues */
    struct byte_queue in, out;
    struct pid_list send_waiters; /* callers whose inet_reply is held back (busy) */
    struct pid_list empty_subs;   /* {empty_out_q, S} subscribers */
    /* statistics */
    uint64_t recv_oct, recv_cnt, recv_max, send_oct, send_cnt, send_max;
    uint64_t command_bytes; /* port_info output: what port_command was given */
};

static const struct outlet_vtab tcp_vtab;

/* --- small helpers ------------------------------------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_u32(struct textbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    textbuf_put(b, x, 4);
}

static void put_u16(struct textbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    textbuf_put(b, x, 2);
}

static void put_u64(struct textbuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)(v >> 32));
    put_u32(b, (uint32_t)v);
}

static int reply_ok(struct textbuf *r)
{
    textbuf_putc(r, INET_REP_OK);
    return 0;
}

static int reply_error(struct textbuf *r, const char *name)
{
    textbuf_putc(r, INET_REP_ERROR);
    textbuf_puts(r, name);
    return 0;
}

static int reply_zerr(struct textbuf *r, int err)
{
    return reply_error(r, outlet_error_name(err));
}

static void bq_append(struct byte_queue *q, const uint8_t *data, size_t len)
{
    if (q->head + q->len + len > q->cap) {
        if (q->head > 0) {
            for (size_t i = 0; i < q->len; i++)
                q->data[i] = q->data[q->head + i];
            q->head = 0;
        }
        if (q->len + len > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + len)
                cap *= 2;
            q->data = rt_realloc(q->data, cap);
            q->cap = cap;
        }
    }
    for (size_t i = 0; i < len; i++)
        q->data[q->head + q->len + i] = data[i];
    q->len += len;
}

static void bq_prepend(struct byte_queue *q, const uint8_t *data, size_t len)
{
    struct byte_queue n = {0};
    bq_append(&n, data, len);
    bq_append(&n, q->data + q->head, q->len);
    rt_free(q->data);
    *q = n;
}

static void bq_consume(struct byte_queue *q, size_t n)
{
    q->head += n;
    q->len -= n;
    if (q->len == 0)
        q->head = 0;
}

static void bq_dispose(struct byte_queue *q)
{
    rt_free(q->data);
    *q = (struct byte_queue){0};
}

static void pids_add(struct pid_list *l, term_t pid)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->pids = rt_realloc(l->pids, l->cap * sizeof *l->pids);
    }
    l->pids[l->n++] = pid;
}

static void pids_dispose(struct pid_list *l)
{
    rt_free(l->pids);
    *l = (struct pid_list){0};
}

static struct tcp_outlet *tcp_new(term_t owner)
{
    struct tcp_outlet *t = (struct tcp_outlet *)outlet_new(&tcp_vtab, sizeof *t, owner);
    t->h = -1;
    t->state = TCP_CLOSED;
    t->active = INET_PASSIVE;
    t->htype = PB_RAW;
    t->bufsz = 1460;
    t->exitf = true;
    t->send_timeout = -1;
    t->high = 8192;
    t->low = 4096;
    t->line_delim = '\n';
    t->next_ref = 1;
    return t;
}

static bool is_seqpacket(const struct tcp_outlet *t)
{
    return t->type == ZPLAT_SOCK_SEQPACKET;
}

/* The bytes waiting to be written (for a seqpacket socket: without the frame headers). */
static size_t out_pending(const struct tcp_outlet *t)
{
    return t->out.len;
}

/* --- messages ------------------------------------------------------------------------------ */

static void send_async(struct tcp_outlet *t, term_t caller, uint16_t ref, term_t result_ok,
                       const uint8_t *data, size_t len, int err)
{
    /* {inet_async, S, Ref, Result}: Result is `result_ok` (ok, or a port), {ok, Data} when data
     * is given, or {error, Reason} for err < 0 / a reason atom in result_ok with err == 1. */
    struct process *to = outlet_msg_begin(caller);
    if (!to)
        return;
    struct builder *b = &to->builder;
    term_t result;
    if (err < 0)
        result = outlet_tuple2(b, ATOM_error, outlet_error_atom(err));
    else if (err == 1)
        result = outlet_tuple2(b, ATOM_error, result_ok);
    else if (data)
        result = outlet_tuple2(b, ATOM_ok, outlet_bytes(b, data, len, t->ol.binary));
    else if (result_ok == ATOM_ok)
        result = ATOM_ok;
    else
        result = outlet_tuple2(b, ATOM_ok, result_ok);
    term_t msg = outlet_tuple4(b, ATOM_inet_async, t->ol.port, make_small(ref), result);
    outlet_msg_send(to, msg);
}

static void send_reply(struct tcp_outlet *t, term_t caller, term_t status_reason)
{
    /* {inet_reply, S, ok | {error, Reason}} */
    struct process *to = outlet_msg_begin(caller);
    if (!to)
        return;
    struct builder *b = &to->builder;
    term_t status =
        status_reason == ATOM_ok ? ATOM_ok : outlet_tuple2(b, ATOM_error, status_reason);
    outlet_msg_send(to, outlet_tuple3(b, ATOM_inet_reply, t->ol.port, status));
}

static void send_owner2(struct tcp_outlet *t, term_t tag)
{
    struct process *to = outlet_msg_begin(t->ol.owner);
    if (to)
        outlet_msg_send(to, outlet_tuple2(&to->builder, tag, t->ol.port));
}

static void send_owner_error(struct tcp_outlet *t, term_t reason)
{
    struct process *to = outlet_msg_begin(t->ol.owner);
    if (to)
        outlet_msg_send(to, outlet_tuple3(&to->builder, ATOM_tcp_error, t->ol.port, reason));
}

static void send_owner_data(struct tcp_outlet *t, const uint8_t *data, size_t len)
{
    struct process *to = outlet_msg_begin(t->ol.owner);
    if (!to)
        return;
    struct builder *b = &to->builder;
    term_t d = outlet_bytes(b, data, len, t->ol.binary);
    term_t msg = t->deliver_port ? outlet_tuple2(b, t->ol.port, outlet_tuple2(b, ATOM_data, d))
                                 : outlet_tuple3(b, ATOM_tcp, t->ol.port, d);
    outlet_msg_send(to, msg);
}

/* --- watches and timers -------------------------------------------------------------------- */

static void update_deadline(struct tcp_outlet *t)
{
    uint64_t d = UINT64_MAX;
    for (unsigned i = 0; i < t->n_ops; i++)
        if (t->ops[i].deadline < d)
            d = t->ops[i].deadline;
    outlet_set_deadline(&t->ol, d);
}

/* Watches what the state needs: reading while someone takes the data, writing while bytes
 * wait or a connect completes. */
static void update_watch(struct tcp_outlet *t)
{
    if (t->h < 0)
        return;
    unsigned want = 0;
    if (t->state == TCP_LISTENING && t->op_kind == OP_ACCEPT && t->n_ops)
        want |= ZPLAT_IO_READ;
    if (t->state == TCP_CONNECTED && !t->peer_eof && !t->read_closed &&
        (t->active != INET_PASSIVE || (t->op_kind == OP_RECV && t->n_ops)))
        want |= ZPLAT_IO_READ;
    if (t->state == TCP_CONNECTING || (t->state == TCP_CONNECTED && t->out.len && !t->write_shut))
        want |= ZPLAT_IO_WRITE;
    outlet_watch(&t->ol, t->h, want);
}

static struct tcp_op op_pop(struct tcp_outlet *t, unsigned i)
{
    struct tcp_op op = t->ops[i];
    for (unsigned j = i + 1; j < t->n_ops; j++)
        t->ops[j - 1] = t->ops[j];
    t->n_ops--;
    if (t->n_ops == 0)
        t->op_kind = OP_NONE;
    update_deadline(t);
    return op;
}

static int op_push(struct tcp_outlet *t, enum op_kind kind, term_t caller, uint32_t len,
                   uint32_t timeout_ms, uint16_t *ref)
{
    /* Operations of callers that have died since are dropped (inet_drv monitors them). */
    for (unsigned i = 0; i < t->n_ops;) {
        if (!sched_lookup(t->ops[i].caller))
            op_pop(t, i);
        else
            i++;
    }
    if (t->n_ops && t->op_kind != kind)
        return ZPLAT_EINVAL;
    /* Several acceptors may wait; one recv or connect at a time (ealready), as in inet_drv. */
    if (t->n_ops == MAX_OPS || (kind != OP_ACCEPT && t->n_ops))
        return -100; /* ealready */
    struct tcp_op *op = &t->ops[t->n_ops++];
    t->op_kind = kind;
    op->ref = t->next_ref++;
    op->caller = caller;
    op->len = len;
    op->deadline = timeout_ms == 0xffffffffu
                       ? UINT64_MAX
                       : zplat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    *ref = op->ref;
    update_deadline(t);
    return 0;
}

/* Answers every pending operation with {error, Reason}. */
static void ops_fail_all(struct tcp_outlet *t, term_t reason)
{
    while (t->n_ops) {
        struct tcp_op op = op_pop(t, 0);
        send_async(t, op.caller, op.ref, reason, NULL, 0, 1);
    }
}

/* --- input: packets and delivery ----------------------------------------------------------- */

/*
 * The first packet in the input queue for a reader wanting `want` bytes (raw mode; 0: any):
 * returns the bytes to consume (> 0) and sets the payload's offset and length; 0 when more input
 * is needed; -1 when the packet is malformed or too large (emsgsize).
 */
static long packet_get(struct tcp_outlet *t, uint32_t want, size_t *off, size_t *plen)
{
    const uint8_t *d = t->in.data + t->in.head;
    size_t n = t->in.len;
    if (is_seqpacket(t)) {
        if (n < FRAME_HEADER)
            return 0;
        uint32_t len = get_u32(d);
        *off = FRAME_HEADER;
        *plen = len;
        return (long)(FRAME_HEADER + len);
    }
    switch (t->htype) {
    case PB_RAW:
        if (n == 0 || (want && n < want))
            return 0;
        *off = 0;
        *plen = want ? want : n;
        return (long)*plen;
    case PB_1:
    case PB_2:
    case PB_4: {
        size_t hl = t->htype == PB_1 ? 1 : t->htype == PB_2 ? 2 : 4;
        if (n < hl)
            return 0;
        uint32_t len = hl == 1 ? d[0] : hl == 2 ? get_u16(d) : get_u32(d);
        if ((t->psize && len > t->psize) || len > MAX_PACKET)
            return -1;
        if (n < hl + len)
            return 0;
        *off = hl;
        *plen = len;
        return (long)(hl + len);
    }
    case PB_LINE: {
        size_t limit = t->psize && t->psize < t->bufsz ? t->psize : t->bufsz;
        for (size_t i = 0; i < n; i++) {
            if (d[i] == (uint8_t)t->line_delim) {
                *off = 0;
                *plen = i + 1;
                return (long)(i + 1);
            }
            if (i + 1 >= limit) {
                /* A line longer than the buffer is delivered in pieces (inet_drv's rule). */
                *off = 0;
                *plen = i + 1;
                return (long)(i + 1);
            }
        }
        return 0;
    }
    default:
        return -1;
    }
}

static void note_recv(struct tcp_outlet *t, size_t len)
{
    t->recv_cnt++;
    if (len > t->recv_max)
        t->recv_max = len;
}

/* After the peer's end: closes the port or just the reading side, as exit_on_close says.
 * Returns false when the outlet is gone. */
static bool end_of_input_active(struct tcp_outlet *t)
{
    send_owner2(t, ATOM_tcp_closed);
    if (t->exitf) {
        outlet_close(&t->ol, ATOM_normal);
        return false;
    }
    t->peer_eof = false;
    t->read_closed = true;
    return true;
}

/*
 * Hands buffered input to whoever takes it: the owner in an active mode, the pending recv in
 * passive mode; then reports the peer's end when nothing more can be delivered. Returns false
 * when the outlet was closed.
 */
static bool deliver(struct tcp_outlet *t)
{
    for (;;) {
        size_t off, plen;
        if (t->active != INET_PASSIVE) {
            long n = packet_get(t, 0, &off, &plen);
            if (n < 0) {
                send_owner_error(t, ATOM_emsgsize);
                if (t->exitf) {
                    outlet_close(&t->ol, ATOM_normal);
                    return false;
                }
                bq_consume(&t->in, t->in.len);
                break;
            }
            if (n == 0)
                break;
            send_owner_data(t, t->in.data + t->in.head + off, plen);
            note_recv(t, plen);
            bq_consume(&t->in, (size_t)n);
            if (t->active == INET_ONCE) {
                t->active = INET_PASSIVE;
            } else if (t->active == INET_MULTI && --t->active_n <= 0) {
                t->active = INET_PASSIVE;
                t->active_n = 0;
                send_owner2(t, ATOM_tcp_passive);
            }
            continue;
        }
        if (t->op_kind != OP_RECV || t->n_ops == 0)
            break;
        long n = packet_get(t, t->ops[0].len, &off, &plen);
        if (n < 0) {
            struct tcp_op op = op_pop(t, 0);
            send_async(t, op.caller, op.ref, ATOM_emsgsize, NULL, 0, 1);
            bq_consume(&t->in, t->in.len);
            break;
        }
        if (n == 0)
            break;
        struct tcp_op op = op_pop(t, 0);
        send_async(t, op.caller, op.ref, ATOM_ok, t->in.data + t->in.head + off, plen, 0);
        note_recv(t, plen);
        bq_consume(&t->in, (size_t)n);
    }
    if (t->active != INET_PASSIVE && (t->peer_eof || (t->read_closed && t->state == TCP_CLOSED))) {
        /* Active: the owner gets {tcp_closed, S}; also when an end reported to a passive reader
         * meets a later switch to active (inet_drv does the same). */
        if (!end_of_input_active(t))
            return false;
    } else if (t->active == INET_PASSIVE && t->peer_eof && t->op_kind == OP_RECV && t->n_ops) {
        /* Passive: the pending recv learns of the end and what is buffered is dropped; the port
         * stays (inet_drv's rule). With exit_on_close the connection is over for writing too. */
        bq_consume(&t->in, t->in.len);
        ops_fail_all(t, ATOM_closed);
        t->peer_eof = false;
        t->read_closed = true;
        if (t->exitf)
            t->state = TCP_CLOSED;
    }
    update_watch(t);
    return true;
}

/* Reads what the socket has (one message for a seqpacket socket). Returns false when the outlet
 * was closed. */
static bool read_input(struct tcp_outlet *t)
{
    static uint8_t chunk[READ_CHUNK];
    for (int rounds = 0; rounds < 16; rounds++) {
        long n = zplat_io_read(t->h, chunk, sizeof chunk);
        if (n == ZPLAT_EAGAIN)
            break;
        if (n == 0 && !is_seqpacket(t)) {
            t->peer_eof = true;
            break;
        }
        if (n == 0 && is_seqpacket(t)) {
            /* An empty message and the end look alike; the end is what the spawner sends. */
            t->peer_eof = true;
            break;
        }
        if (n < 0) {
            /* A reset: reported as the end of the stream (show_econnreset is off). */
            if (t->show_econnreset && n == ZPLAT_ECLOSED && t->active != INET_PASSIVE)
                send_owner_error(t, ATOM_econnreset);
            t->peer_eof = true;
            t->write_shut = true;
            break;
        }
        t->recv_oct += (uint64_t)n;
        if (is_seqpacket(t)) {
            uint8_t hdr[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                              (uint8_t)n};
            bq_append(&t->in, hdr, 4);
        }
        bq_append(&t->in, chunk, (size_t)n);
        /* Read no further than needed: one message, or until a recv can be answered. */
        if (is_seqpacket(t) || (size_t)n < sizeof chunk)
            break;
    }
    return deliver(t);
}

/* --- output -------------------------------------------------------------------------------- */

static void release_send_waiters(struct tcp_outlet *t, term_t status)
{
    struct pid_list w = t->send_waiters;
    t->send_waiters = (struct pid_list){0};
    for (size_t i = 0; i < w.n; i++)
        send_reply(t, w.pids[i], status);
    pids_dispose(&w);
}

static void output_drained(struct tcp_outlet *t)
{
    if (t->ol.busy && out_pending(t) <= t->low) {
        t->ol.busy = false;
        release_send_waiters(t, ATOM_ok);
    }
    if (t->out.len == 0 && t->empty_subs.n) {
        struct pid_list s = t->empty_subs;
        t->empty_subs = (struct pid_list){0};
        for (size_t i = 0; i < s.n; i++) {
            struct process *to = outlet_msg_begin(s.pids[i]);
            if (to)
                outlet_msg_send(to, outlet_tuple2(&to->builder, ATOM_empty_out_q, t->ol.port));
        }
        pids_dispose(&s);
    }
}

/* Writes what the socket takes. Returns a negative error when the connection broke. */
static int flush_output(struct tcp_outlet *t)
{
    while (t->out.len) {
        const uint8_t *d = t->out.data + t->out.head;
        size_t len = t->out.len, skip = 0;
        if (is_seqpacket(t)) {
            len = get_u32(d);
            skip = FRAME_HEADER;
        }
        long n = zplat_io_write(t->h, d + skip, len);
        if (n == ZPLAT_EAGAIN || n == 0)
            break;
        if (n < 0)
            return (int)n;
        t->send_oct += (uint64_t)n;
        bq_consume(&t->out, (size_t)n + skip);
        if (is_seqpacket(t) && (size_t)n < len)
            bq_consume(&t->out, len - (size_t)n); /* a message is all or nothing */
    }
    return 0;
}

static bool write_failed(struct tcp_outlet *t, int err)
{
    (void)err;
    bq_consume(&t->out, t->out.len);
    t->write_shut = true;
    t->ol.busy = false;
    release_send_waiters(t, ATOM_closed);
    if (t->active != INET_PASSIVE) {
        t->peer_eof = true;
        return deliver(t);
    }
    return true;
}

static int tcp_command(struct outlet *ol, struct process *caller, const uint8_t *data, size_t len,
                       bool nosuspend)
{
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    term_t from = make_pid(caller->id);
    if (t->state != TCP_CONNECTED || t->write_shut) {
        send_reply(t, from,
                   t->state == TCP_CLOSED || t->write_shut || t->read_closed ? ATOM_closed
                                                                             : ATOM_enotconn);
        return 0;
    }
    if (t->ol.busy && nosuspend)
        return 1;
    t->command_bytes += len;
    /* {packet, 1 | 2 | 4}: the driver writes the length header. */
    uint8_t hdr[4];
    size_t hl = t->htype == PB_1 ? 1 : t->htype == PB_2 ? 2 : t->htype == PB_4 ? 4 : 0;
    if (hl && !is_seqpacket(t)) {
        if ((hl == 1 && len > 0xff) || (hl == 2 && len > 0xffff) || len > 0xffffffffu) {
            send_reply(t, from, ATOM_emsgsize);
            return 0;
        }
        for (size_t i = 0; i < hl; i++)
            hdr[i] = (uint8_t)(len >> (8 * (hl - 1 - i)));
        if (t->out.len == 0 && !t->delay_send) {
            long n = zplat_io_write(t->h, hdr, hl);
            if (n < 0 && n != ZPLAT_EAGAIN) {
                send_reply(t, from, ATOM_closed);
                write_failed(t, (int)n);
                return 0;
            }
            size_t done = n > 0 ? (size_t)n : 0;
            t->send_oct += done;
            bq_append(&t->out, hdr + done, hl - done);
        } else {
            bq_append(&t->out, hdr, hl);
        }
    }
    t->send_cnt++;
    if (len > t->send_max)
        t->send_max = len;
    if (is_seqpacket(t)) {
        uint8_t frame[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                            (uint8_t)len};
        bq_append(&t->out, frame, 4);
        bq_append(&t->out, data, len);
    } else if (t->out.len == 0 && !t->delay_send) {
        long n = zplat_io_write(t->h, data, len);
        if (n < 0 && n != ZPLAT_EAGAIN) {
            send_reply(t, from, ATOM_closed);
            write_failed(t, (int)n);
            return 0;
        }
        size_t done = n > 0 ? (size_t)n : 0;
        t->send_oct += done;
        bq_append(&t->out, data + done, len - done);
    } else {
        bq_append(&t->out, data, len);
    }
    int rc = flush_output(t);
    if (rc < 0) {
        send_reply(t, from, ATOM_closed);
        write_failed(t, rc);
        return 0;
    }
    if (out_pending(t) > t->high)
        t->ol.busy = true;
    if (t->ol.busy)
        pids_add(&t->send_waiters, from); /* answered when the queue drains (back-pressure) */
    else
        send_reply(t, from, ATOM_ok);
    output_drained(t);
    update_watch(t);
    return 0;
}

/* --- accepting and connecting -------------------------------------------------------------- */

static struct tcp_outlet *accepted_outlet(struct tcp_outlet *l, zplat_handle_t h, term_t owner)
{
    struct tcp_outlet *c = tcp_new(owner);
    c->h = h;
    c->family = l->family;
    c->type = l->type;
    c->state = TCP_CONNECTED;
    c->bound = true;
    /* What inet_drv's tcp_inet_copy inherits from the listening socket. */
    c->ol.binary = l->ol.binary;
    c->exitf = l->exitf;
    c->deliver_port = l->deliver_port;
    c->htype = l->htype;
    c->psize = l->psize;
    c->hsz = l->hsz;
    c->bufsz = l->bufsz;
    c->high = l->high;
    c->low = l->low;
    c->send_timeout = l->send_timeout;
    c->send_timeout_close = l->send_timeout_close;
    c->show_econnreset = l->show_econnreset;
    return c;
}

/* Answers pending accepts with the connections that are there. False when closed. */
static void try_accept(struct tcp_outlet *t)
{
    while (t->op_kind == OP_ACCEPT && t->n_ops) {
        if (!sched_lookup(t->ops[0].caller)) {
            op_pop(t, 0); /* that acceptor died: the connection waits for the next one */
            continue;
        }
        zplat_handle_t h;
        int rc = zplat_sock_accept(t->h, &h);
        if (rc == ZPLAT_EAGAIN)
            break;
        struct tcp_op op = op_pop(t, 0);
        if (rc < 0) {
            send_async(t, op.caller, op.ref, ATOM_ok, NULL, 0, rc);
            continue;
        }
        if (!sched_lookup(op.caller)) {
            zplat_io_close(h); /* the acceptor died meanwhile */
            continue;
        }
        struct tcp_outlet *c = accepted_outlet(t, h, op.caller);
        send_async(t, op.caller, op.ref, c->ol.port, NULL, 0, 0);
    }
    update_watch(t);
}

static void connect_done(struct tcp_outlet *t, int rc)
{
    if (t->op_kind != OP_CONNECT || t->n_ops == 0)
        return;
    struct tcp_op op = op_pop(t, 0);
    if (rc == 0) {
        t->state = TCP_CONNECTED;
        t->bound = true;
        send_async(t, op.caller, op.ref, ATOM_ok, NULL, 0, 0);
    } else {
        t->state = TCP_OPEN;
        send_async(t, op.caller, op.ref, ATOM_ok, NULL, 0, rc);
    }
    update_watch(t);
}

/* --- the vtable: readiness, timeouts, destroy ---------------------------------------------- */

static void tcp_io_ready(struct outlet *ol, zplat_handle_t h, unsigned ready)
{
    (void)h;
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    if (t->state == TCP_CONNECTING) {
        if (ready & (ZPLAT_IO_WRITE | ZPLAT_IO_READ))
            connect_done(t, zplat_sock_connect_result(t->h));
        return;
    }
    if (t->state == TCP_LISTENING) {
        try_accept(t);
        return;
    }
    if (t->state != TCP_CONNECTED)
        return;
    if ((ready & ZPLAT_IO_WRITE) && t->out.len) {
        int rc = flush_output(t);
        if (rc < 0) {
            if (!write_failed(t, rc))
                return;
        } else {
            output_drained(t);
        }
    }
    if ((ready & ZPLAT_IO_READ) && !read_input(t))
        return;
    update_watch(t);
}

static void tcp_timeout(struct outlet *ol)
{
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    uint64_t now = zplat_monotonic_ns();
    for (unsigned i = 0; i < t->n_ops;) {
        if (t->ops[i].deadline <= now) {
            enum op_kind kind = t->op_kind;
            struct tcp_op op = op_pop(t, i);
            send_async(t, op.caller, op.ref, ATOM_timeout, NULL, 0, 1);
            if (kind == OP_CONNECT)
                t->state = TCP_OPEN;
        } else {
            i++;
        }
    }
    update_deadline(t);
    update_watch(t);
}

static void tcp_destroy(struct outlet *ol)
{
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    /* Whoever waits learns that the socket is gone, as inet_drv's stop does. */
    ops_fail_all(t, ATOM_closed);
    release_send_waiters(t, ATOM_closed);
    if (t->h >= 0) {
        outlet_unwatch(ol, t->h);
        /* An adopted descriptor stays open (inet_drv never closes an fdopen'd one): it came
         * from outside and ends with the instance. */
        if (!t->adopted)
            zplat_io_close(t->h);
        t->h = -1;
    }
    bq_dispose(&t->in);
    bq_dispose(&t->out);
    pids_dispose(&t->empty_subs);
}

static void tcp_counters(struct outlet *ol, uint64_t *in, uint64_t *out)
{
    /* As BEAM counts for the inet driver: port_command's bytes out, nothing in (data reaches
     * the owner as messages, not through the port's input). */
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    *in = 0;
    *out = t->command_bytes;
}

/* --- addresses ----------------------------------------------------------------------------- */

/* Decodes prim_inet's address encoding (enc_value_2(addr, ...)). Returns bytes used or -1. */
static long decode_addr(struct tcp_outlet *t, const uint8_t *d, size_t len,
                        struct zplat_sockaddr *a)
{
    *a = (struct zplat_sockaddr){0};
    if (len < 1)
        return -1;
    switch (d[0]) {
    case INET_AF_ANY:
    case INET_AF_LOOPBACK:
        if (len < 3)
            return -1;
        a->family = t->family ? t->family : ZPLAT_AF_INET;
        a->port = get_u16(d + 1);
        if (d[0] == INET_AF_LOOPBACK) {
            if (a->family == ZPLAT_AF_INET6)
                a->addr[15] = 1;
            else
                a->addr[0] = 127, a->addr[3] = 1;
        }
        return 3;
    case INET_AF_INET:
        if (len < 7)
            return -1;
        a->family = ZPLAT_AF_INET;
        a->port = get_u16(d + 1);
        for (int i = 0; i < 4; i++)
            a->addr[i] = d[3 + i];
        return 7;
    case INET_AF_INET6:
        if (len < 27)
            return -1;
        a->family = ZPLAT_AF_INET6;
        a->port = get_u16(d + 1);
        for (int i = 0; i < 16; i++)
            a->addr[i] = d[3 + i];
        a->flowinfo = get_u32(d + 19);
        a->scope_id = get_u32(d + 23);
        return 27;
    case INET_AF_LOCAL:
        if (len < 2 || len < 2u + d[1] || d[1] > sizeof a->path)
            return -1;
        a->family = ZPLAT_AF_LOCAL;
        a->path_len = d[1];
        for (unsigned i = 0; i < d[1]; i++)
            a->path[i] = d[2 + i];
        return 2 + d[1];
    default:
        return -1;
    }
}

static void encode_addr(struct textbuf *r, const struct zplat_sockaddr *a)
{
    switch (a->family) {
    case ZPLAT_AF_INET:
        textbuf_putc(r, INET_AF_INET);
        put_u16(r, a->port);
        textbuf_put(r, a->addr, 4);
        break;
    case ZPLAT_AF_INET6:
        textbuf_putc(r, INET_AF_INET6);
        put_u16(r, a->port);
        textbuf_put(r, a->addr, 16);
        break;
    default:
        textbuf_putc(r, INET_AF_LOCAL);
        textbuf_putc(r, (char)a->path_len);
        textbuf_put(r, a->path, a->path_len);
        break;
    }
}

static int family_of_inet(uint8_t af)
{
    return af == INET_AF_INET    ? ZPLAT_AF_INET
           : af == INET_AF_INET6 ? ZPLAT_AF_INET6
           : af == INET_AF_LOCAL ? ZPLAT_AF_LOCAL
                                 : 0;
}

/* --- options ------------------------------------------------------------------------------- */

static int sockopt_of(uint8_t opt, enum zplat_sockopt *so)
{
    switch (opt) {
    case OPT_REUSEADDR:
        *so = ZPLAT_SO_REUSEADDR;
        return 0;
    case OPT_KEEPALIVE:
        *so = ZPLAT_SO_KEEPALIVE;
        return 0;
    case OPT_NODELAY:
        *so = ZPLAT_SO_NODELAY;
        return 0;
    case OPT_SNDBUF:
        *so = ZPLAT_SO_SNDBUF;
        return 0;
    case OPT_RCVBUF:
        *so = ZPLAT_SO_RCVBUF;
        return 0;
    case OPT_PRIORITY:
        *so = ZPLAT_SO_PRIORITY;
        return 0;
    case OPT_TOS:
    case OPT_TCLASS:
        *so = ZPLAT_SO_TOS;
        return 0;
    case OPT_LINGER:
        *so = ZPLAT_SO_LINGER;
        return 0;
    default:
        return -1;
    }
}

static int packet_type_ok(int v)
{
    return v == PB_RAW || v == PB_1 || v == PB_2 || v == PB_4 || v == PB_LINE;
}

/* Applies prim_inet's encoded option list. 0, or a negative zplat error (einval). */
static int set_options(struct tcp_outlet *t, const uint8_t *d, size_t len)
{
    while (len > 0) {
        uint8_t opt = d[0];
        d++, len--;
        if (opt == OPT_RAW || opt == LOPT_NETNS || opt == OPT_BIND_TO_DEVICE) {
            /* {int, int, binary} or a binary: not supported here */
            return ZPLAT_EINVAL;
        }
        size_t need = opt == OPT_LINGER ? 8 : 4;
        if (len < need)
            return ZPLAT_EINVAL;
        int32_t v = (int32_t)get_u32(d);
        d += need, len -= need;
        enum zplat_sockopt so;
        if (sockopt_of(opt, &so) == 0) {
            if (t->h < 0)
                return ZPLAT_EINVAL;
            if (opt == OPT_LINGER)
                v = v ? (int32_t)get_u32(d - 4) : -1;
            else if (opt == OPT_REUSEADDR || opt == OPT_KEEPALIVE || opt == OPT_NODELAY)
                v = v != 0;
            int rc = zplat_sock_setopt(t->h, so, v);
            /* A Unix socket has no TCP or IP options: inet_drv ignores those failures too. */
            if (rc && !(rc == ZPLAT_ENOTSUP && t->family == ZPLAT_AF_LOCAL))
                return rc;
            if (opt == OPT_RCVBUF && (uint32_t)v > t->bufsz)
                t->bufsz = (uint32_t)v;
            continue;
        }
        switch (opt) {
        case OPT_DONTROUTE:
        case OPT_BROADCAST:
        case OPT_OOBINLINE:
        case OPT_IPV6_V6ONLY:
        case OPT_DEBUG:
        case LOPT_READ_PACKETS:
        case LOPT_MSGQ_HIWTRMRK:
        case LOPT_MSGQ_LOWTRMRK:
            break; /* accepted, no effect here */
        case LOPT_BUFFER:
            t->bufsz = v < 1 ? 1 : (uint32_t)v; /* inet_drv clamps to its minimum */
            break;
        case LOPT_HEADER:
            t->hsz = (uint32_t)v;
            break;
        case LOPT_ACTIVE:
            if (v == INET_MULTI) {
                if (len < 2)
                    return ZPLAT_EINVAL;
                int16_t n = (int16_t)get_u16(d);
                d += 2, len -= 2;
                long ac = (long)t->active_n + n;
                if (ac > 32767 || ac < -32768)
                    return ZPLAT_EINVAL;
                t->active = INET_MULTI;
                t->active_n = ac < 0 ? 0 : (int)ac;
                if (t->active_n == 0) {
                    t->active = INET_PASSIVE;
                    send_owner2(t, ATOM_tcp_passive);
                }
            } else if (v >= INET_PASSIVE && v <= INET_ONCE) {
                t->active = v;
                t->active_n = 0;
            } else {
                return ZPLAT_EINVAL;
            }
            break;
        case LOPT_PACKET:
            if (!packet_type_ok(v))
                return ZPLAT_EINVAL;
            t->htype = v;
            break;
        case LOPT_MODE:
            t->ol.binary = v != 0;
            break;
        case LOPT_DELIVER:
            t->deliver_port = v == 0;
            break;
        case LOPT_EXITONCLOSE:
            t->exitf = v != 0;
            break;
        case LOPT_HIWTRMRK:
            t->high = (uint32_t)v;
            if (t->low > t->high)
                t->low = t->high;
            break;
        case LOPT_LOWTRMRK:
            t->low = (uint32_t)v;
            if (t->high < t->low)
                t->high = t->low;
            break;
        case LOPT_SEND_TIMEOUT:
            t->send_timeout = v;
            break;
        case LOPT_SEND_TIMEOUT_CLOSE:
            t->send_timeout_close = v != 0;
            break;
        case LOPT_DELAY_SEND:
            t->delay_send = v != 0;
            break;
        case LOPT_PACKET_SIZE:
            t->psize = (uint32_t)v;
            break;
        case LOPT_SHOW_ECONNRESET:
            t->show_econnreset = v != 0;
            break;
        case LOPT_LINE_DELIM:
            t->line_delim = v & 0xff;
            break;
        default:
            return ZPLAT_EINVAL;
        }
    }
    return 0;
}

static int get_options(struct tcp_outlet *t, const uint8_t *d, size_t len, struct textbuf *r)
{
    textbuf_putc(r, INET_REP_OK);
    for (size_t i = 0; i < len; i++) {
        uint8_t opt = d[i];
        enum zplat_sockopt so;
        if (sockopt_of(opt, &so) == 0) {
            int v = 0;
            if (t->h < 0)
                return -1;
            int rc = zplat_sock_getopt(t->h, so, &v);
            if (rc) {
                if (rc == ZPLAT_ENOTSUP)
                    continue; /* not an option of this kind of socket: left out */
                return rc;
            }
            textbuf_putc(r, (char)opt);
            if (opt == OPT_LINGER) {
                put_u32(r, v >= 0);
                put_u32(r, (uint32_t)(v >= 0 ? v : 0));
            } else {
                put_u32(r, (uint32_t)v);
            }
            continue;
        }
        uint32_t v;
        switch (opt) {
        case LOPT_BUFFER:
            v = t->bufsz;
            break;
        case LOPT_HEADER:
            v = t->hsz;
            break;
        case LOPT_ACTIVE:
            textbuf_putc(r, (char)opt);
            put_u32(r, (uint32_t)t->active);
            if (t->active == INET_MULTI)
                put_u16(r, (uint16_t)t->active_n);
            continue;
        case LOPT_PACKET:
            v = (uint32_t)t->htype;
            break;
        case LOPT_MODE:
            v = t->ol.binary;
            break;
        case LOPT_DELIVER:
            v = !t->deliver_port;
            break;
        case LOPT_EXITONCLOSE:
            v = t->exitf;
            break;
        case LOPT_HIWTRMRK:
            v = t->high;
            break;
        case LOPT_LOWTRMRK:
            v = t->low;
            break;
        case LOPT_SEND_TIMEOUT:
            v = (uint32_t)t->send_timeout;
            break;
        case LOPT_SEND_TIMEOUT_CLOSE:
            v = t->send_timeout_close;
            break;
        case LOPT_DELAY_SEND:
            v = t->delay_send;
            break;
        case LOPT_PACKET_SIZE:
            v = t->psize;
            break;
        case LOPT_SHOW_ECONNRESET:
            v = t->show_econnreset;
            break;
        case LOPT_LINE_DELIM:
            return ZPLAT_EINVAL; /* settable only, as in inet_drv */
        case LOPT_READ_PACKETS:
            v = 5;
            break;
        case LOPT_MSGQ_HIWTRMRK:
            v = 8192;
            break;
        case LOPT_MSGQ_LOWTRMRK:
            v = 4096;
            break;
        default:
            continue; /* unknown or not answerable here: left out, as inet_drv does */
        }
        textbuf_putc(r, (char)opt);
        put_u32(r, v);
    }
    return 0;
}

/* --- control ------------------------------------------------------------------------------- */

static bool take_handle(struct tcp_outlet *t, zplat_handle_t h, int family, int type)
{
    t->h = h;
    t->family = family;
    t->type = type;
    t->state = TCP_OPEN;
    return true;
}

static int ctl_fdopen(struct tcp_outlet *t, const uint8_t *d, size_t len, struct textbuf *r)
{
    if ((len != 6 && len != 10) || t->h >= 0)
        return reply_zerr(r, ZPLAT_EINVAL);
    int want = family_of_inet(d[0]);
    if (!want)
        return reply_error(r, "eafnosupport");
    if (d[1] != INET_TYPE_STREAM)
        return reply_zerr(r, ZPLAT_EINVAL);
    int fd = (int)get_u32(d + 2);
    bool bound = len == 6 || get_u32(d + 6) != 0;
    int family, type;
    zplat_handle_t h;
    int rc = zplat_sock_adopt(fd, &family, &type, &h);
    if (rc)
        return reply_zerr(r, rc);
    /* inet_drv checks a bound socket's family against the one asked for: a Unix socket adopted
     * as inet is einval (then the caller tries `local`), and the descriptor stays untouched. */
    if (bound && family != want)
        return reply_zerr(r, ZPLAT_EINVAL);
    take_handle(t, h, family, type);
    t->adopted = true;
    t->bound = bound;
    struct zplat_sockaddr peer;
    if (zplat_sock_peer(h, &peer) == 0)
        t->state = TCP_CONNECTED;
    return reply_ok(r);
}

static int ctl_recv(struct tcp_outlet *t, term_t caller, const uint8_t *d, size_t len,
                    struct textbuf *r)
{
    if (t->state != TCP_CONNECTED || t->read_closed)
        return reply_zerr(r, ZPLAT_ENOTCONN);
    if (t->active != INET_PASSIVE || len != 8)
        return reply_zerr(r, ZPLAT_EINVAL);
    uint32_t timeout = get_u32(d), n = get_u32(d + 4);
    if (t->htype != PB_RAW && n != 0 && !is_seqpacket(t))
        return reply_zerr(r, ZPLAT_EINVAL);
    if (n > MAX_PACKET)
        return reply_zerr(r, ZPLAT_ENOMEM);
    if (is_seqpacket(t))
        n = 0; /* one message, whatever its size */
    uint16_t ref;
    if (op_push(t, OP_RECV, caller, n, timeout, &ref) != 0)
        return reply_error(r, "ealready");
    textbuf_putc(r, INET_REP_OK);
    put_u16(r, ref);
    /* Answer from what is buffered, or read now, before anyone waits. */
    size_t off, plen;
    if (packet_get(t, n, &off, &plen) != 0 || t->peer_eof) {
        if (!deliver(t))
            return 0;
    } else if (!read_input(t)) {
        return 0;
    }
    if (t->op_kind == OP_RECV && t->n_ops && timeout == 0) {
        struct tcp_op op = op_pop(t, 0);
        send_async(t, op.caller, op.ref, ATOM_timeout, NULL, 0, 1);
    }
    update_watch(t);
    return 0;
}

static int ctl_accept(struct tcp_outlet *t, term_t caller, const uint8_t *d, size_t len,
                      struct textbuf *r)
{
    if (t->state != TCP_LISTENING)
        return reply_zerr(r, ZPLAT_EINVAL);
    if (len != 4)
        return reply_zerr(r, ZPLAT_EINVAL);
    uint32_t timeout = get_u32(d);
    uint16_t ref;
    if (op_push(t, OP_ACCEPT, caller, 0, timeout, &ref) != 0)
        return reply_error(r, "ealready");
    textbuf_putc(r, INET_REP_OK);
    put_u16(r, ref);
    try_accept(t);
    if (t->op_kind == OP_ACCEPT && timeout == 0) {
        for (unsigned i = 0; i < t->n_ops; i++) {
            if (t->ops[i].ref == ref) {
                struct tcp_op op = op_pop(t, i);
                send_async(t, op.caller, op.ref, ATOM_timeout, NULL, 0, 1);
                break;
            }
        }
    }
    update_watch(t);
    return 0;
}

static int ctl_connect(struct tcp_outlet *t, term_t caller, const uint8_t *d, size_t len,
                       struct textbuf *r)
{
    if (len < 5)
        return reply_zerr(r, ZPLAT_EINVAL);
    if (t->state == TCP_CONNECTED)
        return reply_error(r, "eisconn");
    if (t->state != TCP_OPEN || t->n_ops)
        return reply_zerr(r, ZPLAT_EINVAL);
    uint32_t timeout = get_u32(d);
    struct zplat_sockaddr a;
    if (decode_addr(t, d + 4, len - 4, &a) < 0)
        return reply_zerr(r, ZPLAT_EINVAL);
    int rc = zplat_sock_connect(t->h, &a);
    if (rc != 0 && rc != ZPLAT_EINPROGRESS)
        return reply_zerr(r, rc);
    uint16_t ref;
    op_push(t, OP_CONNECT, caller, 0, timeout, &ref);
    textbuf_putc(r, INET_REP_OK);
    put_u16(r, ref);
    if (rc == 0) {
        connect_done(t, 0);
    } else {
        t->state = TCP_CONNECTING;
        if (timeout == 0) {
            struct tcp_op op = op_pop(t, 0);
            t->state = TCP_OPEN;
            send_async(t, op.caller, op.ref, ATOM_timeout, NULL, 0, 1);
        }
    }
    update_watch(t);
    return 0;
}

static int ctl_getstat(struct tcp_outlet *t, const uint8_t *d, size_t len, struct textbuf *r)
{
    textbuf_putc(r, INET_REP_OK);
    for (size_t i = 0; i < len; i++) {
        textbuf_putc(r, (char)d[i]);
        switch (d[i]) {
        case STAT_RECV_OCT:
            put_u64(r, t->recv_oct);
            break;
        case STAT_SEND_OCT:
            put_u64(r, t->send_oct);
            break;
        case STAT_RECV_CNT:
            put_u32(r, (uint32_t)t->recv_cnt);
            break;
        case STAT_RECV_MAX:
            put_u32(r, (uint32_t)t->recv_max);
            break;
        case STAT_RECV_AVG:
            put_u32(r, (uint32_t)(t->recv_cnt ? t->recv_oct / t->recv_cnt : 0));
            break;
        case STAT_SEND_CNT:
            put_u32(r, (uint32_t)t->send_cnt);
            break;
        case STAT_SEND_MAX:
            put_u32(r, (uint32_t)t->send_max);
            break;
        case STAT_SEND_AVG:
            put_u32(r, (uint32_t)(t->send_cnt ? t->send_oct / t->send_cnt : 0));
            break;
        case STAT_SEND_PEND:
            put_u32(r, (uint32_t)out_pending(t));
            break;
        case STAT_RECV_DVI:
            put_u32(r, 0);
            break;
        default:
            r->len = 0;
            return reply_zerr(r, ZPLAT_EINVAL);
        }
    }
    return 0;
}

static int tcp_control(struct outlet *ol, struct process *caller, uint32_t op, const uint8_t *d,
                       size_t len, struct textbuf *r)
{
    struct tcp_outlet *t = (struct tcp_outlet *)ol;
    term_t from = make_pid(caller->id);
    if (op >= CONTROL_MAGIC)
        op -= CONTROL_MAGIC;
    switch (op) {
    case INET_REQ_OPEN: {
        if (len < 2 || t->h >= 0)
            return reply_zerr(r, ZPLAT_EINVAL);
        int family = family_of_inet(d[0]);
        if (!family)
            return reply_error(r, "eafnosupport");
        if (d[1] != INET_TYPE_STREAM)
            return reply_zerr(r, ZPLAT_EINVAL);
        zplat_handle_t h;
        int rc = zplat_sock_open(family, ZPLAT_SOCK_STREAM, &h);
        if (rc)
            return reply_zerr(r, rc);
        take_handle(t, h, family, ZPLAT_SOCK_STREAM);
        return reply_ok(r);
    }
    case INET_REQ_FDOPEN:
        return ctl_fdopen(t, d, len, r);
    case INET_REQ_CLOSE:
        return reply_ok(r);
    case INET_REQ_BIND: {
        if (t->h < 0)
            return reply_zerr(r, ZPLAT_EINVAL);
        struct zplat_sockaddr a;
        if (decode_addr(t, d, len, &a) < 0 || (t->family && a.family != t->family))
            return reply_zerr(r, ZPLAT_EINVAL);
        int rc = zplat_sock_bind(t->h, &a);
        if (rc)
            return reply_zerr(r, rc);
        t->bound = true;
        struct zplat_sockaddr got;
        textbuf_putc(r, INET_REP_OK);
        put_u16(r, zplat_sock_name(t->h, &got) == 0 ? got.port : 0);
        return 0;
    }
    case INET_REQ_LISTEN: {
        if (t->h < 0 || t->state != TCP_OPEN || len != 2)
            return reply_zerr(r, ZPLAT_EINVAL);
        int rc = zplat_sock_listen(t->h, (int16_t)get_u16(d));
        if (rc)
            return reply_zerr(r, rc);
        t->state = TCP_LISTENING;
        return reply_ok(r);
    }
    case INET_REQ_CONNECT:
        return ctl_connect(t, from, d, len, r);
    case INET_REQ_ACCEPT:
        return ctl_accept(t, from, d, len, r);
    case TCP_REQ_RECV:
        return ctl_recv(t, from, d, len, r);
    case INET_REQ_PEER:
    case INET_REQ_NAME: {
        if (t->h < 0)
            return reply_zerr(r, ZPLAT_EINVAL);
        if (op == INET_REQ_PEER && t->state != TCP_CONNECTED)
            return reply_zerr(r, ZPLAT_ENOTCONN);
        struct zplat_sockaddr a;
        int rc = op == INET_REQ_PEER ? zplat_sock_peer(t->h, &a) : zplat_sock_name(t->h, &a);
        if (rc)
            return reply_zerr(r, rc);
        textbuf_putc(r, INET_REP_OK);
        encode_addr(r, &a);
        return 0;
    }
    case INET_REQ_SETOPTS: {
        int rc = set_options(t, d, len);
        if (rc)
            return reply_zerr(r, rc);
        reply_ok(r);
        /* Data waiting for an active owner, or an end to report, goes out now. */
        if (t->state == TCP_CONNECTED || t->read_closed) {
            if (!deliver(t))
                return 0;
        }
        update_watch(t);
        return 0;
    }
    case INET_REQ_GETOPTS: {
        int rc = get_options(t, d, len, r);
        if (rc) {
            r->len = 0;
            return reply_zerr(r, rc < -1 ? rc : ZPLAT_EINVAL);
        }
        return 0;
    }
    case INET_REQ_GETSTAT:
        return ctl_getstat(t, d, len, r);
    case INET_REQ_GETSTATUS: {
        uint32_t f = 0;
        if (t->h >= 0)
            f |= INET_F_OPEN;
        if (t->bound)
            f |= INET_F_BOUND;
        if (t->state == TCP_LISTENING)
            f |= INET_F_LISTEN;
        if (t->state == TCP_CONNECTED)
            f |= INET_F_ACTIVE;
        if (t->state == TCP_CONNECTING)
            f |= INET_F_CON;
        if (t->op_kind == OP_ACCEPT && t->n_ops)
            f |= INET_F_ACC;
        if (t->ol.busy)
            f |= INET_F_BUSY;
        textbuf_putc(r, INET_REP_OK);
        put_u32(r, f);
        return 0;
    }
    case INET_REQ_GETTYPE:
        if (t->h < 0)
            return reply_zerr(r, ZPLAT_EINVAL);
        textbuf_putc(r, INET_REP_OK);
        put_u32(r, t->family == ZPLAT_AF_INET6   ? INET_AF_INET6
                   : t->family == ZPLAT_AF_LOCAL ? INET_AF_LOCAL
                                                 : INET_AF_INET);
        put_u32(r, is_seqpacket(t) ? INET_TYPE_SEQPACKET : INET_TYPE_STREAM);
        return 0;
    case INET_REQ_GETFD:
        if (t->h < 0)
            return reply_zerr(r, ZPLAT_EINVAL);
        textbuf_putc(r, INET_REP_OK);
        put_u32(r, (uint32_t)t->h);
        return 0;
    case INET_REQ_GETHOSTNAME:
        textbuf_putc(r, INET_REP_OK);
        textbuf_puts(r, "localhost");
        return 0;
    case INET_REQ_IGNOREFD:
        return reply_ok(r);
    case INET_REQ_SUBSCRIBE:
        textbuf_putc(r, INET_REP_OK);
        for (size_t i = 0; i < len; i++) {
            if (d[i] != 1) {
                r->len = 0;
                return reply_zerr(r, ZPLAT_EINVAL);
            }
            textbuf_putc(r, 1);
            put_u32(r, (uint32_t)out_pending(t));
            if (t->out.len)
                pids_add(&t->empty_subs, from);
        }
        return 0;
    case TCP_REQ_UNRECV:
        if (t->state != TCP_CONNECTED)
            return reply_zerr(r, ZPLAT_ENOTCONN);
        bq_prepend(&t->in, d, len);
        reply_ok(r);
        return 0;
    case TCP_REQ_SHUTDOWN: {
        if (t->state != TCP_CONNECTED || len != 1)
            return reply_zerr(r, ZPLAT_ENOTCONN);
        int how = d[0];
        if (how > 2)
            return reply_zerr(r, ZPLAT_EINVAL);
        if (how != 0 && t->out.len) {
            /* inet_drv shuts writing down once the queue is written; the queue is usually
             * empty here since gen_tcp:send returned. Write what we can, then shut down. */
            flush_output(t);
        }
        int rc = zplat_sock_shutdown(t->h, how);
        if (rc)
            return reply_zerr(r, rc);
        if (how != 0)
            t->write_shut = true;
        return reply_ok(r);
    }
    default:
        return reply_zerr(r, ZPLAT_EINVAL);
    }
}

static const struct outlet_vtab tcp_vtab = {
    .name = "tcp_inet",
    .control = tcp_control,
    .command = tcp_command,
    .io_ready = tcp_io_ready,
    .timeout = tcp_timeout,
    .destroy = tcp_destroy,
    .counters = tcp_counters,
};

struct outlet *outlet_tcp_open(struct process *owner, term_t settings, bool binary, term_t *error)
{
    (void)settings;
    (void)error;
    struct tcp_outlet *t = tcp_new(make_pid(owner->id));
    t->ol.binary = binary;
    return &t->ol;
}
