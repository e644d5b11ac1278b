/*
 * backend_xen: one PV domain per instance, through libxl called directly (no libvirt, no xl).
 * See backend.h for the contract and docs/guest-contract.md for what the guest sees.
 *
 * Threads. libxl runs on a thread of its own ("lx") with its own libevent base: building a
 * domain happens inside libxl_domain_create_new and takes ~200 ms of CPU per domain under TCG,
 * so on the daemon's loop a burst of 8 creates stalled /metrics for more than a second
 * (measured: tests/xen zerg-metrics-burst). Every libxl call and every libxl callback happens
 * on lx (except libxl_domain_info for the orphan check, which uses no events); everything the
 * spawner sees (its callbacks, xenstore readiness watches, the vchan) happens on the daemon's
 * loop ("main"). The two talk through two mailboxes (a locked queue and an eventfd). Each
 * instance has at most one step in flight to lx (`in_lx`), carried by its embedded message, so
 * the lifecycle needs no allocation; a destroy that comes meanwhile waits (`destroy_wanted`).
 *
 * Written in the order an instance lives:
 *
 *   init      libxl_ctx_alloc; osevent hooks mapping libxl's fds and timeouts onto lx's base;
 *             SIGCHLD on the daemon's loop, passed to lx and on to libxl
 *             (libxl_sigchld_owner_mainloop), so libxl only reaps its own children (hotplug
 *             scripts) and never the process backend's; one xenstore connection (main) for the
 *             readiness watches; the lx thread started
 *   create    libxl_domain_create_new, asynchronous (ao_how callback). Parameters go in
 *             c_info.xsdata, which libxl writes in its own creation transaction. The domain is
 *             created paused.
 *   created   the death watch and the readiness watch are set BEFORE unpause (a short-lived
 *             guest can be gone before a later watch exists), the orphan record written, unpause
 *   ready     the guest wrote data/zerg/ready: read, bounded and checked to be our instance id
 *   handoff   dom0 connects to the guest's vchan server (data/zerg/vchan), sends the prefix
 *             first, then pumps bytes between the vchan and one end of a bufferevent pair whose
 *             other end the proxy forwards to the client (forward hand-off only)
 *   shutdown  DOMAIN_SHUTDOWN: exited (poweroff = clean); libxl does not act on on_poweroff
 *             (xl does), so the spawner destroys the domain itself
 *   destroy   the vchan closed first (dom0's grant mappings would keep the domain dying), then
 *             libxl_domain_destroy, asynchronous; when its callback has run the domain can still
 *             be listed as dying: released only once libxl_domain_info no longer finds it (polled
 *             every GONE_POLL_MS), or after DYING_WAIT_MS, logged. One `event=xen_domain` line
 *             per domain gives its create/unpause/destroy/gone timings (the bench reads them).
 *
 * The pool (xen.pool_size > 0): domains prepared ahead of demand ("spares", backend.h), each a
 * xen_instance without an instance, made like a cold one but with no parameters in xsdata (only
 * data/zerg/pooled), then "armed" (death watch; unpaused too with xen.pool_mode "running") and
 * ready to take. create() takes a ready spare (a hit), else one still being made (adopted: it
 * gets its instance as soon as it is armed), else creates cold (a miss). Taking = the readiness
 * watch, the parameters written in one xenstore transaction (data/zerg/instance among them: the
 * guest waits for it), unpause when paused: then readiness and hand-off as usual. The refill
 * runs on lx like any creation, started once each taken spare has ended (or REFILL_HOLD_MS
 * after its take: a domain build holds lx and dom0's vCPU for ~200-300 ms under TCG, which would
 * otherwise lengthen that request) and after every release (room under limits.max_instances). A
 * spare that dies or cannot be made is destroyed, counted and replaced, the refill backing off
 * while such losses repeat. Spares are recorded in the state directory (zs_backend_spare_record),
 * and drain() destroys them.
 *
 * Built only where libxen-dev is installed (ZERG_HAVE_XEN, see spawner/module.mk).
 */
#include "backend.h"
#include "jsonw.h"
#include "zclock.h"
#include "zlog.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdint.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#define READY_MAX       64    /* bytes of data/zerg/ready we accept */
#define VCHAN_CHUNK     16384 /* bytes moved per pump step */
#define DYING_WAIT_MS   3000  /* how long a destroyed domain may stay dying before release */
#define GONE_POLL_MS    10    /* how often a dying domain is looked up */
#define DISPOSE_WAIT_MS 8000  /* how long dispose turns the loop for the last destroys */
#define XS_HOME         "/local/domain/%u"
#define NPARAMS         5     /* the guest's parameters: docs/guest-contract.md, Xen binding */
#define PARAMS_TRIES    8     /* transaction attempts writing a taken spare's parameters */
#define BACKOFF_MIN_MS  250   /* the refill's pause after a spare was lost, doubled per loss */
#define BACKOFF_MAX_MS  30000 /* ... up to this, until a request takes a ready spare */
#define REFILL_HOLD_MS  1000  /* the refill waits for taken spares to end, this long at most */
#define PEER_MAX        64

struct xen_instance;
LIST_HEAD(xen_instance_list, xen_instance);
struct zs_backend;

/* A function to run on the other thread, with what it needs. */
struct xen_msg {
    TAILQ_ENTRY(xen_msg) link;
    void (*fn)(struct zs_backend *be, struct xen_msg *m);
    struct xen_instance *xi; /* lifecycle steps: the message is xi->step */
    int rc;
    int type, reason; /* libxl events */
    uint32_t domid;
    bool owned;                /* malloc'd: freed after fn ran */
    struct libxenvchan *vchan; /* readiness: the connected vchan, handed to main */
};
TAILQ_HEAD(xen_msg_queue, xen_msg);

/* One direction between the threads: posted under the lock, run by the receiving base. */
struct mailbox {
    pthread_mutex_t lock;
    struct xen_msg_queue queue;
    int efd;
    struct event *ev;
    struct zs_backend *be;
};

struct zs_backend {
    struct zs_spawner *sp;
    const struct zerg_config *cfg;
    struct event_base *base;
    libxl_ctx *ctx;
    xentoollog_logger_stdiostream *logger;
    struct event_base *lx_base; /* libxl's loop, run by the lx thread */
    pthread_t lx_thread;
    bool lx_running;
    struct mailbox to_lx, to_main;
    struct xs_handle *xs;
    struct event *xs_ev;
    struct event *sigchld_ev;
    struct xen_instance_list live;        /* main */
    struct xen_instance_list lx_watching; /* lx: readiness watches set */
    libxl_osevent_hooks hooks;            /* must outlive ctx */
    libxl_event_hooks event_hooks;
    libxl_childproc_hooks child_hooks;
    /* the pool (main) */
    uint32_t pool_size;
    bool pool_running;        /* xen.pool_mode "running": spares are unpaused once armed */
    bool draining;            /* drain() or dispose(): no more spares */
    unsigned spares_alive;    /* spares preparing or ready */
    unsigned takes_waiting;   /* taken spares still running: the refill waits for them */
    uint64_t hold_until;      /* monotonic ns: ... until then at most */
    unsigned loss_streak;     /* spares lost since a request last took a ready one */
    uint64_t fill_not_before; /* monotonic ns: the refill's back-off */
    struct event *pool_ev;    /* the first fill, and a backed-off one */
};

/* Where an instance's domain came from (the event=xen_domain line and /instances say it). */
/* FALLBACK: the instance took a spare that failed before it was ready, and got this cold domain
 * instead (fall_back). */
enum xen_origin { ORIGIN_COLD, ORIGIN_HIT, ORIGIN_ADOPTED, ORIGIN_FALLBACK };

struct xen_instance {
    struct zs_backend *be;
    struct zs_instance *inst;
    LIST_ENTRY(xen_instance) link;
    uint64_t id;
    char name[64];
    char id_text[24];
    libxl_domain_config dcfg;
    uint32_t domid;      /* valid once created */
    bool created;        /* create callback ran with rc 0 */
    bool in_lx;          /* a step of ours is with the lx thread (creating, unpausing, ...) */
    bool destroying;     /* destroy started */
    bool destroy_wanted; /* destroy() came while a step was with lx */
    struct xen_msg step; /* the lifecycle step in flight between the threads */
    bool exited;
    bool watching_ready;              /* lx */
    LIST_ENTRY(xen_instance) lx_link; /* in be->lx_watching while watching_ready */
    struct xen_msg ready_msg;         /* lx -> main: readiness seen (apart from the steps) */
    libxl_evgen_domain_death *death;  /* lx */
    struct event *gone_ev; /* lx: polls a destroyed domain until it is no longer listed */
    /* monotonic stamps (ns) of the backend's own steps, for the event=xen_domain line */
    uint64_t t_create, t_created, t_unpaused, t_destroy, t_destroyed;
    char ready_path[96];
    char token[32];
    /* the hand-off */
    struct libxenvchan *vchan;
    struct event *vchan_ev;
    struct bufferevent *pump; /* our end of the pair; the proxy holds the other */
    uint8_t *prefix;
    size_t prefix_len;
    size_t prefix_sent; /* the prefix goes into the vchan before anything from the client */
    char peer[PEER_MAX];
    /* the pool: a spare has a key and no inst until create() takes it */
    uint64_t spare_key;              /* 0: made on request (cold) */
    enum zs_spare_state spare_state; /* while a spare */
    enum xen_origin origin;
    bool armed;        /* death watch set (and unpaused in running mode): ready to take */
    bool holds_refill; /* taken, not yet ended: counted in be->takes_waiting */
    uint64_t t_take;   /* create() took it */
    bool told_ready;   /* zs_backend_ready was called: too late for a fallback */
    bool recreate;     /* the failed spare's domain is being destroyed; then a cold one */
    bool fell_back;    /* this instance has had its one fallback */
};

