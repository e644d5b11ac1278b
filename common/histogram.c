/* histogram: see histogram.h. */
#include "histogram.h"

#include <event2/buffer.h>
#include <math.h>
#include <string.h>

int histogram_init(struct histogram *h, const double *bounds, size_t nbounds)
{
    memset(h, 0, sizeof *h);
    if (nbounds > HISTOGRAM_MAX_BUCKETS)
        return -1;
    for (size_t i = 1; i < nbounds; i++)
        if (!(bounds[i] > bounds[i - 1]))
            return -1;
    memcpy(h->bounds, bounds, nbounds * sizeof bounds[0]);
    h->nbounds = nbounds;
    return 0;
}

void histogram_init_latency(struct histogram *h)
{
    static const double bounds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004,
                                    0.008,   0.016,  0.032,   0.064,  0.128, 0.256, 0.512,
                                    1.024,   2.048,  5.0,     10.0};
    histogram_init(h, bounds, sizeof bounds / sizeof bounds[0]);
}

void histogram_observe(struct histogram *h, double seconds)
{
    size_t i = 0;
    while (i < h->nbounds && seconds > h->bounds[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum += seconds;
}

double histogram_quantile_bound(const struct histogram *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)h->count);
    uint64_t acc = 0;
    for (size_t i = 0; i < h->nbounds; i++) {
        acc += h->counts[i];
        if (acc >= want)
            return h->bounds[i];
    }
    return INFINITY;
}

void histogram_write(const struct histogram *h, struct evbuffer *out, const char *name,
                     const char *help)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t acc = 0;
    for (size_t i = 0; i < h->nbounds; i++) {
        acc += h->counts[i];
        evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i],
                            (unsigned long long)acc);
    }
    evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
    evbuffer_add_printf(out, "%s_sum %.9f\n%s_count %llu\n", name, h->sum, name,
                        (unsigned long long)h->count);
}
