/* bif_system.c: exceptions, halt, the process dictionary, module information, the console. */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/binary.h"
#include "vm/etf.h"
#include "vm/exception.h"
#include "vm/module.h"
#include "vm/platform.h"
#include "vm/rt.h"
#include "vm/sched.h"
#include "vm/support/zlib_deflate.h"
#include "vm/zvm.h"

term_t bif_erlang_error_1(struct process *p, term_t *args)
{
    return bif_error(p, args[0]);
}

term_t bif_erlang_error_2(struct process *p, term_t *args)
{
    p->exc_args = args[1];
    return bif_error(p, args[0]);
}

term_t bif_erlang_error_3(struct process *p, term_t *args)
{
    p->exc_args = args[1];
    return bif_error(p, args[0]);
}

term_t bif_erlang_nif_error_1(struct process *p, term_t *args)
{
    return bif_error(p, args[0]);
}

term_t bif_erlang_exit_1(struct process *p, term_t *args)
{
    return bif_raise(p, ATOM_exit, args[0]);
}

term_t bif_erlang_throw_1(struct process *p, term_t *args)
{
    return bif_raise(p, ATOM_throw, args[0]);
}

/* erlang:raise/3: with a bad class or stack trace it returns the atom badarg (OTP does too). */
term_t bif_erlang_raise_3(struct process *p, term_t *args)
{
    term_t cls = args[0];
    if (cls != ATOM_error && cls != ATOM_exit && cls != ATOM_throw)
        return ATOM_badarg;
    term_t l = args[2];
    for (; is_list(l); l = CDR(l)) {
        term_t f = CAR(l);
        if (!is_tuple(f) || (tuple_arity(f) != 4 && tuple_arity(f) != 3 && tuple_arity(f) != 2))
            return ATOM_badarg;
    }
    if (!is_nil(l))
        return ATOM_badarg;
    bif_raise(p, cls, args[1]);
    p->exc_trace = args[2];
    p->exc_trace_given = true;
    return THE_NON_VALUE;
}

/* apply/2,3 are run by the interpreter (i_call_bif); these bodies are never reached. */
term_t bif_erlang_apply_2(struct process *p, term_t *args)
{
    (void)args;
    return bif_badarg(p);
}
term_t bif_erlang_apply_3(struct process *p, term_t *args)
{
    (void)args;
    return bif_badarg(p);
}

static term_t halt(struct process *p, term_t how)
{
    if (is_small(how) && small_val(how) >= 0) {
        zvm_exit((int)(small_val(how) & 0xFF));
    }
    if (how == ATOM_abort)
        zvm_exit(134);
    if (is_list(how) || is_nil(how)) {
        struct textbuf b;
        textbuf_init(&b);
        for (term_t l = how; is_list(l); l = CDR(l))
            if (is_small(CAR(l)))
                textbuf_putc(&b, (char)small_val(CAR(l)));
        textbuf_putc(&b, '\n');
        zplat_console_write(ZPLAT_STDERR, b.data, b.len);
        textbuf_dispose(&b);
        zvm_exit(1);
    }
    return bif_badarg(p);
}

term_t bif_erlang_halt_0(struct process *p, term_t *args)
{
    (void)args;
    return halt(p, make_small(0));
}
term_t bif_erlang_halt_1(struct process *p, term_t *args)
{
    return halt(p, args[0]);
}
term_t bif_erlang_halt_2(struct process *p, term_t *args)
{
    return halt(p, args[0]);
}

/* --- console ------------------------------------------------------------------------------ */

term_t bif_erlang_display_1(struct process *p, term_t *args)
{
    (void)p;
    struct textbuf b;
    textbuf_init(&b);
    term_print(&b, args[0]);
    textbuf_putc(&b, '\n');
    zplat_console_write(ZPLAT_STDOUT, b.data, b.len);
    textbuf_dispose(&b);
    return ATOM_true;
}

