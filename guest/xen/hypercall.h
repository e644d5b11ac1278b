/*
 * hypercall: calls into Xen through the hypercall page (x86_64 PV).
 *
 * Xen fills xg_hypercall_page (entry.S) with one 32-byte stub per hypercall number at domain
 * build. Arguments go in rdi, rsi, rdx, r10, r8; the result comes back in rax (negative errno
 * values of Xen's public errno.h on failure). A debug Xen may scramble the argument registers
 * and the stub's SYSCALL clobbers rcx and r11, so all of them are declared clobbered.
 * Every wrapper below is one hypercall of xen/xen.h's list, typed after its public header.
 */
#ifndef ZERG_XG_HYPERCALL_H
#define ZERG_XG_HYPERCALL_H

#include <stdint.h>

#include "xen_headers.h"

extern char xg_hypercall_page[4096];

static inline long xg_hypercall5(unsigned op, unsigned long a1, unsigned long a2, unsigned long a3,
                                 unsigned long a4, unsigned long a5)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret;
    __asm__ volatile("call *%[entry]"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : [entry] "r"(xg_hypercall_page + op * 32)
                     : "memory", "rcx", "r11");
    return ret;
}

static inline long xg_hypercall2(unsigned op, unsigned long a1, unsigned long a2)
{
    return xg_hypercall5(op, a1, a2, 0, 0, 0);
}

static inline long xg_hypercall3(unsigned op, unsigned long a1, unsigned long a2, unsigned long a3)
{
    return xg_hypercall5(op, a1, a2, a3, 0, 0);
}

static inline long xg_hyp_sched_op(int cmd, void *arg)
{
    return xg_hypercall2(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline long xg_hyp_event_channel_op(int cmd, void *arg)
{
    return xg_hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline long xg_hyp_grant_table_op(unsigned cmd, void *uop, unsigned count)
{
    return xg_hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count);
}

/* Maps the machine frame described by `pte` at virtual address `va` (flags: UVMF_*). */
static inline long xg_hyp_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{
    return xg_hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

#endif