static void instance_free(struct xen_instance *xi);
static void pump(struct xen_instance *xi);
static void start_destroy(struct xen_instance *xi);
static void pool_fill(struct zs_backend *be);
static void spare_lost(struct xen_instance *xi, enum zs_spare_failure why, const char *detail);
static bool fall_back(struct xen_instance *xi, const char *detail);

#define SLOW_MS 50 /* a step on the daemon's loop longer than this is logged (event=xen_slow) */

/* Logs `where` when it held the daemon's loop for more than SLOW_MS since `t0`: xenstore round
 * trips and grant mappings are synchronous, and a loaded xenstored makes them slow. */
static void note_slow(const char *where, uint64_t t0)
{
    uint64_t d = zclock_now_ns() - t0;
    if (d < (uint64_t)SLOW_MS * 1000000u || !zlog_enabled(ZLOG_INFO))
        return;
    struct zlog_line l;
    zlog_begin(&l, ZLOG_INFO, "xen_slow");
    zlog_kv_str(&l, "where", where);
    zlog_kv_ms(&l, "ms", d);
    zlog_end(&l);
}

/* --- the mailboxes ------------------------------------------------------------------------ */

static void mailbox_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct mailbox *mb = arg;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
        zlog_msg(ZLOG_ERROR, "xen", "mailbox read: %s", strerror(errno));
    struct xen_msg_queue todo = TAILQ_HEAD_INITIALIZER(todo);
    pthread_mutex_lock(&mb->lock);
    TAILQ_CONCAT(&todo, &mb->queue, link);
    pthread_mutex_unlock(&mb->lock);
    struct xen_msg *m;
    while ((m = TAILQ_FIRST(&todo)) != NULL) {
        TAILQ_REMOVE(&todo, m, link);
        bool owned = m->owned;
        uint64_t t0 = zclock_now_ns();
        bool on_main = mb == &mb->be->to_main;
        m->fn(mb->be, m); /* may free m->xi, and with it a lifecycle message */
        if (on_main)
            note_slow("main mailbox step", t0);
        if (owned)
            free(m);
    }
}

static int mailbox_init(struct mailbox *mb, struct zs_backend *be, struct event_base *base)
{
    mb->be = be;
    TAILQ_INIT(&mb->queue);
    mb->efd = -1;
    if (pthread_mutex_init(&mb->lock, NULL) != 0)
        return -1;
    mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (mb->efd < 0)
        return -1;
    mb->ev = event_new(base, mb->efd, EV_READ | EV_PERSIST, mailbox_cb, mb);
    return mb->ev && event_add(mb->ev, NULL) == 0 ? 0 : -1;
}

static void mailbox_dispose(struct mailbox *mb)
{
    if (!mb->be)
        return;
    struct xen_msg *m;
    while ((m = TAILQ_FIRST(&mb->queue)) != NULL) {
        TAILQ_REMOVE(&mb->queue, m, link);
        if (m->owned)
            free(m);
    }
    if (mb->ev)
        event_free(mb->ev);
    if (mb->efd >= 0)
        close(mb->efd);
    pthread_mutex_destroy(&mb->lock);
    mb->be = NULL;
}

static void mailbox_post(struct mailbox *mb, struct xen_msg *m)
{
    uint64_t one = 1;
    pthread_mutex_lock(&mb->lock);
    TAILQ_INSERT_TAIL(&mb->queue, m, link);
    pthread_mutex_unlock(&mb->lock);
    if (write(mb->efd, &one, sizeof one) < 0 && errno != EAGAIN)
        zlog_msg(ZLOG_ERROR, "xen", "mailbox write: %s", strerror(errno));
}

/* Sends xi's one lifecycle step to the other thread. */
static void post_step(struct mailbox *mb, struct xen_instance *xi,
                      void (*fn)(struct zs_backend *, struct xen_msg *), int rc)
{
    xi->step = (struct xen_msg){.fn = fn, .xi = xi, .rc = rc};
    mailbox_post(mb, &xi->step);
}

/* A message that is not a lifecycle step (events, orphans, SIGCHLD); false when out of memory. */
static bool post_new(struct mailbox *mb, void (*fn)(struct zs_backend *, struct xen_msg *),
                     uint32_t domid, int type, int reason)
{
    struct xen_msg *m = calloc(1, sizeof *m);
    if (!m)
        return false;
    *m = (struct xen_msg){.fn = fn, .domid = domid, .type = type, .reason = reason, .owned = true};
    mailbox_post(mb, m);
    return true;
}

/* --- libxl's fds and timeouts on libevent ------------------------------------------------- */

struct xen_fd_reg {
    struct zs_backend *be;
    struct event *ev;
    void *for_libxl;
    int fd;
    short events; /* poll(2) events libxl asked for */
};

static short poll_to_ev(short events)
{
    short ev = 0;
    if (events & (POLLIN | POLLPRI))
        ev |= EV_READ;
    if (events & POLLOUT)
        ev |= EV_WRITE;
    return ev;
}

static void fd_cb(evutil_socket_t fd, short what, void *arg)
{
    struct xen_fd_reg *r = arg;
    short revents = 0;
    if (what & EV_READ)
        revents |= r->events & (POLLIN | POLLPRI);
    if (what & EV_WRITE)
        revents |= POLLOUT;
    libxl_osevent_occurred_fd(r->be->ctx, r->for_libxl, (int)fd, r->events, revents);
}

static int fd_arm(struct xen_fd_reg *r, short events)
{
    if (r->ev) {
        event_free(r->ev);
        r->ev = NULL;
    }
    r->events = events;
    short ev = poll_to_ev(events);
    if (!ev)
        return 0; /* events == 0 must be accepted: registered, silent */
    r->ev = event_new(r->be->lx_base, r->fd, ev | EV_PERSIST, fd_cb, r);
    if (!r->ev || event_add(r->ev, NULL) < 0)
        return ERROR_OSEVENT_REG_FAIL;
    return 0;
}

static int hook_fd_register(void *user, int fd, void **reg_out, short events, void *for_libxl)
{
    struct xen_fd_reg *r = calloc(1, sizeof *r);
    if (!r)
        return ERROR_OSEVENT_REG_FAIL;
    r->be = user;
    r->fd = fd;
    r->for_libxl = for_libxl;
    if (fd_arm(r, events) != 0) {
        free(r);
        return ERROR_OSEVENT_REG_FAIL;
    }
    *reg_out = r;
    return 0;
}

static int hook_fd_modify(void *user, int fd, void **reg_update, short events)
{
    (void)user;
    (void)fd;
    return fd_arm(*reg_update, events);
}

static void hook_fd_deregister(void *user, int fd, void *reg)
{
    (void)user;
    (void)fd;
    struct xen_fd_reg *r = reg;
    if (r->ev)
        event_free(r->ev);
    free(r);
}

struct xen_timeout_reg {
    struct zs_backend *be;
    struct event *ev;
    void *for_libxl;
};

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct xen_timeout_reg *t = arg;
    struct zs_backend *be = t->be;
    void *for_libxl = t->for_libxl;
    /* When it fires the registration is gone (libxl re-registers if it wants more). */
    event_free(t->ev);
    free(t);
    libxl_osevent_occurred_timeout(be->ctx, for_libxl);
}

static int hook_timeout_register(void *user, void **reg_out, struct timeval abs, void *for_libxl)
{
    struct xen_timeout_reg *t = calloc(1, sizeof *t);
    if (!t)
        return ERROR_OSEVENT_REG_FAIL;
    t->be = user;
    t->for_libxl = for_libxl;
    t->ev = evtimer_new(t->be->lx_base, timeout_cb, t);
    if (!t->ev) {
        free(t);
        return ERROR_OSEVENT_REG_FAIL;
    }
    /* libxl gives an absolute gettimeofday time; libevent wants a relative one. */
    struct timeval now, rel = {0, 0};
    gettimeofday(&now, NULL);
    if (timercmp(&abs, &now, >))
        timersub(&abs, &now, &rel);
    evtimer_add(t->ev, &rel);
    *reg_out = t;
    return 0;
}

