/*
 * sched.c: processes, the run queue, signals (links, monitors, aliases, exits), registered names
 * and the idle wait. See sched.h for the contract.
 *
 * Why exits are deferred: an exit signal that kills another process only marks it
 * (pending_exit) and makes it runnable; the scheduler ends it when it comes up. Ending it on the
 * spot would recurse through chains of links and free a process some C caller may still hold.
 * The running process itself is checked right after the BIF that signalled it (interp.c).
 */
#include "vm/sched.h"

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/ets.h"
#include "vm/exception.h"
#include "vm/idmap.h"
#include "vm/interp.h"
#include "vm/loader.h"
#include "vm/module.h"
#include "vm/outlet.h"
#include "vm/platform.h"
#include "vm/rt.h"
#include "vm/timer.h"
#include "vm/zvm.h"

struct sched_link {
    term_t other;
    struct sched_link *next;
};

struct sched_monitor {
    uint64_t ref_id;
    term_t watcher; /* pid */
    term_t target;  /* pid */
    term_t object;  /* what the 'DOWN' names: the pid, or {Name, Node} when by name */
    int alias_mode; /* the alias made with it (0: none) */
    struct sched_monitor *next_held, *next_on;
};

struct sched_alias {
    uint64_t ref_id;
    term_t owner;
    int mode;
    struct sched_alias *next;
};

static struct idmap procs;    /* pid index -> struct process */
static struct idmap names;    /* atom -> pid term */
static struct idmap monitors; /* ref id -> struct sched_monitor */
static struct idmap aliases;  /* ref id -> struct sched_alias */
static struct process *runq_head, *runq_tail;
static struct process *current;
static struct process *boot_process;
static uint64_t next_pid;
static uint64_t next_ref = 1;
static uint64_t live_count;

/* Any process still in the table, including one an exit signal has doomed: for cleanups that
 * must reach every structure that points at a process. */
static struct process *find_any(term_t pid)
{
    return is_pid(pid) ? idmap_get(&procs, pid_index(pid)) : NULL;
}

/* A doomed process counts as gone, as in OTP, where an exit signal is handled before any later
 * signal (a message, a link, process_info) from the same sender. */
struct process *sched_lookup(term_t pid)
{
    struct process *p = find_any(pid);
    return p && p->state != PROC_EXITING && p->pending_exit == THE_NON_VALUE ? p : NULL;
}

struct process *sched_current(void)
{
    return current;
}

uint64_t sched_new_ref_id(void)
{
    return next_ref++;
}

term_t sched_build_ref(struct builder *b, uint64_t id)
{
    term_t *o = build_alloc(b, 2);
    o[0] = make_header(1, SUB_REF);
    o[1] = id;
    return make_boxed(o);
}

static term_t tuple_of(struct builder *b, unsigned n, const term_t *el)
{
    term_t *e;
    term_t t = build_tuple(b, n, &e);
    for (unsigned i = 0; i < n; i++)
        e[i] = el[i];
    return t;
}

/* --- the run queue ------------------------------------------------------------------------ */

static void runq_push(struct process *p)
{
    p->run_next = NULL;
    if (runq_tail)
        runq_tail->run_next = p;
    else
        runq_head = p;
    runq_tail = p;
}

static struct process *runq_pop(void)
{
    struct process *p = runq_head;
    if (p) {
        runq_head = p->run_next;
        if (!runq_head)
            runq_tail = NULL;
        p->run_next = NULL;
    }
    return p;
}

static void make_runnable(struct process *p)
{
    if (p->state == PROC_WAITING) {
        p->state = PROC_RUNNABLE;
        runq_push(p);
    }
}

void sched_deliver(struct process *to, term_t msg)
{
    if (to->state == PROC_EXITING)
        return;
    proc_mailbox_push(to, msg);
    make_runnable(to);
}

/* --- receive timeouts --------------------------------------------------------------------- */

void sched_receive_timer_arm(struct process *p, uint64_t deadline)
{
    if (!p->recv_timer)
        p->recv_timer = timer_start_receive(p->id, deadline);
}

void sched_receive_timer_cancel(struct process *p)
{
    if (p->recv_timer) {
        timer_cancel(p->recv_timer);
        p->recv_timer = NULL;
    }
}

/* --- spawning ----------------------------------------------------------------------------- */

