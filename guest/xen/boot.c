/* boot: entry into C, start_info/shared_info, address translation, shutdown (see boot.h). */
#include "boot.h"

#include "console.h"
#include "freestanding.h"
#include "hypercall.h"
#include "pvclock.h"

/* shared_info is mapped over this page; its original frame is simply not used again. */
static char shared_info_page[XG_PAGE_SIZE] __attribute__((aligned(4096), section(".bss.pages")));
static start_info_t *start_info;
static shared_info_t *shared_info;

start_info_t *xg_start_info(void)
{
    return start_info;
}

shared_info_t *xg_shared_info(void)
{
    return shared_info;
}

void *xg_mfn_to_virt(unsigned long mfn)
{
    unsigned long pfn = machine_to_phys_mapping[mfn];
    if (pfn >= start_info->nr_pages)
        return NULL;
    return (void *)(pfn << XG_PAGE_SHIFT);
}

unsigned long xg_virt_to_mfn(const void *va)
{
    const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
    return p2m[(unsigned long)va >> XG_PAGE_SHIFT];
}

long xg_map_mfn(void *va, unsigned long mfn)
{
    /* present | writable | user: a 64-bit PV kernel runs in ring 3. */
    uint64_t pte = ((uint64_t)mfn << XG_PAGE_SHIFT) | 0x7;
    return xg_hyp_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG);
}

void xg_shutdown(unsigned reason)
{
    struct sched_shutdown op = {.reason = reason};
    for (;;)
        xg_hyp_sched_op(SCHEDOP_shutdown, &op);
}

void xg_panic(const char *msg)
{
    xg_console_printf("panic: %s\n", msg);
    xg_shutdown(SHUTDOWN_crash);
}

void xg_start(start_info_t *si)
{
    start_info = si;
    /* Without shared_info there is no clock and no event channel: nothing else can work. */
    if (xg_map_mfn(shared_info_page, si->shared_info >> XG_PAGE_SHIFT) != 0)
        xg_shutdown(SHUTDOWN_crash);
    shared_info = (shared_info_t *)shared_info_page;
    /* We never register an event callback, so an upcall would jump to address 0. */
    shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
    /* Clear the virtual CR0.TS: compiled code (the VM's) may use SSE, and with TS set its
     * first FPU instruction would trap into a handler we do not have. */
    xg_hypercall5(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
    xg_clock_init();
    xg_console_init();
    int status = xg_main();
    xg_console_flush();
    xg_shutdown(status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
