/*
 * outlet.c: the table of open outlets (ports), their links, monitors, watches and timers, and
 * what happens to them when processes exit or signal them. The drivers are outlet_tcp.c and
 * outlet_console.c; the BIFs that reach them are in bif_port.c.
 *
 * An instance holds a handful of ports, so the tables are small arrays searched linearly.
 */
#include "vm/outlet.h"

#include "vm/atom.h"
#include "vm/binary.h"
#include "vm/copy.h"
#include "vm/process.h"
#include "vm/sched.h"

struct outlet_link {
    struct outlet_link *next;
    term_t pid;
};

struct outlet_monitor {
    struct outlet_monitor *next;
    uint64_t ref_id;
    term_t watcher;
};

struct watch {
    zplat_handle_t h;
    struct outlet *ol;
};

static struct outlet **table;
static size_t n_open, cap_open;
static uint64_t next_id = 1; /* #Port<0.0> is never handed out, as in BEAM's first port */
static struct watch *watches;
static size_t n_watches, cap_watches;

/* --- the table ----------------------------------------------------------------------------- */

struct outlet *outlet_lookup(term_t port)
{
    if (!is_port(port))
        return NULL;
    for (size_t i = 0; i < n_open; i++)
        if (table[i]->port == port)
            return table[i];
    return NULL;
}

static void link_add(struct outlet *ol, term_t pid)
{
    for (struct outlet_link *l = ol->links; l; l = l->next)
        if (l->pid == pid)
            return;
    struct outlet_link *l = rt_alloc(sizeof *l);
    l->pid = pid;
    l->next = ol->links;
    ol->links = l;
}

static bool link_remove(struct outlet *ol, term_t pid)
{
    for (struct outlet_link **pl = &ol->links; *pl; pl = &(*pl)->next) {
        if ((*pl)->pid == pid) {
            struct outlet_link *l = *pl;
            *pl = l->next;
            rt_free(l);
            return true;
        }
    }
    return false;
}

struct outlet *outlet_new(const struct outlet_vtab *vt, size_t size, term_t owner)
{
    struct outlet *ol = rt_zalloc(size);
    ol->id = next_id++;
    ol->port = make_port(ol->id);
    ol->owner = owner;
    ol->vt = vt;
    for (size_t i = 0; vt->name[i] && i + 1 < sizeof ol->name; i++)
        ol->name[i] = vt->name[i];
    ol->data = NIL;
    ol->deadline = UINT64_MAX;
    lit_area_init(&ol->data_area);
    link_add(ol, owner);
    if (n_open == cap_open) {
        cap_open = cap_open ? cap_open * 2 : 8;
        table = rt_realloc(table, cap_open * sizeof *table);
    }
    table[n_open++] = ol;
    return ol;
}

/* --- watches and timers -------------------------------------------------------------------- */

int outlet_watch(struct outlet *ol, zplat_handle_t h, unsigned interest)
{
    size_t i;
    for (i = 0; i < n_watches; i++)
        if (watches[i].h == h)
            break;
    if (interest == 0) {
        if (i < n_watches)
            watches[i] = watches[--n_watches];
        return zplat_io_watch(h, 0);
    }
    int rc = zplat_io_watch(h, interest);
    if (rc)
        return rc;
    if (i == n_watches) {
        if (n_watches == cap_watches) {
            cap_watches = cap_watches ? cap_watches * 2 : 8;
            watches = rt_realloc(watches, cap_watches * sizeof *watches);
        }
        n_watches++;
    }
    watches[i] = (struct watch){.h = h, .ol = ol};
    return 0;
}

void outlet_unwatch(struct outlet *ol, zplat_handle_t h)
{
    for (size_t i = 0; i < n_watches; i++) {
        if (watches[i].h == h && watches[i].ol == ol) {
            zplat_io_watch(h, 0);
            watches[i] = watches[--n_watches];
            return;
        }
    }
}

void outlet_set_deadline(struct outlet *ol, uint64_t deadline_ns)
{
    ol->deadline = deadline_ns;
}

