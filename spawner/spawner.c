/*
 * spawner: the instance lifecycle (see spawner.h for the contract, backend.h for backends).
 *
 * Read top to bottom in the order an instance lives: request and admission, the queue, boot
 * and its deadline, ready and hand-off, serving and its deadline, exit or failure, destroy,
 * reap. Client callbacks are always delivered from a deferred event (inst->notify_ev), never
 * from inside a call the client made.
 */
#include "spawner.h"
#include "backend.h"
#include "jsonw.h"
#include "metrics.h"
#include "state_dir.h"
#include "zclock.h"
#include "zlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#define LOOP_PROBE_MS  50
#define CLIENT_BUCKETS 1024

/* Instances per client address, for limits.per_client_max. */
struct client_entry {
    LIST_ENTRY(client_entry) link;
    char addr[INET6_ADDRSTRLEN];
    unsigned count;
};

TAILQ_HEAD(instance_list, zs_instance);

struct zs_instance {
    struct zs_spawner *sp;
    uint64_t id;
    enum zs_state state;
    uint64_t stamp[ZS_NSTATES];    /* monotonic ns of entering each state, 0 if never */
    int slot;                      /* -1 when not holding one */
    TAILQ_ENTRY(zs_instance) link; /* in sp->queue while requested, else sp->live */
    bool queued;

    /* the request */
    int client_fd;
    char peer[INET6_ADDRSTRLEN + 8];
    struct client_entry *client;
    uint8_t *prefix;
    size_t prefix_len;

    /* the caller; ops NULL once ended was delivered or the caller abandoned */
    const struct zs_client_ops *ops;
    void *user;
    struct event *notify_ev;
    bool notify_ready, notify_ended;
    bool release_pending;        /* reap from notify_cb: nothing to wait for from the backend */
    struct bufferevent *forward; /* handed to the caller with ready */
    enum zs_outcome outcome;

    /* why it ended */
    bool has_kind;
    enum zerg_error_kind kind;
    char detail[96];

    /* the backend */
    void *priv;
    bool backend_owned; /* create() accepted: destroy() and released() must follow */
    bool destroy_called;
    struct event *timer_ev; /* the deadline of the current state */
};

struct zs_spawner {
    const struct zerg_config *cfg;
    struct event_base *base;
    const struct zs_backend_ops *ops;
    struct zs_backend *be;
    struct state_dir sd;
    struct zs_metrics metrics;
    struct instance_list live;  /* out of the queue, not yet reaped */
    struct instance_list queue; /* requested, waiting for a slot */
    size_t nqueued;
    uint64_t per_state[ZS_NSTATES];
    uint64_t next_id;
    uint8_t *slots; /* 1 = taken, max_instances entries */
    unsigned slots_used;
    LIST_HEAD(, client_entry) clients[CLIENT_BUCKETS];
    bool draining;
    /* spares (backend.h): counted against limits.max_instances until gone or taken */
    uint64_t spares[ZS_SPARE_NSTATES];
    uint64_t next_spare;
    struct event *probe_ev;
    uint64_t probe_last;
};

static const char *const state_names[ZS_NSTATES] = {
    "requested", "booting", "ready", "serving", "exited", "failed", "reaped",
};

const char *zs_state_name(enum zs_state s)
{
    return (unsigned)s < ZS_NSTATES ? state_names[s] : "?";
}

static const char *const error_labels[ZERG_ERR_NKINDS] = {
#define X(id, label, what) label,
#include "errors.def"
#undef X
};

const char *zerg_error_label(enum zerg_error_kind k)
{
    return (unsigned)k < ZERG_ERR_NKINDS ? error_labels[k] : "?";
}

uint64_t zs_instance_id(const struct zs_instance *inst)
{
    return inst->id;
}

enum zs_state zs_instance_state(const struct zs_instance *inst)
{
    return inst->state;
}

size_t zs_spawner_live(const struct zs_spawner *sp)
{
    return sp->slots_used;
}

size_t zs_spawner_queued(const struct zs_spawner *sp)
{
    return sp->nqueued;
}

static uint64_t spares_held(const struct zs_spawner *sp)
{
    return sp->spares[ZS_SPARE_PREPARING] + sp->spares[ZS_SPARE_READY] + sp->spares[ZS_SPARE_DYING];
}

