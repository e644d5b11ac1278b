/*
 * backend: how the spawner creates, hands a connection to, and destroys instances.
 *
 * A backend is a vtable plus its own state, driven by the spawner's libevent loop. Every
 * operation is asynchronous: it starts work and returns at once; results come back through the
 * zs_backend_* notification functions below, always from a loop callback, never from inside the
 * vtable call that started the work. Two backends exist or are planned:
 *   process  a sandboxed child process (spawner/backend_process.c), the embedded default
 *   xen      a PV domain through libxl (spawner/backend_xen.c, the Xen issue)
 *
 * Lifecycle of one instance as the backend sees it:
 *   create()          -> later zs_backend_ready() or zs_backend_exited() (failure before ready)
 *   handoff()         at ready: fd mode needs nothing more; forward mode returns a bufferevent
 *   (guest serves)    -> zs_backend_exited() when the guest ends by itself
 *   destroy()         kill whatever is left (idempotent), then zs_backend_released() exactly once
 * The spawner calls destroy() for every instance create() accepted, after exited or on a failure;
 * `released` means nothing of the instance remains: processes, domains, fds, memory.
 *
 * Orphans: after create() succeeds the backend describes the instance in a one-line record
 * (zs_backend_record); the spawner persists it in the state directory until released. At start
 * the spawner hands each record left by an earlier run of the same daemon id to
 * destroy_orphan(), which must destroy it if, and only if, it is still that instance.
 *
 * Spares: a backend may make instances' containers ahead of demand (the xen backend's pool of
 * prepared domains, xen.pool_size). A spare belongs to no instance until create() takes it. The
 * spawner counts spares against limits.max_instances from their reservation until they are gone
 * or taken, so that live instances + spares <= max_instances at every moment; it admits a
 * request while a slot is free and either live + spares < max_instances or a spare can be taken
 * (preparing or ready), and a backend with spares must therefore take one in create() whenever
 * it has one that is not dying. Spares are recorded in the state directory like instances (an
 * earlier run's are handed to destroy_orphan() too), and drain() destroys them.
 *   zs_backend_spare_reserve  -> key (counted as preparing; 0: not now: at capacity, draining)
 *   zs_backend_spare_record   once there is something to destroy
 *   zs_backend_spare_move     preparing -> ready (takeable at once), any -> dying (not takeable)
 *   zs_backend_spare_taken    from create(): the spare became this instance (whose own record
 *                             the backend writes first); counted as a pool hit if it was ready
 *   zs_backend_spare_gone     it no longer exists; its record is removed
 */
#ifndef ZERG_BACKEND_H
#define ZERG_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "spawner.h"

struct event_base;
struct bufferevent;
struct jsonw;
struct zs_backend;

/* What the backend needs to create one instance. Valid until released. */
struct zs_create_args {
    uint64_t id;   /* instance id, unique within the daemon's life */
    unsigned slot; /* 0..limits.max_instances-1, unique among live instances */
    const char *daemon_id;
    int client_fd;         /* fd hand-off: the client socket (backend dups what it needs) */
    const uint8_t *prefix; /* bytes the proxy already read from the client */
    size_t prefix_len;
    const char *peer; /* client address as text, for the guest's parameters */
};

struct zs_backend_ops {
    const char *name;
    /* Which hand-offs the backend supports (bit 1 << ZERG_HANDOFF_*). */
    unsigned handoffs;
    int (*init)(struct zs_backend **out, struct zs_spawner *sp, const struct zerg_config *cfg,
                struct event_base *base, char *err, size_t errlen);
    /* Synchronous; called before the loop runs. Returns 1 destroyed, 0 not ours/gone, -1 err. */
    int (*destroy_orphan)(struct zs_backend *be, const char *record);
    /* 0: creation started; -1: could not start (err filled; nothing to destroy). */
    int (*create)(struct zs_backend *be, struct zs_instance *inst,
                  const struct zs_create_args *args, void **priv, char *err, size_t errlen);
    /* At ready. Forward mode: *forward gets the instance's stream (owned by the caller). */
    int (*handoff)(struct zs_backend *be, struct zs_instance *inst, void *priv,
                   struct bufferevent **forward);
    void (*destroy)(struct zs_backend *be, struct zs_instance *inst, void *priv);
    /* Per-instance facts for /instances: pids, sandbox pieces and their outcome. */
    void (*describe)(struct zs_backend *be, struct zs_instance *inst, void *priv, struct jsonw *w);
    /* Optional (NULL): the daemon stops taking requests: destroy the spares, make no more. */
    void (*drain)(struct zs_backend *be);
    /* Synchronous teardown at exit: destroy and wait for anything still alive. */
    void (*dispose)(struct zs_backend *be);
};

