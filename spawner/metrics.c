/* metrics: see metrics.h. */
#include "metrics.h"

#include <event2/buffer.h>
#include <string.h>

void zs_metrics_init(struct zs_metrics *m)
{
    memset(m, 0, sizeof *m);
    histogram_init_latency(&m->boot);
    histogram_init_latency(&m->cycle);
    histogram_init_latency(&m->queue_wait);
    histogram_init_latency(&m->serve);
    histogram_init_latency(&m->loop_lag);
}

static void counter(struct evbuffer *out, const char *name, const char *help, uint64_t v)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                        (unsigned long long)v);
}

static void gauge(struct evbuffer *out, const char *name, const char *help, uint64_t v)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name,
                        (unsigned long long)v);
}

static const char *const spare_failure_labels[ZS_SPARE_NFAILURES] = {
    [ZS_SPARE_CREATE_FAILED] = "create_failed",
    [ZS_SPARE_DIED] = "died",
    [ZS_SPARE_TAKE_FAILED] = "take_failed",
};

void zs_metrics_write(const struct zs_metrics *m, struct evbuffer *out, uint64_t live,
                      uint64_t queued, const uint64_t *per_state, const uint64_t *spares,
                      int draining)
{
    counter(out, "zerg_instances_started_total", "Instances whose creation the backend started.",
            m->started_total);
    counter(out, "zerg_instances_reaped_total", "Instances fully released.", m->reaped_total);
    counter(out, "zerg_requests_total", "Requests for an instance accepted (started or queued).",
            m->requests_total);
    gauge(out, "zerg_instances_live", "Instances holding a slot (booting to not yet reaped).",
          live);
    gauge(out, "zerg_queue_length", "Requests waiting for a slot.", queued);
    gauge(out, "zerg_draining", "1 while the daemon is shutting down.", (uint64_t)draining);
    evbuffer_add_printf(out, "# HELP zerg_instances_state Instances by lifecycle state.\n"
                             "# TYPE zerg_instances_state gauge\n");
    for (int s = 0; s < ZS_NSTATES; s++)
        evbuffer_add_printf(out, "zerg_instances_state{state=\"%s\"} %llu\n",
                            zs_state_name((enum zs_state)s), (unsigned long long)per_state[s]);
    evbuffer_add_printf(out,
                        "# HELP zerg_instance_exits_total Guests that ended by themselves.\n"
                        "# TYPE zerg_instance_exits_total counter\n"
                        "zerg_instance_exits_total{how=\"clean\"} %llu\n"
                        "zerg_instance_exits_total{how=\"crash\"} %llu\n",
                        (unsigned long long)m->exits_clean, (unsigned long long)m->exits_crash);
    evbuffer_add_printf(out, "# HELP zerg_errors_total Failures by kind.\n"
                             "# TYPE zerg_errors_total counter\n");
    for (int k = 0; k < ZERG_ERR_NKINDS; k++)
        evbuffer_add_printf(out, "zerg_errors_total{kind=\"%s\"} %llu\n",
                            zerg_error_label((enum zerg_error_kind)k),
                            (unsigned long long)m->errors[k]);
    evbuffer_add_printf(out, "# HELP zerg_pool_domains Instances' domains prepared ahead of "
                             "demand (xen.pool_size), by state.\n"
                             "# TYPE zerg_pool_domains gauge\n");
    for (int s = 0; s < ZS_SPARE_NSTATES; s++)
        evbuffer_add_printf(out, "zerg_pool_domains{state=\"%s\"} %llu\n",
                            zs_spare_state_name((enum zs_spare_state)s),
                            (unsigned long long)spares[s]);
    counter(out, "zerg_pool_hits_total", "Requests given a prepared domain that was ready.",
            m->pool_hits);
    counter(out, "zerg_pool_misses_total",
            "Requests of a pooled backend that found no prepared domain ready.", m->pool_misses);
    evbuffer_add_printf(out, "# HELP zerg_pool_failures_total Prepared domains lost before a "
                             "request took them (each is replaced), or as one took them "
                             "(take_failed: that request got a cold domain instead).\n"
                             "# TYPE zerg_pool_failures_total counter\n");
    for (int k = 0; k < ZS_SPARE_NFAILURES; k++)
        evbuffer_add_printf(out, "zerg_pool_failures_total{kind=\"%s\"} %llu\n",
                            spare_failure_labels[k], (unsigned long long)m->pool_failures[k]);
    histogram_write(&m->boot, out, "zerg_boot_seconds", "Booting to ready.");
    histogram_write(&m->cycle, out, "zerg_cycle_seconds", "Requested to reaped.");
    histogram_write(&m->queue_wait, out, "zerg_queue_wait_seconds",
                    "Time waiting for a slot, of requests that waited.");
    histogram_write(&m->serve, out, "zerg_serve_seconds", "Serving to exited.");
    histogram_write(&m->loop_lag, out, "zerg_loop_lag_seconds",
                    "How late the event loop ran a periodic 50 ms timer.");
}