static void save_arg(struct process *p, term_t t)
{
    if (p->n_saved == p->cap_saved) {
        p->cap_saved = p->cap_saved ? p->cap_saved * 2 : 4;
        p->saved_x = rt_realloc(p->saved_x, p->cap_saved * sizeof *p->saved_x);
    }
    p->saved_x[p->n_saved++] = t;
}

struct process *sched_spawn(struct process *parent, term_t module, term_t function, term_t args,
                            const struct spawn_opts *opts)
{
    struct process *np = rt_alloc(sizeof *np);
    process_init(np, next_pid++, opts ? opts->min_heap : 0);
    unsigned n = 0;
    for (term_t l = args; is_list(l); l = CDR(l)) {
        save_arg(np, parent ? copy_term(&np->builder, CAR(l)) : CAR(l));
        n++;
    }
    term_t mfa[3] = {module, function, make_small(n)};
    np->initial_call = tuple_of(&np->builder, 3, mfa);
    np->group_leader = parent ? parent->group_leader : make_pid(np->id);
    np->resume_I = export_get(module, function, n)->addr;
    np->resume_CP = interp_exit_code();
    np->state = PROC_RUNNABLE;
    idmap_put(&procs, np->id, np);
    live_count++;
    runq_push(np);
    if (parent && opts && opts->link)
        sched_link(parent, make_pid(np->id));
    if (parent && opts && opts->monitor) {
        uint64_t ref = sched_monitor(parent, make_pid(np->id), opts->alias_mode);
        if (opts->mon_ref)
            *opts->mon_ref = ref;
    }
    return np;
}

/* --- names -------------------------------------------------------------------------------- */

bool sched_register(term_t name, term_t pid)
{
    if (!is_atom(name) || name == ATOM_undefined || idmap_get(&names, name))
        return false;
    struct process *p = sched_lookup(pid);
    if (!p || !is_nil(p->reg_name))
        return false;
    p->reg_name = name;
    idmap_put(&names, name, (void *)(uintptr_t)pid);
    return true;
}

bool sched_unregister(term_t name)
{
    void *v = idmap_remove(&names, name);
    if (!v)
        return false;
    struct process *p = find_any((term_t)(uintptr_t)v);
    if (p)
        p->reg_name = NIL;
    return true;
}

term_t sched_whereis(term_t name)
{
    void *v = idmap_get(&names, name);
    return v ? (term_t)(uintptr_t)v : NIL;
}

term_t sched_registered(struct process *p)
{
    term_t l = NIL;
    for (size_t i = 0; i < names.cap; i++)
        if (names.slots[i].value)
            l = build_cons(&p->builder, (term_t)names.slots[i].key, l);
    return l;
}

