/*
 * proxy: see proxy.h. A connection's life, in the order of this file: accept, read the head,
 * ask for an instance, wait (watching for the client leaving), hand over or answer an error,
 * then close — lingering briefly after an error answer so the client reads it before a reset.
 */
#include "proxy.h"
#include "forward.h"
#include "http_head.h"
#include "net.h"
#include "spawner.h"
#include "tcp_probe.h"
#include "zclock.h"
#include "zlog.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH 64
#define EMFILE_PAUSE_MS 100
#define LINGER_MS 1000

enum conn_state {
    C_HEAD,    /* reading the request head */
    C_WAITING, /* instance requested, not ready: watching for the client leaving */
    C_HANDED,  /* fd hand-off: the guest holds the socket; ours kept until it ends */
    C_FORWARD, /* forward hand-off: bytes moved both ways */
    C_LINGER,  /* error answer written, write side shut, draining until EOF or timeout */
};

struct conn {
    struct proxy *px;
    TAILQ_ENTRY(conn) link;
    enum conn_state state;
    int fd;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    uint8_t *buf;
    size_t len;
    struct http_head head;
    struct event *io_ev;
    struct event *timer_ev;
    struct zs_instance *inst;
    struct forward *fwd;
    bool instance_ended;
    bool forward_done;
    enum zs_outcome outcome;
};

struct proxy {
    const struct zerg_config *cfg;
    struct event_base *base;
    struct zs_spawner *sp;
    int listen_fd;
    int reserve_fd; /* spent to refuse one client when out of descriptors */
    struct event *accept_ev;
    struct event *resume_ev;
    bool accept_paused;
    TAILQ_HEAD(, conn) conns;
    size_t nconns;
    uint64_t accepted_total;
    uint64_t responses[6]; /* 400 408 431 502 503 504 */
};

static const int response_codes[6] = {400, 408, 431, 502, 503, 504};

static void conn_close(struct conn *c);
static void accept_cb(evutil_socket_t fd, short what, void *arg);

/* --- accepting ------------------------------------------------------------------------------ */

static void accept_update(struct proxy *px)
{
    bool want = px->listen_fd >= 0 && !px->accept_paused && px->nconns < px->cfg->proxy.max_connections;
    if (want)
        event_add(px->accept_ev, NULL);
    else if (px->accept_ev)
        event_del(px->accept_ev);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct proxy *px = arg;
    px->accept_paused = false;
    if (px->reserve_fd < 0)
        px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    accept_update(px);
}

/* Out of descriptors: refuse the client at the head of the backlog with the reserve fd, pause
 * accepting briefly (no busy loop), and count it. */
static void on_emfile(struct proxy *px)
{
    zs_spawner_count_error(px->sp, ZERG_ERR_ACCEPT_EMFILE);
    if (px->reserve_fd >= 0) {
        close(px->reserve_fd);
        px->reserve_fd = -1;
        int fd = accept4(px->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            close(fd);
        px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    px->accept_paused = true;
    accept_update(px);
    struct timeval tv = zclock_ms_to_tv(EMFILE_PAUSE_MS);
    evtimer_add(px->resume_ev, &tv);
    zlog_msg(ZLOG_WARN, "accept", "out of file descriptors: refusing connections for %d ms",
             EMFILE_PAUSE_MS);
}

static void head_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_timer_cb(evutil_socket_t fd, short what, void *arg);

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
    (void)what;
    struct proxy *px = arg;
    for (int i = 0; i < ACCEPT_BATCH && px->nconns < px->cfg->proxy.max_connections; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                break;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                on_emfile(px);
                return;
            }
            zs_spawner_count_error(px->sp, ZERG_ERR_ACCEPT_FAILED);
            zlog_msg(ZLOG_ERROR, "accept", "accept: %s", strerror(errno));
            break;
        }
        struct conn *c = calloc(1, sizeof *c);
        uint8_t *buf = malloc(px->cfg->proxy.max_head_bytes);
        struct event *io = c ? event_new(px->base, fd, EV_READ | EV_PERSIST, head_read_cb, c) : NULL;
        struct event *tm = c ? evtimer_new(px->base, conn_timer_cb, c) : NULL;
        if (!c || !buf || !io || !tm) {
            free(c);
            free(buf);
            if (io)
                event_free(io);
            if (tm)
                event_free(tm);
            close(fd);
            zs_spawner_count_error(px->sp, ZERG_ERR_ACCEPT_FAILED);
            continue;
        }
        c->px = px;
        c->fd = fd;
        c->peer = ss;
        c->peer_len = sl;
        c->buf = buf;
        c->io_ev = io;
        c->timer_ev = tm;
        c->state = C_HEAD;
        http_head_init(&c->head, px->cfg->proxy.max_head_bytes);
        TAILQ_INSERT_TAIL(&px->conns, c, link);
        px->nconns++;
        px->accepted_total++;
        event_add(c->io_ev, NULL);
        struct timeval tv = zclock_ms_to_tv(px->cfg->proxy.head_timeout_ms);
        evtimer_add(c->timer_ev, &tv);
    }
    accept_update(px);
}

