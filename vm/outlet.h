/*
 * outlet.h: the VM's driver interface ("outlets", in LING's shape): ports as Erlang sees them,
 * drivers as C sees them.
 *
 * An outlet is an open port: the term #Port<0.N> names one driver instance, which has an owner
 * (the connected process, linked to it at open) and a set of linked processes. A driver is a
 * vtable (control, command, io-ready "new data", timeout, attach/detach on owner change,
 * destroy) found by name through a factory table (outlet.c): "tcp_inet" (outlet_tcp.c, the
 * protocol of OTP's inet driver, so stock prim_inet/gen_tcp run unmodified) and the console
 * (outlet_console.c, open_port({fd, 0, 1 | 2}, ...), as OTP's standard_error opens it).
 *
 * Semantics (OTP's): the port closes when its owner exits (any reason; the port's exit reason is
 * the owner's), on port_close/1 or {Pid, close} (reason normal), on an exit signal other than
 * `normal` from a linked process or from exit/2, or when the driver ends it (outlet_close()).
 * Closing sends the exit reason to every linked process (a process trapping exits gets
 * {'EXIT', Port, Reason}) and {'DOWN', Ref, port, Port, Reason} to every monitor.
 *
 * Everything runs on the scheduler's thread. The scheduler's calls in: outlet_io_ready() for each
 * event of zplat_wait(), outlet_next_deadline()/outlet_fire_timeouts() beside its own timers,
 * outlet_process_exited() when a process ends; the interpreter's `Port ! Msg` is outlet_send();
 * link/unlink/exit/monitor on a port go to outlet_link() and the functions below them.
 */
#ifndef ZVM_OUTLET_H
#define ZVM_OUTLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/platform.h"
#include "vm/rt.h"
#include "vm/term.h"

struct process;
struct outlet;

/* --- the scheduler's and the interpreter's calls ------------------------------------------- */

void outlet_io_ready(zplat_handle_t handle, unsigned ready);
/* The earliest deadline of a driver timer (recv/accept/connect timeouts), UINT64_MAX for none. */
uint64_t outlet_next_deadline(void);
/* Runs the driver timeouts due at `now` (monotonic ns). */
void outlet_fire_timeouts(uint64_t now);
/* `Port ! Msg` from process `from`; false when the message is not one a port takes (badarg). */
bool outlet_send(struct process *from, term_t port, term_t msg);
void outlet_process_exited(term_t pid, term_t reason);

/* link(Port) / unlink(Port) from `p`: false when the port is not open (link/1 then raises noproc
 * unless p traps exits, as for a dead process). */
bool outlet_link(struct process *p, term_t port);
void outlet_unlink(struct process *p, term_t port);
/* exit(Port, Reason) from `from` (a pid): closes the port unless Reason is `normal`. */
void outlet_exit_signal(term_t from, term_t port, term_t reason);
/* monitor(port, Port) by `p` with reference id `ref_id`: false when the port is not open (the
 * caller then sends 'DOWN' with noproc itself); demonitor by id: true when it was active. */
bool outlet_monitor(struct process *p, term_t port, uint64_t ref_id);
bool outlet_demonitor(uint64_t ref_id);

/* --- what drivers implement ---------------------------------------------------------------- */

/* A control reply (port_control/3's result, a byte list or binary) is built in `reply`. */
struct outlet_vtab {
    const char *name; /* erlang:port_info(P, name) */
    /*
     * port_control(Port, Op, Data) from `caller`: fills `reply`; returns 0, or -1 for badarg.
     * May close the outlet only by returning -1 after outlet_close() (then badarg is raised).
     */
    int (*control)(struct outlet *ol, struct process *caller, uint32_t op, const uint8_t *data,
                   size_t len, struct textbuf *reply);
    /* port_command(Port, Data) / {Pid, {command, Data}}: the iodata flattened. `nosuspend`:
     * return 1 without queueing when the port is busy. Returns 0 (taken), 1 (busy), -1 badarg. */
    int (*command)(struct outlet *ol, struct process *caller, const uint8_t *data, size_t len,
                   bool nosuspend);
    /* A readiness event for a handle the driver watches (outlet_watch). */
    void (*io_ready)(struct outlet *ol, zplat_handle_t h, unsigned ready);
    /* The driver's timer (outlet_set_deadline) expired. */
    void (*timeout)(struct outlet *ol);
    /* The owner changes (port_connect/2): detach from the old one, attach to the new. */
    void (*detach)(struct outlet *ol);
    void (*attach)(struct outlet *ol);
    /* Frees the driver's private state and handles; the outlet is already out of the table. */
    void (*destroy)(struct outlet *ol);
    /* erlang:port_info(P, input/output) counters, or NULL for 0. */
    void (*counters)(struct outlet *ol, uint64_t *in, uint64_t *out);
};