/* Writes a character list or binary to the error stream, as OTP's erlang:display_string/1. */
term_t bif_erlang_display_string_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    term_t l = args[0];
    for (; is_list(l); l = CDR(l)) {
        term_t c = CAR(l);
        if (!is_small(c) || small_val(c) < 0 || small_val(c) > 0x10FFFF) {
            textbuf_dispose(&b);
            return bif_badarg(p);
        }
        uint32_t v = (uint32_t)small_val(c);
        char u[4];
        int n;
        if (v < 0x80) {
            u[0] = (char)v;
            n = 1;
        } else if (v < 0x800) {
            u[0] = (char)(0xC0 | (v >> 6));
            u[1] = (char)(0x80 | (v & 0x3F));
            n = 2;
        } else if (v < 0x10000) {
            u[0] = (char)(0xE0 | (v >> 12));
            u[1] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[2] = (char)(0x80 | (v & 0x3F));
            n = 3;
        } else {
            u[0] = (char)(0xF0 | (v >> 18));
            u[1] = (char)(0x80 | ((v >> 12) & 0x3F));
            u[2] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[3] = (char)(0x80 | (v & 0x3F));
            n = 4;
        }
        textbuf_put(&b, u, (size_t)n);
    }
    if (!is_nil(l)) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    zplat_console_write(ZPLAT_STDERR, b.data, b.len);
    textbuf_dispose(&b);
    return ATOM_true;
}

/* --- process ------------------------------------------------------------------------------ */

term_t bif_erlang_node_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return atom_intern("nonode@nohost", 13);
}

term_t bif_erlang_make_ref_0(struct process *p, term_t *args)
{
    (void)args;
    return sched_build_ref(&p->builder, sched_new_ref_id());
}

static uint64_t next_unique = 1;

term_t bif_erlang_unique_integer_0(struct process *p, term_t *args)
{
    (void)args;
    return build_uint64(&p->builder, next_unique++);
}

term_t bif_erlang_unique_integer_1(struct process *p, term_t *args)
{
    for (term_t l = args[0]; is_list(l); l = CDR(l))
        if (!is_atom(CAR(l)))
            return bif_badarg(p);
    return build_uint64(&p->builder, next_unique++);
}

term_t bif_erlang_monotonic_time_0(struct process *p, term_t *args)
{
    (void)args;
    return build_int64(&p->builder, (int64_t)zplat_monotonic_ns());
}

term_t bif_erlang_system_time_0(struct process *p, term_t *args)
{
    (void)args;
    return build_int64(&p->builder, (int64_t)zplat_wall_ns());
}

term_t bif_erlang_garbage_collect_0(struct process *p, term_t *args)
{
    (void)args;
    /* Reached by a call (call_ext, apply, a fun): no register is live and the stack is synced,
     * so the caller's heap can be collected here, fully (a major collection), as OTP's. */
    proc_gc(p, 0, 0);
    return ATOM_true;
}

/* The dictionary is a list of {Key, Value}, most recent first. */
term_t bif_erlang_get_1(struct process *p, term_t *args)
{
    for (term_t l = p->dict; is_list(l); l = CDR(l))
        if (term_eq_exact(tuple_elems(CAR(l))[0], args[0]))
            return tuple_elems(CAR(l))[1];
    return ATOM_undefined;
}

term_t bif_erlang_get_0(struct process *p, term_t *args)
{
    (void)args;
    term_t r = NIL;
    for (term_t l = p->dict; is_list(l); l = CDR(l))
        r = build_cons(&p->builder, CAR(l), r);
    return r;
}

static term_t dict_remove(struct process *p, term_t key, term_t *old)
{
    *old = ATOM_undefined;
    term_t kept = NIL;
    bool found = false;
    for (term_t l = p->dict; is_list(l); l = CDR(l)) {
        if (!found && term_eq_exact(tuple_elems(CAR(l))[0], key)) {
            *old = tuple_elems(CAR(l))[1];
            found = true;
        } else {
            kept = build_cons(&p->builder, CAR(l), kept);
        }
    }
    if (!found)
        return p->dict;
    term_t r = NIL;
    for (term_t l = kept; is_list(l); l = CDR(l))
        r = build_cons(&p->builder, CAR(l), r);
    return r;
}

