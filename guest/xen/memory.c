/* memory: mapping the whole domain and a first-fit page allocator (see memory.h). */
#include "memory.h"

#include <stdint.h>

#include "boot.h"
#include "freestanding.h"
#include "hypercall.h"

#define PTE_PRESENT  0x001ull
#define PTE_RW       0x002ull
#define PTE_USER     0x004ull
#define PTE_ACCESSED 0x020ull
#define PTE_DIRTY    0x040ull
#define PTE_ADDR     0x000ffffffffff000ull
#define LEAF_FLAGS   (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)
#define TABLE_FLAGS  (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)
#define ENTRIES      512
#define BATCH        512 /* mmu_update requests per hypercall: one L1 table's worth */
/* Room for the allocator's bitmap: up to 4 GB of guest memory. */
#define MAX_PAGES (1ul << 20)

extern unsigned long xg_boot_rsp; /* entry.S: the stack pointer Xen started us with */
extern char _end[];

static uint64_t bitmap[MAX_PAGES / 64]; /* bit set: page in use (or not ours) */
static unsigned long first_pfn, nr_pfns, free_count, hint;
/* Mapped, unused pages taken for page tables, from `spare` up to `spare_end`. */
static unsigned long spare, spare_end;

static struct mmu_update batch[BATCH];
static unsigned batched;

static inline unsigned long pfn_of(const void *va)
{
    return (unsigned long)va >> XG_PAGE_SHIFT;
}

static inline void *va_of(unsigned long pfn)
{
    return (void *)(pfn << XG_PAGE_SHIFT);
}

static int flush_batch(void)
{
    unsigned done = 0;
    long rc = 0;
    if (batched)
        rc = xg_hypercall5(__HYPERVISOR_mmu_update, (unsigned long)batch, batched,
                           (unsigned long)&done, DOMID_SELF, 0);
    batched = 0;
    return rc == 0 ? 0 : XG_EXEN;
}

/* Queues "*machine_addr = val" for Xen to check and apply. */
static int queue_update(uint64_t machine_addr, uint64_t val)
{
    batch[batched].ptr = machine_addr | MMU_NORMAL_PT_UPDATE;
    batch[batched].val = val;
    if (++batched == BATCH)
        return flush_batch();
    return 0;
}

/* A table page (mapped read-only in the boot region, or by us) by its machine frame. */
static const uint64_t *table_at(uint64_t entry)
{
    return xg_mfn_to_virt((unsigned long)((entry & PTE_ADDR) >> XG_PAGE_SHIFT));
}

/* Makes a new, empty page table out of a spare page and hooks it at entry `idx` of `parent`. */
static int new_table(const uint64_t *parent, unsigned idx)
{
    if (spare >= spare_end)
        return XG_ENOSPC;
    unsigned long pfn = spare++;
    unsigned long mfn = xg_virt_to_mfn(va_of(pfn));
    memset(va_of(pfn), 0, XG_PAGE_SIZE);
    /* Xen refuses a page table that is still writable anywhere. */
    if (xg_hyp_update_va_mapping((unsigned long)va_of(pfn),
                                 ((uint64_t)mfn << XG_PAGE_SHIFT) | PTE_PRESENT | PTE_USER |
                                     PTE_ACCESSED,
                                 UVMF_INVLPG) != 0)
        return XG_EXEN;
    uint64_t parent_ma = ((uint64_t)xg_virt_to_mfn(parent) << XG_PAGE_SHIFT) + idx * 8;
    int rc = flush_batch();
    if (rc == 0)
        rc = queue_update(parent_ma, ((uint64_t)mfn << XG_PAGE_SHIFT) | TABLE_FLAGS);
    if (rc == 0)
        rc = flush_batch();
    return rc;
}

/* Walks (building what is missing) to the level-1 table covering `va`. */
static int l1_table_for(unsigned long va, const uint64_t **l1)
{
    const uint64_t *t = (const uint64_t *)xg_start_info()->pt_base;
    for (int shift = 39; shift >= 21; shift -= 9) {
        unsigned idx = (va >> shift) & (ENTRIES - 1);
        if (!(t[idx] & PTE_PRESENT)) {
            int rc = new_table(t, idx);
            if (rc)
                return rc;
        }
        t = table_at(t[idx]);
        if (!t)
            return XG_EIO;
    }
    *l1 = t;
    return 0;
}