uint64_t outlet_next_deadline(void)
{
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < n_open; i++)
        if (table[i]->deadline < d)
            d = table[i]->deadline;
    return d;
}

void outlet_fire_timeouts(uint64_t now)
{
    /* A timeout may close outlets or open new ones: look each due one up again by id. */
    for (size_t i = 0; i < n_open;) {
        struct outlet *ol = table[i];
        if (ol->deadline <= now) {
            ol->deadline = UINT64_MAX;
            if (ol->vt->timeout)
                ol->vt->timeout(ol);
            i = 0;
            continue;
        }
        i++;
    }
}

void outlet_io_ready(zplat_handle_t handle, unsigned ready)
{
    for (size_t i = 0; i < n_watches; i++) {
        if (watches[i].h == handle) {
            struct outlet *ol = watches[i].ol;
            if (ol->vt->io_ready)
                ol->vt->io_ready(ol, handle, ready);
            return;
        }
    }
    /* A handle closed after it became ready: nothing watches it any more. */
}

/* --- messages from drivers ----------------------------------------------------------------- */

struct process *outlet_msg_begin(term_t pid)
{
    return is_pid(pid) ? sched_lookup(pid) : NULL;
}

void outlet_msg_send(struct process *to, term_t msg)
{
    sched_deliver(to, msg);
}

term_t outlet_tuple2(struct builder *b, term_t a, term_t c)
{
    term_t *el;
    term_t t = build_tuple(b, 2, &el);
    el[0] = a;
    el[1] = c;
    return t;
}

term_t outlet_tuple3(struct builder *b, term_t a, term_t c, term_t d)
{
    term_t *el;
    term_t t = build_tuple(b, 3, &el);
    el[0] = a;
    el[1] = c;
    el[2] = d;
    return t;
}

term_t outlet_tuple4(struct builder *b, term_t a, term_t c, term_t d, term_t e)
{
    term_t *el;
    term_t t = build_tuple(b, 4, &el);
    el[0] = a;
    el[1] = c;
    el[2] = d;
    el[3] = e;
    return t;
}

term_t outlet_bytes(struct builder *b, const uint8_t *data, size_t len, bool binary)
{
    if (binary)
        return build_binary(b, data, len, NULL);
    return build_string(b, (const char *)data, len);
}

term_t outlet_atom(const char *name)
{
    term_t a = atom_intern(name, rt_strlen(name));
    return a == THE_NON_VALUE ? ATOM_badarg : a;
}

const char *outlet_error_name(int e)
{
    switch (e) {
    case ZPLAT_EAGAIN:
        return "eagain";
    case ZPLAT_ECLOSED:
        return "closed";
    case ZPLAT_EINVAL:
        return "einval";
    case ZPLAT_EINPROGRESS:
        return "einprogress";
    case ZPLAT_ECONNREFUSED:
        return "econnrefused";
    case ZPLAT_EADDRINUSE:
        return "eaddrinuse";
    case ZPLAT_EADDRNOTAVAIL:
        return "eaddrnotavail";
    case ZPLAT_ENOTCONN:
        return "enotconn";
    case ZPLAT_ETIMEDOUT:
        return "etimedout";
    case ZPLAT_EAFNOSUPPORT:
        return "eafnosupport";
    case ZPLAT_EACCES:
        return "eacces";
    case ZPLAT_EMFILE:
        return "emfile";
    case ZPLAT_ENOTSUP:
        return "enotsup";
    case ZPLAT_ENETUNREACH:
        return "enetunreach";
    case ZPLAT_EHOSTUNREACH:
        return "ehostunreach";
    case ZPLAT_ENOTSOCK:
        return "enotsock";
    case ZPLAT_EBADF:
        return "ebadf";
    case ZPLAT_ENOMEM:
        return "enomem";
    case ZPLAT_ECONNABORTED:
        return "econnaborted";
    default:
        return "eio";
    }
}

term_t outlet_error_atom(int e)
{
    return outlet_atom(outlet_error_name(e));
}

/* --- iodata -------------------------------------------------------------------------------- */