term_t bif_erlang_put_2(struct process *p, term_t *args)
{
    term_t old;
    term_t d = dict_remove(p, args[0], &old);
    term_t *el;
    term_t kv = build_tuple(&p->builder, 2, &el);
    el[0] = args[0];
    el[1] = args[1];
    p->dict = build_cons(&p->builder, kv, d);
    return old;
}

term_t bif_erlang_erase_1(struct process *p, term_t *args)
{
    term_t old;
    p->dict = dict_remove(p, args[0], &old);
    return old;
}

term_t bif_erlang_erase_0(struct process *p, term_t *args)
{
    term_t r = bif_erlang_get_0(p, args);
    p->dict = NIL;
    return r;
}

term_t bif_erlang_get_keys_0(struct process *p, term_t *args)
{
    (void)args;
    term_t r = NIL;
    for (term_t l = p->dict; is_list(l); l = CDR(l))
        r = build_cons(&p->builder, tuple_elems(CAR(l))[0], r);
    return r;
}

/* --- modules ------------------------------------------------------------------------------ */

static term_t module_info_item(struct process *p, struct module *m, term_t key)
{
    if (key == ATOM_module)
        return m->name;
    if (key == ATOM_exports)
        return m->exports_list;
    if (key == ATOM_attributes)
        return m->attributes;
    if (key == ATOM_compile)
        return m->compile_info;
    if (key == ATOM_md5) {
        return build_binary(&p->builder, m->md5, 16, NULL);
    }
    if (key == ATOM_functions) {
        term_t l = NIL;
        for (uint32_t i = m->n_funcs; i > 0; i--) {
            term_t *el;
            term_t t = build_tuple(&p->builder, 2, &el);
            el[0] = m->funcs[i - 1].name;
            el[1] = make_small(m->funcs[i - 1].arity);
            l = build_cons(&p->builder, t, l);
        }
        return l;
    }
    if (key == ATOM_nifs)
        return NIL;
    if (key == ATOM_native)
        return ATOM_false;
    return THE_NON_VALUE;
}

term_t bif_erlang_get_module_info_2(struct process *p, term_t *args)
{
    struct module *m = is_atom(args[0]) ? module_find(args[0]) : NULL;
    if (!m)
        return bif_badarg(p);
    term_t r = module_info_item(p, m, args[1]);
    return r == THE_NON_VALUE ? bif_badarg(p) : r;
}

term_t bif_erlang_get_module_info_1(struct process *p, term_t *args)
{
    struct module *m = is_atom(args[0]) ? module_find(args[0]) : NULL;
    if (!m)
        return bif_badarg(p);
    static const term_t keys[] = {ATOM_module, ATOM_exports, ATOM_attributes, ATOM_compile,
                                  ATOM_md5};
    term_t l = NIL;
    for (size_t i = sizeof keys / sizeof keys[0]; i > 0; i--) {
        term_t *el;
        term_t t = build_tuple(&p->builder, 2, &el);
        el[0] = keys[i - 1];
        el[1] = module_info_item(p, m, keys[i - 1]);
        l = build_cons(&p->builder, t, l);
    }
    return l;
}

term_t bif_erlang_function_exported_3(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) || !is_atom(args[1]) || !is_small(args[2]))
        return bif_badarg(p);
    struct export *e = export_find(args[0], args[1], (uint32_t)small_val(args[2]));
    return make_bool(e && (e->bif || e->addr != e->stub));
}

term_t bif_erlang_module_loaded_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    return make_bool(module_find(args[0]) != NULL);
}