static int hook_timeout_modify(void *user, void **reg_update, struct timeval abs)
{
    (void)user;
    (void)abs; /* only ever {0,0}: fire as soon as possible */
    struct xen_timeout_reg *t = *reg_update;
    /* May race with the normal expiry: event_active on a pending or active event is safe, and
     * the callback frees the registration exactly once. */
    event_active(t->ev, EV_TIMEOUT, 0);
    return 0;
}

static void hook_timeout_deregister(void *user, void *reg)
{
    (void)user;
    (void)reg; /* never called by libxl 4.17 (documented as such) */
}

static void lx_sigchld(struct zs_backend *be, struct xen_msg *m)
{
    (void)m;
    /* Reaps only libxl's own children; the process backend uses pidfds and waitid(P_PIDFD). */
    libxl_childproc_sigchld_occurred(be->ctx);
}

static void sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    struct zs_backend *be = arg;
    if (!post_new(&be->to_lx, lx_sigchld, 0, 0, 0))
        zlog_msg(ZLOG_ERROR, "xen", "out of memory passing SIGCHLD to libxl");
}

/* --- libxl's events ------------------------------------------------------------------------- */

static struct xen_instance *find_domid(struct zs_backend *be, uint32_t domid)
{
    struct xen_instance *xi;
    LIST_FOREACH(xi, &be->live, link)
    if (xi->created && xi->domid == domid)
        return xi;
    return NULL;
}

static const char *shutdown_reason_text(int reason)
{
    switch (reason) {
    case LIBXL_SHUTDOWN_REASON_POWEROFF:
        return "poweroff";
    case LIBXL_SHUTDOWN_REASON_REBOOT:
        return "reboot";
    case LIBXL_SHUTDOWN_REASON_SUSPEND:
        return "suspend";
    case LIBXL_SHUTDOWN_REASON_CRASH:
        return "crash";
    case LIBXL_SHUTDOWN_REASON_WATCHDOG:
        return "watchdog";
    case LIBXL_SHUTDOWN_REASON_SOFT_RESET:
        return "soft_reset";
    default:
        return "unknown";
    }
}

/* main: a libxl event about one of our domains. */
static void main_event(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = find_domid(be, m->domid);
    /* lx can pass the shutdown on before this loop has read the guest's last bytes and its
     * vchan close: move them to the proxy first, so its stream ends before the exit. */
    if (xi && xi->pump && xi->vchan)
        pump(xi);
    if (xi && !xi->inst) {
        /* A spare died or was killed while it waited (not one we are destroying). */
        if (!xi->exited && xi->spare_state != ZS_SPARE_DYING)
            spare_lost(xi, ZS_SPARE_DIED,
                       m->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH ? "domain died"
                                                                : shutdown_reason_text(m->reason));
        return;
    }
    bool refill = xi && xi->holds_refill;
    if (refill) {
        /* The taken spare has served (or died): lx may build the next one, once its destroy
         * (posted by the spawner through zs_backend_exited below) is on its way. */
        xi->holds_refill = false;
        be->takes_waiting--;
    }
    if (xi && !xi->exited) {
        if (m->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN) {
            int reason = m->reason;
            char detail[48];
            snprintf(detail, sizeof detail, "shutdown %s", shutdown_reason_text(reason));
            if (fall_back(xi, detail))
                return; /* pool_fill runs once its domain is gone */
            xi->exited = true;
            zs_backend_exited(xi->inst, reason == LIBXL_SHUTDOWN_REASON_POWEROFF,
                              ZERG_ERR_BOOT_EXIT, detail);
        } else if (m->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) {
            if (fall_back(xi, "domain died"))
                return;
            xi->exited = true;
            zs_backend_exited(xi->inst, 0, ZERG_ERR_BOOT_EXIT, "domain died");
        }
    }
    if (refill)
        pool_fill(be); /* xi may be gone by now */
}

/* lx: libxl's events go to main, where the instances are. */
static void on_event(void *user, libxl_event *ev)
{
    struct zs_backend *be = user;
    int reason =
        ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN ? ev->u.domain_shutdown.shutdown_reason : 0;
    if ((ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN ||
         ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH) &&
        !post_new(&be->to_main, main_event, ev->domid, ev->type, reason))
        zlog_msg(ZLOG_ERROR, "xen", "out of memory passing event %d of domain %u", (int)ev->type,
                 ev->domid);
    libxl_event_free(be->ctx, ev);
}

static void on_disaster(void *user, libxl_event_type type, const char *msg, int errnoval)
{
    (void)user;
    zlog_msg(ZLOG_ERROR, "libxl", "disaster (event type %d): %s: %s", (int)type, msg ? msg : "?",
             strerror(errnoval));
}

/* --- readiness -------------------------------------------------------------------------------- */

static bool ready_value_ok(const char *v, unsigned len, const char *want)
{
    if (len == 0 || len > READY_MAX)
        return false;
    for (unsigned i = 0; i < len; i++)
        if (v[i] < 0x21 || v[i] > 0x7e)
            return false;
    return strlen(want) == len && memcmp(v, want, len) == 0;
}

static void main_ready(struct zs_backend *be, struct xen_msg *m)
{
    (void)be;
    struct xen_instance *xi = m->xi;
    if (xi->destroying || xi->exited) {
        if (m->vchan)
            libxenvchan_close(m->vchan); /* too late: the instance has ended meanwhile */
        return;
    }
    xi->vchan = m->vchan;
    if (m->rc == 0) {
        xi->told_ready = true;
        zs_backend_ready(xi->inst);
    } else {
        xi->exited = true;
        zs_backend_exited(xi->inst, 0, ZERG_ERR_BAD_READINESS,
                          "data/zerg/ready is not the instance id");
    }
}

/* lx: stops the readiness watch. */
static void lx_unwatch_ready(struct xen_instance *xi)
{
    if (!xi->watching_ready)
        return;
    xs_unwatch(xi->be->xs, xi->ready_path, xi->token);
    xi->watching_ready = false;
    LIST_REMOVE(xi, lx_link);
}

/* lx: the guest wrote data/zerg/ready. Checked, and the vchan connected here too (the guest
 * publishes it before readiness): both are xenstore round trips, slow while xenstored is busy
 * with other creations, and the daemon's loop must not wait for them. */
static void check_ready(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    unsigned len = 0;
    char *v = xs_read(be->xs, XBT_NULL, xi->ready_path, &len);
    if (!v)
        return; /* the watch fires once at registration, before the guest wrote anything */
    bool ok = ready_value_ok(v, len, xi->id_text);
    free(v);
    lx_unwatch_ready(xi);
    struct libxenvchan *vchan = NULL;
    if (ok) {
        char path[96];
        snprintf(path, sizeof path, XS_HOME "/data/zerg/vchan", xi->domid);
        vchan = libxenvchan_client_init((xentoollog_logger *)be->logger, (int)xi->domid, path);
    }
    xi->ready_msg = (struct xen_msg){.fn = main_ready, .xi = xi, .rc = ok ? 0 : 1, .vchan = vchan};
    mailbox_post(&be->to_main, &xi->ready_msg);
}

/* lx */
static void xs_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct zs_backend *be = arg;
    char **w;
    while ((w = xs_check_watch(be->xs)) != NULL) {
        uint64_t id = strtoull(w[XS_WATCH_TOKEN], NULL, 10);
        struct xen_instance *xi;
        LIST_FOREACH(xi, &be->lx_watching, lx_link)
        if (xi->id == id) {
            check_ready(xi);
            break;
        }
        free(w);
    }
}

/* --- creation --------------------------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The guest's parameters as key/value pairs (relative to the domain's home), data/zerg/instance
 * last: the guest waits for it and reads the others once it is there. `n` holds a number. */
static void instance_params(const struct xen_instance *xi, const char *kv[2 * NPARAMS], char n[24])
{
    snprintf(n, 24, "%zu", xi->prefix_len);
    const char *pairs[2 * NPARAMS] = {
        "data/zerg/daemon",       xi->be->cfg->daemon.id,
        "data/zerg/peer",         xi->peer,
        "data/zerg/vchan",        "data/zerg/vchan",
        "data/zerg/prefix_bytes", n,
        "data/zerg/instance",     xi->id_text,
    };
    memcpy(kv, pairs, sizeof pairs);
}

/* The domain's configuration. A cold domain's parameters go in c_info.xsdata, which libxl writes
 * in its own creation transaction; a spare gets only data/zerg/pooled (the guest then waits for
 * its parameters without a deadline) and its parameters when taken (write_params). */
