/*
 * bif_proc.c: the BIFs of processes: spawning, sending, links, monitors, aliases, exit signals,
 * registered names, process_info/process_flag, group leaders and timers. The mechanisms are in
 * sched.c and timer.c; this file checks arguments as OTP does and shapes the results.
 */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/copy.h"
#include "vm/exception.h"
#include "vm/module.h"
#include "vm/outlet.h"
#include "vm/platform.h"
#include "vm/rt.h"
#include "vm/sched.h"
#include "vm/timer.h"

static term_t pair(struct process *p, term_t a, term_t b)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = a;
    el[1] = b;
    return t;
}

static bool is_proper_list(term_t l)
{
    while (is_list(l))
        l = CDR(l);
    return is_nil(l);
}

term_t bif_erlang_self_0(struct process *p, term_t *args)
{
    (void)args;
    return make_pid(p->id);
}

/* --- sending ------------------------------------------------------------------------------ */

term_t bif_erlang_send_2(struct process *p, term_t *args)
{
    if (!sched_send(p, args[0], args[1]))
        return bif_badarg(p);
    return args[1];
}

term_t bif_erlang_op_send_2(struct process *p, term_t *args)
{
    return bif_erlang_send_2(p, args);
}

/* send/3: the options (noconnect, nosuspend) concern distribution and busy ports; the answer
 * is `ok` for a local send. */
term_t bif_erlang_send_3(struct process *p, term_t *args)
{
    for (term_t l = args[2]; is_list(l); l = CDR(l))
        if (CAR(l) != ATOM_noconnect && CAR(l) != ATOM_nosuspend)
            return bif_badarg(p);
    if (!is_proper_list(args[2]) || !sched_send(p, args[0], args[1]))
        return bif_badarg(p);
    return ATOM_ok;
}

term_t bif_erlang_send_nosuspend_2(struct process *p, term_t *args)
{
    if (!sched_send(p, args[0], args[1]))
        return bif_badarg(p);
    return ATOM_true;
}

term_t bif_erlang_send_nosuspend_3(struct process *p, term_t *args)
{
    if (!is_proper_list(args[2]) || !sched_send(p, args[0], args[1]))
        return bif_badarg(p);
    return ATOM_true;
}

/* --- spawning ----------------------------------------------------------------------------- */

/* Reads spawn_opt's options into `o`; false on anything OTP refuses. */
static bool spawn_options(term_t l, struct spawn_opts *o)
{
    for (; is_list(l); l = CDR(l)) {
        term_t opt = CAR(l);
        if (opt == ATOM_link) {
            o->link = true;
        } else if (opt == ATOM_monitor) {
            o->monitor = true;
        } else if (is_tuple(opt) && tuple_arity(opt) == 2) {
            term_t k = tuple_elems(opt)[0], v = tuple_elems(opt)[1];
            if (k == ATOM_monitor) {
                o->monitor = true;
                for (term_t m = v; is_list(m); m = CDR(m)) {
                    term_t mo = CAR(m);
                    if (!is_tuple(mo) || tuple_arity(mo) != 2 || tuple_elems(mo)[0] != ATOM_alias)
                        return false;
                    term_t mode = tuple_elems(mo)[1];
                    o->alias_mode = mode == ATOM_explicit_unalias ? ALIAS_EXPLICIT_UNALIAS
                                    : mode == ATOM_demonitor      ? ALIAS_DEMONITOR
                                    : mode == ATOM_reply_demonitor ? ALIAS_REPLY_DEMONITOR
                                                                   : -1;
                    if (o->alias_mode < 0)
                        return false;
                }
            } else if (k == ATOM_min_heap_size) {
                if (!is_small(v) || small_val(v) < 0)
                    return false;
                o->min_heap = (size_t)small_val(v);
            } else if (k == ATOM_priority) {
                if (v != ATOM_low && v != ATOM_normal && v != ATOM_high && v != ATOM_max)
                    return false;
            } else if (k == ATOM_fullsweep_after || k == ATOM_min_bin_vheap_size) {
                if (!is_small(v) || small_val(v) < 0)
                    return false;
                if (k == ATOM_fullsweep_after) {
                    o->fullsweep_given = true;
                    o->fullsweep_after = (uint64_t)small_val(v);
                }
            } else if (k == ATOM_max_heap_size) {
                /* accepted: zvm does not kill a process for its heap size */
            } else if (k == ATOM_message_queue_data) {
                if (v != ATOM_on_heap && v != ATOM_off_heap)
                    return false;
            } else {
                return false;
            }
        } else {
            return false;
        }
    }
    return is_nil(l);
}