/* A request may start now: a slot is free, and either the spares leave room for one more
 * instance or create() will turn a spare into it (backend.h), so that live instances + spares
 * never exceed limits.max_instances. */
static bool can_start(const struct zs_spawner *sp)
{
    uint32_t max = sp->cfg->limits.max_instances;
    if (sp->slots_used >= max)
        return false;
    return sp->slots_used + spares_held(sp) < max || sp->spares[ZS_SPARE_PREPARING] > 0 ||
           sp->spares[ZS_SPARE_READY] > 0;
}

void zs_spawner_count_error(struct zs_spawner *sp, enum zerg_error_kind kind)
{
    if ((unsigned)kind < ZERG_ERR_NKINDS)
        sp->metrics.errors[kind]++;
}

void zs_backend_count_error(struct zs_instance *inst, enum zerg_error_kind kind, uint64_t n)
{
    if ((unsigned)kind < ZERG_ERR_NKINDS)
        inst->sp->metrics.errors[kind] += n;
}

/* --- per-client accounting ------------------------------------------------------------------ */

static unsigned addr_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CLIENT_BUCKETS;
}

static struct client_entry *client_find(struct zs_spawner *sp, const char *addr, bool create)
{
    unsigned b = addr_hash(addr);
    struct client_entry *c;
    LIST_FOREACH(c, &sp->clients[b], link)
    if (strcmp(c->addr, addr) == 0)
        return c;
    if (!create)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    LIST_INSERT_HEAD(&sp->clients[b], c, link);
    return c;
}

static void client_release(struct zs_instance *inst)
{
    struct client_entry *c = inst->client;
    inst->client = NULL;
    if (c && --c->count == 0) {
        LIST_REMOVE(c, link);
        free(c);
    }
}

static void format_peer(const struct sockaddr_storage *ss, char *host, size_t hostlen, char *full,
                        size_t fulllen)
{
    uint16_t port = 0;
    host[0] = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, (socklen_t)hostlen);
        port = ntohs(a->sin_port);
        snprintf(full, fulllen, "%s:%u", host, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, (socklen_t)hostlen);
        port = ntohs(a->sin6_port);
        snprintf(full, fulllen, "[%s]:%u", host, port);
    } else {
        snprintf(host, hostlen, "local");
        snprintf(full, fulllen, "local");
    }
}

/* --- state transitions and their log line --------------------------------------------------- */

static void log_transition(struct zs_instance *inst)
{
    enum zlog_level lvl = inst->state == ZS_FAILED ? ZLOG_WARN : ZLOG_INFO;
    if (!zlog_enabled(lvl))
        return;
    struct zlog_line l;
    zlog_begin(&l, lvl, "instance");
    zlog_kv_u64(&l, "id", inst->id);
    zlog_kv_str(&l, "state", zs_state_name(inst->state));
    zlog_kv_str(&l, "peer", inst->peer);
    if (inst->slot >= 0)
        zlog_kv_i64(&l, "slot", inst->slot);
    uint64_t t0 = inst->stamp[ZS_REQUESTED];
    uint64_t now = inst->stamp[inst->state];
    zlog_kv_ms(&l, "since_request_ms", now - t0);
    if (inst->state == ZS_READY && inst->stamp[ZS_BOOTING])
        zlog_kv_ms(&l, "boot_ms", now - inst->stamp[ZS_BOOTING]);
    if (inst->state == ZS_BOOTING && inst->queued)
        zlog_kv_ms(&l, "queued_ms", now - t0);
    if ((inst->state == ZS_EXITED || inst->state == ZS_FAILED) && inst->stamp[ZS_SERVING])
        zlog_kv_ms(&l, "serve_ms", now - inst->stamp[ZS_SERVING]);
    if (inst->state == ZS_REAPED)
        zlog_kv_ms(&l, "cycle_ms", now - t0);
    if (inst->has_kind &&
        (inst->state == ZS_FAILED || inst->state == ZS_EXITED || inst->state == ZS_REAPED))
        zlog_kv_str(&l, "reason", zerg_error_label(inst->kind));
    if (inst->detail[0] && inst->state != ZS_REQUESTED)
        zlog_kv_str(&l, "detail", inst->detail);
    zlog_end(&l);
}