static int build_config(struct xen_instance *xi)
{
    const struct zerg_config *cfg = xi->be->cfg;
    libxl_domain_config *d = &xi->dcfg;
    libxl_domain_config_init(d);
    d->c_info.type = LIBXL_DOMAIN_TYPE_PV;
    d->c_info.name = xstrdup(xi->name);
    libxl_uuid_generate(&d->c_info.uuid);
    const char *params[2 * NPARAMS], *pooled[2] = {"data/zerg/pooled", "1"};
    char n[24];
    instance_params(xi, params, n);
    const char **src = xi->spare_key ? pooled : params;
    size_t npairs = xi->spare_key ? 1 : NPARAMS;
    char **kv = calloc(2 * npairs + 1, sizeof(char *));
    if (!kv)
        return -1;
    d->c_info.xsdata = kv;
    for (size_t i = 0; i < 2 * npairs; i++)
        if (!(kv[i] = xstrdup(src[i])))
            return -1;
    libxl_domain_build_info_init_type(&d->b_info, LIBXL_DOMAIN_TYPE_PV);
    d->b_info.max_vcpus = 1;
    d->b_info.max_memkb = (uint64_t)cfg->xen.memory_mb * 1024;
    d->b_info.target_memkb = d->b_info.max_memkb;
    d->b_info.kernel = xstrdup(cfg->xen.kernel);
    if (cfg->xen.cmdline && cfg->xen.cmdline[0])
        d->b_info.cmdline = xstrdup(cfg->xen.cmdline);
    if (!d->c_info.name || !d->b_info.kernel)
        return -1;
    /* libxl itself ignores these (xl acts on them); the spawner destroys on shutdown. */
    d->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    d->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    d->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
    return 0;
}

/* main: lx says whether the death watch was set and the domain unpaused (a cold domain), or the
 * parameters written and the domain unpaused (a taken spare). */
static void main_unpaused(struct zs_backend *be, struct xen_msg *m)
{
    (void)be;
    struct xen_instance *xi = m->xi;
    xi->in_lx = false;
    const char *why = m->rc == 1   ? "readiness watch failed"
                      : m->rc == 2 ? "death watch failed"
                      : m->rc == 4 ? "writing the parameters failed"
                                   : "unpause failed";
    if (xi->destroy_wanted) {
        start_destroy(xi);
    } else if (m->rc != 0 && !fall_back(xi, why)) {
        xi->exited = true;
        zs_backend_exited(xi->inst, 0, ZERG_ERR_SPAWN_FAILED, why);
    }
}

/* lx: the readiness watch and the death watch BEFORE unpause (a short-lived guest can be gone
 * before a later watch exists), then unpause. */
static void lx_unpause(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    int rc = 0;
    if (!xs_watch(be->xs, xi->ready_path, xi->token)) {
        rc = 1;
    } else {
        xi->watching_ready = true;
        LIST_INSERT_HEAD(&be->lx_watching, xi, lx_link);
        if (libxl_evenable_domain_death(be->ctx, xi->domid, 0, &xi->death) != 0)
            rc = 2;
        else if (libxl_domain_unpause(be->ctx, xi->domid, NULL) != 0)
            rc = 3;
    }
    xi->t_unpaused = zclock_now_ns();
    post_step(&be->to_main, xi, main_unpaused, rc);
}

/* The orphan record of a created domain: the instance's, or the spare's while it is one. */
static void write_record(struct xen_instance *xi)
{
    char rec[160], uuid[LIBXL_UUID_FMTLEN + 1];
    snprintf(uuid, sizeof uuid, LIBXL_UUID_FMT, LIBXL__UUID_BYTES(xi->dcfg.c_info.uuid.uuid));
    snprintf(rec, sizeof rec, "domid=%u uuid=%s name=%s", xi->domid, uuid, xi->name);
    if (xi->inst)
        zs_backend_record(xi->inst, rec);
    else
        zs_backend_spare_record(xi->be->sp, xi->spare_key, rec);
}

static void set_ready_watch(struct xen_instance *xi)
{
    snprintf(xi->ready_path, sizeof xi->ready_path, XS_HOME "/data/zerg/ready", xi->domid);
    snprintf(xi->token, sizeof xi->token, "%" PRIu64, xi->id);
}

/* --- the pool: spares ------------------------------------------------------------------------ */

static void spare_set_state(struct xen_instance *xi, enum zs_spare_state to)
{
    struct zs_backend *be = xi->be;
    if (xi->spare_state == to)
        return;
    if (to == ZS_SPARE_DYING)
        be->spares_alive--;
    zs_backend_spare_move(be->sp, xi->spare_state, to);
    xi->spare_state = to;
}