term_t bif_code_ensure_loaded_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    struct textbuf err;
    textbuf_init(&err);
    struct module *m = load_module_by_name(args[0], &err);
    if (!m && err.len) {
        size_t n;
        const char *name = atom_name(args[0], &n);
        rt_eprintf("zvm: loading module %.*s failed: %s\n", (int)n, name, err.data);
    }
    textbuf_dispose(&err);
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = m ? ATOM_module : ATOM_error;
    el[1] = m ? args[0] : atom_intern("nofile", 6);
    return t;
}

/* zvm:app_file(App): the bytes of App's .app file from the code path, or `error`. */
term_t bif_zvm_app_file_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    size_t n;
    const char *name = atom_name(args[0], &n);
    const uint8_t *bytes;
    size_t len;
    if (zplat_app_find(name, n, &bytes, &len) != 0)
        return ATOM_error;
    term_t bin = build_binary(&p->builder, bytes, len, NULL);
    zplat_code_release(bytes, len);
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_ok;
    el[1] = bin;
    return t;
}

/* io:printable_range/0: which characters io_lib treats as printable (erl's default +pc). */
term_t bif_io_printable_range_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return atom_intern("latin1", 6);
}

/* erlang:make_fun(M, F, A): the external fun M:F/A (the module need not be loaded yet). */
term_t bif_erlang_make_fun_3(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) || !is_atom(args[1]) || !is_small(args[2]) || small_val(args[2]) < 0 ||
        small_val(args[2]) > 255)
        return bif_badarg(p);
    term_t *obj = build_alloc(&p->builder, 2);
    obj[0] = make_header(1, SUB_EXPORT);
    obj[1] = (term_t)(uintptr_t)export_get(args[0], args[1], (uint32_t)small_val(args[2]));
    return make_boxed(obj);
}

/* erlang:load_module(Module, Binary): loads a module from .beam bytes (code:load_binary/3), as
 * the compiler's callers do with code they just compiled. A new version replaces the old one. */
term_t bif_erlang_load_module_2(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) || !is_binary_term(args[1]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[1]);
    size_t n = (size_t)(v.bits / 8);
    uint8_t *tmp = rt_alloc(n ? n : 1);
    const uint8_t *bytes = bitview_bytes(&v, tmp);
    struct textbuf err;
    textbuf_init(&err);
    struct module *m = load_module(bytes, n, args[0], &err);
    rt_free(tmp);
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    if (m) {
        el[0] = ATOM_module;
        el[1] = args[0];
    } else {
        size_t an;
        const char *name = atom_name(args[0], &an);
        rt_eprintf("zvm: loading module %.*s failed: %s\n", (int)an, name, err.data);
        el[0] = ATOM_error;
        el[1] = atom_intern("badfile", 7);
    }
    textbuf_dispose(&err);
    return t;
}

/* file:native_name_encoding/0: file names are UTF-8, as erl's default on Linux. */
term_t bif_file_native_name_encoding_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return atom_intern("utf8", 4);
}

/* Dynamic trace tags (DTrace/SystemTap): zvm has no dynamic tracing, so there is never a tag
 * to spread or restore, as in an erts built without it. file:call/2 brackets calls with these. */
term_t bif_erlang_dt_spread_tag_1(struct process *p, term_t *args)
{
    if (args[0] != ATOM_true && args[0] != ATOM_false)
        return bif_badarg(p);
    return ATOM_false;
}

term_t bif_erlang_dt_restore_tag_1(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return ATOM_true;
}

