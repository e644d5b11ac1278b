/* pvclock: Xen system time and wall clock from shared_info (see pvclock.h). */
#include "pvclock.h"

#include "boot.h"

static uint64_t boot_ns;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Xen updates the record while we read: an odd or changed version means read again. */
uint64_t xg_clock_ns(void)
{
    volatile struct vcpu_time_info *t = &xg_shared_info()->vcpu_info[0].time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        ns = t->system_time + xg_pvclock_scale(delta, t->tsc_to_system_mul, t->tsc_shift);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != t->version);
    return ns;
}

uint64_t xg_wall_ns(void)
{
    volatile shared_info_t *s = xg_shared_info();
    uint32_t version;
    uint64_t sec, nsec;
    do {
        version = s->wc_version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
        nsec = s->wc_nsec;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != s->wc_version);
    return sec * 1000000000ull + nsec + xg_clock_ns();
}

uint64_t xg_boot_ns(void)
{
    return boot_ns;
}

void xg_clock_init(void)
{
    boot_ns = xg_clock_ns();
}