static uint64_t backoff_ms(unsigned losses)
{
    uint64_t ms = BACKOFF_MIN_MS;
    for (unsigned i = 1; i < losses && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* main: a spare died, was killed, or could not be made: counted, destroyed, and (once released)
 * replaced after the back-off. */
static void spare_lost(struct xen_instance *xi, enum zs_spare_failure why, const char *detail)
{
    struct zs_backend *be = xi->be;
    zlog_msg(ZLOG_WARN, "xen", "prepared domain %s (domid %u) lost: %s; it is replaced", xi->name,
             xi->created ? xi->domid : 0, detail);
    zs_backend_spare_failed(be->sp, why);
    be->loss_streak++;
    be->fill_not_before = zclock_now_ns() + backoff_ms(be->loss_streak) * 1000000u;
    xi->exited = true;
    spare_set_state(xi, ZS_SPARE_DYING);
    if (xi->in_lx)
        xi->destroy_wanted = true;
    else
        start_destroy(xi); /* may release xi at once */
}

/*
 * main: a taken spare failed before its instance was ready (it died or crashed as the request
 * took it, or its assignment failed): instead of a 502 for that request, its domain is
 * destroyed and, once gone, the instance gets a cold domain (recreate_cold, from release()).
 * Once per instance, and not once the spawner has ended the instance or the daemon is stopping.
 * Counted (zerg_pool_failures_total{kind="take_failed"}), logged, and backed off like a spare
 * lost in the pool. false: no fallback, the caller fails the instance as before.
 */
static bool fall_back(struct xen_instance *xi, const char *detail)
{
    struct zs_backend *be = xi->be;
    if (!xi->inst || !xi->spare_key || xi->fell_back || xi->told_ready || xi->exited ||
        xi->destroying || xi->destroy_wanted || be->draining)
        return false;
    zlog_msg(ZLOG_WARN, "xen",
             "prepared domain %s (domid %u) failed as instance %" PRIu64
             " took it: %s; a cold domain instead",
             xi->name, xi->created ? xi->domid : 0, xi->id, detail);
    zs_backend_spare_failed(be->sp, ZS_SPARE_TAKE_FAILED);
    be->loss_streak++;
    be->fill_not_before = zclock_now_ns() + backoff_ms(be->loss_streak) * 1000000u;
    xi->fell_back = true;
    xi->recreate = true;
    xi->exited = true; /* the dead domain's events and readiness are no longer the instance's */
    if (xi->in_lx)
        xi->destroy_wanted = true; /* the step's answer starts the destroy */
    else
        start_destroy(xi);
    return true;
}

/* lx: a taken spare's parameters, in one transaction (retried when xenstored reports a
 * conflict), so that the guest sees all of them together with data/zerg/instance. */
static int write_params(struct zs_backend *be, struct xen_instance *xi)
{
    const char *kv[2 * NPARAMS];
    char n[24], path[160];
    instance_params(xi, kv, n);
    for (int attempt = 0; attempt < PARAMS_TRIES; attempt++) {
        xs_transaction_t t = xs_transaction_start(be->xs);
        if (t == XBT_NULL)
            return -1;
        bool ok = true;
        for (int i = 0; ok && i < NPARAMS; i++) {
            snprintf(path, sizeof path, XS_HOME "/%s", xi->domid, kv[2 * i]);
            ok = xs_write(be->xs, t, path, kv[2 * i + 1], strlen(kv[2 * i + 1]));
        }
        if (!ok) {
            xs_transaction_end(be->xs, t, true);
            return -1;
        }
        if (xs_transaction_end(be->xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -1;
    }
    return -1;
}

/* lx: a taken spare gets its instance: the readiness watch, the parameters, and unpause when it
 * was kept paused. Answered like a cold domain's last step (main_unpaused); its death watch was
 * set when it was armed. */
static void lx_assign(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    int rc = 0;
    if (!xs_watch(be->xs, xi->ready_path, xi->token)) {
        rc = 1;
    } else {
        xi->watching_ready = true;
        LIST_INSERT_HEAD(&be->lx_watching, xi, lx_link);
        if (write_params(be, xi) != 0)
            rc = 4;
        else if (!be->pool_running && libxl_domain_unpause(be->ctx, xi->domid, NULL) != 0)
            rc = 3;
    }
    xi->t_unpaused = zclock_now_ns();
    post_step(&be->to_main, xi, main_unpaused, rc);
}

static void start_assign(struct xen_instance *xi)
{
    set_ready_watch(xi);
    xi->in_lx = true;
    post_step(&xi->be->to_lx, xi, lx_assign, 0);
}

/* main: lx says whether a new spare is armed. */
static void main_armed(struct zs_backend *be, struct xen_msg *m)
{
    (void)be;
    struct xen_instance *xi = m->xi;
    xi->in_lx = false;
    if (xi->destroy_wanted) {
        start_destroy(xi);
        return;
    }
    if (m->rc != 0) {
        const char *why = m->rc == 2 ? "death watch failed" : "unpause failed";
        if (!xi->inst) {
            spare_lost(xi, ZS_SPARE_CREATE_FAILED, why);
        } else if (!fall_back(xi, why)) {
            xi->exited = true;
            zs_backend_exited(xi->inst, 0, ZERG_ERR_SPAWN_FAILED, why);
        }
        return;
    }
    xi->armed = true;
    if (xi->inst)
        start_assign(xi); /* taken while it was being made */
    else
        spare_set_state(xi, ZS_SPARE_READY);
}

/* lx: a new spare's death watch (it may die, or be killed, while it waits), and in running mode
 * its unpause: the guest boots and waits for its parameters. */
static void lx_arm(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    int rc = 0;
    if (libxl_evenable_domain_death(be->ctx, xi->domid, 0, &xi->death) != 0)
        rc = 2;
    else if (be->pool_running && libxl_domain_unpause(be->ctx, xi->domid, NULL) != 0)
        rc = 3;
    post_step(&be->to_main, xi, main_armed, rc);
}

/* main: creation finished (m->rc from libxl). */
static void main_created(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    int rc = m->rc;
    char detail[96];
    xi->in_lx = false;
    if (rc != 0) {
        /* libxl tears a failed creation down itself: nothing of ours is left in Xen. */
        if (!xi->inst && xi->spare_state != ZS_SPARE_DYING) {
            snprintf(detail, sizeof detail, "libxl_domain_create_new: error %d", rc);
            spare_lost(xi, ZS_SPARE_CREATE_FAILED, detail); /* released at once */
            return;
        }
        snprintf(detail, sizeof detail, "libxl_domain_create_new: error %d", rc);
        if (!xi->destroy_wanted && fall_back(xi, detail))
            return; /* an adopted spare whose creation failed */
        xi->exited = true;
        if (xi->destroy_wanted || !xi->inst) {
            start_destroy(xi); /* ended already (the spawner, a drain): just release */
            return;
        }
        zs_backend_exited(xi->inst, 0, ZERG_ERR_SPAWN_FAILED, detail); /* -> destroy() */
        return;
    }
    xi->created = true;
    write_record(xi);
    if (xi->destroy_wanted) {
        start_destroy(xi);
        return;
    }
    xi->in_lx = true;
    if (xi->spare_key) {
        post_step(&be->to_lx, xi, lx_arm, 0); /* a spare, taken meanwhile or not */
        return;
    }
    set_ready_watch(xi);
    post_step(&be->to_lx, xi, lx_unpause, 0);
}

/* lx: libxl's creation callback. */
static void on_created(libxl_ctx *ctx, int rc, void *user)
{
    (void)ctx;
    struct xen_instance *xi = user;
    xi->t_created = zclock_now_ns();
    post_step(&xi->be->to_main, xi, main_created, rc);
}

/* lx: starts the creation. 0 means started, not done; the callback may even run before
 * libxl_domain_create_new returns. When it refuses, the callback never runs. */
static void lx_create(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    libxl_asyncop_how how = {.callback = on_created, .u.for_callback = xi};
    xi->t_create = zclock_now_ns();
    int rc = libxl_domain_create_new(be->ctx, &xi->dcfg, &xi->domid, &how, NULL);
    if (rc != 0) {
        xi->t_created = zclock_now_ns();
        post_step(&be->to_main, xi, main_created, rc);
    }
}

/* What the instance brings: its id, the client's address, the prefix. -1: out of memory. */
static int instance_set(struct xen_instance *xi, const struct zs_create_args *a)
{
    uint8_t *prefix = NULL;
    if (a->prefix_len) {
        prefix = malloc(a->prefix_len);
        if (!prefix)
            return -1;
        memcpy(prefix, a->prefix, a->prefix_len);
    }
    xi->prefix = prefix;
    xi->prefix_len = a->prefix_len;
    xi->id = a->id;
    snprintf(xi->id_text, sizeof xi->id_text, "%" PRIu64, a->id);
    snprintf(xi->peer, sizeof xi->peer, "%s", a->peer ? a->peer : "");
    return 0;
}

/* A new domain on its way: a cold one for instance args `a` (spare_key 0), or a spare (`a`
 * NULL). NULL: out of memory, nothing started. */
static struct xen_instance *domain_start(struct zs_backend *be, const struct zs_create_args *a,
                                         uint64_t spare_key)
{
    struct xen_instance *xi = calloc(1, sizeof *xi);
    if (!xi)
        return NULL;
    libxl_domain_config_init(&xi->dcfg);
    xi->be = be;
    xi->spare_key = spare_key;
    xi->spare_state = ZS_SPARE_PREPARING;
    if (spare_key)
        snprintf(xi->name, sizeof xi->name, "zerg-%s-p%" PRIu64, be->cfg->daemon.id, spare_key);
    else
        snprintf(xi->name, sizeof xi->name, "zerg-%s-%" PRIu64, be->cfg->daemon.id, a->id);
    if ((a && instance_set(xi, a) < 0) || build_config(xi) < 0) {
        libxl_domain_config_dispose(&xi->dcfg);
        free(xi->prefix);
        free(xi);
        return NULL;
    }
    LIST_INSERT_HEAD(&be->live, xi, link);
    xi->in_lx = true;
    post_step(&be->to_lx, xi, lx_create, 0);
    return xi;
}

/* The spare to take: a ready one, else the oldest still being made (further along than a cold
 * creation would be); NULL when there is none. */
static struct xen_instance *spare_to_take(struct zs_backend *be)
{
    struct xen_instance *xi, *preparing = NULL;
    LIST_FOREACH(xi, &be->live, link)
    {
        if (xi->inst || !xi->spare_key || xi->spare_state == ZS_SPARE_DYING)
            continue;
        if (xi->spare_state == ZS_SPARE_READY)
            return xi;
        preparing = xi; /* the list is newest first: the last one seen is the oldest */
    }
    return preparing;
}

/* create() takes spare xi for inst: its record becomes the instance's, and it gets its
 * parameters now (ready) or once it is armed (still being made). */
static int spare_take(struct xen_instance *xi, struct zs_instance *inst,
                      const struct zs_create_args *a)
{
    struct zs_backend *be = xi->be;
    if (instance_set(xi, a) < 0)
        return -1; /* the spare stays in the pool */
    enum zs_spare_state from = xi->spare_state;
    xi->inst = inst;
    xi->origin = from == ZS_SPARE_READY ? ORIGIN_HIT : ORIGIN_ADOPTED;
    xi->t_take = zclock_now_ns();
    be->spares_alive--;
    if (xi->created)
        write_record(xi); /* the instance's record before the spare's goes */
    zs_backend_spare_taken(inst, xi->spare_key, from);
    if (from == ZS_SPARE_READY)
        be->loss_streak = 0;
    xi->holds_refill = true;
    be->takes_waiting++;
    be->hold_until = xi->t_take + (uint64_t)REFILL_HOLD_MS * 1000000u;
    if (xi->armed && !xi->in_lx)
        start_assign(xi);
    return 0;
}

static int xen_create(struct zs_backend *be, struct zs_instance *inst,
                      const struct zs_create_args *a, void **priv, char *err, size_t errlen)
{
    struct xen_instance *xi = be->pool_size ? spare_to_take(be) : NULL;
    if (xi) {
        if (spare_take(xi, inst, a) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *priv = xi;
        return 0;
    }
    if (be->pool_size)
        zs_backend_pool_miss(inst);
    xi = domain_start(be, a, 0);
    if (!xi) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    xi->inst = inst;
    *priv = xi;
    return 0;
}

/* main: makes spares up to xen.pool_size, within limits.max_instances, unless draining, backing
 * off after losses, or while a taken spare still runs (within REFILL_HOLD_MS of its take): a
 * domain build holds lx (readiness, libxl's events) and dom0's one vCPU for ~200-300 ms under
 * TCG, which measured as a hit's client latency doubled when the refill started at its
 * readiness (docs/xen.md). */
static void pool_fill(struct zs_backend *be)
{
    if (!be->pool_size || be->draining)
        return;
    uint64_t now = zclock_now_ns();
    uint64_t not_before = be->fill_not_before;
    if (be->takes_waiting > 0 && be->hold_until > not_before)
        not_before = be->hold_until;
    if (now < not_before) {
        struct timeval tv = zclock_ms_to_tv((uint32_t)((not_before - now) / 1000000u + 1));
        evtimer_add(be->pool_ev, &tv);
        return;
    }
    while (be->spares_alive < be->pool_size) {
        uint64_t key = zs_backend_spare_reserve(be->sp);
        if (!key)
            return; /* no room now: again when something is released */
        be->spares_alive++;
        if (!domain_start(be, NULL, key)) {
            zlog_msg(ZLOG_ERROR, "xen", "out of memory preparing a domain for the pool");
            be->spares_alive--;
            zs_backend_spare_gone(be->sp, key, ZS_SPARE_PREPARING);
            be->fill_not_before = now + (uint64_t)BACKOFF_MAX_MS * 1000000u;
            return;
        }
    }
}

static void pool_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pool_fill(arg);
}

/* The daemon stops taking requests: the spares go now. */
static void xen_drain(struct zs_backend *be)
{
    be->draining = true;
    struct xen_instance *xi, *next;
    for (xi = LIST_FIRST(&be->live); xi; xi = next) {
        next = LIST_NEXT(xi, link);
        if (xi->inst || !xi->spare_key || xi->spare_state == ZS_SPARE_DYING)
            continue;
        spare_set_state(xi, ZS_SPARE_DYING);
        if (xi->in_lx)
            xi->destroy_wanted = true;
        else
            start_destroy(xi);
    }
}

/* --- hand-off: the vchan pump ------------------------------------------------------------- */

/* Sends what it can of the prefix; true once all of it is in the vchan. */
static bool send_prefix(struct xen_instance *xi)
{
    while (xi->prefix_sent < xi->prefix_len) {
        int space = libxenvchan_buffer_space(xi->vchan);
        if (space <= 0)
            return false; /* the rest when the guest has read some: vchan_cb calls again */
        size_t n = xi->prefix_len - xi->prefix_sent;
        if (n > (size_t)space)
            n = (size_t)space;
        int w = libxenvchan_write(xi->vchan, xi->prefix + xi->prefix_sent, n);
        if (w <= 0)
            return false;
        xi->prefix_sent += (size_t)w;
    }
    return true;
}

/*
 * Passing the guest's end of stream on to the proxy's end of the pair. The proxy takes its end
 * in a deferred callback after the hand-off, so a fast guest can answer and close first: an EOF
 * passed on then reaches no callback, and a pair end freed then leaves the answer unread in
 * the other's buffer (clients that got 0 bytes and no end, in bench-xen). So the EOF waits,
 * looked at every millisecond, until the proxy's end has its callbacks and reads (then it is
 * passed on), the proxy has freed its end, or 2 s have gone (then it is passed on as it is). The
 * waiting end is owned here, apart from the instance, which may be released meanwhile.
 */
struct eof_handover {
    struct bufferevent *end;
    struct event *tick;
    unsigned ticks_left;
};

static void eof_handover_free(struct eof_handover *h)
{
    event_free(h->tick);
    bufferevent_free(h->end);
    free(h);
}

/* True when done (passed on, or nobody left to tell). */
static bool eof_handover_try(struct bufferevent *end)
{
    struct bufferevent *peer = bufferevent_pair_get_partner(end);
    bufferevent_event_cb peer_eventcb = NULL;
    if (peer)
        bufferevent_getcb(peer, NULL, NULL, &peer_eventcb, NULL);
    if (peer && (!peer_eventcb || !(bufferevent_get_enabled(peer) & EV_READ)))
        return false;
    bufferevent_flush(end, EV_WRITE, BEV_FINISHED);
    return true;
}

static void eof_handover_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct eof_handover *h = arg;
    if (eof_handover_try(h->end)) {
        eof_handover_free(h);
        return;
    }
    if (--h->ticks_left == 0) {
        /* The proxy's end never read (a client that stopped reading): end it as it is. */
        bufferevent_flush(h->end, EV_WRITE, BEV_FINISHED);
        eof_handover_free(h);
        return;
    }
    struct timeval ms = {0, 1000};
    evtimer_add(h->tick, &ms);
}

/* Takes `end` (our end of a pair, its callbacks about to be cleared) and ends it. */
static void eof_handover(struct event_base *base, struct bufferevent *end)
{
    bufferevent_setcb(end, NULL, NULL, NULL, NULL);
    if (eof_handover_try(end)) {
        bufferevent_free(end);
        return;
    }
    struct eof_handover *h = calloc(1, sizeof *h);
    struct timeval ms = {0, 1000};
    if (h)
        h->tick = evtimer_new(base, eof_handover_tick, h);
    if (!h || !h->tick || evtimer_add(h->tick, &ms) < 0) {
        /* No memory for the wait: end it now, as before (the answer may be lost). */
        bufferevent_flush(end, EV_WRITE, BEV_FINISHED);
        bufferevent_free(end);
        if (h && h->tick)
            event_free(h->tick);
        free(h);
        return;
    }
    h->end = end;
    h->ticks_left = 2000;
}

/* Moves what it can: the prefix, then from the pair into the vchan, and from the vchan into
 * the pair. The prefix is kept apart because a bufferevent's input buffer cannot be added to
 * from outside (its end is frozen). */
static void pump(struct xen_instance *xi)
{
    struct evbuffer *in = bufferevent_get_input(xi->pump);
    uint8_t buf[VCHAN_CHUNK];
    while (send_prefix(xi)) {
        int space = libxenvchan_buffer_space(xi->vchan);
        size_t avail = evbuffer_get_length(in);
        if (space <= 0 || avail == 0)
            break;
        size_t n = avail < (size_t)space ? avail : (size_t)space;
        if (n > sizeof buf)
            n = sizeof buf;
        evbuffer_copyout(in, buf, n);
        int w = libxenvchan_write(xi->vchan, buf, n);
        if (w <= 0)
            break;
        evbuffer_drain(in, (size_t)w);
    }
    for (;;) {
        int ready = libxenvchan_data_ready(xi->vchan);
        if (ready <= 0)
            break;
        int r = libxenvchan_read(xi->vchan, buf, sizeof buf);
        if (r <= 0)
            break;
        bufferevent_write(xi->pump, buf, (size_t)r);
    }
    if (!libxenvchan_is_open(xi->vchan) && libxenvchan_data_ready(xi->vchan) == 0) {
        /* The guest closed its end: pass the EOF on to the proxy's side. */
        event_del(xi->vchan_ev);
        eof_handover(xi->be->base, xi->pump);
        xi->pump = NULL;
    }
}

static void vchan_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct xen_instance *xi = arg;
    libxenvchan_wait(xi->vchan); /* clears the event; does not block when the fd was readable */
    if (xi->pump)
        pump(xi);
}

static void pump_read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    pump(arg);
}

static void pump_event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct xen_instance *xi = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        /* The client side is done; the guest sees the vchan close when we destroy it. */
        pump(xi);
    }
}