static bool iodata_walk(term_t t, struct textbuf *out, unsigned depth)
{
    /* Deep lists recurse on heads only; tails are walked in the loop. */
    if (depth > 100000)
        return false;
    for (;;) {
        if (is_nil(t))
            return true;
        if (is_bitstring(t)) {
            if (bitstring_bits(t) % 8)
                return false;
            struct bitview v = bitview_of(t);
            size_t n = (size_t)(v.bits / 8);
            if (v.bit_offset % 8 == 0) {
                textbuf_put(out, v.base + v.bit_offset / 8, n);
            } else {
                for (size_t i = 0; i < n; i++) {
                    uint8_t byte = 0;
                    for (unsigned k = 0; k < 8; k++)
                        byte = (uint8_t)(byte << 1 | bitview_bit(&v, i * 8 + k));
                    textbuf_putc(out, (char)byte);
                }
            }
            return true;
        }
        if (!is_list(t))
            return false;
        term_t h = CAR(t);
        if (is_small(h)) {
            if (small_val(h) < 0 || small_val(h) > 255)
                return false;
            textbuf_putc(out, (char)small_val(h));
        } else if (!iodata_walk(h, out, depth + 1)) {
            return false;
        }
        t = CDR(t);
    }
}

bool outlet_iodata(term_t t, struct textbuf *out)
{
    return iodata_walk(t, out, 0);
}

/* --- closing ------------------------------------------------------------------------------- */

static void table_remove(struct outlet *ol)
{
    for (size_t i = 0; i < n_open; i++) {
        if (table[i] == ol) {
            table[i] = table[--n_open];
            break;
        }
    }
    for (size_t i = 0; i < n_watches;) {
        if (watches[i].ol == ol) {
            zplat_io_watch(watches[i].h, 0);
            watches[i] = watches[--n_watches];
        } else {
            i++;
        }
    }
}

static term_t build_ref(struct builder *b, uint64_t id)
{
    term_t *o = build_alloc(b, 2);
    o[0] = make_header(1, SUB_REF);
    o[1] = id;
    return make_boxed(o);
}

void outlet_close(struct outlet *ol, term_t reason)
{
    table_remove(ol);
    term_t port = ol->port;
    if (ol->vt->destroy)
        ol->vt->destroy(ol);
    while (ol->links) {
        struct outlet_link *l = ol->links;
        ol->links = l->next;
        struct process *p = sched_lookup(l->pid);
        if (p)
            sched_exit_signal(port, p, reason, true);
        rt_free(l);
    }
    while (ol->monitors) {
        struct outlet_monitor *m = ol->monitors;
        ol->monitors = m->next;
        struct process *w = sched_lookup(m->watcher);
        if (w) {
            struct builder *b = &w->builder;
            term_t *el;
            term_t down = build_tuple(b, 5, &el);
            el[0] = ATOM_DOWN;
            el[1] = build_ref(b, m->ref_id);
            el[2] = ATOM_port;
            el[3] = port;
            el[4] = copy_term(b, reason);
            sched_deliver(w, down);
        }
        rt_free(m);
    }
    lit_area_dispose(&ol->data_area);
    rt_free(ol);
}

/* --- links, monitors, signals -------------------------------------------------------------- */

bool outlet_link(struct process *p, term_t port)
{
    struct outlet *ol = outlet_lookup(port);
    if (!ol)
        return false;
    link_add(ol, make_pid(p->id));
    return true;
}

void outlet_unlink(struct process *p, term_t port)
{
    struct outlet *ol = outlet_lookup(port);
    if (ol)
        link_remove(ol, make_pid(p->id));
}

void outlet_exit_signal(term_t from, term_t port, term_t reason)
{
    struct outlet *ol = outlet_lookup(port);
    if (!ol || reason == ATOM_normal)
        return;
    (void)from;
    outlet_close(ol, reason == ATOM_kill ? ATOM_killed : reason);
}