extern const struct zs_backend_ops zs_backend_process;
#ifdef ZERG_HAVE_XEN
extern const struct zs_backend_ops zs_backend_xen;
#endif
/* zs_spawner_new with a given backend instead of cfg->backend.type (tests, embedding). */
struct zs_spawner *zs_spawner_new_with_backend(const struct zerg_config *cfg,
                                               struct event_base *base,
                                               const struct zs_backend_ops *ops, char *err,
                                               size_t errlen);
/* Looks a backend up by configuration name; NULL if unknown (or not compiled in). */
const struct zs_backend_ops *zs_backend_find(const char *name);

/* --- notifications from the backend to the spawner (call only from loop callbacks) --------- */

/* The guest reported readiness (already validated by the backend). */
void zs_backend_ready(struct zs_instance *inst);
/*
 * The guest ended (or failed to start). `clean` is true for a normal end (exit 0 / poweroff);
 * `kind` classifies a failure before ready (SPAWN_FAILED, SANDBOX_REFUSED, BAD_READINESS,
 * BOOT_EXIT) and is ignored after ready; `detail` is free text for the log ("signal 9").
 */
void zs_backend_exited(struct zs_instance *inst, int clean, enum zerg_error_kind kind,
                       const char *detail);
/* Everything the instance held is gone. The spawner frees the instance after this. */
void zs_backend_released(struct zs_instance *inst);
/* Persist (or replace) the orphan record of the instance: one line, no newline. */
void zs_backend_record(struct zs_instance *inst, const char *record);
/* Count an error the backend saw (e.g. GUEST_LOG_DROPPED). */
void zs_backend_count_error(struct zs_instance *inst, enum zerg_error_kind kind, uint64_t n);

/* --- spares (see the top of this file); call from the loop, create() included ---------------- */

enum zs_spare_state { ZS_SPARE_PREPARING, ZS_SPARE_READY, ZS_SPARE_DYING, ZS_SPARE_NSTATES };
const char *zs_spare_state_name(enum zs_spare_state s);
/* Why a spare was lost (zerg_pool_failures_total{kind}): before any instance took it (could not
 * be made, died), or as one took it and before it was ready (TAKE_FAILED: the backend gave that
 * instance a cold creation instead). */
enum zs_spare_failure {
    ZS_SPARE_CREATE_FAILED,
    ZS_SPARE_DIED,
    ZS_SPARE_TAKE_FAILED,
    ZS_SPARE_NFAILURES
};

/* A key (> 0, unique within the daemon's life) for a new spare, counted as preparing from now;
 * 0 when none may be made now (live + spares at limits.max_instances, or draining). */
uint64_t zs_backend_spare_reserve(struct zs_spawner *sp);
/* Persist (or replace) the spare's orphan record: one line, no newline. */
void zs_backend_spare_record(struct zs_spawner *sp, uint64_t key, const char *record);
void zs_backend_spare_move(struct zs_spawner *sp, enum zs_spare_state from, enum zs_spare_state to);
/* Counts a spare lost before it was taken (it still holds its place until spare_gone). */
void zs_backend_spare_failed(struct zs_spawner *sp, enum zs_spare_failure why);
/* The spare no longer exists (destroyed, or its creation failed): uncounted, record removed. */
void zs_backend_spare_gone(struct zs_spawner *sp, uint64_t key, enum zs_spare_state from);
/* Only from create(): the spare is now `inst` (record removed, uncounted as a spare). */
void zs_backend_spare_taken(struct zs_instance *inst, uint64_t key, enum zs_spare_state from);
/* Only from create() of a backend keeping spares: none could be taken (a cold creation). */
void zs_backend_pool_miss(struct zs_instance *inst);

#endif