static int xen_handoff(struct zs_backend *be, struct zs_instance *inst, void *priv,
                       struct bufferevent **forward)
{
    (void)inst;
    struct xen_instance *xi = priv;
    char path[96];
    struct bufferevent *pair[2] = {NULL, NULL};
    snprintf(path, sizeof path, XS_HOME "/data/zerg/vchan", xi->domid);
    if (!xi->vchan) { /* connected by lx at readiness; once more here if that failed */
        uint64_t t0 = zclock_now_ns();
        xi->vchan = libxenvchan_client_init((xentoollog_logger *)be->logger, (int)xi->domid, path);
        note_slow("libxenvchan_client_init", t0);
    }
    if (!xi->vchan)
        return -1;
    if (bufferevent_pair_new(be->base, 0, pair) < 0)
        return -1;
    xi->pump = pair[1];
    xi->vchan_ev = event_new(be->base, libxenvchan_fd_for_select(xi->vchan), EV_READ | EV_PERSIST,
                             vchan_cb, xi);
    if (!xi->vchan_ev || event_add(xi->vchan_ev, NULL) < 0) {
        bufferevent_free(pair[0]);
        return -1;
    }
    bufferevent_setcb(xi->pump, pump_read_cb, NULL, pump_event_cb, xi);
    bufferevent_enable(xi->pump, EV_READ | EV_WRITE);
    pump(xi); /* the bytes the proxy already read from the client go first */
    *forward = pair[0];
    return 0;
}

/* --- destroy and release ---------------------------------------------------------------- */

static uint64_t ms_between(uint64_t from, uint64_t to)
{
    return from && to > from ? to - from : 0;
}

static const char *origin_text(const struct xen_instance *xi)
{
    if (!xi->inst)
        return "spare"; /* never taken */
    if (xi->recreate)
        return "take_failed"; /* the spare's domain, before the instance's cold one */
    static const char *const names[] = {[ORIGIN_COLD] = "cold",
                                        [ORIGIN_HIT] = "hit",
                                        [ORIGIN_ADOPTED] = "adopted",
                                        [ORIGIN_FALLBACK] = "fallback"};
    return names[xi->origin];
}

/* main: the failed spare's domain is gone (fall_back): xi becomes a cold creation for the same
 * instance, with what the take gave it (id, peer, prefix). */
static void recreate_cold(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    libxl_domain_config_dispose(&xi->dcfg);
    xi->recreate = false;
    xi->spare_key = 0;
    xi->origin = ORIGIN_FALLBACK;
    xi->armed = xi->created = xi->destroying = xi->destroy_wanted = xi->exited = false;
    xi->domid = 0;
    xi->t_create = xi->t_created = xi->t_unpaused = xi->t_destroy = xi->t_destroyed = 0;
    snprintf(xi->name, sizeof xi->name, "zerg-%s-%" PRIu64, be->cfg->daemon.id, xi->id);
    if (build_config(xi) < 0) {
        xi->exited = true; /* nothing in Xen: the spawner's destroy() releases at once */
        zs_backend_exited(xi->inst, 0, ZERG_ERR_SPAWN_FAILED, "out of memory (fallback domain)");
        return;
    }
    xi->in_lx = true;
    post_step(&be->to_lx, xi, lx_create, 0);
}

