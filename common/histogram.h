/*
 * histogram: a Prometheus-style cumulative histogram of durations in seconds.
 *
 * Buckets are fixed at init (upper bounds in seconds, ascending); observations above the last
 * bound land only in +Inf. histogram_write emits the text exposition format (the _bucket lines
 * with le labels, _sum and _count) for one metric name. Not thread-safe: one loop owns it.
 */
#ifndef ZERG_HISTOGRAM_H
#define ZERG_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define HISTOGRAM_MAX_BUCKETS 24

struct histogram {
    size_t nbounds;
    double bounds[HISTOGRAM_MAX_BUCKETS];
    uint64_t counts[HISTOGRAM_MAX_BUCKETS + 1]; /* last one is +Inf, not cumulative here */
    uint64_t count;
    double sum;
};

/* Buckets from 50 us to 10 s, roughly x2 apart: the range of boot, cycle and loop-lag times. */
void histogram_init_latency(struct histogram *h);
/* nbounds <= HISTOGRAM_MAX_BUCKETS, ascending; returns -1 otherwise. */
int histogram_init(struct histogram *h, const double *bounds, size_t nbounds);
void histogram_observe(struct histogram *h, double seconds);
/* Upper bound of the bucket holding quantile q (0..1); +inf if in the overflow bucket. */
double histogram_quantile_bound(const struct histogram *h, double q);
void histogram_write(const struct histogram *h, struct evbuffer *out, const char *name,
                     const char *help);

#endif