static int map_rest(void)
{
    start_info_t *si = xg_start_info();
    const unsigned long *p2m = (const unsigned long *)si->mfn_list;
    const uint64_t *l1 = NULL;
    unsigned long l1_region = ~0ul;
    for (unsigned long pfn = spare_end; pfn < si->nr_pages; pfn++) {
        unsigned long va = pfn << XG_PAGE_SHIFT;
        if ((va >> 21) != l1_region) {
            int rc = flush_batch();
            if (rc == 0)
                rc = l1_table_for(va, &l1);
            if (rc)
                return rc;
            l1_region = va >> 21;
        }
        unsigned idx = (va >> XG_PAGE_SHIFT) & (ENTRIES - 1);
        if (l1[idx] & PTE_PRESENT)
            continue;
        uint64_t l1_ma = ((uint64_t)xg_virt_to_mfn(l1) << XG_PAGE_SHIFT) + idx * 8;
        int rc = queue_update(l1_ma, ((uint64_t)p2m[pfn] << XG_PAGE_SHIFT) | LEAF_FLAGS);
        if (rc)
            return rc;
    }
    return flush_batch();
}

/* The first page after everything Xen put in the boot region. */
static unsigned long boot_region_end(void)
{
    start_info_t *si = xg_start_info();
    unsigned long end = pfn_of(_end);
    unsigned long ends[] = {
        pfn_of(si) + 1,
        pfn_of((const char *)si->mfn_list + si->nr_pages * sizeof(unsigned long) - 1) + 1,
        pfn_of((const void *)si->pt_base) + si->nr_pt_frames,
        pfn_of(xg_mfn_to_virt(si->store_mfn)) + 1,
        pfn_of(xg_mfn_to_virt(si->console.domU.mfn)) + 1,
        pfn_of((const void *)(xg_boot_rsp - 1)) + 1,
    };
    for (unsigned i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if (ends[i] > end)
            end = ends[i];
    return end;
}

/* The end of Xen's boot mapping: the first page whose mapping is absent. */
static unsigned long boot_mapping_end(unsigned long from)
{
    const uint64_t *t4 = (const uint64_t *)xg_start_info()->pt_base;
    for (unsigned long pfn = from;; pfn++) {
        unsigned long va = pfn << XG_PAGE_SHIFT;
        const uint64_t *t = t4;
        for (int shift = 39; shift >= 12; shift -= 9) {
            uint64_t e = t[(va >> shift) & (ENTRIES - 1)];
            if (!(e & PTE_PRESENT))
                return pfn;
            if (shift > 12)
                t = table_at(e);
        }
    }
}

static int test_bit(unsigned long i)
{
    return (bitmap[i / 64] >> (i % 64)) & 1;
}

static void set_bits(unsigned long from, unsigned long n, int used)
{
    for (unsigned long i = from; i < from + n; i++) {
        if (used)
            bitmap[i / 64] |= 1ull << (i % 64);
        else
            bitmap[i / 64] &= ~(1ull << (i % 64));
    }
}

int xg_memory_init(void)
{
    start_info_t *si = xg_start_info();
    if (si->nr_pages > MAX_PAGES)
        return XG_E2BIG;
    spare = boot_region_end();
    spare_end = boot_mapping_end(spare);
    int rc = map_rest();
    if (rc)
        return rc;
    /* Spare pages not used for tables go to the allocator too. */
    first_pfn = spare;
    nr_pfns = si->nr_pages;
    set_bits(0, first_pfn, 1);
    free_count = nr_pfns - first_pfn;
    hint = first_pfn;
    return 0;
}

void *xg_pages_alloc(size_t npages)
{
    if (npages == 0 || npages > free_count)
        return NULL;
    /* First fit from the hint, then once more from the start. */
    for (int pass = 0; pass < 2; pass++) {
        unsigned long from = pass ? first_pfn : hint, run = 0;
        for (unsigned long pfn = from; pfn < nr_pfns; pfn++) {
            run = test_bit(pfn) ? 0 : run + 1;
            if (run == npages) {
                unsigned long start = pfn + 1 - npages;
                set_bits(start, npages, 1);
                free_count -= npages;
                hint = pfn + 1;
                memset(va_of(start), 0, npages * XG_PAGE_SIZE);
                return va_of(start);
            }
        }
    }
    return NULL;
}

void xg_pages_free(void *p, size_t npages)
{
    unsigned long pfn = pfn_of(p);
    if (!p || pfn < first_pfn || pfn + npages > nr_pfns)
        return;
    set_bits(pfn, npages, 0);
    free_count += npages;
    if (pfn < hint)
        hint = pfn;
}

void xg_memory_stats(size_t *total_pages, size_t *free_pages)
{
    *total_pages = nr_pfns - first_pfn;
    *free_pages = free_count;
}