term_t bif_erlang_system_info_1(struct process *p, term_t *args)
{
    term_t k = args[0];
    size_t n;
    const char *s = is_atom(k) ? atom_name(k, &n) : "";
    if (!is_atom(k))
        return bif_badarg(p);
    if (n == 11 && memcmp(s, "otp_release", 11) == 0)
        return build_string(&p->builder, "25", 2);
    if (n == 7 && memcmp(s, "machine", 7) == 0)
        return build_string(&p->builder, "ZVM", 3);
    if (n == 8 && memcmp(s, "wordsize", 8) == 0)
        return make_small(8);
    if (n == 6 && memcmp(s, "endian", 6) == 0)
        return ATOM_little;
    if ((n == 10 && memcmp(s, "schedulers", 10) == 0) ||
        (n == 17 && memcmp(s, "schedulers_online", 17) == 0) ||
        (n == 15 && memcmp(s, "logical_processors", 15) == 0) ||
        (n == 22 && memcmp(s, "dirty_cpu_schedulers", 20) == 0))
        return make_small(1); /* one scheduler per VM instance */
    if (n == 13 && memcmp(s, "process_count", 13) == 0)
        return make_small((sterm_t)sched_process_count());
    if (n == 7 && memcmp(s, "os_type", 7) == 0) {
        term_t *el;
        term_t t = build_tuple(&p->builder, 2, &el);
        el[0] = atom_intern("unix", 4);
        el[1] = atom_intern("linux", 5); /* hosted on Linux; on Xen the code it runs is the same */
        return t;
    }
    if (n == 7 && memcmp(s, "version", 7) == 0)
        return build_string(&p->builder, "13.1.5", 6);
    if (n == 12 && memcmp(s, "system_version", 12) == 0)
        return build_string(&p->builder, "zvm (OTP 25 compatible)\n", 24);
    return bif_badarg(p);
}

/* --- external term format ----------------------------------------------------------------- */

term_t bif_erlang_term_to_binary_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    term_t r;
    if (etf_encode(args[0], &b) != 0)
        r = bif_badarg(p);
    else
        r = build_binary(&p->builder, (const uint8_t *)b.data, b.len, NULL);
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_node_1(struct process *p, term_t *args)
{
    (void)args;
    return bif_erlang_node_0(p, args);
}

/*
 * monitor_node/2,3: zvm has no distribution, its node is never alive (node() is
 * nonode@nohost). As in erl then: the local node needs no monitor (true, no message ever);
 * any other node cannot be monitored from a node that is not alive (error notalive).
 */
static term_t monitor_node(struct process *p, term_t node, term_t flag)
{
    if (!is_atom(node) || (flag != ATOM_true && flag != ATOM_false))
        return bif_badarg(p);
    if (node != ATOM_nonode_nohost)
        return bif_error(p, ATOM_notalive);
    return ATOM_true;
}

term_t bif_erlang_monitor_node_2(struct process *p, term_t *args)
{
    return monitor_node(p, args[0], args[1]);
}

term_t bif_erlang_monitor_node_3(struct process *p, term_t *args)
{
    term_t l = args[2];
    for (; is_list(l); l = CDR(l))
        if (CAR(l) != ATOM_allow_passive_connect)
            return bif_badarg(p);
    if (l != NIL)
        return bif_badarg(p);
    return monitor_node(p, args[0], args[1]);
}

term_t bif_net_kernel_dflag_unicode_io_1(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return ATOM_true;
}

/* --- persistent_term: terms copied into an area that lives as long as the VM ------------- */

struct pt_entry {
    term_t key, value;
};
static struct pt_entry *pt;
static size_t n_pt, cap_pt;
static struct lit_area pt_area;
static bool pt_ready;

static struct pt_entry *pt_find(term_t key)
{
    for (size_t i = 0; i < n_pt; i++)
        if (term_eq_exact(pt[i].key, key))
            return &pt[i];
    return NULL;
}

term_t bif_persistent_term_get_1(struct process *p, term_t *args)
{
    struct pt_entry *e = pt_find(args[0]);
    return e ? e->value : bif_badarg(p);
}

term_t bif_persistent_term_get_2(struct process *p, term_t *args)
{
    (void)p;
    struct pt_entry *e = pt_find(args[0]);
    return e ? e->value : args[1];
}

