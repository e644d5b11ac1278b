/*
 * metrics: the spawner's counters and histograms, written in Prometheus text format.
 * One struct per spawner, owned by its loop (no locking). Names are part of the product's
 * interface (docs/architecture.md lists them): change them only with the docs.
 */
#ifndef ZERG_METRICS_H
#define ZERG_METRICS_H

#include <stdint.h>

#include "backend.h"
#include "histogram.h"
#include "spawner.h"

struct evbuffer;

struct zs_metrics {
    uint64_t started_total; /* backend create accepted */
    uint64_t reaped_total;
    uint64_t requests_total; /* zs_spawner_request calls accepted (queued or started) */
    uint64_t errors[ZERG_ERR_NKINDS];
    uint64_t exits_clean, exits_crash;
    uint64_t pool_hits;   /* requests given a ready spare (a prepared domain) */
    uint64_t pool_misses; /* requests of a pooled backend that found none ready */
    uint64_t pool_failures[ZS_SPARE_NFAILURES]; /* spares lost, by zs_spare_failure */
    struct histogram boot;                      /* booting -> ready */
    struct histogram cycle;                     /* requested -> reaped */
    struct histogram queue_wait;                /* requested -> booting, for those that waited */
    struct histogram serve;                     /* serving -> exited */
    struct histogram loop_lag;                  /* how late the loop ran a periodic timer */
};

void zs_metrics_init(struct zs_metrics *m);
/* live/queued/per_state/spares/draining are gauges owned by the spawner, passed in when
 * writing (per_state: ZS_NSTATES entries, spares: ZS_SPARE_NSTATES). */
void zs_metrics_write(const struct zs_metrics *m, struct evbuffer *out, uint64_t live,
                      uint64_t queued, const uint64_t *per_state, const uint64_t *spares,
                      int draining);

#endif
