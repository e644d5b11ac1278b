/*
 * boot: the guest's first steps and its view of memory; start_info, shared_info, shutdown.
 *
 * xg_start() (called by entry.S) keeps the start_info page, maps shared_info at a page of our
 * .bss, masks event upcalls for good (no callbacks are ever registered: the guest waits in
 * SCHEDOP_poll), then runs the program's xg_main(). xg_main returning 0 powers the domain off;
 * any other value, or xg_panic(), shuts it down as crashed. Everything here is single-vcpu and
 * single-threaded, so the state is plain file-scope data of boot.c.
 *
 * Memory: the image is linked at virtual 0 = pseudo-physical 0, so virtual = pfn * 4096 for
 * everything Xen mapped at boot (image, start_info, console and xenstore pages, page tables).
 * Machine frames are translated through the p2m list (start_info->mfn_list) and the read-only
 * machine-to-physical table Xen maps in every PV guest.
 */
#ifndef ZERG_XG_BOOT_H
#define ZERG_XG_BOOT_H

#include <stdint.h>

#include "xen_headers.h"

#define XG_PAGE_SIZE  4096ul
#define XG_PAGE_SHIFT 12

/* Provided by the program built on this layer (the test guest, later the VM's platform). */
int xg_main(void);

void xg_start(start_info_t *si) __attribute__((noreturn));

start_info_t *xg_start_info(void);
shared_info_t *xg_shared_info(void);

/* Virtual address of a machine frame that Xen mapped at boot; NULL if outside our pages. */
void *xg_mfn_to_virt(unsigned long mfn);
/* Machine frame behind an address of our image or boot mapping. */
unsigned long xg_virt_to_mfn(const void *va);
/* Maps machine frame `mfn` (read-write) at the page-aligned address `va`; 0 or Xen's error. */
long xg_map_mfn(void *va, unsigned long mfn);

/* Shuts the domain down with `reason` (SHUTDOWN_poweroff, SHUTDOWN_crash ...). */
void xg_shutdown(unsigned reason) __attribute__((noreturn));
/* Writes "panic: msg" on the console, then shuts down as crashed. */
void xg_panic(const char *msg) __attribute__((noreturn));

#endif