static void set_state(struct zs_instance *inst, enum zs_state s)
{
    struct zs_spawner *sp = inst->sp;
    sp->per_state[inst->state]--;
    sp->per_state[s]++;
    inst->state = s;
    inst->stamp[s] = zclock_now_ns();
    log_transition(inst);
}

static void notify_cb(evutil_socket_t fd, short what, void *arg);
static void deadline_cb(evutil_socket_t fd, short what, void *arg);
static void start_boot(struct zs_instance *inst);
static void fail(struct zs_instance *inst, enum zerg_error_kind kind, const char *detail);
static void destroy_backend(struct zs_instance *inst);
static void instance_free(struct zs_instance *inst);

static void arm_deadline(struct zs_instance *inst, uint32_t ms)
{
    struct timeval tv = zclock_ms_to_tv(ms);
    evtimer_add(inst->timer_ev, &tv);
}

static void schedule_notify(struct zs_instance *inst)
{
    if (inst->ops)
        event_active(inst->notify_ev, 0, 0);
}

/* --- request and admission ------------------------------------------------------------------ */

int zs_spawner_request(struct zs_spawner *sp, const struct zs_request *req,
                       struct zs_instance **out)
{
    const struct zerg_config *cfg = sp->cfg;
    char host[INET6_ADDRSTRLEN], full[INET6_ADDRSTRLEN + 8];
    struct zs_instance *inst = NULL;

    *out = NULL;
    if (sp->draining)
        return ZS_REQ_DRAINING;
    format_peer(&req->peer, host, sizeof host, full, sizeof full);
    struct client_entry *c = client_find(sp, host, false);
    if (c && c->count >= cfg->limits.per_client_max) {
        sp->metrics.errors[ZERG_ERR_CLIENT_CAP]++;
        return ZS_REQ_CLIENT_CAP;
    }
    bool free_slot = can_start(sp) && sp->nqueued == 0;
    if (!free_slot && sp->nqueued >= cfg->limits.queue_length) {
        sp->metrics.errors[ZERG_ERR_QUEUE_FULL]++;
        return ZS_REQ_QUEUE_FULL;
    }

    inst = calloc(1, sizeof *inst);
    if (!inst)
        goto nomem;
    inst->sp = sp;
    inst->slot = -1;
    inst->client_fd = req->client_fd;
    snprintf(inst->peer, sizeof inst->peer, "%s", full);
    inst->ops = req->ops;
    inst->user = req->user;
    inst->notify_ev = event_new(sp->base, -1, 0, notify_cb, inst);
    inst->timer_ev = evtimer_new(sp->base, deadline_cb, inst);
    if (!inst->notify_ev || !inst->timer_ev)
        goto nomem;
    if (req->prefix_len) {
        inst->prefix = malloc(req->prefix_len);
        if (!inst->prefix)
            goto nomem;
        memcpy(inst->prefix, req->prefix, req->prefix_len);
        inst->prefix_len = req->prefix_len;
    }
    inst->client = client_find(sp, host, true);
    if (!inst->client)
        goto nomem;
    inst->client->count++;

    inst->id = ++sp->next_id;
    inst->state = ZS_REQUESTED;
    sp->per_state[ZS_REQUESTED]++;
    inst->stamp[ZS_REQUESTED] = zclock_now_ns();
    sp->metrics.requests_total++;
    log_transition(inst);
    *out = inst;
    if (free_slot) {
        TAILQ_INSERT_TAIL(&sp->live, inst, link);
        start_boot(inst);
    } else {
        inst->queued = true;
        TAILQ_INSERT_TAIL(&sp->queue, inst, link);
        sp->nqueued++;
        arm_deadline(inst, cfg->limits.queue_timeout_ms);
    }
    return ZS_REQ_OK;

nomem:
    if (inst) {
        if (inst->notify_ev)
            event_free(inst->notify_ev);
        if (inst->timer_ev)
            event_free(inst->timer_ev);
        free(inst->prefix);
        free(inst);
    }
    return ZS_REQ_NOMEM;
}

/* A slot came free: the oldest queued request boots. */
static void admit_from_queue(struct zs_spawner *sp)
{
    while (!sp->draining && sp->nqueued > 0 && can_start(sp)) {
        struct zs_instance *inst = TAILQ_FIRST(&sp->queue);
        TAILQ_REMOVE(&sp->queue, inst, link);
        sp->nqueued--;
        evtimer_del(inst->timer_ev);
        histogram_observe(&sp->metrics.queue_wait,
                          zclock_seconds(zclock_now_ns() - inst->stamp[ZS_REQUESTED]));
        TAILQ_INSERT_TAIL(&sp->live, inst, link);
        start_boot(inst);
    }
}