/* --- error answers and lingering close ------------------------------------------------------ */

static void count_response(struct proxy *px, int code)
{
    for (int i = 0; i < 6; i++)
        if (response_codes[i] == code)
            px->responses[i]++;
}

static void linger_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct conn *c = arg;
    char sink[4096];
    for (;;) {
        ssize_t r = recv(fd, sink, sizeof sink, 0);
        if (r > 0)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_close(c); /* EOF or error: the client has read our answer or is gone */
        return;
    }
}

/* Writes a short error answer, shuts the write side and lingers so the client can read it. */
static void answer_error(struct conn *c, int code, const char *reason)
{
    struct proxy *px = c->px;
    char msg[512];
    int n;
    const char *text = code == 400   ? "Bad Request"
                       : code == 408 ? "Request Timeout"
                       : code == 431 ? "Request Header Fields Too Large"
                       : code == 502 ? "Bad Gateway"
                       : code == 503 ? "Service Unavailable"
                                     : "Gateway Timeout";
    if (code == 503)
        n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 503 %s\r\nRetry-After: %u\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                     text, px->cfg->proxy.retry_after_s, strlen(reason) + 1, reason);
    else
        n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s\n",
                     code, text, strlen(reason) + 1, reason);
    count_response(px, code);
    /* A fresh socket's send buffer takes a few hundred bytes; if not, the client is gone. */
    if (send(c->fd, msg, (size_t)n, MSG_NOSIGNAL) != n) {
        conn_close(c);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    c->state = C_LINGER;
    if (c->io_ev)
        event_free(c->io_ev);
    c->io_ev = event_new(px->base, c->fd, EV_READ | EV_PERSIST, linger_read_cb, c);
    if (!c->io_ev) {
        conn_close(c);
        return;
    }
    event_add(c->io_ev, NULL);
    struct timeval tv = zclock_ms_to_tv(LINGER_MS);
    evtimer_add(c->timer_ev, &tv);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    if (c->state == C_HEAD) {
        zs_spawner_count_error(c->px->sp, ZERG_ERR_HEAD_TIMEOUT);
        answer_error(c, 408, "request head not received in time");
    } else if (c->state == C_LINGER) {
        conn_close(c);
    }
}

/* --- the head, then the request for an instance --------------------------------------------- */

static void instance_ready(void *user, struct zs_instance *inst, struct bufferevent *fwd);
static void instance_ended(void *user, struct zs_instance *inst, enum zs_outcome outcome,
                           enum zerg_error_kind kind);
static const struct zs_client_ops client_ops = {.ready = instance_ready, .ended = instance_ended};

static void waiting_closed_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    /* The client left (FIN or reset) while its instance was queued or booting. */
    if (c->state != C_WAITING)
        return;
    zs_instance_abandon(c->inst);
    c->inst = NULL;
    conn_close(c);
}

