/*
 * outlet.h: the VM's driver interface ("outlets", in LING's shape) as the scheduler sees it.
 *
 * An outlet is a port: a term that names one open driver instance, owned by (and linked to)
 * one process. Drivers are found by name through a factory table and implement a vtable
 * (control, send, new data, attach/detach, destroy); see outlet.c.
 *
 * The scheduler's two calls into the outlets:
 *  - outlet_io_ready() for every event zplat_wait() reports: the driver that watches `handle`
 *    reads or writes what it can and delivers messages to its owner (sched_deliver());
 *  - outlet_process_exited() when a process exits: the ports it owns or is linked to are closed
 *    (or get the exit signal, as OTP's port semantics say).
 */
#ifndef ZVM_OUTLET_H
#define ZVM_OUTLET_H

#include "vm/platform.h"
#include "vm/term.h"

#include <stdbool.h>

struct process;

void outlet_io_ready(zplat_handle_t handle, unsigned ready);
/* `Port ! Msg` from process `from`; false when the message is not one a port takes (badarg). */
bool outlet_send(struct process *from, term_t port, term_t msg);
void outlet_process_exited(term_t pid, term_t reason);

#endif