/* --- boot ----------------------------------------------------------------------------------- */

static int take_slot(struct zs_spawner *sp)
{
    for (unsigned i = 0; i < sp->cfg->limits.max_instances; i++) {
        if (!sp->slots[i]) {
            sp->slots[i] = 1;
            sp->slots_used++;
            return (int)i;
        }
    }
    return -1;
}

static void start_boot(struct zs_instance *inst)
{
    struct zs_spawner *sp = inst->sp;
    char err[256] = "";

    inst->slot = take_slot(sp);
    set_state(inst, ZS_BOOTING);
    struct zs_create_args args = {
        .id = inst->id,
        .slot = (unsigned)inst->slot,
        .daemon_id = sp->cfg->daemon.id,
        .client_fd = inst->client_fd,
        .prefix = inst->prefix,
        .prefix_len = inst->prefix_len,
        .peer = inst->peer,
    };
    if (sp->ops->create(sp->be, inst, &args, &inst->priv, err, sizeof err) < 0) {
        fail(inst, ZERG_ERR_SPAWN_FAILED, err[0] ? err : "backend create failed");
        return;
    }
    inst->backend_owned = true;
    sp->metrics.started_total++;
    if (sp->slots_used + spares_held(sp) > sp->cfg->limits.max_instances)
        zlog_msg(ZLOG_ERROR, "spawner",
                 "backend %s kept a spare while at capacity: %u live + %" PRIu64
                 " spares > limits.max_instances",
                 sp->ops->name, sp->slots_used, spares_held(sp));
    arm_deadline(inst, sp->cfg->limits.boot_timeout_ms);
}

void zs_backend_record(struct zs_instance *inst, const char *record)
{
    struct zs_spawner *sp = inst->sp;
    if (state_dir_write(&sp->sd, STATE_REC_INSTANCE, inst->id, sp->ops->name, record) < 0)
        zlog_msg(ZLOG_ERROR, "state_dir", "cannot record instance %" PRIu64 " in %s: %s", inst->id,
                 sp->sd.path, strerror(errno));
}

/* --- spares --------------------------------------------------------------------------------- */

static const char *const spare_state_names[ZS_SPARE_NSTATES] = {"preparing", "ready", "dying"};

const char *zs_spare_state_name(enum zs_spare_state s)
{
    return (unsigned)s < ZS_SPARE_NSTATES ? spare_state_names[s] : "?";
}

static void spare_uncount(struct zs_spawner *sp, enum zs_spare_state from)
{
    if ((unsigned)from < ZS_SPARE_NSTATES && sp->spares[from] > 0)
        sp->spares[from]--;
    else
        zlog_msg(ZLOG_ERROR, "spawner", "backend %s released a %s spare it did not hold",
                 sp->ops->name, zs_spare_state_name(from));
}

uint64_t zs_backend_spare_reserve(struct zs_spawner *sp)
{
    /* Queued requests come first: a spare is made only with room for it beside them. */
    if (sp->draining || sp->nqueued > 0 ||
        sp->slots_used + spares_held(sp) >= sp->cfg->limits.max_instances)
        return 0;
    sp->spares[ZS_SPARE_PREPARING]++;
    return ++sp->next_spare;
}

void zs_backend_spare_record(struct zs_spawner *sp, uint64_t key, const char *record)
{
    if (state_dir_write(&sp->sd, STATE_REC_SPARE, key, sp->ops->name, record) < 0)
        zlog_msg(ZLOG_ERROR, "state_dir", "cannot record spare %" PRIu64 " in %s: %s", key,
                 sp->sd.path, strerror(errno));
}

void zs_backend_spare_move(struct zs_spawner *sp, enum zs_spare_state from, enum zs_spare_state to)
{
    if ((unsigned)to >= ZS_SPARE_NSTATES || from == to)
        return;
    spare_uncount(sp, from);
    sp->spares[to]++;
}

