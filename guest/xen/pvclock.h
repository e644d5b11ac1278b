/*
 * pvclock: time from Xen's per-vcpu time info, no timer interrupts.
 *
 * xg_clock_ns()  Xen system time in ns: monotonic, counted from the host's boot. It is the clock
 *                SCHEDOP_poll deadlines are written in, so every deadline here is in it.
 * xg_wall_ns()   Unix time in ns (UTC): shared_info's wall clock at system time 0 + system time.
 * xg_boot_ns()   xg_clock_ns() when the guest entered C, for "time since boot" figures.
 * xg_pvclock_scale(delta, mul, shift) is the conversion of vcpu_time_info: TSC ticks to ns
 *                (delta shifted by `shift`, then multiplied by the 32.32 fraction `mul`);
 *                kept separate because it is pure arithmetic, testable on the host.
 */
#ifndef ZERG_XG_PVCLOCK_H
#define ZERG_XG_PVCLOCK_H

#include <stdint.h>

void xg_clock_init(void);
uint64_t xg_clock_ns(void);
uint64_t xg_wall_ns(void);
uint64_t xg_boot_ns(void);

static inline uint64_t xg_pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

#endif
