/*
 * console: the PV console ring (xencons_interface) read by dom0's xenconsoled.
 *
 * start_info names the ring's machine frame and event channel. Writes copy into the `out` ring
 * and notify the channel; when the ring is full the writer waits for xenconsoled to drain it
 * (it notifies back), at most XG_CONSOLE_STALL_NS per wait: console output is best effort, so a
 * dom0 that stopped reading costs bytes, never a hung guest. The console_io hypercall is not
 * used: Debian's release Xen refuses it to a domU.
 */
#ifndef ZERG_XG_CONSOLE_H
#define ZERG_XG_CONSOLE_H

#include <stddef.h>

#define XG_CONSOLE_STALL_NS 1000000000ull

void xg_console_init(void);
void xg_console_write(const char *buf, size_t len);
void xg_console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Waits (bounded as above) until xenconsoled has taken everything written so far. */
void xg_console_flush(void);

#endif