void zs_backend_spare_failed(struct zs_spawner *sp, enum zs_spare_failure why)
{
    if ((unsigned)why < ZS_SPARE_NFAILURES)
        sp->metrics.pool_failures[why]++;
}

void zs_backend_spare_gone(struct zs_spawner *sp, uint64_t key, enum zs_spare_state from)
{
    spare_uncount(sp, from);
    state_dir_remove(&sp->sd, STATE_REC_SPARE, key);
    admit_from_queue(sp); /* its place is free */
}

void zs_backend_spare_taken(struct zs_instance *inst, uint64_t key, enum zs_spare_state from)
{
    struct zs_spawner *sp = inst->sp;
    spare_uncount(sp, from);
    state_dir_remove(&sp->sd, STATE_REC_SPARE, key);
    if (from == ZS_SPARE_READY)
        sp->metrics.pool_hits++;
    else
        sp->metrics.pool_misses++;
}

void zs_backend_pool_miss(struct zs_instance *inst)
{
    inst->sp->metrics.pool_misses++;
}

/* --- ready and hand-off --------------------------------------------------------------------- */

void zs_backend_ready(struct zs_instance *inst)
{
    struct zs_spawner *sp = inst->sp;
    if (inst->state != ZS_BOOTING)
        return; /* late readiness of an instance already failing: ignore */
    evtimer_del(inst->timer_ev);
    set_state(inst, ZS_READY);
    histogram_observe(&sp->metrics.boot,
                      zclock_seconds(inst->stamp[ZS_READY] - inst->stamp[ZS_BOOTING]));
    struct bufferevent *fwd = NULL;
    if (sp->ops->handoff(sp->be, inst, inst->priv, &fwd) < 0) {
        fail(inst, ZERG_ERR_SPAWN_FAILED, "hand-off failed");
        return;
    }
    inst->forward = fwd;
    set_state(inst, ZS_SERVING);
    arm_deadline(inst, sp->cfg->limits.serve_timeout_ms);
    inst->notify_ready = true;
    schedule_notify(inst);
}

/* --- the end: exit, failure, deadlines ------------------------------------------------------ */

static void set_reason(struct zs_instance *inst, bool has_kind, enum zerg_error_kind kind,
                       const char *detail)
{
    inst->has_kind = has_kind;
    inst->kind = kind;
    snprintf(inst->detail, sizeof inst->detail, "%s", detail ? detail : "");
}

void zs_backend_exited(struct zs_instance *inst, int clean, enum zerg_error_kind kind,
                       const char *detail)
{
    struct zs_spawner *sp = inst->sp;
    switch (inst->state) {
    case ZS_BOOTING:
        /* Ended before it was ready: a boot failure, whatever the status. */
        fail(inst, kind, detail);
        return;
    case ZS_READY:
    case ZS_SERVING:
        evtimer_del(inst->timer_ev);
        if (clean) {
            sp->metrics.exits_clean++;
            set_reason(inst, false, 0, detail);
            inst->outcome = ZS_OUT_EXITED;
        } else {
            sp->metrics.exits_crash++;
            sp->metrics.errors[ZERG_ERR_GUEST_CRASH]++;
            set_reason(inst, true, ZERG_ERR_GUEST_CRASH, detail);
            inst->outcome = ZS_OUT_CRASHED;
        }
        set_state(inst, ZS_EXITED);
        histogram_observe(&sp->metrics.serve,
                          zclock_seconds(inst->stamp[ZS_EXITED] - inst->stamp[ZS_SERVING]));
        inst->notify_ended = true;
        schedule_notify(inst);
        destroy_backend(inst);
        return;
    default:
        /* Already failed (we killed it) or exited: keep the first reason, add the detail. */
        if (detail && !inst->detail[0])
            snprintf(inst->detail, sizeof inst->detail, "%s", detail);
        return;
    }
}

static enum zs_outcome outcome_of(enum zerg_error_kind kind, enum zs_state from)
{
    switch (kind) {
    case ZERG_ERR_QUEUE_TIMEOUT:
    case ZERG_ERR_DRAINING:
        return from == ZS_SERVING ? ZS_OUT_SERVE_TIMEOUT : ZS_OUT_UNAVAILABLE;
    case ZERG_ERR_SERVE_TIMEOUT:
        return ZS_OUT_SERVE_TIMEOUT;
    default:
        return ZS_OUT_BAD_GATEWAY;
    }
}