/* The last step of every domain: its timing line, then the spawner is told, and the pool filled
 * (there may be room now). */
static void release(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    struct zs_instance *inst = xi->inst;
    if (xi->created && zlog_enabled(ZLOG_INFO)) {
        uint64_t gone = zclock_now_ns();
        struct zlog_line l;
        zlog_begin(&l, ZLOG_INFO, "xen_domain");
        zlog_kv_u64(&l, "id", xi->id);
        zlog_kv_u64(&l, "domid", xi->domid);
        zlog_kv_str(&l, "pool", origin_text(xi));
        if (xi->spare_key)
            zlog_kv_u64(&l, "spare", xi->spare_key);
        zlog_kv_ms(&l, "create_ms", ms_between(xi->t_create, xi->t_created));
        if (xi->spare_key && xi->inst)
            zlog_kv_ms(&l, "assign_ms", ms_between(xi->t_take, xi->t_unpaused));
        else
            zlog_kv_ms(&l, "unpause_ms", ms_between(xi->t_created, xi->t_unpaused));
        zlog_kv_ms(&l, "destroy_ms", ms_between(xi->t_destroy, xi->t_destroyed));
        zlog_kv_ms(&l, "gone_ms", ms_between(xi->t_destroyed, gone));
        zlog_end(&l);
    }
    if (xi->holds_refill) {
        xi->holds_refill = false;
        be->takes_waiting--;
    }
    if (xi->recreate) {
        recreate_cold(xi);
        pool_fill(be);
        return;
    }
    uint64_t key = xi->spare_key;
    enum zs_spare_state state = xi->spare_state;
    if (!inst && state != ZS_SPARE_DYING)
        be->spares_alive--; /* not through spare_set_state: the spawner is told below */
    instance_free(xi);
    if (inst)
        zs_backend_released(inst);
    else
        zs_backend_spare_gone(be->sp, key, state);
    pool_fill(be);
}

/* main: lx is done with the domain (gone, or the bound passed, or the destroy refused). */
static void main_release(struct zs_backend *be, struct xen_msg *m)
{
    (void)be;
    struct xen_instance *xi = m->xi;
    xi->in_lx = false;
    release(xi);
}

/* lx: drops what lx holds for the instance and hands it back to main for release. */
static void lx_finish(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    if (xi->death) {
        libxl_evdisable_domain_death(be->ctx, xi->death);
        xi->death = NULL;
    }
    if (xi->gone_ev) {
        event_free(xi->gone_ev);
        xi->gone_ev = NULL;
    }
    post_step(&be->to_main, xi, main_release, 0);
}

/* True when the domain is no longer listed, or its domid now names another domain. */
static bool domain_gone(struct xen_instance *xi)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    int rc = libxl_domain_info(xi->be->ctx, &info, xi->domid);
    bool gone = rc != 0 || libxl_uuid_compare(&info.uuid, &xi->dcfg.c_info.uuid) != 0;
    libxl_dominfo_dispose(&info);
    return gone;
}

/* lx: polls a destroyed domain until it is no longer listed, within DYING_WAIT_MS. */
static void gone_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct xen_instance *xi = arg;
    if (domain_gone(xi)) {
        lx_finish(xi);
        return;
    }
    if (zclock_now_ns() - xi->t_destroyed >= (uint64_t)DYING_WAIT_MS * 1000000u) {
        zlog_msg(ZLOG_WARN, "xen",
                 "domain %u (instance %" PRIu64 ") still dying %d ms after its destroy; released",
                 xi->domid, xi->id, DYING_WAIT_MS);
        lx_finish(xi);
        return;
    }
    struct timeval tv = {0, GONE_POLL_MS * 1000};
    evtimer_add(xi->gone_ev, &tv);
}

/* lx: libxl's destroy callback. */
static void on_destroyed(libxl_ctx *ctx, int rc, void *user)
{
    (void)ctx;
    struct xen_instance *xi = user;
    xi->t_destroyed = zclock_now_ns();
    if (rc != 0)
        zlog_msg(ZLOG_ERROR, "xen", "destroying domain %u (instance %" PRIu64 "): error %d",
                 xi->domid, xi->id, rc);
    /* A destroyed domain lingers as dying until Xen has taken back its memory and every
     * mapping of its pages is gone: release only when it is no longer listed. */
    if (domain_gone(xi))
        lx_finish(xi);
    else if ((xi->gone_ev = evtimer_new(xi->be->lx_base, gone_cb, xi)) != NULL)
        gone_cb(-1, 0, xi);
    else
        lx_finish(xi);
}

/* lx: starts the asynchronous destroy. */
static void lx_destroy(struct zs_backend *be, struct xen_msg *m)
{
    struct xen_instance *xi = m->xi;
    lx_unwatch_ready(xi);
    libxl_asyncop_how how = {.callback = on_destroyed, .u.for_callback = xi};
    if (libxl_domain_destroy(be->ctx, xi->domid, &how) != 0) {
        zlog_msg(ZLOG_ERROR, "xen", "libxl_domain_destroy refused for domain %u", xi->domid);
        lx_finish(xi);
    }
}

/* dom0's mappings of the guest's vchan pages keep a destroyed domain dying: drop them first.
 * What the guest wrote is moved on and the proxy's side gets its EOF first (a pair end freed
 * without BEV_FINISHED leaves the other end waiting forever: seen as a client timing out when
 * the guest's poweroff reached us before its vchan close). */
static void close_vchan(struct xen_instance *xi)
{
    if (xi->pump && xi->vchan)
        pump(xi); /* hands the pump over, with the EOF to pass on, if the guest closed its end */
    if (xi->vchan_ev) {
        event_free(xi->vchan_ev);
        xi->vchan_ev = NULL;
    }
    if (xi->pump) {
        eof_handover(xi->be->base, xi->pump);
        xi->pump = NULL;
    }
    if (xi->vchan) {
        libxenvchan_close(xi->vchan);
        xi->vchan = NULL;
    }
}

static void start_destroy(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    if (xi->destroying)
        return;
    xi->destroying = true;
    xi->t_destroy = zclock_now_ns();
    uint64_t t0 = zclock_now_ns();
    close_vchan(xi);
    note_slow("close_vchan", t0);
    if (!xi->created) {
        /* Creation failed: nothing of ours is left in Xen. */
        release(xi);
        return;
    }
    xi->in_lx = true;
    post_step(&be->to_lx, xi, lx_destroy, 0);
}

static void xen_destroy(struct zs_backend *be, struct zs_instance *inst, void *priv)
{
    (void)be;
    (void)inst;
    struct xen_instance *xi = priv;
    xi->recreate = false; /* the spawner is done with the instance: no fallback domain now */
    if (xi->in_lx) {
        /* The step's answer decides: destroy what lx made as soon as it reports. */
        xi->destroy_wanted = true;
        return;
    }
    start_destroy(xi);
}

/* main, or lx's leftovers once the lx thread has ended (dispose). */
static void instance_free(struct xen_instance *xi)
{
    struct zs_backend *be = xi->be;
    if (xi->death)
        libxl_evdisable_domain_death(be->ctx, xi->death);
    if (xi->gone_ev)
        event_free(xi->gone_ev);
    close_vchan(xi);
    LIST_REMOVE(xi, link);
    libxl_domain_config_dispose(&xi->dcfg);
    free(xi->prefix);
    free(xi);
}

/* --- orphans, description, init, dispose ------------------------------------------------ */

/* lx */
static void on_orphan_destroyed(libxl_ctx *ctx, int rc, void *user)
{
    (void)ctx;
    unsigned domid = (unsigned)(uintptr_t)user;
    zlog_msg(rc == 0 ? ZLOG_INFO : ZLOG_ERROR, "orphan", "domain %u %s", domid,
             rc == 0 ? "destroyed" : "could not be destroyed");
}

static void lx_destroy_orphan(struct zs_backend *be, struct xen_msg *m)
{
    libxl_asyncop_how how = {.callback = on_orphan_destroyed,
                             .u.for_callback = (void *)(uintptr_t)m->domid};
    if (libxl_domain_destroy(be->ctx, m->domid, &how) != 0)
        zlog_msg(ZLOG_ERROR, "orphan", "libxl_domain_destroy refused for domain %u", m->domid);
}

/*
 * Destroys a domain an earlier run of this daemon id recorded, if, and only if, a domain with
 * that domid still exists and has that uuid. The check runs here (libxl_domain_info uses no
 * events, so main may call it); the destroy is asynchronous on lx like every other libxl
 * operation: a synchronous one would wait on events that only lx's loop delivers.
 */