term_t bif_persistent_term_put_2(struct process *p, term_t *args)
{
    (void)p;
    if (!pt_ready) {
        lit_area_init(&pt_area);
        pt_ready = true;
    }
    /* Old values stay in the area: OTP also keeps them until no process refers to them. */
    struct pt_entry *e = pt_find(args[0]);
    if (!e) {
        if (n_pt == cap_pt) {
            cap_pt = cap_pt ? cap_pt * 2 : 16;
            pt = rt_realloc(pt, sizeof *pt * cap_pt);
        }
        e = &pt[n_pt++];
        e->key = copy_term(&pt_area.builder, args[0]);
    }
    e->value = copy_term(&pt_area.builder, args[1]);
    return ATOM_ok;
}

term_t bif_persistent_term_erase_1(struct process *p, term_t *args)
{
    (void)p;
    struct pt_entry *e = pt_find(args[0]);
    if (!e)
        return ATOM_false;
    *e = pt[--n_pt];
    return ATOM_true;
}

/* The guest has no environment variables (the platform contract gives none). */
term_t bif_os_getenv_1(struct process *p, term_t *args)
{
    if (!is_list(args[0]) && !is_nil(args[0]))
        return bif_badarg(p);
    return ATOM_false;
}

term_t bif_os_getenv_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return NIL;
}

/* init's queries about the command line, answered by the VM (OTP's init module is not run). */
term_t bif_init_get_argument_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    return ATOM_error;
}

term_t bif_init_get_arguments_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return NIL;
}

term_t bif_init_get_plain_arguments_0(struct process *p, term_t *args)
{
    (void)p;
    (void)args;
    return NIL;
}

static uint64_t boot_start_ns;

void zvm_boot_clock_start(void)
{
    if (!boot_start_ns)
        boot_start_ns = zplat_monotonic_ns();
}

/* zvm:boot_ns(): nanoseconds since the platform entered zvm_main (bench/vm.sh). */
term_t bif_zvm_boot_ns_0(struct process *p, term_t *args)
{
    (void)args;
    return build_uint64(&p->builder, zplat_monotonic_ns() - boot_start_ns);
}

static term_t time_in_unit(struct process *p, uint64_t ns, term_t unit)
{
    uint64_t div;
    if (unit == ATOM_second || unit == atom_intern("seconds", 7))
        div = 1000000000u;
    else if (unit == ATOM_millisecond || unit == atom_intern("milli_seconds", 13))
        div = 1000000u;
    else if (unit == ATOM_microsecond || unit == atom_intern("micro_seconds", 13))
        div = 1000u;
    else if (unit == ATOM_nanosecond || unit == ATOM_native || unit == ATOM_perf_counter ||
             unit == atom_intern("nano_seconds", 12))
        div = 1;
    else if (is_small(unit) && small_val(unit) > 0) {
        uint64_t u = (uint64_t)small_val(unit); /* parts per second, without 128-bit division */
        return build_uint64(&p->builder, ns / 1000000000u * u + ns % 1000000000u * u / 1000000000u);
    } else
        return bif_badarg(p);
    return build_uint64(&p->builder, ns / div);
}

term_t bif_erlang_monotonic_time_1(struct process *p, term_t *args)
{
    return time_in_unit(p, zplat_monotonic_ns(), args[0]);
}

term_t bif_erlang_system_time_1(struct process *p, term_t *args)
{
    return time_in_unit(p, zplat_wall_ns(), args[0]);
}

term_t bif_os_system_time_1(struct process *p, term_t *args)
{
    return time_in_unit(p, zplat_wall_ns(), args[0]);
}