term_t sched_processes(struct process *p)
{
    /* In creation order, as OTP lists them. */
    uint64_t *ids = rt_alloc((procs.n + 1) * sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < procs.cap; i++) {
        struct process *q = procs.slots[i].value;
        if (q && q->state != PROC_EXITING)
            ids[n++] = q->id;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: quadratic, fine for an instance's count */
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            uint64_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    term_t l = NIL;
    for (size_t i = n; i > 0; i--)
        l = build_cons(&p->builder, make_pid(ids[i - 1]), l);
    rt_free(ids);
    return l;
}

uint64_t sched_process_count(void)
{
    return live_count;
}

term_t sched_monitors_info(struct builder *b, const struct process *p)
{
    term_t l = NIL;
    for (const struct sched_monitor *m = p->monitors; m; m = m->next_held) {
        term_t obj = m->object;
        if (is_atom(obj)) {
            term_t el[2] = {obj, ATOM_nonode_nohost};
            obj = tuple_of(b, 2, el);
        }
        term_t el[2] = {ATOM_process, obj};
        l = build_cons(b, tuple_of(b, 2, el), l);
    }
    return l;
}

term_t sched_monitored_by_info(struct builder *b, const struct process *p)
{
    term_t l = NIL;
    for (const struct sched_monitor *m = p->monitored_by; m; m = m->next_on)
        l = build_cons(b, m->watcher, l);
    return l;
}

term_t sched_links_info(struct builder *b, const struct process *p)
{
    term_t l = NIL;
    for (const struct sched_link *k = p->links; k; k = k->next)
        l = build_cons(b, k->other, l);
    return l;
}

/* --- links -------------------------------------------------------------------------------- */

bool sched_is_linked(const struct process *p, term_t other)
{
    for (const struct sched_link *l = p->links; l; l = l->next)
        if (l->other == other)
            return true;
    return false;
}

static void add_link(struct process *p, term_t other)
{
    if (sched_is_linked(p, other))
        return;
    struct sched_link *l = rt_alloc(sizeof *l);
    l->other = other;
    l->next = p->links;
    p->links = l;
}

static void remove_link(struct process *p, term_t other)
{
    for (struct sched_link **pl = &p->links; *pl; pl = &(*pl)->next)
        if ((*pl)->other == other) {
            struct sched_link *l = *pl;
            *pl = l->next;
            rt_free(l);
            return;
        }
}

void sched_link(struct process *p, term_t other)
{
    term_t self = make_pid(p->id);
    if (other == self)
        return;
    struct process *o = sched_lookup(other);
    if (!o) {
        /* OTP: linking to a process that does not exist sends us an exit signal (noproc). */
        sched_exit_signal(other, p, ATOM_noproc, true);
        return;
    }
    add_link(p, other);
    add_link(o, self);
}

void sched_unlink(struct process *p, term_t other)
{
    remove_link(p, other);
    struct process *o = find_any(other);
    if (o)
        remove_link(o, make_pid(p->id));
}

/* --- aliases ------------------------------------------------------------------------------ */

static struct sched_alias *alias_add(struct process *p, uint64_t ref_id, int mode)
{
    struct sched_alias *a = rt_alloc(sizeof *a);
    a->ref_id = ref_id;
    a->owner = make_pid(p->id);
    a->mode = mode;
    a->next = p->aliases;
    p->aliases = a;
    idmap_put(&aliases, ref_id, a);
    return a;
}

static void alias_remove(struct process *p, uint64_t ref_id)
{
    if (!idmap_remove(&aliases, ref_id))
        return; /* already gone (the alias of a monitor that ended) */
    for (struct sched_alias **pa = &p->aliases; *pa; pa = &(*pa)->next)
        if ((*pa)->ref_id == ref_id) {
            struct sched_alias *a = *pa;
            *pa = a->next;
            rt_free(a);
            return;
        }
}

uint64_t sched_alias(struct process *p, int mode)
{
    uint64_t id = sched_new_ref_id();
    alias_add(p, id, mode);
    return id;
}

bool sched_unalias(struct process *p, uint64_t ref_id)
{
    struct sched_alias *a = idmap_get(&aliases, ref_id);
    if (!a || a->owner != make_pid(p->id))
        return false;
    alias_remove(p, ref_id);
    return true;
}

/* --- monitors ----------------------------------------------------------------------------- */

static void unlink_monitor(struct sched_monitor *m)
{
    idmap_remove(&monitors, m->ref_id);
    struct process *w = find_any(m->watcher);
    if (w)
        for (struct sched_monitor **pm = &w->monitors; *pm; pm = &(*pm)->next_held)
            if (*pm == m) {
                *pm = m->next_held;
                break;
            }
    struct process *t = find_any(m->target);
    if (t)
        for (struct sched_monitor **pm = &t->monitored_by; *pm; pm = &(*pm)->next_on)
            if (*pm == m) {
                *pm = m->next_on;
                break;
            }
}

/*
 * {'DOWN', Ref, process, Object, Reason} to the watcher `w`; `object` is the pid, or the name
 * the monitor was made with (the message then says {Name, Node}).
 */
static void send_down(struct process *w, uint64_t ref_id, term_t object, term_t reason)
{
    struct builder *b = &w->builder;
    if (is_atom(object)) {
        term_t el[2] = {object, ATOM_nonode_nohost};
        object = tuple_of(b, 2, el);
    }
    term_t el[5] = {ATOM_DOWN, sched_build_ref(b, ref_id), ATOM_process, object,
                    copy_term(b, reason)};
    sched_deliver(w, tuple_of(b, 5, el));
}

uint64_t sched_monitor(struct process *p, term_t target, int alias_mode)
{
    uint64_t id = sched_new_ref_id();
    term_t pid = is_atom(target) ? sched_whereis(target) : target;
    if (alias_mode)
        alias_add(p, id, alias_mode);
    struct process *t = sched_lookup(pid);
    if (!t) {
        send_down(p, id, target, ATOM_noproc);
        /* The monitor is over: an alias that ends with it ends now. */
        if (alias_mode == ALIAS_DEMONITOR || alias_mode == ALIAS_REPLY_DEMONITOR)
            alias_remove(p, id);
        return id;
    }
    struct sched_monitor *m = rt_alloc(sizeof *m);
    m->ref_id = id;
    m->watcher = make_pid(p->id);
    m->target = make_pid(t->id);
    m->object = is_atom(target) ? target : m->target;
    m->alias_mode = alias_mode;
    m->next_held = p->monitors;
    p->monitors = m;
    m->next_on = t->monitored_by;
    t->monitored_by = m;
    idmap_put(&monitors, id, m);
    return id;
}

bool sched_demonitor(struct process *p, uint64_t ref_id)
{
    struct sched_monitor *m = idmap_get(&monitors, ref_id);
    if (!m || m->watcher != make_pid(p->id))
        return false;
    unlink_monitor(m);
    if (m->alias_mode == ALIAS_DEMONITOR || m->alias_mode == ALIAS_REPLY_DEMONITOR)
        alias_remove(p, ref_id);
    rt_free(m);
    return true;
}

/* --- sending ------------------------------------------------------------------------------ */

static void send_to_process(struct process *from, struct process *to, term_t msg)
{
    if (to == from)
        sched_deliver(to, msg);
    else
        sched_deliver(to, copy_term(&to->builder, msg));
}

bool sched_send(struct process *from, term_t dest, term_t msg)
{
    if (is_pid(dest)) {
        struct process *to = sched_lookup(dest);
        if (to)
            send_to_process(from, to, msg);
        return true;
    }
    if (is_atom(dest)) {
        term_t pid = sched_whereis(dest);
        if (is_nil(pid))
            return false;
        struct process *to = sched_lookup(pid);
        if (to)
            send_to_process(from, to, msg);
        return true;
    }
    if (is_ref(dest)) {
        struct sched_alias *a = idmap_get(&aliases, ref_id_of(dest));
        if (!a)
            return true;
        struct process *to = sched_lookup(a->owner);
        if (!to)
            return true;
        if (a->mode == ALIAS_REPLY_DEMONITOR) {
            /* The reply ends the alias and its monitor: the sender need not demonitor. */
            uint64_t id = a->ref_id;
            struct sched_monitor *m = idmap_get(&monitors, id);
            if (m && m->watcher == a->owner) {
                unlink_monitor(m);
                rt_free(m);
            }
            alias_remove(to, id);
        }
        send_to_process(from, to, msg);
        return true;
    }
    if (is_tuple(dest) && tuple_arity(dest) == 2) {
        term_t name = tuple_elems(dest)[0], node = tuple_elems(dest)[1];
        if (!is_atom(name) || !is_atom(node))
            return false;
        if (node != ATOM_nonode_nohost)
            return true; /* no distribution: like a node that cannot be reached, dropped */
        return sched_send(from, name, msg);
    }
    if (is_port(dest))
        return outlet_send(from, dest, msg);
    return false;
}

/* --- exits -------------------------------------------------------------------------------- */

/* Marks `p` to end with `reason` (on p's heap) as soon as the scheduler gets to it. */
static void doom(struct process *p, term_t reason)
{
    if (p->pending_exit != THE_NON_VALUE)
        return; /* the first exit signal wins */
    p->pending_exit = reason;
    if (p->state == PROC_WAITING) {
        sched_receive_timer_cancel(p);
        make_runnable(p);
    }
}

void sched_exit_signal(term_t from, struct process *to, term_t reason, bool link_signal)
{
    if (!to || to->state == PROC_EXITING)
        return;
    term_t self = make_pid(to->id);
    if (!link_signal && reason == ATOM_kill) {
        doom(to, ATOM_killed);
        return;
    }
    if (to->trap_exit) {
        struct builder *b = &to->builder;
        term_t el[3] = {ATOM_EXIT, from, copy_term(b, reason)};
        sched_deliver(to, tuple_of(b, 3, el));
        return;
    }
    if (reason == ATOM_normal && (link_signal || from != self))
        return;
    doom(to, copy_term(&to->builder, reason));
}

static bool is_quiet_reason(term_t r)
{
    if (r == ATOM_normal || r == ATOM_shutdown)
        return true;
    return is_tuple(r) && tuple_arity(r) == 2 && tuple_elems(r)[0] == ATOM_shutdown;
}

/* `v` in decimal with at least `width` digits (textbuf_printf has no field widths). */
static void put_padded(struct textbuf *b, uint64_t v, unsigned width)
{
    char tmp[24];
    unsigned i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v || sizeof tmp - i < width);
    textbuf_put(b, tmp + i, sizeof tmp - i);
}

