/*
 * zclock: the one clock zerg stamps events with.
 *
 * Contract: zclock_now_ns() reads CLOCK_MONOTONIC in nanoseconds; it never goes backwards and is
 * meaningful only as a difference. Safe to call anywhere, including signal handlers.
 */
#ifndef ZERG_ZCLOCK_H
#define ZERG_ZCLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t zclock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double zclock_seconds(uint64_t ns)
{
    return (double)ns / 1e9;
}

static inline struct timeval zclock_ms_to_tv(uint32_t ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return tv;
}

#endif