bool outlet_monitor(struct process *p, term_t port, uint64_t ref_id)
{
    struct outlet *ol = outlet_lookup(port);
    if (!ol)
        return false;
    struct outlet_monitor *m = rt_alloc(sizeof *m);
    m->ref_id = ref_id;
    m->watcher = make_pid(p->id);
    m->next = ol->monitors;
    ol->monitors = m;
    return true;
}

bool outlet_demonitor(uint64_t ref_id)
{
    for (size_t i = 0; i < n_open; i++) {
        for (struct outlet_monitor **pm = &table[i]->monitors; *pm; pm = &(*pm)->next) {
            if ((*pm)->ref_id == ref_id) {
                struct outlet_monitor *m = *pm;
                *pm = m->next;
                rt_free(m);
                return true;
            }
        }
    }
    return false;
}

void outlet_process_exited(term_t pid, term_t reason)
{
    /* Closing one outlet may close others (a driver's destroy) or deliver signals: restart the
     * scan after every close. */
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < n_open; i++) {
            struct outlet *ol = table[i];
            for (struct outlet_monitor **pm = &ol->monitors; *pm;) {
                if ((*pm)->watcher == pid) {
                    struct outlet_monitor *m = *pm;
                    *pm = m->next;
                    rt_free(m);
                } else {
                    pm = &(*pm)->next;
                }
            }
            bool linked = link_remove(ol, pid);
            if (ol->owner == pid || (linked && reason != ATOM_normal)) {
                /* The owner's end always ends its ports, with the owner's reason. */
                outlet_close(ol, reason);
                again = true;
                break;
            }
        }
    }
}

/* --- `Port ! Msg` -------------------------------------------------------------------------- */

static void reply_to(term_t pid, term_t port, term_t what)
{
    struct process *to = outlet_msg_begin(pid);
    if (to)
        outlet_msg_send(to, outlet_tuple2(&to->builder, port, what));
}

bool outlet_send(struct process *from, term_t port, term_t msg)
{
    struct outlet *ol = outlet_lookup(port);
    if (!ol)
        return true; /* OTP drops a message to a closed port */
    if (!is_tuple(msg) || tuple_arity(msg) != 2 || !is_pid(tuple_elems(msg)[0])) {
        outlet_close(ol, ATOM_badsig);
        return true;
    }
    term_t sender = tuple_elems(msg)[0], what = tuple_elems(msg)[1];
    if (what == ATOM_close) {
        outlet_close(ol, ATOM_normal);
        reply_to(sender, port, ATOM_closed);
        return true;
    }
    if (is_tuple(what) && tuple_arity(what) == 2 && tuple_elems(what)[0] == ATOM_command) {
        struct textbuf b;
        textbuf_init(&b);
        bool ok = outlet_iodata(tuple_elems(what)[1], &b);
        int rc = ok && ol->vt->command
                     ? ol->vt->command(ol, from, (const uint8_t *)b.data, b.len, false)
                     : -1;
        textbuf_dispose(&b);
        if (rc < 0 && outlet_lookup(port) == ol)
            outlet_close(ol, ATOM_badsig);
        return true;
    }
    if (is_tuple(what) && tuple_arity(what) == 2 && tuple_elems(what)[0] == ATOM_connect &&
        is_pid(tuple_elems(what)[1])) {
        term_t old = ol->owner, new_owner = tuple_elems(what)[1];
        if (!sched_lookup(new_owner)) {
            outlet_close(ol, ATOM_badsig);
            return true;
        }
        if (ol->vt->detach)
            ol->vt->detach(ol);
        ol->owner = new_owner;
        link_add(ol, new_owner);
        if (ol->vt->attach)
            ol->vt->attach(ol);
        reply_to(old, port, ATOM_connected);
        return true;
    }
    outlet_close(ol, ATOM_badsig);
    return true;
}

term_t outlet_links(struct outlet *ol, struct builder *b)
{
    term_t l = NIL;
    for (struct outlet_link *k = ol->links; k; k = k->next)
        l = build_cons(b, k->pid, l);
    return l;
}

size_t outlet_all(struct outlet ***out)
{
    *out = table;
    return n_open;
}