/*
 * Appends the wall clock as OTP's legacy report header shows it, "22-Nov-2026::11:25:25.686545",
 * in UTC as our logger prints it (vm/erl/logger.erl): the date from the day count by the
 * civil-from-days algorithm (proleptic Gregorian, eras of 400 years starting in March).
 */
static void put_report_time(struct textbuf *b, uint64_t wall_ns)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    uint64_t us = wall_ns / 1000, secs = us / 1000000, days = secs / 86400, sod = secs % 86400;
    uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    uint64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    uint64_t year = yoe + era * 400 + (month <= 2);
    put_padded(b, day, 2);
    textbuf_printf(b, "-%s-", months[month - 1]);
    put_padded(b, year, 4);
    textbuf_puts(b, "::");
    put_padded(b, sod / 3600, 2);
    textbuf_putc(b, ':');
    put_padded(b, sod / 60 % 60, 2);
    textbuf_putc(b, ':');
    put_padded(b, sod % 60, 2);
    textbuf_putc(b, '.');
    put_padded(b, us % 1000000, 6);
}

/*
 * A process died with an uncaught error. As erl's emulator hands that to its logger, a process
 * runs logger:error("Error in process ~p with exit value:~n~p~n", [Pid, Reason]) (vm/erl/
 * logger.erl: OTP's header and ~p layout). Printed here, in the same shape but with ~w's
 * layout, when that cannot be: no logger module, or the reporting process itself died.
 */