/* zerg ends the instance: record why, tell the caller, destroy what the backend holds. */
static void fail(struct zs_instance *inst, enum zerg_error_kind kind, const char *detail)
{
    struct zs_spawner *sp = inst->sp;
    enum zs_state from = inst->state;
    if (from == ZS_FAILED || from == ZS_EXITED || from == ZS_REAPED)
        return;
    evtimer_del(inst->timer_ev);
    sp->metrics.errors[kind]++;
    set_reason(inst, true, kind, detail);
    inst->outcome = outcome_of(kind, from);
    set_state(inst, ZS_FAILED);
    inst->notify_ended = true;
    schedule_notify(inst);
    if (from == ZS_REQUESTED) {
        /* Never had a slot or a backend; it is reaped once the caller has heard. */
        TAILQ_REMOVE(&sp->queue, inst, link);
        sp->nqueued--;
        TAILQ_INSERT_TAIL(&sp->live, inst, link);
    }
    destroy_backend(inst);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct zs_instance *inst = arg;
    switch (inst->state) {
    case ZS_REQUESTED:
        fail(inst, ZERG_ERR_QUEUE_TIMEOUT, "no slot within limits.queue_timeout_ms");
        break;
    case ZS_BOOTING:
        fail(inst, ZERG_ERR_BOOT_TIMEOUT, "not ready within limits.boot_timeout_ms");
        break;
    case ZS_READY:
    case ZS_SERVING:
        fail(inst, ZERG_ERR_SERVE_TIMEOUT, "still serving at limits.serve_timeout_ms");
        break;
    default:
        break;
    }
}

void zs_instance_abandon(struct zs_instance *inst)
{
    inst->ops = NULL; /* nothing more is delivered to the caller */
    inst->user = NULL;
    if (inst->state == ZS_REQUESTED || inst->state == ZS_BOOTING)
        fail(inst, ZERG_ERR_CLIENT_GONE, "client left before the instance was ready");
}

/* --- destroy and reap ----------------------------------------------------------------------- */

static void destroy_backend(struct zs_instance *inst)
{
    struct zs_spawner *sp = inst->sp;
    if (!inst->backend_owned) {
        /* create() never accepted it: nothing to wait for. Reaped from the loop, after the
         * caller heard the end, never from inside a call the caller made. */
        inst->release_pending = true;
        event_active(inst->notify_ev, 0, 0);
        return;
    }
    if (inst->destroy_called)
        return;
    inst->destroy_called = true;
    sp->ops->destroy(sp->be, inst, inst->priv);
}

void zs_backend_released(struct zs_instance *inst)
{
    struct zs_spawner *sp = inst->sp;
    inst->release_pending = false;
    /* The caller hears the end before the instance disappears. */
    if (inst->ops && (inst->notify_ready || inst->notify_ended)) {
        event_del(inst->notify_ev);
        notify_cb(-1, 0, inst);
    }
    set_state(inst, ZS_REAPED);
    sp->metrics.reaped_total++;
    histogram_observe(&sp->metrics.cycle,
                      zclock_seconds(inst->stamp[ZS_REAPED] - inst->stamp[ZS_REQUESTED]));
    if (inst->backend_owned)
        state_dir_remove(&sp->sd, STATE_REC_INSTANCE, inst->id);
    TAILQ_REMOVE(&sp->live, inst, link);
    if (inst->slot >= 0) {
        sp->slots[inst->slot] = 0;
        sp->slots_used--;
        inst->slot = -1;
    }
    instance_free(inst);
    admit_from_queue(sp);
}

static void instance_free(struct zs_instance *inst)
{
    struct zs_spawner *sp = inst->sp;
    sp->per_state[inst->state]--;
    client_release(inst);
    event_free(inst->notify_ev);
    event_free(inst->timer_ev);
    free(inst->prefix);
    free(inst);
}

/* --- deliveries to the caller --------------------------------------------------------------- */

static void notify_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct zs_instance *inst = arg;
    if (inst->notify_ready) {
        inst->notify_ready = false;
        struct bufferevent *fwd = inst->forward;
        inst->forward = NULL;
        if (inst->ops)
            inst->ops->ready(inst->user, inst, fwd);
    }
    if (inst->notify_ended) {
        inst->notify_ended = false;
        const struct zs_client_ops *ops = inst->ops;
        void *user = inst->user;
        inst->ops = NULL;
        inst->user = NULL;
        if (ops)
            ops->ended(user, inst, inst->outcome, inst->kind);
    }
    if (inst->release_pending)
        zs_backend_released(inst);
}

