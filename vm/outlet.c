/*
 * outlet.c: the table of open outlets. No driver is registered yet (the console and TCP
 * drivers come next), so no handle is ever watched on an outlet's behalf and no process owns a
 * port: an event for an unknown handle is dropped (the platform may report a handle that was
 * closed after it became ready) and a process's exit closes nothing.
 */
#include "vm/outlet.h"

void outlet_io_ready(zplat_handle_t handle, unsigned ready)
{
    (void)handle;
    (void)ready;
}

void outlet_process_exited(term_t pid, term_t reason)
{
    (void)pid;
    (void)reason;
}

bool outlet_send(struct process *from, term_t port, term_t msg)
{
    /* No port is open, so this one is closed: OTP drops a message to a closed port. */
    (void)from;
    (void)port;
    (void)msg;
    return true;
}