/* The result of a spawn: the pid, or {Pid, MonitorRef} when a monitor was asked for. */
static term_t spawned(struct process *p, struct process *np, const struct spawn_opts *o,
                      uint64_t mon)
{
    term_t pid = make_pid(np->id);
    if (!o->monitor)
        return pid;
    return pair(p, pid, sched_build_ref(&p->builder, mon));
}

static term_t spawn_mfa(struct process *p, term_t m, term_t f, term_t a, struct spawn_opts *o)
{
    if (!is_atom(m) || !is_atom(f) || !is_proper_list(a))
        return bif_badarg(p);
    uint64_t mon = 0;
    o->mon_ref = &mon;
    struct process *np = sched_spawn(p, m, f, a, o);
    if (o->fullsweep_given)
        np->fullsweep_after = o->fullsweep_after;
    return spawned(p, np, o, mon);
}

static term_t spawn_fun(struct process *p, term_t fun, struct spawn_opts *o)
{
    /* A fun of the wrong arity is spawned all the same (and fails with badarity), as OTP. */
    if (!is_fun(fun))
        return bif_badarg(p);
    term_t a = build_cons(&p->builder, fun, build_cons(&p->builder, NIL, NIL));
    return spawn_mfa(p, ATOM_erlang, ATOM_apply, a, o);
}

term_t bif_erlang_spawn_1(struct process *p, term_t *args)
{
    struct spawn_opts o = {0};
    return spawn_fun(p, args[0], &o);
}

term_t bif_erlang_spawn_3(struct process *p, term_t *args)
{
    struct spawn_opts o = {0};
    return spawn_mfa(p, args[0], args[1], args[2], &o);
}

term_t bif_erlang_spawn_link_1(struct process *p, term_t *args)
{
    struct spawn_opts o = {.link = true};
    return spawn_fun(p, args[0], &o);
}

term_t bif_erlang_spawn_link_3(struct process *p, term_t *args)
{
    struct spawn_opts o = {.link = true};
    return spawn_mfa(p, args[0], args[1], args[2], &o);
}

term_t bif_erlang_spawn_monitor_1(struct process *p, term_t *args)
{
    struct spawn_opts o = {.monitor = true};
    return spawn_fun(p, args[0], &o);
}

term_t bif_erlang_spawn_monitor_3(struct process *p, term_t *args)
{
    struct spawn_opts o = {.monitor = true};
    return spawn_mfa(p, args[0], args[1], args[2], &o);
}

term_t bif_erlang_spawn_opt_2(struct process *p, term_t *args)
{
    struct spawn_opts o = {0};
    if (!spawn_options(args[1], &o))
        return bif_badarg(p);
    return spawn_fun(p, args[0], &o);
}

term_t bif_erlang_spawn_opt_4(struct process *p, term_t *args)
{
    struct spawn_opts o = {0};
    if (!spawn_options(args[3], &o))
        return bif_badarg(p);
    return spawn_mfa(p, args[0], args[1], args[2], &o);
}

/* --- links, monitors, aliases, exit signals ----------------------------------------------- */

term_t bif_erlang_link_1(struct process *p, term_t *args)
{
    if (is_port(args[0])) {
        /* A port that is not open signals noproc, as a dead process does. */
        if (!outlet_link(p, args[0]))
            sched_exit_signal(args[0], p, ATOM_noproc, true);
        return ATOM_true;
    }
    if (!is_pid(args[0]))
        return bif_badarg(p);
    sched_link(p, args[0]);
    return ATOM_true;
}

term_t bif_erlang_unlink_1(struct process *p, term_t *args)
{
    if (!is_pid(args[0]) && !is_port(args[0]))
        return bif_badarg(p);
    if (is_pid(args[0]))
        sched_unlink(p, args[0]);
    else
        outlet_unlink(p, args[0]);
    return ATOM_true;
}

