/*
 * bif_port.c: the port BIFs as OTP has them, over the outlets (outlet.h): open_port/2,
 * port_command/2,3, port_control/3, port_close/1, port_connect/2, port_info/1,2, ports/0,
 * port_set_data/2, port_get_data/1, port_to_list/1.
 *
 * Drivers by open_port's first argument: {spawn_driver, "tcp_inet"} (what prim_inet opens) and
 * {fd, In, Out} with Out 1 or 2 (the console, as OTP's standard_error opens it). Anything else
 * ({spawn, Cmd}, {spawn_executable, ...}: zvm starts no programs) raises badarg.
 */
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/copy.h"
#include "vm/outlet.h"
#include "vm/sched.h"

/* The text of a string (a list of bytes) or an atom, into `buf`; false when neither fits. */
static bool name_text(term_t t, char *buf, size_t cap)
{
    size_t n = 0;
    if (is_atom(t)) {
        size_t len;
        const char *s = atom_name(t, &len);
        if (len >= cap)
            return false;
        for (size_t i = 0; i < len; i++)
            buf[i] = s[i];
        buf[len] = 0;
        return true;
    }
    for (; is_list(t); t = CDR(t)) {
        term_t c = CAR(t);
        if (!is_small(c) || small_val(c) < 1 || small_val(c) > 255 || n + 1 >= cap)
            return false;
        buf[n++] = (char)small_val(c);
    }
    if (!is_nil(t))
        return false;
    buf[n] = 0;
    return true;
}

static bool proper_list(term_t t)
{
    while (is_list(t))
        t = CDR(t);
    return is_nil(t);
}

term_t bif_erlang_open_port_2(struct process *p, term_t *args)
{
    term_t name = args[0], opts = args[1];
    if (!is_tuple(name) || !proper_list(opts))
        return bif_badarg(p);
    bool binary = false;
    for (term_t l = opts; is_list(l); l = CDR(l))
        if (CAR(l) == ATOM_binary)
            binary = true;
    term_t *el = tuple_elems(name);
    term_t error = ATOM_badarg;
    struct outlet *ol = NULL;
    if (tuple_arity(name) == 2 && el[0] == ATOM_spawn_driver) {
        char drv[64];
        if (!name_text(el[1], drv, sizeof drv))
            return bif_badarg(p);
        /* "tcp_inet" possibly followed by driver arguments, as erts accepts. */
        size_t n = rt_strlen("tcp_inet");
        bool tcp = true;
        for (size_t i = 0; i < n; i++)
            tcp = tcp && drv[i] == "tcp_inet"[i];
        if (!tcp || (drv[n] != 0 && drv[n] != ' '))
            return bif_badarg(p);
        ol = outlet_tcp_open(p, name, binary, &error);
    } else if (tuple_arity(name) == 3 && el[0] == ATOM_fd && is_small(el[1]) && is_small(el[2])) {
        ol = outlet_console_open(p, name, binary, &error);
    } else {
        return bif_badarg(p);
    }
    if (!ol)
        return bif_error(p, error);
    return ol->port;
}

static struct outlet *open_port_arg(term_t t)
{
    if (is_atom(t)) {
        /* A registered port name is not supported: ports are never registered here. */
        return NULL;
    }
    return outlet_lookup(t);
}

static term_t port_command(struct process *p, term_t port, term_t data, term_t opts)
{
    bool nosuspend = false;
    if (!proper_list(opts))
        return bif_badarg(p);
    for (term_t l = opts; is_list(l); l = CDR(l)) {
        if (CAR(l) == ATOM_nosuspend)
            nosuspend = true;
        else if (CAR(l) != ATOM_force)
            return bif_badarg(p);
    }
    struct outlet *ol = open_port_arg(port);
    if (!ol || !ol->vt->command)
        return bif_badarg(p);
    struct textbuf b;
    textbuf_init(&b);
    if (!outlet_iodata(data, &b)) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    int rc = ol->vt->command(ol, p, (const uint8_t *)b.data, b.len, nosuspend);
    textbuf_dispose(&b);
    if (rc < 0)
        return bif_badarg(p);
    return rc == 1 ? ATOM_false : ATOM_true;
}

term_t bif_erlang_port_command_2(struct process *p, term_t *args)
{
    return port_command(p, args[0], args[1], NIL);
}

term_t bif_erlang_port_command_3(struct process *p, term_t *args)
{
    return port_command(p, args[0], args[1], args[2]);
}

term_t bif_erlang_port_control_3(struct process *p, term_t *args)
{
    struct outlet *ol = open_port_arg(args[0]);
    int64_t op;
    if (!ol || !ol->vt->control || !term_to_int64(args[1], &op) || op < 0 || op > 0xffffffffll)
        return bif_badarg(p);
    struct textbuf in, out;
    textbuf_init(&in);
    if (!outlet_iodata(args[2], &in)) {
        textbuf_dispose(&in);
        return bif_badarg(p);
    }
    textbuf_init(&out);
    int rc = ol->vt->control(ol, p, (uint32_t)op, (const uint8_t *)in.data, in.len, &out);
    textbuf_dispose(&in);
    term_t r = rc < 0 ? THE_NON_VALUE : build_string(&p->builder, out.data, out.len);
    textbuf_dispose(&out);
    return rc < 0 ? bif_badarg(p) : r;
}