struct outlet_link;
struct outlet_monitor;

/* The common part of an open outlet; a driver's own struct starts with it. */
struct outlet {
    uint64_t id;  /* port index: make_port(id) */
    term_t port;  /* make_port(id) */
    term_t owner; /* the connected process's pid */
    bool binary;  /* open_port's `binary` option */
    bool busy;    /* port_command with nosuspend answers false */
    const struct outlet_vtab *vt;
    char name[24]; /* erlang:port_info(P, name): the driver's name unless the driver sets one */
    struct outlet_link *links;
    struct outlet_monitor *monitors;
    struct lit_area data_area; /* port_set_data/2's term lives here */
    term_t data;               /* or NIL */
    uint64_t deadline;         /* the driver's timer, UINT64_MAX when unset */
};

/*
 * A driver factory: opens an outlet for `owner` (open_port's `settings`: the {spawn_driver,
 * Name} name, or the {fd, In, Out} numbers) or returns NULL with *error set to an atom (badarg,
 * einval, ...). It allocates its struct with outlet_new().
 */
typedef struct outlet *(*outlet_factory_fn)(struct process *owner, term_t settings, bool binary,
                                            term_t *error);

/* Allocates (zeroed) a driver struct of `size` bytes whose head is the outlet, registers it with
 * a fresh id, owner `owner` linked to it. */
struct outlet *outlet_new(const struct outlet_vtab *vt, size_t size, term_t owner);

/* The open outlet for `port`, or NULL. */
struct outlet *outlet_lookup(term_t port);
/* The pids linked to `ol` as a list built through `b` (port_info's links). */
term_t outlet_links(struct outlet *ol, struct builder *b);
/* Every open outlet, in no particular order (*out stays valid until the next open or close). */
size_t outlet_all(struct outlet ***out);

/*
 * Ends the outlet with `reason`: out of the table, its watches and timer dropped, the driver's
 * destroy(), then exit signals to the linked processes and 'DOWN' to the monitors. The outlet's
 * memory is gone on return: a driver returns at once.
 */
void outlet_close(struct outlet *ol, term_t reason);

/* Watches `h` for `interest` (enum zplat_io_interest; 0 stops) on behalf of `ol`. */
int outlet_watch(struct outlet *ol, zplat_handle_t h, unsigned interest);
/* Forgets every watch `ol` holds on `h` (before closing the handle). */
void outlet_unwatch(struct outlet *ol, zplat_handle_t h);
/* Sets (UINT64_MAX: clears) the driver's one timer. */
void outlet_set_deadline(struct outlet *ol, uint64_t deadline_ns);

/*
 * Messages from drivers: outlet_msg_begin() finds the live process `pid` (NULL when it has
 * exited: nothing to build) whose builder the message is built with; outlet_msg_send() delivers
 * it. Helpers build the common shapes.
 */
struct process *outlet_msg_begin(term_t pid);
void outlet_msg_send(struct process *to, term_t msg);
term_t outlet_tuple2(struct builder *b, term_t a, term_t c);
term_t outlet_tuple3(struct builder *b, term_t a, term_t c, term_t d);
term_t outlet_tuple4(struct builder *b, term_t a, term_t c, term_t d, term_t e);
/* Bytes as a binary or as a list of integers, by `binary`. */
term_t outlet_bytes(struct builder *b, const uint8_t *data, size_t len, bool binary);

/* The atom of a platform error (econnrefused, ...), and its text for control replies. */
const char *outlet_error_name(int zplat_error);
term_t outlet_error_atom(int zplat_error);
term_t outlet_atom(const char *name);

/* The drivers' factories (outlet.c dispatches on the name). */
struct outlet *outlet_tcp_open(struct process *owner, term_t settings, bool binary, term_t *error);
struct outlet *outlet_console_open(struct process *owner, term_t settings, bool binary,
                                   term_t *error);

/* Flattens iodata into `out`; false when `t` is not iodata. */
bool outlet_iodata(term_t t, struct textbuf *out);

#endif