static term_t monitor(struct process *p, term_t type, term_t target, int alias_mode)
{
    if (type == ATOM_process) {
        if (is_tuple(target) && tuple_arity(target) == 2 && is_atom(tuple_elems(target)[0]) &&
            tuple_elems(target)[1] == ATOM_nonode_nohost)
            target = tuple_elems(target)[0];
        if (!is_pid(target) && !is_atom(target))
            return bif_badarg(p);
        return sched_build_ref(&p->builder, sched_monitor(p, target, alias_mode));
    }
    if (type == ATOM_port && is_port(target)) {
        /* A port that is not open gets its 'DOWN' (noproc) at once. */
        uint64_t id = sched_new_ref_id();
        term_t ref = sched_build_ref(&p->builder, id);
        if (!outlet_monitor(p, target, id)) {
            term_t *el;
            term_t down = build_tuple(&p->builder, 5, &el);
            el[0] = ATOM_DOWN;
            el[1] = ref;
            el[2] = ATOM_port;
            el[3] = target;
            el[4] = ATOM_noproc;
            sched_deliver(p, down);
        }
        return ref;
    }
    if (type == atom_intern("time_offset", 11) && target == atom_intern("clock_service", 13))
        return sched_build_ref(&p->builder, sched_new_ref_id()); /* the offset never changes */
    return bif_badarg(p);
}

term_t bif_erlang_monitor_2(struct process *p, term_t *args)
{
    return monitor(p, args[0], args[1], 0);
}

term_t bif_erlang_monitor_3(struct process *p, term_t *args)
{
    int mode = 0;
    term_t l = args[2];
    for (; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (!is_tuple(o) || tuple_arity(o) != 2 || tuple_elems(o)[0] != ATOM_alias)
            return bif_badarg(p);
        term_t v = tuple_elems(o)[1];
        mode = v == ATOM_explicit_unalias ? ALIAS_EXPLICIT_UNALIAS
               : v == ATOM_demonitor      ? ALIAS_DEMONITOR
               : v == ATOM_reply_demonitor ? ALIAS_REPLY_DEMONITOR
                                          : -1;
        if (mode < 0)
            return bif_badarg(p);
    }
    if (!is_nil(l))
        return bif_badarg(p);
    return monitor(p, args[0], args[1], mode);
}

/* Removes the 'DOWN' messages of monitor `ref_id` from p's queue (demonitor's flush). */
static void flush_down(struct process *p, uint64_t ref_id)
{
    for (uint32_t i = 0; i < p->n_msgs;) {
        term_t m = p->msgs[i];
        if (is_tuple(m) && tuple_arity(m) == 5 && tuple_elems(m)[0] == ATOM_DOWN &&
            is_ref(tuple_elems(m)[1]) && ref_id_of(tuple_elems(m)[1]) == ref_id)
            proc_mailbox_remove_at(p, i);
        else
            i++;
    }
}

term_t bif_erlang_demonitor_1(struct process *p, term_t *args)
{
    if (!is_ref(args[0]))
        return bif_badarg(p);
    if (!sched_demonitor(p, ref_id_of(args[0])))
        outlet_demonitor(ref_id_of(args[0]));
    return ATOM_true;
}

term_t bif_erlang_demonitor_2(struct process *p, term_t *args)
{
    if (!is_ref(args[0]))
        return bif_badarg(p);
    bool flush = false, info = false;
    term_t l = args[1];
    for (; is_list(l); l = CDR(l)) {
        if (CAR(l) == ATOM_flush)
            flush = true;
        else if (CAR(l) == ATOM_info)
            info = true;
        else
            return bif_badarg(p);
    }
    if (!is_nil(l))
        return bif_badarg(p);
    uint64_t id = ref_id_of(args[0]);
    bool was = sched_demonitor(p, id) || outlet_demonitor(id);
    if (flush)
        flush_down(p, id);
    return info ? make_bool(was) : ATOM_true;
}

term_t bif_erlang_alias_0(struct process *p, term_t *args)
{
    (void)args;
    return sched_build_ref(&p->builder, sched_alias(p, ALIAS_EXPLICIT_UNALIAS));
}

term_t bif_erlang_alias_1(struct process *p, term_t *args)
{
    int mode = ALIAS_EXPLICIT_UNALIAS;
    term_t l = args[0];
    for (; is_list(l); l = CDR(l)) {
        if (CAR(l) == ATOM_explicit_unalias)
            mode = ALIAS_EXPLICIT_UNALIAS;
        else if (CAR(l) == atom_intern("reply", 5))
            mode = ALIAS_REPLY_DEMONITOR; /* the first message through it ends it */
        else
            return bif_badarg(p);
    }
    if (!is_nil(l))
        return bif_badarg(p);
    return sched_build_ref(&p->builder, sched_alias(p, mode));
}

