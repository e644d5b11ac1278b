/* heap: size-class free lists and whole-page blocks (see heap.h). */
#include "heap.h"

#include <stdint.h>

#include "boot.h"
#include "freestanding.h"
#include "memory.h"

#define HEADER     16
#define CLASSES    8 /* block sizes 32 << 0 .. 32 << 7 = 4096, header included */
#define LARGE_TAG  0xffffu
#define HEAP_MAGIC 0x7a68u /* "zh": catches frees of pointers that are not ours */

struct header {
    uint16_t magic;
    uint16_t cls; /* size class, or LARGE_TAG */
    uint32_t unused;
    uint64_t npages; /* large blocks: pages, header included */
};

struct free_block {
    struct free_block *next;
};

static struct free_block *free_lists[CLASSES];

static unsigned class_for(size_t bytes)
{
    unsigned cls = 0;
    while ((32ul << cls) - HEADER < bytes)
        cls++;
    return cls;
}

static int refill(unsigned cls)
{
    char *page = xg_pages_alloc(1);
    if (!page)
        return -1;
    size_t size = 32ul << cls;
    for (size_t off = 0; off + size <= XG_PAGE_SIZE; off += size) {
        struct free_block *b = (struct free_block *)(page + off);
        b->next = free_lists[cls];
        free_lists[cls] = b;
    }
    return 0;
}

void *xg_malloc(size_t bytes)
{
    struct header *h;
    if (bytes > XG_HEAP_SMALL_MAX) {
        if (bytes > SIZE_MAX - HEADER - XG_PAGE_SIZE)
            return NULL;
        size_t npages = (bytes + HEADER + XG_PAGE_SIZE - 1) / XG_PAGE_SIZE;
        h = xg_pages_alloc(npages);
        if (!h)
            return NULL;
        *h = (struct header){.magic = HEAP_MAGIC, .cls = LARGE_TAG, .npages = npages};
        return (char *)h + HEADER;
    }
    unsigned cls = class_for(bytes ? bytes : 1);
    if (!free_lists[cls] && refill(cls) != 0)
        return NULL;
    struct free_block *b = free_lists[cls];
    free_lists[cls] = b->next;
    h = (struct header *)b;
    *h = (struct header){.magic = HEAP_MAGIC, .cls = (uint16_t)cls};
    return (char *)h + HEADER;
}

static struct header *header_of(void *p)
{
    struct header *h = (struct header *)((char *)p - HEADER);
    if (h->magic != HEAP_MAGIC || (h->cls >= CLASSES && h->cls != LARGE_TAG))
        xg_panic("heap: free or realloc of a pointer the heap did not return");
    return h;
}

static size_t capacity(const struct header *h)
{
    if (h->cls == LARGE_TAG)
        return h->npages * XG_PAGE_SIZE - HEADER;
    return (32ul << h->cls) - HEADER;
}

void xg_free(void *p)
{
    if (!p)
        return;
    struct header *h = header_of(p);
    h->magic = 0; /* a second free of the same block is caught */
    if (h->cls == LARGE_TAG) {
        xg_pages_free(h, h->npages);
        return;
    }
    struct free_block *b = (struct free_block *)h;
    unsigned cls = h->cls;
    b->next = free_lists[cls];
    free_lists[cls] = b;
}

void *xg_realloc(void *p, size_t bytes)
{
    if (!p)
        return xg_malloc(bytes);
    if (bytes == 0) {
        xg_free(p);
        return NULL;
    }
    struct header *h = header_of(p);
    size_t have = capacity(h);
    if (bytes <= have)
        return p;
    void *q = xg_malloc(bytes);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    xg_free(p);
    return q;
}