static void report_crash(struct process *p)
{
    struct textbuf err;
    textbuf_init(&err);
    bool logger = !p->reports_crash && load_module_by_name(ATOM_logger, &err);
    textbuf_dispose(&err);
    if (logger) {
        static const char fmt[] = "Error in process ~p with exit value:~n~p~n";
        struct builder *b = &p->builder;
        term_t fa = build_cons(b, make_pid(p->id), build_cons(b, p->exit_reason, NIL));
        term_t args = build_cons(b, build_string(b, fmt, sizeof fmt - 1), build_cons(b, fa, NIL));
        struct process *r = sched_spawn(p, ATOM_logger, ATOM_error, args, NULL);
        r->reports_crash = true;
        return;
    }
    struct textbuf b;
    textbuf_init(&b);
    textbuf_puts(&b, "=ERROR REPORT==== ");
    put_report_time(&b, zplat_wall_ns());
    textbuf_printf(&b, " ===\nError in process <0.%lu.0> with exit value:\n", (unsigned long)p->id);
    term_print(&b, p->exit_reason);
    textbuf_puts(&b, "\n\n");
    zplat_console_write(ZPLAT_STDERR, b.data, b.len);
    textbuf_dispose(&b);
}

/*
 * Ends process `p` with p->exit_reason: its name, timers, links, monitors, aliases, ports and ETS
 * tables go (a table with a heir goes to the heir), and then its memory. `p` is not in the run
 * queue.
 */