static void request_instance(struct conn *c)
{
    struct proxy *px = c->px;
    struct zs_request req = {
        .client_fd = c->fd,
        .peer = c->peer,
        .peer_len = c->peer_len,
        .prefix = c->buf,
        .prefix_len = c->len,
        .ops = &client_ops,
        .user = c,
    };
    evtimer_del(c->timer_ev);
    event_free(c->io_ev);
    c->io_ev = NULL;
    int rc = zs_spawner_request(px->sp, &req, &c->inst);
    switch (rc) {
    case ZS_REQ_OK:
        break;
    case ZS_REQ_CLIENT_CAP:
        answer_error(c, 503, "too many instances for this client address");
        return;
    case ZS_REQ_QUEUE_FULL:
        answer_error(c, 503, "at capacity");
        return;
    case ZS_REQ_DRAINING:
        zs_spawner_count_error(px->sp, ZERG_ERR_DRAINING);
        answer_error(c, 503, "shutting down");
        return;
    default:
        answer_error(c, 503, "out of memory");
        return;
    }
    c->state = C_WAITING;
    /* EV_CLOSED (EPOLLRDHUP) tells of the client leaving without reading its bytes, which
     * belong to the guest. A client that half-closes its side before the answer is taken as
     * gone: HTTP clients of per-connection instances have no reason to. */
    c->io_ev = event_new(px->base, c->fd, EV_CLOSED | EV_PERSIST, waiting_closed_cb, c);
    if (c->io_ev) {
        /* A fast guest may answer and the client close before the loop has read the guest's
         * readiness: when both are ready in one turn, readiness (default priority) goes first,
         * so a served client is not taken for one that left. */
        if (event_base_get_npriorities(px->base) > 2)
            event_priority_set(c->io_ev, 2);
        event_add(c->io_ev, NULL);
    }
}

static void head_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct conn *c = arg;
    size_t max = c->px->cfg->proxy.max_head_bytes;
    ssize_t r = recv(fd, c->buf + c->len, max - c->len, 0);
    if (r < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        conn_close(c);
        return;
    }
    if (r == 0) {
        conn_close(c); /* left before sending a whole head: nothing spent */
        return;
    }
    c->len += (size_t)r;
    switch (http_head_feed(&c->head, c->buf, c->len)) {
    case HTTP_HEAD_INCOMPLETE:
        return;
    case HTTP_HEAD_TOO_LARGE:
        zs_spawner_count_error(c->px->sp, ZERG_ERR_HEAD_TOO_LARGE);
        answer_error(c, 431, c->head.error);
        return;
    case HTTP_HEAD_BAD:
        zs_spawner_count_error(c->px->sp, ZERG_ERR_HEAD_MALFORMED);
        answer_error(c, 400, c->head.error);
        return;
    case HTTP_HEAD_COMPLETE:
        request_instance(c);
        return;
    }
}

/* --- hand-off and the end of the instance --------------------------------------------------- */

static void forward_done(void *arg, int error)
{
    struct conn *c = arg;
    if (error)
        zs_spawner_count_error(c->px->sp, ZERG_ERR_FORWARD_FAILED);
    c->forward_done = true;
    forward_free(c->fwd);
    c->fwd = NULL;
    c->fd = -1; /* the client bufferevent owned and closed it */
    if (c->instance_ended)
        conn_close(c);
}