static int xen_destroy_orphan(struct zs_backend *be, const char *record)
{
    unsigned domid;
    char uuid_text[LIBXL_UUID_FMTLEN + 1];
    if (sscanf(record, "domid=%u uuid=%36s", &domid, uuid_text) != 2 || domid == 0)
        return -1;
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    if (libxl_domain_info(be->ctx, &info, domid) != 0) {
        libxl_dominfo_dispose(&info);
        return 0; /* gone */
    }
    char now_uuid[LIBXL_UUID_FMTLEN + 1];
    snprintf(now_uuid, sizeof now_uuid, LIBXL_UUID_FMT, LIBXL__UUID_BYTES(info.uuid.uuid));
    libxl_dominfo_dispose(&info);
    if (strcmp(now_uuid, uuid_text) != 0)
        return 0; /* the domid was reused by a domain that is not ours */
    return post_new(&be->to_lx, lx_destroy_orphan, domid, 0, 0) ? 1 : -1;
}

static void xen_describe(struct zs_backend *be, struct zs_instance *inst, void *priv,
                         struct jsonw *w)
{
    (void)be;
    (void)inst;
    struct xen_instance *xi = priv;
    char uuid[LIBXL_UUID_FMTLEN + 1];
    snprintf(uuid, sizeof uuid, LIBXL_UUID_FMT, LIBXL__UUID_BYTES(xi->dcfg.c_info.uuid.uuid));
    jsonw_object_begin(w);
    jsonw_kv_str(w, "name", xi->name);
    jsonw_kv_str(w, "uuid", uuid);
    if (xi->created)
        jsonw_kv_u64(w, "domid", xi->domid);
    jsonw_kv_str(w, "pool", origin_text(xi));
    jsonw_kv_bool(w, "vchan", xi->vchan != NULL);
    jsonw_object_end(w);
}

static void lx_quit(struct zs_backend *be, struct xen_msg *m)
{
    (void)m;
    event_base_loopbreak(be->lx_base);
}

static void *lx_main(void *arg)
{
    struct zs_backend *be = arg;
    event_base_loop(be->lx_base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void xen_dispose(struct zs_backend *be)
{
    if (!be)
        return;
    /* Destroy what is left: start the asynchronous destroys and turn the daemon's loop here
     * (lx's answers arrive on it), within a bound. */
    be->draining = true;
    if (be->pool_ev)
        event_del(be->pool_ev);
    struct xen_instance *xi, *next;
    for (xi = LIST_FIRST(&be->live); xi; xi = next) {
        next = LIST_NEXT(xi, link);
        if (!xi->inst && xi->spare_state != ZS_SPARE_DYING)
            spare_set_state(xi, ZS_SPARE_DYING);
        if (xi->in_lx)
            xi->destroy_wanted = true;
        else
            start_destroy(xi); /* may release and free xi at once */
    }
    uint64_t deadline = zclock_now_ns() + (uint64_t)DISPOSE_WAIT_MS * 1000000u;
    while (be->lx_running && !LIST_EMPTY(&be->live) && zclock_now_ns() < deadline)
        event_base_loop(be->base, EVLOOP_ONCE);
    if (be->lx_running) {
        static struct xen_msg quit = {.fn = lx_quit};
        mailbox_post(&be->to_lx, &quit);
        pthread_join(be->lx_thread, NULL);
        be->lx_running = false;
    }
    /* lx has ended: what it still held (steps in the mailboxes, death watches, pollers) is
     * main's to drop now. */
    mailbox_dispose(&be->to_lx);
    mailbox_dispose(&be->to_main);
    while (!LIST_EMPTY(&be->live)) {
        xi = LIST_FIRST(&be->live);
        zlog_msg(ZLOG_ERROR, "xen", "domain %u (%s) not destroyed in %d ms", xi->domid, xi->name,
                 DISPOSE_WAIT_MS);
        struct zs_instance *inst = xi->inst;
        instance_free(xi);
        if (inst)
            zs_backend_released(inst);
        /* A spare's record stays: the next run of this daemon id destroys it. */
    }
    if (be->pool_ev)
        event_free(be->pool_ev);
    if (be->xs_ev)
        event_free(be->xs_ev);
    if (be->sigchld_ev)
        event_free(be->sigchld_ev);
    if (be->xs)
        xs_close(be->xs);
    if (be->ctx)
        libxl_ctx_free(be->ctx); /* deregisters its fds from lx_base: before freeing it */
    if (be->lx_base)
        event_base_free(be->lx_base);
    if (be->logger)
        xtl_logger_destroy((xentoollog_logger *)be->logger);
    free(be);
}

static int xen_init(struct zs_backend **out, struct zs_spawner *sp, const struct zerg_config *cfg,
                    struct event_base *base, char *err, size_t errlen)
{
    struct zs_backend *be = calloc(1, sizeof *be);
    if (!be) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    be->sp = sp;
    be->cfg = cfg;
    be->base = base;
    be->pool_size = cfg->xen.pool_size;
    be->pool_running = cfg->xen.pool_mode == ZERG_POOL_RUNNING;
    LIST_INIT(&be->live);
    LIST_INIT(&be->lx_watching);
    if (!cfg->xen.kernel || access(cfg->xen.kernel, R_OK) != 0) {
        snprintf(err, errlen, "xen.kernel %s: %s", cfg->xen.kernel ? cfg->xen.kernel : "(unset)",
                 strerror(errno));
        goto fail;
    }
    be->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!be->logger ||
        libxl_ctx_alloc(&be->ctx, LIBXL_VERSION, 0, (xentoollog_logger *)be->logger) != 0) {
        snprintf(err, errlen, "libxl_ctx_alloc failed (is this a Xen dom0 with xenstored?)");
        goto fail;
    }
    be->lx_base = event_base_new();
    if (!be->lx_base || mailbox_init(&be->to_lx, be, be->lx_base) < 0 ||
        mailbox_init(&be->to_main, be, base) < 0) {
        snprintf(err, errlen, "cannot set up libxl's thread: %s", strerror(errno));
        goto fail;
    }
    be->hooks = (libxl_osevent_hooks){
        .fd_register = hook_fd_register,
        .fd_modify = hook_fd_modify,
        .fd_deregister = hook_fd_deregister,
        .timeout_register = hook_timeout_register,
        .timeout_modify = hook_timeout_modify,
        .timeout_deregister = hook_timeout_deregister,
    };
    libxl_osevent_register_hooks(be->ctx, &be->hooks, be);
    be->child_hooks = (libxl_childproc_hooks){.chldowner = libxl_sigchld_owner_mainloop};
    libxl_childproc_setmode(be->ctx, &be->child_hooks, be);
    be->sigchld_ev = evsignal_new(base, SIGCHLD, sigchld_cb, be);
    if (!be->sigchld_ev || event_add(be->sigchld_ev, NULL) < 0) {
        snprintf(err, errlen, "cannot take SIGCHLD on the loop");
        goto fail;
    }
    be->event_hooks = (libxl_event_hooks){
        .event_occurs_mask = LIBXL_EVENTMASK_ALL,
        .event_occurs = on_event,
        .disaster = on_disaster,
    };
    libxl_event_register_callbacks(be->ctx, &be->event_hooks, be);
    be->xs = xs_open(0);
    if (!be->xs) {
        snprintf(err, errlen, "xs_open: %s", strerror(errno));
        goto fail;
    }
    be->xs_ev = event_new(be->lx_base, xs_fileno(be->xs), EV_READ | EV_PERSIST, xs_cb, be);
    if (!be->xs_ev || event_add(be->xs_ev, NULL) < 0) {
        snprintf(err, errlen, "cannot watch xenstore on the loop");
        goto fail;
    }
    if (be->pool_size) {
        uint64_t free_kb = 0, want_kb = (uint64_t)be->pool_size * cfg->xen.memory_mb * 1024u;
        if (libxl_get_free_memory(be->ctx, &free_kb) == 0 && free_kb < want_kb)
            zlog_msg(ZLOG_WARN, "xen",
                     "xen.pool_size %u domains of %u MB need more than Xen's free memory "
                     "(%" PRIu64 " MB): the pool will not fill",
                     be->pool_size, cfg->xen.memory_mb, free_kb / 1024);
        /* The first fill runs from the loop, after the spawner has handed the orphans of an
         * earlier run to lx: their destroys go first. */
        be->pool_ev = evtimer_new(base, pool_timer_cb, be);
        struct timeval now = {0, 0};
        if (!be->pool_ev || evtimer_add(be->pool_ev, &now) < 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    int prc = pthread_create(&be->lx_thread, NULL, lx_main, be);
    if (prc != 0) {
        snprintf(err, errlen, "cannot start libxl's thread: %s", strerror(prc));
        goto fail;
    }
    be->lx_running = true;
    *out = be;
    return 0;
fail:
    xen_dispose(be);
    return -1;
}

const struct zs_backend_ops zs_backend_xen = {
    .name = "xen",
    .handoffs = 1u << ZERG_HANDOFF_FORWARD,
    .init = xen_init,
    .destroy_orphan = xen_destroy_orphan,
    .create = xen_create,
    .handoff = xen_handoff,
    .destroy = xen_destroy,
    .describe = xen_describe,
    .drain = xen_drain,
    .dispose = xen_dispose,
};