/* A time unit as parts per second (native is nanoseconds in zvm), or 0 when not a unit. */
static uint64_t unit_parts(term_t unit)
{
    if (unit == ATOM_second || unit == atom_intern("seconds", 7))
        return 1;
    if (unit == ATOM_millisecond || unit == atom_intern("milli_seconds", 13))
        return 1000;
    if (unit == ATOM_microsecond || unit == atom_intern("micro_seconds", 13))
        return 1000000;
    if (unit == ATOM_nanosecond || unit == ATOM_native || unit == ATOM_perf_counter ||
        unit == atom_intern("nano_seconds", 12))
        return 1000000000;
    if (is_small(unit) && small_val(unit) > 0)
        return (uint64_t)small_val(unit);
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* convert_time_unit(Time, From, To): floor(Time * To / From), as OTP rounds (towards minus
 * infinity), for any pair of units (bignum results too). Split as
 * floor(T / F) * To + floor((T mod F) * To / F) so no 128-bit division is needed. */
term_t bif_erlang_convert_time_unit_3(struct process *p, term_t *args)
{
    int64_t v;
    uint64_t from_u = unit_parts(args[1]), to_u = unit_parts(args[2]);
    if (!term_to_int64(args[0], &v) || !from_u || !to_u || from_u > INT64_MAX || to_u > INT64_MAX)
        return bif_badarg(p);
    int64_t from = (int64_t)from_u, to = (int64_t)to_u;
    int64_t whole = floor_div(v, from), rest = v - whole * from; /* 0 <= rest < from */
    int64_t b;
    if (__builtin_mul_overflow(rest, to, &b))
        return bif_badarg(p);
    term_t a = arith_mul(p, build_int64(&p->builder, whole), build_int64(&p->builder, to));
    return arith_add(p, a, build_int64(&p->builder, b / from));
}

/* term_to_binary/2: compressed, {compressed, Level}, {minor_version, N}, deterministic. */
term_t bif_erlang_term_to_binary_2(struct process *p, term_t *args)
{
    int level = -2; /* no compression */
    bool deterministic = false;
    for (term_t l = args[1]; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (o == ATOM_compressed) {
            level = 6;
        } else if (is_tuple(o) && tuple_arity(o) == 2 && tuple_elems(o)[0] == ATOM_compressed &&
                   is_small(tuple_elems(o)[1]) && small_val(tuple_elems(o)[1]) >= 0 &&
                   small_val(tuple_elems(o)[1]) <= 9) {
            level = (int)small_val(tuple_elems(o)[1]);
        } else if (is_tuple(o) && tuple_arity(o) == 2 && tuple_elems(o)[0] == ATOM_minor_version &&
                   is_small(tuple_elems(o)[1])) {
            /* zvm writes minor version 1 (latin1 atoms as ATOM_EXT), OTP 25's default */
        } else if (o == atom_intern("deterministic", 13)) {
            deterministic = true;
        } else {
            return bif_badarg(p);
        }
    }
    struct textbuf b;
    textbuf_init(&b);
    if (etf_encode_deterministic(args[0], &b, deterministic) != 0) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    term_t r = THE_NON_VALUE;
    if (level >= 0 && b.len > 1) {
        /* As erts: the body after the version byte, compressed only if that makes it smaller. */
        size_t body = b.len - 1;
        uint8_t *out = rt_alloc(6 + body);
        void *work = rt_alloc(ZLIB_DEFLATE_WORK_SIZE);
        size_t n = zlib_deflate((const uint8_t *)b.data + 1, body, out + 6, body, level, work,
                                ZLIB_DEFLATE_WORK_SIZE);
        rt_free(work);
        if (n > 0) {
            out[0] = 131;
            out[1] = 80;
            out[2] = (uint8_t)(body >> 24);
            out[3] = (uint8_t)(body >> 16);
            out[4] = (uint8_t)(body >> 8);
            out[5] = (uint8_t)body;
            r = build_binary(&p->builder, out, 6 + n, NULL);
        }
        rt_free(out);
    }
    if (r == THE_NON_VALUE)
        r = build_binary(&p->builder, (const uint8_t *)b.data, b.len, NULL);
    textbuf_dispose(&b);
    return r;
}



