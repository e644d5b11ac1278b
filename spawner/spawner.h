/*
 * spawner: the instance lifecycle as a library, driven by the caller's libevent loop.
 *
 * One instance serves one client connection. Its states, each transition stamped with the
 * monotonic clock and logged as one structured line (event=instance id=.. state=.. reason=..):
 *
 *   requested -> booting -> ready -> serving -> exited -> reaped
 *        \           \         \         \
 *         `-----------`---------`---------`--> failed -> reaped
 *
 *   requested  asked for by the proxy; waiting in the queue while at limits.max_instances
 *   booting    the backend is creating it (process started / domain being built)
 *   ready      the guest reported readiness on its control channel
 *   serving    the connection is handed over (right after ready)
 *   exited     the guest ended by itself (any status; a crash is still exited, with reason)
 *   failed     zerg ended it: queue timeout, boot timeout, serve timeout, client gone, refusal
 *   reaped     the backend released everything it held; the record is gone; the slot is free
 *
 * Ownership: the spawner owns every struct zs_instance. The caller (the proxy) holds a handle
 * from zs_spawner_request until its `ended` callback has run, or until it calls
 * zs_instance_abandon; after that the handle is dead to it. Callbacks never run from inside
 * zs_spawner_request itself (they are deferred to the loop), so the caller's state is stable.
 *
 * No function here blocks: backends do their work asynchronously on the same event_base.
 */
#ifndef ZERG_SPAWNER_H
#define ZERG_SPAWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

struct event_base;
struct evbuffer;
struct bufferevent;
struct zs_spawner;
struct zs_instance;

enum zs_state {
    ZS_REQUESTED,
    ZS_BOOTING,
    ZS_READY,
    ZS_SERVING,
    ZS_EXITED,
    ZS_FAILED,
    ZS_REAPED,
    ZS_NSTATES
};
const char *zs_state_name(enum zs_state s);

/* Failure kinds, also the labels of zerg_errors_total (common/errors.def). */
enum zerg_error_kind {
#define X(id, label, what) ZERG_ERR_##id,
#include "errors.def"
#undef X
    ZERG_ERR_NKINDS
};
const char *zerg_error_label(enum zerg_error_kind k);

/* How an instance ended, as far as the caller must act on it. */
enum zs_outcome {
    ZS_OUT_EXITED,        /* served and exited cleanly (status 0) */
    ZS_OUT_CRASHED,       /* exited abnormally after hand-off (signal or non-zero status) */
    ZS_OUT_SERVE_TIMEOUT, /* killed at the serve deadline */
    ZS_OUT_UNAVAILABLE,   /* never got an instance: answer 503 (queue timeout, draining) */
    ZS_OUT_BAD_GATEWAY,   /* boot failed, timed out, or the guest died before ready: 502 */
};

struct zs_client_ops {
    /*
     * The instance is ready and the connection handed over. In fd hand-off the guest already
     * holds the client socket (as its fd 3) and `forward` is NULL: the caller keeps its own
     * copy only to answer 502 if the guest crashes before writing. In forward hand-off,
     * `forward` is the instance's end as a bufferevent the caller now owns and forwards to.
     */
    void (*ready)(void *user, struct zs_instance *inst, struct bufferevent *forward);
    /* Terminal: the handle is dead after this returns. `kind` is valid for failures. */
    void (*ended)(void *user, struct zs_instance *inst, enum zs_outcome outcome,
                  enum zerg_error_kind kind);
};

struct zs_request {
    int client_fd;                       /* connected socket; stays owned by the caller */
    struct sockaddr_storage peer;        /* client address, for the per-client cap and logs */
    socklen_t peer_len;
    const uint8_t *prefix;               /* bytes already read from the client: the head and */
    size_t prefix_len;                   /* anything after it; copied, handed to the guest */
    const struct zs_client_ops *ops;
    void *user;
};

/* Rejections decided at once, before any instance is spent. */
enum zs_request_rc {
    ZS_REQ_OK = 0,
    ZS_REQ_CLIENT_CAP = -1, /* this client address has limits.per_client_max instances */
    ZS_REQ_QUEUE_FULL = -2, /* at capacity and the queue is full */
    ZS_REQ_DRAINING = -3,   /* zs_spawner_drain was called */
    ZS_REQ_NOMEM = -4,
};

/*
 * Creates the spawner: takes the state directory lock (fails if another process of the same
 * daemon id holds it), destroys what an earlier run of this daemon id left behind (its records
 * in the state directory), and initialises the configured backend on `base`. Returns NULL and
 * fills err on failure. cfg must outlive the spawner.
 */
struct zs_spawner *zs_spawner_new(const struct zerg_config *cfg, struct event_base *base,
                                  char *err, size_t errlen);
/* Kills and synchronously reaps every instance left, releases the lock, frees everything. */
void zs_spawner_free(struct zs_spawner *sp);

int zs_spawner_request(struct zs_spawner *sp, const struct zs_request *req,
                       struct zs_instance **out);
/* The caller no longer wants the instance (its client left): it is ended and reaped. */
void zs_instance_abandon(struct zs_instance *inst);

uint64_t zs_instance_id(const struct zs_instance *inst);
enum zs_state zs_instance_state(const struct zs_instance *inst);

/* Stop taking requests: queued ones end ZS_OUT_UNAVAILABLE; live ones may finish. */
void zs_spawner_drain(struct zs_spawner *sp);
/* Instances not yet reaped (all states but reaped), and waiting in the queue. */
size_t zs_spawner_live(const struct zs_spawner *sp);
size_t zs_spawner_queued(const struct zs_spawner *sp);
/* Kill every live instance now (end of a drain); they are reaped asynchronously. */
void zs_spawner_kill_all(struct zs_spawner *sp);

/* Counts an error that happened outside the spawner (the proxy's head errors, accept). */
void zs_spawner_count_error(struct zs_spawner *sp, enum zerg_error_kind kind);
/* Prometheus text format of every metric, and the live instances as JSON. */
void zs_spawner_write_metrics(struct zs_spawner *sp, struct evbuffer *out);
void zs_spawner_write_instances(struct zs_spawner *sp, struct evbuffer *out);

#endif
