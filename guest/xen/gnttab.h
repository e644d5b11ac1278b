/*
 * gnttab: granting our pages to another domain (grant table v1).
 *
 * xg_gnttab_init() asks Xen for the table (GNTTABOP_setup_table) and maps its frames at pages of
 * our .bss. References below GNTTAB_NR_RESERVED_ENTRIES belong to the toolstack (console and
 * xenstore rings) and are never handed out. Grants are made to one domain for one page, read-only
 * or writable; ending a grant fails with XG_EBUSY while the other side still has it mapped (the
 * page must not be reused until it succeeds).
 */
#ifndef ZERG_XG_GNTTAB_H
#define ZERG_XG_GNTTAB_H

#include "xen_headers.h"
#include "xg_error.h"

/* Frames of grant table we map: 512 v1 entries each. */
#define XG_GNTTAB_FRAMES 1

int xg_gnttab_init(void);
/* Grants `domid` access to the page at `va` (page-aligned, ours). Reference, or XG_E*. */
int xg_gnttab_grant_page(domid_t domid, const void *va, int readonly);
/* Revokes a grant made here; XG_EBUSY if the other domain still maps it. */
int xg_gnttab_end(grant_ref_t ref);

#endif