/* --- drain ---------------------------------------------------------------------------------- */

void zs_spawner_drain(struct zs_spawner *sp)
{
    bool was = sp->draining;
    sp->draining = true;
    while (!TAILQ_EMPTY(&sp->queue))
        fail(TAILQ_FIRST(&sp->queue), ZERG_ERR_DRAINING, "daemon shutting down");
    if (!was && sp->ops->drain)
        sp->ops->drain(sp->be); /* its spares go now, not at the end of the drain */
}

void zs_spawner_kill_all(struct zs_spawner *sp)
{
    struct zs_instance *inst, *next;
    for (inst = TAILQ_FIRST(&sp->live); inst; inst = next) {
        next = TAILQ_NEXT(inst, link);
        fail(inst, ZERG_ERR_DRAINING, "killed at the end of the drain");
    }
}

/* --- the loop-lag probe --------------------------------------------------------------------- */

static void probe_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct zs_spawner *sp = arg;
    uint64_t now = zclock_now_ns();
    uint64_t expect = sp->probe_last + (uint64_t)LOOP_PROBE_MS * 1000000u;
    histogram_observe(&sp->metrics.loop_lag, now > expect ? zclock_seconds(now - expect) : 0);
    sp->probe_last = now;
}

/* --- creation and teardown ------------------------------------------------------------------ */

static void sweep_one(void *arg, enum state_rec_kind kind, uint64_t id, const char *backend,
                      const char *record)
{
    struct zs_spawner *sp = arg;
    int r = 0;
    if (strcmp(backend, sp->ops->name) == 0)
        r = sp->ops->destroy_orphan(sp->be, record);
    struct zlog_line l;
    zlog_begin(&l, ZLOG_WARN, "orphan");
    zlog_kv_str(&l, "of", kind == STATE_REC_SPARE ? "spare" : "instance");
    zlog_kv_u64(&l, "id", id);
    zlog_kv_str(&l, "backend", backend);
    zlog_kv_str(&l, "record", record);
    zlog_kv_str(&l, "result", r > 0 ? "destroyed" : r == 0 ? "gone" : "error");
    zlog_end(&l);
}

struct zs_spawner *zs_spawner_new_with_backend(const struct zerg_config *cfg,
                                               struct event_base *base,
                                               const struct zs_backend_ops *ops, char *err,
                                               size_t errlen)
{
    struct zs_spawner *sp = calloc(1, sizeof *sp);
    if (!sp) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sp->cfg = cfg;
    sp->base = base;
    state_dir_init(&sp->sd);
    zs_metrics_init(&sp->metrics);
    TAILQ_INIT(&sp->live);
    TAILQ_INIT(&sp->queue);
    for (int i = 0; i < CLIENT_BUCKETS; i++)
        LIST_INIT(&sp->clients[i]);

    sp->ops = ops;
    if (!(sp->ops->handoffs & (1u << cfg->proxy.handoff))) {
        snprintf(err, errlen, "backend %s does not support proxy.handoff %s", sp->ops->name,
                 cfg->proxy.handoff == ZERG_HANDOFF_FD ? "fd" : "forward");
        goto fail;
    }
    sp->slots = calloc(cfg->limits.max_instances, 1);
    sp->probe_ev = event_new(base, -1, EV_PERSIST, probe_cb, sp);
    if (!sp->slots || !sp->probe_ev) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (state_dir_open(&sp->sd, cfg->daemon.state_dir, cfg->daemon.id, err, errlen) < 0)
        goto fail;
    if (sp->ops->init(&sp->be, sp, cfg, base, err, errlen) < 0) {
        sp->be = NULL;
        goto fail;
    }
    char serr[256];
    if (state_dir_sweep(&sp->sd, sweep_one, sp, serr, sizeof serr) < 0)
        zlog_msg(ZLOG_ERROR, "state_dir", "%s", serr);
    struct timeval tv = zclock_ms_to_tv(LOOP_PROBE_MS);
    sp->probe_last = zclock_now_ns();
    event_add(sp->probe_ev, &tv);
    return sp;

fail:
    zs_spawner_free(sp);
    return NULL;
}