term_t bif_erlang_unalias_1(struct process *p, term_t *args)
{
    if (!is_ref(args[0]))
        return bif_badarg(p);
    return make_bool(sched_unalias(p, ref_id_of(args[0])));
}

term_t bif_erlang_exit_2(struct process *p, term_t *args)
{
    if (is_port(args[0])) {
        outlet_exit_signal(make_pid(p->id), args[0], args[1]);
        return ATOM_true;
    }
    if (!is_pid(args[0]))
        return bif_badarg(p);
    /* The signal to the caller itself is acted on right after this BIF (interp.c). */
    sched_exit_signal(make_pid(p->id), sched_lookup(args[0]), args[1], false);
    return ATOM_true;
}

/* --- names -------------------------------------------------------------------------------- */

term_t bif_erlang_register_2(struct process *p, term_t *args)
{
    if (!sched_register(args[0], args[1]))
        return bif_badarg(p);
    return ATOM_true;
}

term_t bif_erlang_unregister_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) || !sched_unregister(args[0]))
        return bif_badarg(p);
    return ATOM_true;
}

term_t bif_erlang_whereis_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    term_t pid = sched_whereis(args[0]);
    return is_nil(pid) ? ATOM_undefined : pid;
}

term_t bif_erlang_registered_0(struct process *p, term_t *args)
{
    (void)args;
    return sched_registered(p);
}

term_t bif_erlang_processes_0(struct process *p, term_t *args)
{
    (void)args;
    return sched_processes(p);
}

term_t bif_erlang_is_process_alive_1(struct process *p, term_t *args)
{
    if (!is_pid(args[0]))
        return bif_badarg(p);
    struct process *q = sched_lookup(args[0]);
    return make_bool(q && q->pending_exit == THE_NON_VALUE);
}

/* --- process_info ------------------------------------------------------------------------- */

/* {M, F, A} of where process q is: the caller's BIF call site, or another's resume point. */
static term_t location_mfa(struct process *p, struct process *q, bool with_location)
{
    struct module *m;
    uint32_t line;
    term_t file;
    const uintptr_t *pc;
    if (q == p)
        pc = p->bif_caller ? p->bif_caller + 1 : p->bif_cp;
    else
        pc = q->resume_I;
    const struct func_rec *f = pc ? module_locate(pc, &m, &line, &file) : NULL;
    if (!f)
        return ATOM_undefined;
    term_t *el;
    term_t t = build_tuple(&p->builder, with_location ? 4 : 3, &el);
    el[0] = m->name;
    el[1] = f->name;
    el[2] = make_small(f->arity);
    if (with_location) {
        term_t loc = NIL;
        if (line)
            loc = build_cons(&p->builder, pair(p, ATOM_line, make_small(line)), loc);
        if (!is_nil(file))
            loc = build_cons(&p->builder, pair(p, ATOM_file, file), loc);
        el[3] = loc;
    }
    return t;
}

static term_t dictionary_of(struct process *p, struct process *q)
{
    return q == p ? p->dict : copy_term(&p->builder, q->dict);
}