term_t bif_erlang_port_close_1(struct process *p, term_t *args)
{
    struct outlet *ol = open_port_arg(args[0]);
    if (!ol)
        return bif_badarg(p);
    outlet_close(ol, ATOM_normal);
    return ATOM_true;
}

term_t bif_erlang_port_connect_2(struct process *p, term_t *args)
{
    struct outlet *ol = open_port_arg(args[0]);
    if (!ol || !is_pid(args[1]) || !sched_lookup(args[1]))
        return bif_badarg(p);
    if (ol->vt->detach)
        ol->vt->detach(ol);
    ol->owner = args[1];
    /* The new owner is linked; the old one stays linked until it unlinks (OTP's rule). */
    struct process *np = sched_lookup(args[1]);
    outlet_link(np, ol->port);
    if (ol->vt->attach)
        ol->vt->attach(ol);
    return ATOM_true;
}

term_t bif_erlang_port_set_data_2(struct process *p, term_t *args)
{
    struct outlet *ol = open_port_arg(args[0]);
    if (!ol)
        return bif_badarg(p);
    /* Each value gets a fresh area: the old one is released with its terms. */
    lit_area_dispose(&ol->data_area);
    lit_area_init(&ol->data_area);
    ol->data = copy_term(&ol->data_area.builder, args[1]);
    return ATOM_true;
}

term_t bif_erlang_port_get_data_1(struct process *p, term_t *args)
{
    struct outlet *ol = open_port_arg(args[0]);
    if (!ol)
        return bif_badarg(p);
    return is_nil(ol->data) ? ATOM_undefined : copy_term(&p->builder, ol->data);
}

/* The value of port_info item `item`, or THE_NON_VALUE for an unknown item. */
static term_t info_value(struct process *p, struct outlet *ol, term_t item)
{
    struct builder *b = &p->builder;
    uint64_t in = 0, out = 0;
    if (ol->vt->counters)
        ol->vt->counters(ol, &in, &out);
    if (item == ATOM_name)
        return build_string(b, ol->name, rt_strlen(ol->name));
    if (item == ATOM_links)
        return outlet_links(ol, b);
    if (item == ATOM_id)
        return make_small((sterm_t)ol->id);
    if (item == ATOM_connected)
        return ol->owner;
    if (item == ATOM_input)
        return build_uint64(b, in);
    if (item == ATOM_output)
        return build_uint64(b, out);
    if (item == ATOM_os_pid)
        return ATOM_undefined;
    if (item == ATOM_registered_name)
        return NIL;
    if (item == ATOM_queue_size)
        return make_small(0);
    if (item == ATOM_memory)
        return make_small(0);
    if (item == ATOM_monitors || item == ATOM_monitored_by)
        return NIL;
    if (item == ATOM_parallelism || item == ATOM_locking)
        return ATOM_false;
    return THE_NON_VALUE;
}

term_t bif_erlang_port_info_2(struct process *p, term_t *args)
{
    if (!is_port(args[0]) || !is_atom(args[1]))
        return bif_badarg(p);
    struct outlet *ol = outlet_lookup(args[0]);
    if (!ol)
        return ATOM_undefined;
    term_t v = info_value(p, ol, args[1]);
    if (v == THE_NON_VALUE)
        return bif_badarg(p);
    if (args[1] == ATOM_registered_name)
        return NIL; /* never registered: OTP answers [] */
    return outlet_tuple2(&p->builder, args[1], v);
}

term_t bif_erlang_port_info_1(struct process *p, term_t *args)
{
    if (!is_port(args[0]))
        return bif_badarg(p);
    struct outlet *ol = outlet_lookup(args[0]);
    if (!ol)
        return ATOM_undefined;
    static const term_t items[7] = {ATOM_name,  ATOM_links,  ATOM_id,    ATOM_connected,
                                    ATOM_input, ATOM_output, ATOM_os_pid};
    term_t l = NIL;
    for (int i = 6; i >= 0; i--) {
        term_t it = items[i];
        l = build_cons(&p->builder, outlet_tuple2(&p->builder, it, info_value(p, ol, it)), l);
    }
    return l;
}

term_t bif_erlang_ports_0(struct process *p, term_t *args)
{
    (void)args;
    struct outlet **all;
    size_t n = outlet_all(&all);
    /* Newest first while building, so the list ends up in id order. */
    uint64_t last = UINT64_MAX;
    term_t l = NIL;
    for (size_t k = 0; k < n; k++) {
        uint64_t best = 0;
        term_t port = NIL;
        for (size_t i = 0; i < n; i++) {
            if (all[i]->id < last && all[i]->id >= best) {
                best = all[i]->id;
                port = all[i]->port;
            }
        }
        l = build_cons(&p->builder, port, l);
        last = best;
    }
    return l;
}

term_t bif_erlang_port_to_list_1(struct process *p, term_t *args)
{
    if (!is_port(args[0]))
        return bif_badarg(p);
    struct textbuf b;
    textbuf_init(&b);
    textbuf_printf(&b, "#Port<0.%lu>", (unsigned long)pid_index(args[0]));
    term_t r = build_string(&p->builder, b.data, b.len);
    textbuf_dispose(&b);
    return r;
}
