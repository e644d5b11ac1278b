/*
 * xen_headers: the one place the guest includes Xen's public interface (Debian's libxen-dev,
 * /usr/include/xen/), at the newest interface version those headers describe.
 */
#ifndef ZERG_XG_XEN_HEADERS_H
#define ZERG_XG_XEN_HEADERS_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/sched.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#endif