/* The value of one process_info item for q, THE_NON_VALUE for an unknown item. */
static term_t info_item(struct process *p, struct process *q, term_t k)
{
    struct builder *b = &p->builder;
    if (k == ATOM_registered_name)
        return is_nil(q->reg_name) ? NIL : q->reg_name;
    if (k == ATOM_status)
        return q == p ? ATOM_running : q->state == PROC_WAITING ? ATOM_waiting : ATOM_runnable;
    if (k == ATOM_message_queue_len)
        return make_small(q->n_msgs);
    if (k == ATOM_messages) {
        term_t l = NIL;
        for (uint32_t i = q->n_msgs; i > 0; i--)
            l = build_cons(b, q == p ? q->msgs[i - 1] : copy_term(b, q->msgs[i - 1]), l);
        return l;
    }
    if (k == ATOM_links)
        return sched_links_info(b, q);
    if (k == ATOM_monitors)
        return sched_monitors_info(b, q);
    if (k == ATOM_monitored_by)
        return sched_monitored_by_info(b, q);
    if (k == ATOM_dictionary)
        return dictionary_of(p, q);
    if (k == ATOM_trap_exit)
        return make_bool(q->trap_exit);
    if (k == ATOM_error_handler)
        return ATOM_error_handler;
    if (k == ATOM_priority)
        return ATOM_normal;
    if (k == ATOM_group_leader)
        return q->group_leader;
    if (k == ATOM_heap_size)
        return make_small((sterm_t)q->heap_words);
    if (k == ATOM_total_heap_size)
        return make_small((sterm_t)proc_total_heap_words(q));
    if (k == ATOM_min_heap_size)
        return make_small((sterm_t)q->min_heap_words);
    if (k == ATOM_stack_size)
        return make_small((sterm_t)(q->stack_end - q->E));
    if (k == ATOM_reductions)
        return build_uint64(b, q->reductions);
    if (k == ATOM_memory)
        return make_small((sterm_t)((proc_heap_memory_words(q) +
                                     (size_t)(q->stack_end - q->stack)) *
                                        sizeof(term_t) +
                                    sizeof *q + q->cap_msgs * sizeof(term_t)));
    if (k == ATOM_initial_call)
        return q == p ? q->initial_call : copy_term(b, q->initial_call);
    if (k == ATOM_current_function)
        return location_mfa(p, q, false);
    if (k == atom_intern("current_location", 16))
        return location_mfa(p, q, true);
    if (k == ATOM_current_stacktrace)
        return q == p ? exception_build_trace(p, p->bif_caller,
                                              p->bif_caller ? NULL : p->bif_cp, p->E)
                      : NIL;
    if (k == ATOM_garbage_collection) {
        term_t l = NIL;
        l = build_cons(b, pair(p, atom_intern("minor_gcs", 9), build_uint64(b, q->gcs)), l);
        l = build_cons(b, pair(p, ATOM_fullsweep_after, build_uint64(b, q->fullsweep_after)), l);
        l = build_cons(b, pair(p, ATOM_min_heap_size, make_small((sterm_t)q->min_heap_words)), l);
        l = build_cons(b, pair(p, ATOM_min_bin_vheap_size, make_small(46422)), l);
        return l;
    }
    if (k == ATOM_suspending || k == atom_intern("binary", 6) ||
        k == atom_intern("sequential_trace_token", 22))
        return NIL;
    if (k == atom_intern("last_calls", 10) || k == atom_intern("catchlevel", 10))
        return k == atom_intern("catchlevel", 10) ? make_small(0) : ATOM_false;
    if (k == ATOM_message_queue_data)
        return ATOM_on_heap;
    if (k == atom_intern("parent", 6))
        return ATOM_undefined;
    return THE_NON_VALUE;
}

term_t bif_erlang_process_info_2(struct process *p, term_t *args)
{
    if (!is_pid(args[0]))
        return bif_badarg(p);
    term_t items = args[1];
    if (is_atom(items)) {
        struct process *q = sched_lookup(args[0]);
        if (!q)
            return ATOM_undefined;
        term_t v = info_item(p, q, items);
        if (v == THE_NON_VALUE)
            return bif_badarg(p);
        /* OTP: an unregistered process's registered_name alone is [] */
        if (items == ATOM_registered_name && is_nil(v))
            return NIL;
        return pair(p, items, v);
    }
    if (!is_proper_list(items))
        return bif_badarg(p);
    for (term_t l = items; is_list(l); l = CDR(l))
        if (!is_atom(CAR(l)))
            return bif_badarg(p);
    struct process *q = sched_lookup(args[0]);
    if (!q)
        return ATOM_undefined;
    term_t rev = NIL;
    for (term_t l = items; is_list(l); l = CDR(l)) {
        term_t v = info_item(p, q, CAR(l));
        if (v == THE_NON_VALUE)
            return bif_badarg(p);
        rev = build_cons(&p->builder, pair(p, CAR(l), v), rev);
    }
    term_t out = NIL;
    for (; is_list(rev); rev = CDR(rev))
        out = build_cons(&p->builder, CAR(rev), out);
    return out;
}

term_t bif_erlang_process_info_1(struct process *p, term_t *args)
{
    if (!is_pid(args[0]))
        return bif_badarg(p);
    struct process *q = sched_lookup(args[0]);
    if (!q)
        return ATOM_undefined;
    static const term_t items[] = {ATOM_current_function, ATOM_initial_call, ATOM_status,
                                   ATOM_message_queue_len, ATOM_links, ATOM_dictionary,
                                   ATOM_trap_exit, ATOM_error_handler, ATOM_priority,
                                   ATOM_group_leader, ATOM_total_heap_size, ATOM_heap_size,
                                   ATOM_stack_size, ATOM_reductions, ATOM_garbage_collection,
                                   ATOM_suspending};
    term_t out = NIL;
    for (size_t i = sizeof items / sizeof items[0]; i > 0; i--)
        out = build_cons(&p->builder, pair(p, items[i - 1], info_item(p, q, items[i - 1])), out);
    if (!is_nil(q->reg_name))
        out = build_cons(&p->builder, pair(p, ATOM_registered_name, q->reg_name), out);
    return out;
}