void zs_spawner_free(struct zs_spawner *sp)
{
    if (!sp)
        return;
    /* Queued requests never had a backend. */
    while (!TAILQ_EMPTY(&sp->queue)) {
        struct zs_instance *inst = TAILQ_FIRST(&sp->queue);
        TAILQ_REMOVE(&sp->queue, inst, link);
        instance_free(inst);
    }
    /* The backend's dispose kills and reaps everything synchronously; records go with it. */
    if (sp->be)
        sp->ops->dispose(sp->be);
    while (!TAILQ_EMPTY(&sp->live)) {
        struct zs_instance *inst = TAILQ_FIRST(&sp->live);
        TAILQ_REMOVE(&sp->live, inst, link);
        if (inst->backend_owned)
            state_dir_remove(&sp->sd, STATE_REC_INSTANCE, inst->id);
        instance_free(inst);
    }
    for (int i = 0; i < CLIENT_BUCKETS; i++) {
        while (!LIST_EMPTY(&sp->clients[i])) {
            struct client_entry *c = LIST_FIRST(&sp->clients[i]);
            LIST_REMOVE(c, link);
            free(c);
        }
    }
    if (sp->probe_ev)
        event_free(sp->probe_ev);
    state_dir_dispose(&sp->sd);
    free(sp->slots);
    free(sp);
}

/* --- admin views ---------------------------------------------------------------------------- */

void zs_spawner_write_metrics(struct zs_spawner *sp, struct evbuffer *out)
{
    zs_metrics_write(&sp->metrics, out, sp->slots_used, sp->nqueued, sp->per_state, sp->spares,
                     sp->draining);
}

void zs_spawner_write_instances(struct zs_spawner *sp, struct evbuffer *out)
{
    struct jsonw w;
    uint64_t now = zclock_now_ns();
    jsonw_init(&w, out);
    jsonw_object_begin(&w);
    jsonw_kv_str(&w, "daemon", sp->cfg->daemon.id);
    jsonw_kv_str(&w, "backend", sp->ops->name);
    jsonw_kv_u64(&w, "live", sp->slots_used);
    jsonw_kv_u64(&w, "queued", sp->nqueued);
    jsonw_kv_bool(&w, "draining", sp->draining);
    jsonw_key(&w, "spares");
    jsonw_object_begin(&w);
    for (int s = 0; s < ZS_SPARE_NSTATES; s++)
        jsonw_kv_u64(&w, zs_spare_state_name((enum zs_spare_state)s), sp->spares[s]);
    jsonw_object_end(&w);
    jsonw_key(&w, "instances");
    jsonw_array_begin(&w);
    struct instance_list *lists[2] = {&sp->live, &sp->queue};
    for (int i = 0; i < 2; i++) {
        struct zs_instance *inst;
        TAILQ_FOREACH(inst, lists[i], link)
        {
            jsonw_object_begin(&w);
            jsonw_kv_u64(&w, "id", inst->id);
            jsonw_kv_str(&w, "state", zs_state_name(inst->state));
            jsonw_kv_str(&w, "peer", inst->peer);
            jsonw_kv_i64(&w, "slot", inst->slot);
            jsonw_kv_double(&w, "age_s", zclock_seconds(now - inst->stamp[ZS_REQUESTED]));
            jsonw_key(&w, "stamps_s");
            jsonw_object_begin(&w);
            for (int s = 0; s < ZS_NSTATES; s++)
                if (inst->stamp[s])
                    jsonw_kv_double(&w, zs_state_name((enum zs_state)s),
                                    zclock_seconds(inst->stamp[s] - inst->stamp[ZS_REQUESTED]));
            jsonw_object_end(&w);
            if (inst->has_kind)
                jsonw_kv_str(&w, "reason", zerg_error_label(inst->kind));
            if (inst->detail[0])
                jsonw_kv_str(&w, "detail", inst->detail);
            if (inst->backend_owned && sp->ops->describe) {
                jsonw_key(&w, sp->ops->name);
                sp->ops->describe(sp->be, inst, inst->priv, &w);
            }
            jsonw_object_end(&w);
        }
    }
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    evbuffer_add(out, "\n", 1);
}