static void instance_ready(void *user, struct zs_instance *inst, struct bufferevent *fwd)
{
    (void)inst;
    struct conn *c = user;
    struct proxy *px = c->px;
    if (c->io_ev) {
        event_free(c->io_ev);
        c->io_ev = NULL;
    }
    if (!fwd) {
        c->state = C_HANDED; /* the guest reads and writes the socket from now on */
        return;
    }
    c->state = C_FORWARD;
    struct bufferevent *client = bufferevent_socket_new(px->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
    if (!client) {
        bufferevent_free(fwd);
        zs_spawner_count_error(px->sp, ZERG_ERR_FORWARD_FAILED);
        conn_close(c);
        return;
    }
    c->fwd = forward_new(client, fwd, px->cfg->proxy.high_watermark, px->cfg->proxy.low_watermark,
                         forward_done, c);
    if (!c->fwd) {
        bufferevent_free(client);
        bufferevent_free(fwd);
        c->fd = -1;
        zs_spawner_count_error(px->sp, ZERG_ERR_FORWARD_FAILED);
        conn_close(c);
    }
}

static void instance_ended(void *user, struct zs_instance *inst, enum zs_outcome outcome,
                           enum zerg_error_kind kind)
{
    (void)inst;
    struct conn *c = user;
    c->inst = NULL;
    c->instance_ended = true;
    c->outcome = outcome;
    switch (c->state) {
    case C_WAITING:
        if (c->io_ev) {
            event_free(c->io_ev);
            c->io_ev = NULL;
        }
        if (outcome == ZS_OUT_UNAVAILABLE)
            answer_error(c, 503, zerg_error_label(kind));
        else
            answer_error(c, 502, zerg_error_label(kind));
        return;
    case C_HANDED:
        /* The guest had the socket. If it died having written nothing, the client still gets
         * an answer; otherwise ours is just one more copy of the socket to close. */
        if (outcome != ZS_OUT_EXITED && tcp_probe_written(c->fd) == 0) {
            answer_error(c, outcome == ZS_OUT_SERVE_TIMEOUT ? 504 : 502,
                         outcome == ZS_OUT_SERVE_TIMEOUT ? "instance timed out"
                                                         : "instance failed");
            return;
        }
        conn_close(c);
        return;
    case C_FORWARD:
        /* Forwarding ends by itself when the guest's side closes (it has exited). */
        if (c->forward_done)
            conn_close(c);
        return;
    default:
        return;
    }
}

/* --- closing -------------------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    struct proxy *px = c->px;
    if (c->inst) {
        zs_instance_abandon(c->inst);
        c->inst = NULL;
    }
    if (c->fwd) {
        forward_free(c->fwd);
        c->fwd = NULL;
        c->fd = -1;
    }
    if (c->io_ev)
        event_free(c->io_ev);
    if (c->timer_ev)
        event_free(c->timer_ev);
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    TAILQ_REMOVE(&px->conns, c, link);
    px->nconns--;
    free(c);
    accept_update(px);
}

/* --- the proxy as a whole ------------------------------------------------------------------- */

uint64_t proxy_fds_needed(const struct zerg_config *cfg)
{
    /* Per connection: the client socket and a forwarding end. Per instance: pidfd, control,
     * stdout, stderr, report pipe, and its copy of fd 3 while starting. Plus the daemon's own. */
    return (uint64_t)cfg->proxy.max_connections * 2 + (uint64_t)cfg->limits.max_instances * 8 +
           128;
}

struct proxy *proxy_new(const struct zerg_config *cfg, struct event_base *base,
                        struct zs_spawner *sp, char *err, size_t errlen)
{
    struct proxy *px = calloc(1, sizeof *px);
    if (!px) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    px->cfg = cfg;
    px->base = base;
    px->sp = sp;
    px->reserve_fd = -1;
    TAILQ_INIT(&px->conns);
    px->listen_fd = net_listen(&cfg->proxy.listen, 4096, err, errlen);
    if (px->listen_fd < 0)
        goto fail;
    px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    px->accept_ev = event_new(base, px->listen_fd, EV_READ | EV_PERSIST, accept_cb, px);
    px->resume_ev = evtimer_new(base, resume_cb, px);
    if (px->reserve_fd < 0 || !px->accept_ev || !px->resume_ev) {
        snprintf(err, errlen, "proxy setup: %s", strerror(errno));
        goto fail;
    }
    accept_update(px);
    return px;
fail:
    proxy_free(px);
    return NULL;
}

void proxy_stop_accepting(struct proxy *px)
{
    if (px->accept_ev)
        event_del(px->accept_ev);
    if (px->listen_fd >= 0)
        close(px->listen_fd);
    px->listen_fd = -1;
}

size_t proxy_connections(const struct proxy *px)
{
    return px->nconns;
}

void proxy_free(struct proxy *px)
{
    if (!px)
        return;
    while (!TAILQ_EMPTY(&px->conns))
        conn_close(TAILQ_FIRST(&px->conns));
    proxy_stop_accepting(px);
    if (px->accept_ev)
        event_free(px->accept_ev);
    if (px->resume_ev)
        event_free(px->resume_ev);
    if (px->reserve_fd >= 0)
        close(px->reserve_fd);
    free(px);
}

void proxy_write_metrics(struct proxy *px, struct evbuffer *out)
{
    evbuffer_add_printf(out,
                        "# HELP zerg_connections_accepted_total Client connections accepted.\n"
                        "# TYPE zerg_connections_accepted_total counter\n"
                        "zerg_connections_accepted_total %llu\n"
                        "# HELP zerg_connections_open Client connections open.\n"
                        "# TYPE zerg_connections_open gauge\nzerg_connections_open %zu\n"
                        "# HELP zerg_proxy_responses_total Answers written by the proxy itself.\n"
                        "# TYPE zerg_proxy_responses_total counter\n",
                        (unsigned long long)px->accepted_total, px->nconns);
    for (int i = 0; i < 6; i++)
        evbuffer_add_printf(out, "zerg_proxy_responses_total{code=\"%d\"} %llu\n",
                            response_codes[i], (unsigned long long)px->responses[i]);
}
