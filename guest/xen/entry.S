/*
 * entry.S: what Xen's PV loader reads and where it starts us (x86_64 PV).
 *
 * The ELF notes (section .note.Xen) tell the loader: guest OS and version, the interface
 * ("xen-3.0", "generic" loader), where the image is linked (virtual base 0, no physical offset),
 * the entry point, and which page to fill with the hypercall stubs. Xen enters _start with
 * %rsi = the start_info page's virtual address and a boot stack of its own; we switch to our
 * stack in .bss and call xg_start(start_info). No interrupts: event callbacks are never
 * registered, upcalls stay masked, and the guest blocks in SCHEDOP_poll instead.
 */
#include <xen/elfnote.h>

#define ELFNOTE(type, desctype, descdata)                                                      \
    .pushsection .note.Xen, "a", @note;                                                        \
    .balign 4;                                                                                 \
    .long 2f - 1f;                                                                             \
    .long 4f - 3f;                                                                             \
    .long type;                                                                                \
1:  .asciz "Xen";                                                                              \
2:  .balign 4;                                                                                 \
3:  desctype descdata;                                                                         \
4:  .balign 4;                                                                                 \
    .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "zerg")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "0.1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, 0)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, xg_hypercall_page)
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz, "!writable_page_tables")

    .section .text.entry, "ax", @progbits
    .globl _start
_start:
    cld
    movq %rsp, xg_boot_rsp(%rip)   /* memory.c keeps the boot stack's page out of its pool */
    leaq xg_stack_top(%rip), %rsp
    movq %rsi, %rdi
    call xg_start
    /* xg_start does not return; if it ever did, spin rather than run off the end. */
1:  jmp 1b

    /* Xen writes one 32-byte stub per hypercall here at domain build. */
    .section .text.hypercall_page, "ax", @progbits
    .balign 4096
    .globl xg_hypercall_page
xg_hypercall_page:
    .fill 4096, 1, 0xcc

    .section .bss, "aw", @nobits
    .balign 8
    .globl xg_boot_rsp
xg_boot_rsp:
    .skip 8

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl xg_stack_bottom
xg_stack_bottom:
    .skip 262144 /* the VM core's C recursion (GC, compare, printing) runs here too */
    .globl xg_stack_top
xg_stack_top:

    .section .note.GNU-stack, "", @progbits
