/*
 * heap: malloc/realloc/free for the guest, over xg_pages_alloc (memory.h).
 *
 * Blocks carry a 16-byte header (their class or page count), so every pointer returned is
 * 16-byte aligned. Requests up to XG_HEAP_SMALL_MAX bytes come from eight power-of-two classes
 * (32 to 4096 bytes with the header), each a free list refilled one page at a time; larger ones
 * get whole pages of their own, returned to the page allocator when freed. Freed small blocks
 * stay in their class. Same contract as C's: NULL when memory is exhausted, free(NULL) a no-op,
 * realloc(NULL, n) = malloc(n), realloc(p, 0) frees p and returns NULL.
 */
#ifndef ZERG_XG_HEAP_H
#define ZERG_XG_HEAP_H

#include <stddef.h>

#define XG_HEAP_SMALL_MAX (4096 - 16)

void *xg_malloc(size_t bytes);
void *xg_realloc(void *p, size_t bytes);
void xg_free(void *p);

#endif
