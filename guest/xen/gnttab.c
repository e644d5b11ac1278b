/* gnttab: the v1 grant table, its frames mapped into our .bss (see gnttab.h). */
#include "gnttab.h"

#include "boot.h"
#include "hypercall.h"

#define ENTRIES (XG_GNTTAB_FRAMES * XG_PAGE_SIZE / sizeof(grant_entry_v1_t))

static char table_pages[XG_GNTTAB_FRAMES][XG_PAGE_SIZE]
    __attribute__((aligned(4096), section(".bss.pages")));
static volatile grant_entry_v1_t *table;
/* Free references as a stack; index 0..free_count-1 are free. */
static grant_ref_t free_refs[ENTRIES];
static unsigned free_count;

int xg_gnttab_init(void)
{
    xen_pfn_t frames[XG_GNTTAB_FRAMES];
    struct gnttab_setup_table op = {.dom = DOMID_SELF, .nr_frames = XG_GNTTAB_FRAMES};
    set_xen_guest_handle(op.frame_list, frames);
    if (xg_hyp_grant_table_op(GNTTABOP_setup_table, &op, 1) != 0 || op.status != GNTST_okay)
        return XG_EXEN;
    for (unsigned i = 0; i < XG_GNTTAB_FRAMES; i++)
        if (xg_map_mfn(table_pages[i], frames[i]) != 0)
            return XG_EXEN;
    table = (volatile grant_entry_v1_t *)table_pages;
    free_count = 0;
    for (grant_ref_t ref = ENTRIES - 1; ref >= GNTTAB_NR_RESERVED_ENTRIES; ref--)
        free_refs[free_count++] = ref;
    return 0;
}

int xg_gnttab_grant_page(domid_t domid, const void *va, int readonly)
{
    if (!table || ((unsigned long)va & (XG_PAGE_SIZE - 1)))
        return XG_EINVAL;
    if (!free_count)
        return XG_ENOSPC;
    grant_ref_t ref = free_refs[--free_count];
    table[ref].frame = (uint32_t)xg_virt_to_mfn(va);
    table[ref].domid = domid;
    /* Frame and domain must be visible before the entry becomes valid. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
    return (int)ref;
}

int xg_gnttab_end(grant_ref_t ref)
{
    if (!table || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= ENTRIES)
        return XG_EINVAL;
    uint16_t flags = table[ref].flags;
    do {
        if (flags & (GTF_reading | GTF_writing))
            return XG_EBUSY;
    } while (!__atomic_compare_exchange_n((uint16_t *)&table[ref].flags, &flags, 0, 0,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    free_refs[free_count++] = ref;
    return 0;
}