term_t bif_erlang_process_flag_2(struct process *p, term_t *args)
{
    term_t flag = args[0], v = args[1];
    if (flag == ATOM_trap_exit) {
        if (v != ATOM_true && v != ATOM_false)
            return bif_badarg(p);
        term_t old = make_bool(p->trap_exit);
        p->trap_exit = v == ATOM_true;
        return old;
    }
    if (flag == ATOM_priority) {
        if (v != ATOM_low && v != ATOM_normal && v != ATOM_high && v != ATOM_max)
            return bif_badarg(p);
        return ATOM_normal; /* one priority: every process is scheduled alike */
    }
    if (flag == ATOM_min_heap_size || flag == ATOM_min_bin_vheap_size) {
        if (!is_small(v) || small_val(v) < 0)
            return bif_badarg(p);
        if (flag == ATOM_min_heap_size)
            return make_small((sterm_t)proc_set_min_heap_size(p, (size_t)small_val(v)));
        return make_small(46422);
    }
    if (flag == ATOM_message_queue_data) {
        if (v != ATOM_on_heap && v != ATOM_off_heap)
            return bif_badarg(p);
        return ATOM_on_heap;
    }
    if (flag == ATOM_max_heap_size)
        return make_small(0);
    if (flag == ATOM_sensitive || flag == ATOM_save_calls)
        return is_small(v) ? make_small(0) : ATOM_false;
    if (flag == ATOM_fullsweep_after)
        return make_small(65535);
    return bif_badarg(p);
}

term_t bif_erlang_group_leader_0(struct process *p, term_t *args)
{
    (void)args;
    return p->group_leader;
}

term_t bif_erlang_group_leader_2(struct process *p, term_t *args)
{
    if (!is_pid(args[0]) || !is_pid(args[1]))
        return bif_badarg(p);
    struct process *q = sched_lookup(args[1]);
    if (!q)
        return bif_badarg(p);
    q->group_leader = args[0];
    return ATOM_true;
}

term_t bif_erlang_yield_0(struct process *p, term_t *args)
{
    (void)args;
    p->yield_now = true;
    return ATOM_true;
}

/* erlang:hibernate/3 runs in the interpreter (it discards the stack): a call always lands
 * there, whether direct, by apply or through a fun, so this body is never reached. */
term_t bif_erlang_hibernate_3(struct process *p, term_t *args)
{
    (void)args;
    return bif_error(p, ATOM_notsup);
}

term_t bif_erlang_garbage_collect_1(struct process *p, term_t *args)
{
    if (!is_pid(args[0]))
        return bif_badarg(p);
    struct process *q = sched_lookup(args[0]);
    if (!q)
        return ATOM_false;
    /* A suspended process's only roots are its own (saved registers included): collect it now.
     * The caller reaches this BIF by a call (call_ext, apply, a fun), where only the arguments
     * are live and the stack is synced, so its own heap can be collected too. */
    proc_gc(q, 0, q == p ? 1 : 0); /* p's only live register is x(0), the pid */
    return ATOM_true;
}

/* --- timers ------------------------------------------------------------------------------- */

/* Milliseconds from now until `deadline`, rounded up. */
static term_t remaining_ms(struct process *p, uint64_t deadline)
{
    uint64_t now = zplat_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    return build_uint64(&p->builder, (left + 999999u) / 1000000u);
}