static void terminate(struct process *p)
{
    term_t self = make_pid(p->id);
    term_t reason = p->exit_reason;
    p->state = PROC_EXITING;
    if (p == boot_process && reason != ATOM_normal) {
        struct textbuf b;
        textbuf_init(&b);
        if (p->crashed)
            exception_report(&b, p->exc_class, p->exc_reason, p->exc_trace);
        else {
            textbuf_puts(&b, "zvm: the boot process exited: ");
            term_print(&b, reason);
            textbuf_putc(&b, '\n');
        }
        zplat_console_write(ZPLAT_STDERR, b.data, b.len);
        textbuf_dispose(&b);
        zvm_exit(1);
    }
    if (p->crashed && !is_quiet_reason(reason))
        report_crash(p);
    if (!is_nil(p->reg_name))
        sched_unregister(p->reg_name);
    sched_receive_timer_cancel(p);
    timer_cancel_for(self);
    while (p->links) {
        struct sched_link *l = p->links;
        p->links = l->next;
        struct process *o = find_any(l->other);
        if (o) {
            remove_link(o, self);
            sched_exit_signal(self, o, reason, true);
        }
        rt_free(l);
    }
    while (p->monitors) {
        struct sched_monitor *m = p->monitors;
        unlink_monitor(m);
        rt_free(m);
    }
    while (p->monitored_by) {
        struct sched_monitor *m = p->monitored_by;
        unlink_monitor(m);
        struct process *w = find_any(m->watcher);
        if (w) {
            if (w->pending_exit == THE_NON_VALUE)
                send_down(w, m->ref_id, m->object, reason);
            if (m->alias_mode == ALIAS_DEMONITOR || m->alias_mode == ALIAS_REPLY_DEMONITOR)
                alias_remove(w, m->ref_id);
        }
        rt_free(m);
    }
    while (p->aliases)
        alias_remove(p, p->aliases->ref_id);
    outlet_process_exited(self, reason);
    ets_process_exited(self);
    idmap_remove(&procs, p->id);
    live_count--;
    process_dispose(p);
    rt_free(p);
}

/* --- timers firing ------------------------------------------------------------------------ */

static void fire(struct timer *t)
{
    if (t->kind == TIMER_RECEIVE) {
        struct process *p = idmap_get(&procs, t->owner);
        if (p && p->recv_timer == t) {
            p->recv_timer = NULL;
            p->resume_I = p->timeout_I;
            make_runnable(p);
        }
        timer_free(t);
        return;
    }
    term_t pid = is_atom(t->dest) ? sched_whereis(t->dest) : t->dest;
    struct process *to = sched_lookup(pid);
    if (to) {
        struct builder *b = &to->builder;
        term_t msg = copy_term(b, t->msg);
        if (t->kind == TIMER_START_TIMER) {
            term_t el[3] = {ATOM_timeout, sched_build_ref(b, t->ref_id), msg};
            msg = tuple_of(b, 3, el);
        }
        sched_deliver(to, msg);
    }
    timer_free(t);
}

static void fire_due_timers(void)
{
    uint64_t now = zplat_monotonic_ns();
    struct timer *t;
    while ((t = timer_pop_due(now)))
        fire(t);
}

/* --- the loop ----------------------------------------------------------------------------- */

static void poll_io(uint64_t deadline)
{
    /* Drivers' timers (recv/accept/connect timeouts) bound the wait too. */
    uint64_t outlets = outlet_next_deadline();
    struct zplat_event ev[16];
    int n = zplat_wait(outlets < deadline ? outlets : deadline, ev, 16);
    for (int i = 0; i < n; i++)
        outlet_io_ready(ev[i].handle, ev[i].ready);
    outlet_fire_timeouts(zplat_monotonic_ns());
}

void sched_run(struct process *first)
{
    boot_process = first;
    unsigned slices = 0;
    for (;;) {
        fire_due_timers();
        struct process *p = runq_pop();
        if (!p) {
            poll_io(timer_next_deadline());
            continue;
        }
        /* I/O readiness is looked at between slices too, so busy processes cannot starve it. */
        if (++slices % 32 == 0)
            poll_io(0);
        if (p->pending_exit != THE_NON_VALUE) {
            p->exit_reason = p->pending_exit;
            terminate(p);
            continue;
        }
        current = p;
        enum interp_status st = interp_run(p, SCHED_SLICE_REDUCTIONS);
        current = NULL;
        switch (st) {
        case INTERP_YIELDED:
            runq_push(p);
            break;
        case INTERP_WAITING:
            /* A message or signal may have arrived during the slice (a send to itself, a link
             * exit): then it is runnable again at once. */
            if (p->pending_exit != THE_NON_VALUE || p->save < p->n_msgs)
                runq_push(p);
            else
                p->state = PROC_WAITING;
            break;
        case INTERP_EXITED:
            if (p->pending_exit != THE_NON_VALUE)
                p->exit_reason = p->pending_exit;
            terminate(p);
            break;
        }
    }
}
