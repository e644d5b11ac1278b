/*
 * memory: all of the domain's pages, mapped and handed out in page-sized runs.
 *
 * Xen maps only the boot region (image, start_info, rings, boot page tables, at least 512 KB of
 * padding, up to a 4 MB boundary). xg_memory_init() maps every other page of the domain at
 * virtual = pfn * 4096 too, building the missing page tables the PV way: a new table page is
 * taken from the mapped padding, zeroed, remapped read-only, and hooked in with mmu_update
 * (Xen validates it); leaf entries are written with batched mmu_update calls. After that,
 * every page from the first free one to start_info->nr_pages is the allocator's.
 *
 * xg_pages_alloc(n) returns n contiguous zeroed pages (first fit over a bitmap) or NULL;
 * xg_pages_free returns them. xg_memory_stats tells how many pages there are and are free.
 * Single-threaded, like the rest of the layer.
 */
#ifndef ZERG_XG_MEMORY_H
#define ZERG_XG_MEMORY_H

#include <stddef.h>

#include "xg_error.h"

int xg_memory_init(void);
void *xg_pages_alloc(size_t npages);
void xg_pages_free(void *p, size_t npages);
void xg_memory_stats(size_t *total_pages, size_t *free_pages);

#endif