static term_t start_timer(struct process *p, term_t *args, enum timer_kind kind, term_t opts)
{
    bool abs = false;
    term_t l = opts;
    for (; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (!is_tuple(o) || tuple_arity(o) != 2 || tuple_elems(o)[0] != ATOM_abs ||
            (tuple_elems(o)[1] != ATOM_true && tuple_elems(o)[1] != ATOM_false))
            return bif_badarg(p);
        abs = tuple_elems(o)[1] == ATOM_true;
    }
    if (!is_nil(l))
        return bif_badarg(p);
    term_t time = args[0], dest = args[1];
    if (!is_small(time) || (!abs && small_val(time) < 0))
        return bif_badarg(p);
    if (!is_pid(dest) && !is_atom(dest))
        return bif_badarg(p);
    uint64_t now = zplat_monotonic_ns();
    uint64_t deadline;
    if (abs) {
        /* erlang:monotonic_time(millisecond) is zplat_monotonic_ns() / 1e6 in zvm */
        int64_t at = small_val(time);
        deadline = at <= 0 ? 0 : (uint64_t)at * 1000000u;
    } else {
        deadline = now + (uint64_t)small_val(time) * 1000000u;
    }
    uint64_t id = sched_new_ref_id();
    /* A timer to a pid that is gone never fires: OTP returns a reference all the same. */
    if (!is_pid(dest) || sched_lookup(dest))
        timer_start_message(kind, id, dest, args[2], deadline);
    return sched_build_ref(&p->builder, id);
}

term_t bif_erlang_send_after_3(struct process *p, term_t *args)
{
    return start_timer(p, args, TIMER_SEND_AFTER, NIL);
}

term_t bif_erlang_send_after_4(struct process *p, term_t *args)
{
    return start_timer(p, args, TIMER_SEND_AFTER, args[3]);
}

term_t bif_erlang_start_timer_3(struct process *p, term_t *args)
{
    return start_timer(p, args, TIMER_START_TIMER, NIL);
}

term_t bif_erlang_start_timer_4(struct process *p, term_t *args)
{
    return start_timer(p, args, TIMER_START_TIMER, args[3]);
}

/*
 * cancel_timer/read_timer with options [{async, Bool}, {info, Bool}]: the result is the time
 * left in ms or false; async sends {Tag, Ref, Result} instead, info false answers `ok`.
 */
static term_t timer_op(struct process *p, term_t ref, term_t opts, bool cancel)
{
    bool async = false, info = true;
    term_t l = opts;
    for (; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (!is_tuple(o) || tuple_arity(o) != 2 ||
            (tuple_elems(o)[1] != ATOM_true && tuple_elems(o)[1] != ATOM_false))
            return bif_badarg(p);
        bool v = tuple_elems(o)[1] == ATOM_true;
        if (tuple_elems(o)[0] == ATOM_async)
            async = v;
        else if (tuple_elems(o)[0] == ATOM_info)
            info = v;
        else
            return bif_badarg(p);
    }
    if (!is_nil(l) || !is_ref(ref))
        return bif_badarg(p);
    struct timer *t = timer_find(ref_id_of(ref));
    term_t result = ATOM_false;
    if (t) {
        result = remaining_ms(p, t->deadline);
        if (cancel)
            timer_cancel(t);
    }
    if (async) {
        if (info) {
            term_t *el;
            term_t msg = build_tuple(&p->builder, 3, &el);
            el[0] = cancel ? ATOM_cancel_timer : ATOM_read_timer;
            el[1] = ref;
            el[2] = result;
            sched_deliver(p, msg);
        }
        return ATOM_ok;
    }
    return info ? result : ATOM_ok;
}

term_t bif_erlang_cancel_timer_1(struct process *p, term_t *args)
{
    return timer_op(p, args[0], NIL, true);
}

term_t bif_erlang_cancel_timer_2(struct process *p, term_t *args)
{
    return timer_op(p, args[0], args[1], true);
}

term_t bif_erlang_read_timer_1(struct process *p, term_t *args)
{
    return timer_op(p, args[0], NIL, false);
}

term_t bif_erlang_read_timer_2(struct process *p, term_t *args)
{
    return timer_op(p, args[0], args[1], false);
}

/* --- the console, for the io servers ------------------------------------------------------ */

/* zvm:console_write(Stream, Bin): Stream 1 (standard output) or 2 (standard error). */
term_t bif_zvm_console_write_2(struct process *p, term_t *args)
{
    if ((args[0] != make_small(1) && args[0] != make_small(2)) || !is_binary_term(args[1]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[1]);
    size_t n = (size_t)(v.bits / 8);
    uint8_t *tmp = rt_alloc(n ? n : 1);
    const uint8_t *s = bitview_bytes(&v, tmp);
    zplat_console_write(args[0] == make_small(1) ? ZPLAT_STDOUT : ZPLAT_STDERR, s, n);
    rt_free(tmp);
    return ATOM_ok;
}
