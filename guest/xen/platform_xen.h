/*
 * platform_xen: the Xen PV platform's own setup, for whatever runs the VM core on it (the
 * platform contract itself is vm/platform.h, implemented in platform_xen.c).
 *
 * xg_platform_init()      after boot: maps all memory (memory.h) so zplat_pages_alloc and
 *                         zplat_alloc work; XG_E* on failure.
 * xg_platform_adopt_vchan(v)  makes a connected vchan (the instance's connection) an I/O handle
 *                         for zplat_io_*; the handle, or ZPLAT_EINVAL when the table is full.
 * xg_platform_inherit(fd, h)  makes handle `h` the guest contract's descriptor `fd` (3: the
 *                         connection), which zplat_sock_adopt(fd) hands to the TCP outlet
 *                         (gen_tcp:fdopen); 0, or ZPLAT_EINVAL for a bad fd or handle.
 * Code modules: the image links them into the .xg_code section as struct xg_code_module
 * entries (name, bytes, length); zplat_code_find() searches them. An image without any simply
 * has no modules to find.
 */
#ifndef ZERG_XG_PLATFORM_XEN_H
#define ZERG_XG_PLATFORM_XEN_H

#include <stdint.h>

#include "vchan.h"
#include "vm/platform.h"

#define XG_MAX_HANDLES 8

struct xg_code_module {
    const char *name;
    const uint8_t *bytes;
    uint64_t len;
};

int xg_platform_init(void);
zplat_handle_t xg_platform_adopt_vchan(struct xg_vchan *v);
int xg_platform_inherit(int fd, zplat_handle_t h);

#endif
