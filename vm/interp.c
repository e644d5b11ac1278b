/*
 * interp.c: the interpreter loop. Threaded code: every instruction starts with the address of
 * its handler (a label in interp_run, reached by computed goto), followed by the operands the
 * loader pre-decoded (loader.h describes their encodings).
 *
 * Registers: x(i) live in the process; E is the current stack frame (E[0] the continuation,
 * y(i) = E[i + 1]); CP is the continuation of a function that has no frame yet, and 0 once it is
 * saved in a frame (so a stale CP never appears in a stack trace).
 */
#include "vm/interp.h"

#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/bits.h"
#include "vm/compare.h"
#include "vm/exception.h"
#include "vm/map.h"
#include "vm/module.h"
#include "vm/platform.h"
#include "vm/process.h"
#include "vm/rt.h"
#include "vm/sched.h"

int interp_coverage_enabled;
uint64_t interp_op_counts[ZVM_OPCODE_MAX + 1];

static const void **op_table;

static const struct {
    const char *name;
    unsigned arity;
    int deprecated;
} op_info[ZVM_OPCODE_MAX + 1] = {
#define OP_INFO(num, name, arity, dep) [num] = {#name, arity, dep},
    ZVM_OPCODE_LIST(OP_INFO)
#undef OP_INFO
};

const char *opcode_name(unsigned op, unsigned *arity, int *deprecated)
{
    if (op > ZVM_OPCODE_MAX || !op_info[op].name)
        return NULL;
    *arity = op_info[op].arity;
    *deprecated = op_info[op].deprecated;
    return op_info[op].name;
}

void interp_init(void)
{
    if (!op_table)
        interp_run(NULL, 0);
}

uintptr_t interp_op_addr(unsigned op)
{
    interp_init();
    return op <= ZVM_OPCODE_MAX ? (uintptr_t)op_table[op] : 0;
}

int interp_addr_op(uintptr_t addr)
{
    interp_init();
    for (unsigned i = 0; i <= ZVM_OPCODE_MAX; i++)
        if (op_table[i] && (uintptr_t)op_table[i] == addr)
            return (int)i;
    return -1;
}

bool interp_is_func_info(const uintptr_t *pc)
{
    return pc && *pc == interp_op_addr(OP_func_info);
}

/* The code the first call of a process returns to. */
static uintptr_t process_exit_code[1];

const uintptr_t *interp_exit_code(void)
{
    interp_init();
    return process_exit_code;
}

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define IS_REG(w) (((w)&3) == 0)
#define REG(w)    (*(((w)&4) ? &E[((w) >> 3) + 1] : &x[(w) >> 3]))
#define SRC(w)    (IS_REG(w) ? REG(w) : (term_t)(w))
#define DST(w)    REG(w)
#define LABEL(w)  ((const uintptr_t *)(w))

#define DISPATCH() goto *(const void *)*I
#define NEXT(n)                                                                                    \
    do {                                                                                           \
        I += (n);                                                                                  \
        DISPATCH();                                                                                \
    } while (0)
#define JUMP(addr)                                                                                 \
    do {                                                                                           \
        I = (addr);                                                                                \
        DISPATCH();                                                                                \
    } while (0)
#define OP(name) L_##name : if (unlikely(interp_coverage_enabled)) interp_op_counts[OP_##name]++;
/* A handler shared with the next one: counts itself, then joins the shared body. */
#define OP_ALIAS(name, body)                                                                       \
    L_##name : if (unlikely(interp_coverage_enabled)) interp_op_counts[OP_##name]++;               \
    goto body;
/* Raise an error with `reason` at the current instruction. */
#define RAISE(cls, reason)                                                                         \
    do {                                                                                           \
        p->exc_class = (cls);                                                                      \
        p->exc_reason = (reason);                                                                  \
        goto handle_exception;                                                                     \
    } while (0)
#define BIF_COUNT(e)                                                                               \
    do {                                                                                           \
        if (unlikely(interp_coverage_enabled))                                                     \
            (e)->calls++;                                                                          \
    } while (0)
#define SYNC()                                                                                     \
    do {                                                                                           \
        p->E = E;                                                                                  \
    } while (0)
#define RELOAD()                                                                                   \
    do {                                                                                           \
        E = p->E;                                                                                  \
    } while (0)
#define ENSURE_HEAP(need, live)                                                                    \
    do {                                                                                           \
        if (unlikely((size_t)(p->hend - p->htop) < (size_t)(need) || p->frags ||                   \
                     p->vheap_bytes > p->vheap_limit)) {                                           \
            SYNC();                                                                                \
            proc_ensure_heap(p, (need), (live));                                                   \
            RELOAD();                                                                              \
        }                                                                                          \
    } while (0)

/*
 * Counts a call to `target` with `live` argument registers; when the slice's reductions are
 * spent, saves the call (continuing at `target` with CP) and yields to the scheduler.
 */
#define CALL_REDS(target, live)                                                                    \
    do {                                                                                           \
        if (unlikely(--reds <= 0)) {                                                               \
            p->resume_I = (target);                                                                \
            p->resume_CP = CP;                                                                     \
            SYNC();                                                                                \
            return suspend(p, (live), INTERP_YIELDED, reductions - reds);                          \
        }                                                                                          \
    } while (0)

/* Saves x(0..live - 1) and the reductions used; the caller has set resume_I/resume_CP. */
static enum interp_status suspend(struct process *p, unsigned live, enum interp_status st,
                                  int used)
{
    if (live > p->cap_saved) {
        p->cap_saved = live < 4 ? 4 : live;
        rt_free(p->saved_x);
        p->saved_x = rt_alloc(p->cap_saved * sizeof *p->saved_x);
    }
    for (unsigned i = 0; i < live; i++)
        p->saved_x[i] = p->x[i];
    p->n_saved = live;
    p->reductions += (uint64_t)(used > 0 ? used : 0);
    return st;
}

static term_t tuple2(struct process *p, term_t a, term_t b)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = a;
    el[1] = b;
    return t;
}

static term_t args_list(struct process *p, const term_t *args, unsigned n)
{
    term_t l = NIL;
    for (unsigned i = n; i > 0; i--)
        l = build_cons(&p->builder, args[i - 1], l);
    return l;
}

static term_t mfa_args(struct process *p, term_t m, term_t f, term_t args)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 3, &el);
    el[0] = m;
    el[1] = f;
    el[2] = args;
    return t;
}

/* {M, F, Args, bif}: the top frame of a failed BIF (exception.c adds its error_info). */
static term_t bif_frame(struct process *p, const struct export *e, term_t args)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 4, &el);
    el[0] = e->module;
    el[1] = e->function;
    el[2] = args;
    el[3] = ATOM_true;
    return t;
}

/*
 * The raw stack trace a catch hands to the code in x(3) (BEAM's is an opaque object): here
 * {'$zvm_raw_trace', Class, CookedTrace}, so raise/2 can recover the class.
 */
static term_t raw_trace(struct process *p, term_t cls, term_t cooked)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 3, &el);
    el[0] = ATOM_zvm_raw_trace;
    el[1] = cls;
    el[2] = cooked;
    return t;
}

static bool is_raw_trace(term_t t)
{
    return is_tuple(t) && tuple_arity(t) == 3 && tuple_elems(t)[0] == ATOM_zvm_raw_trace;
}

static term_t raw_trace_cooked(term_t t)
{
    return is_raw_trace(t) ? tuple_elems(t)[2] : t;
}

static term_t raw_trace_class(term_t t)
{
    return is_raw_trace(t) ? tuple_elems(t)[1] : ATOM_error;
}

static bool is_fun_of_arity(term_t f, uint64_t arity)
{
    if (!is_fun(f))
        return false;
    term_t *o = boxed_ptr(f);
    if (header_subtag(o[0]) == SUB_EXPORT)
        return ((struct export *)(uintptr_t)o[1])->arity == arity;
    const struct fun_entry *fe = (const struct fun_entry *)(uintptr_t)o[1];
    return fe->arity - fe->num_free == arity;
}

enum interp_status interp_run(struct process *p, int reductions)
{
    static const void *table[ZVM_OPCODE_MAX + 1] = {
#define H(name) [OP_##name] = &&L_##name
        H(func_info),
        H(call),
        H(call_last),
        H(call_only),
        H(call_ext),
        H(call_ext_last),
        H(call_ext_only),
        H(bif0),
        H(bif1),
        H(bif2),
        H(gc_bif1),
        H(gc_bif2),
        H(gc_bif3),
        H(allocate),
        H(allocate_heap),
        H(allocate_zero),
        H(allocate_heap_zero),
        H(test_heap),
        H(init),
        H(deallocate),
        H(return ),
        H(is_lt),
        H(is_ge),
        H(is_eq),
        H(is_ne),
        H(is_eq_exact),
        H(is_ne_exact),
        H(is_integer),
        H(is_float),
        H(is_number),
        H(is_atom),
        H(is_pid),
        H(is_reference),
        H(is_port),
        H(is_nil),
        H(is_binary),
        H(is_list),
        H(is_nonempty_list),
        H(is_tuple),
        H(test_arity),
        H(select_val),
        H(select_tuple_arity),
        H(jump),
        H(catch),
        H(catch_end),
        H(move),
        H(get_list),
        H(get_tuple_element),
        H(set_tuple_element),
        H(put_list),
        H(badmatch),
        H(if_end),
        H(case_end),
        H(call_fun),
        H(is_function),
        H(is_function2),
        H(try),
        H(try_end),
        H(try_case),
        H(try_case_end),
        H(apply),
        H(apply_last),
        H(is_boolean),
        H(fclearerror),
        H(fcheckerror),
        H(fadd),
        H(fsub),
        H(fmul),
        H(fdiv),
        H(fnegate),
        H(is_bitstr),
        H(trim),
        H(put_map_assoc),
        H(put_map_exact),
        H(is_map),
        H(has_map_fields),
        H(get_map_elements),
        H(is_tagged_tuple),
        H(build_stacktrace),
        H(raw_raise),
        H(send),
        H(remove_message),
        H(timeout),
        H(loop_rec),
        H(loop_rec_end),
        H(wait),
        H(wait_timeout),
        H(recv_mark),
        H(recv_set),
        H(recv_marker_reserve),
        H(recv_marker_bind),
        H(recv_marker_clear),
        H(recv_marker_use),
        H(raise),
        H(get_hd),
        H(get_tl),
        H(put_tuple2),
        H(swap),
        H(make_fun3),
        H(init_yregs),
        H(call_fun2),
        H(badrecord),
        H(i_call_bif),
        H(i_call_undefined),
        H(i_process_exit),
        H(i_fmove_to_fr),
        H(i_fmove_from_fr),
        H(i_fmove_fr),
        H(i_fconv),
#define BS_HANDLERS
#include "vm/interp_bits.inc"
#undef BS_HANDLERS
#undef H
    };
    if (!p) {
        op_table = table;
        process_exit_code[0] = (uintptr_t) && L_i_process_exit;
        return INTERP_EXITED;
    }

    term_t *x = p->x;
    term_t *E = p->E;
    const uintptr_t *I;
    const uintptr_t *CP;
    double *fr = p->f;
    term_t args[4];
    struct export *bif_e = NULL;
    const uintptr_t *bif_ret = NULL;
    bool bif_tail = false;

    int reds = reductions;

    /* Continue where the process stopped: its saved registers back into the register file. */
    for (unsigned i = 0; i < p->n_saved; i++)
        x[i] = p->saved_x[i];
    p->n_saved = 0;
    I = p->resume_I;
    CP = p->resume_CP;
    DISPATCH();

    OP(func_info)
    {
        /* Reached when no clause of the function matched: function_clause. */
        unsigned arity = (unsigned)I[3];
        p->exc_top = mfa_args(p, (term_t)I[1], (term_t)I[2], args_list(p, x, arity));
        RAISE(ATOM_error, ATOM_function_clause);
    }

    OP(call)
    {
        CP = I + 3;
        CALL_REDS(LABEL(I[2]), (unsigned)I[1]);
        JUMP(LABEL(I[2]));
    }
    OP(call_last)
    {
        CP = (const uintptr_t *)(uintptr_t)E[0];
        E += I[3] + 1;
        CALL_REDS(LABEL(I[2]), (unsigned)I[1]);
        JUMP(LABEL(I[2]));
    }
    OP(call_only)
    {
        CALL_REDS(LABEL(I[2]), (unsigned)I[1]);
        JUMP(LABEL(I[2]));
    }
    OP(call_ext)
    {
        struct export *e = (struct export *)I[2];
        if (e->bif) {
            bif_e = e;
            bif_ret = I + 3;
            bif_tail = false;
            goto do_bif;
        }
        CP = I + 3;
        CALL_REDS(e->addr, e->arity);
        JUMP(e->addr);
    }
    OP(call_ext_last)
    {
        struct export *e = (struct export *)I[2];
        CP = (const uintptr_t *)(uintptr_t)E[0];
        E += I[3] + 1;
        if (e->bif) {
            bif_e = e;
            bif_ret = CP;
            bif_tail = true;
            goto do_bif;
        }
        CALL_REDS(e->addr, e->arity);
        JUMP(e->addr);
    }
    OP(call_ext_only)
    {
        struct export *e = (struct export *)I[2];
        if (e->bif) {
            bif_e = e;
            bif_ret = CP;
            bif_tail = true;
            goto do_bif;
        }
        CALL_REDS(e->addr, e->arity);
        JUMP(e->addr);
    }

    OP(i_call_bif)
    {
        /* A BIF reached through its export (apply, funs, a call from C): returns to CP. */
        bif_e = (struct export *)I[1];
        bif_ret = CP;
        bif_tail = true;
        I = NULL; /* no calling instruction: the trace starts at CP */
        goto do_bif;
    }
do_bif : {
    /*
     * Runs BIF bif_e with its arguments in x(0..), then continues at bif_ret. I is the calling
     * instruction (or NULL), so a failure is reported where the call is, as BEAM does.
     */
    struct export *e = bif_e;
    BIF_COUNT(e);
    if (e->bif == bif_erlang_apply_3 || e->bif == bif_erlang_apply_2) {
        term_t m, f, lst;
        if (e->arity == 3) {
            m = x[0];
            f = x[1];
            lst = x[2];
        } else {
            m = THE_NON_VALUE;
            f = x[0];
            lst = x[1];
        }
        unsigned n = 0;
        term_t l = lst;
        for (; is_list(l) && n < MAX_X_REGS - 2; l = CDR(l))
            n++;
        if (!is_nil(l) || (m != THE_NON_VALUE && (!is_atom(m) || !is_atom(f)))) {
            p->exc_top = bif_frame(p, e, args_list(p, x, e->arity));
            p->exc_class = ATOM_error;
            p->exc_reason = ATOM_badarg;
            p->exc_trace_given = false;
            goto handle_exception_raised;
        }
        if (!bif_tail)
            CP = bif_ret;
        l = lst;
        for (unsigned i = 0; i < n; i++, l = CDR(l))
            x[i] = CAR(l);
        if (m == THE_NON_VALUE) {
            x[n] = f;
            args[0] = n;
            goto do_call_fun;
        }
        const uintptr_t *target = export_get(m, f, n)->addr;
        CALL_REDS(target, n);
        JUMP(target);
    }
    if (e->bif == bif_erlang_hibernate_3) {
        /*
         * hibernate(M, F, A): the stack is discarded and the heap shrunk; the process waits
         * for a message and then calls M:F(A...), returning to nothing (it ends after).
         */
        unsigned n = 0;
        term_t l = x[2];
        for (; is_list(l) && n < MAX_X_REGS - 2; l = CDR(l))
            n++;
        if (!is_nil(l) || !is_atom(x[0]) || !is_atom(x[1])) {
            p->exc_top = bif_frame(p, e, args_list(p, x, 3));
            p->exc_class = ATOM_error;
            p->exc_reason = ATOM_badarg;
            p->exc_trace_given = false;
            goto handle_exception_raised;
        }
        const uintptr_t *target = export_get(x[0], x[1], n)->addr;
        l = x[2];
        for (unsigned i = 0; i < n; i++, l = CDR(l))
            x[i] = CAR(l);
        E = p->stack_end;
        SYNC();
        proc_gc_hibernate(p, n);
        p->resume_I = target;
        p->resume_CP = process_exit_code;
        p->save = 0;
        return suspend(p, n, INTERP_WAITING, reductions - reds);
    }
    SYNC();
    p->bif_caller = I;
    p->bif_cp = CP ? CP : bif_ret;
    term_t r = e->bif(p, x);
    RELOAD();
    if (unlikely(p->pending_exit != THE_NON_VALUE || p->yield_now)) {
        /* The BIF signalled this process (exit/2 to itself, a link to a dead process) or
         * asked to yield. */
        if (p->pending_exit != THE_NON_VALUE) {
            SYNC();
            p->reductions += (uint64_t)(reductions - reds);
            return INTERP_EXITED;
        }
        p->yield_now = false;
        if (r != THE_NON_VALUE) {
            x[0] = r;
            p->resume_I = bif_ret;
            p->resume_CP = bif_tail ? NULL : CP;
            SYNC();
            return suspend(p, 1, INTERP_YIELDED, reductions - reds);
        }
    }
    if (unlikely(r == THE_NON_VALUE)) {
        /* A failing BIF is the trace's top frame, unless it exists to raise. */
        if (!p->exc_trace_given && is_nil(p->exc_top) && !exception_bif_raises(e))
            p->exc_top = bif_frame(p, e, args_list(p, x, e->arity));
        goto handle_exception_raised;
    }
    x[0] = r;
    I = bif_ret;
    if (bif_tail)
        CP = NULL;
    DISPATCH();
}

    OP(i_call_undefined)
    {
        struct export *e = (struct export *)I[1];
        if (!module_find(e->module)) {
            struct textbuf err;
            textbuf_init(&err);
            struct module *m = load_module_by_name(e->module, &err);
            if (!m && err.len) { /* the module exists but cannot be loaded: say why */
                size_t n;
                const char *name = atom_name(e->module, &n);
                rt_eprintf("zvm: loading module %.*s failed: %s\n", (int)n, name, err.data);
            }
            textbuf_dispose(&err);
        }
        if (e->addr != e->stub)
            JUMP(e->addr);
        p->exc_top = mfa_args(p, e->module, e->function, args_list(p, x, e->arity));
        I = NULL;
        RAISE(ATOM_error, ATOM_undef);
    }

    OP(i_process_exit)
    {
        p->exit_reason = ATOM_normal;
        SYNC();
        p->reductions += (uint64_t)(reductions - reds);
        return INTERP_EXITED;
    }

    OP(bif0)
    {
        struct export *e = (struct export *)I[1];
        BIF_COUNT(e);
        SYNC();
        term_t r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE))
            goto handle_exception_raised;
        DST(I[2]) = r;
        NEXT(3);
    }
    OP(bif1)
    {
        struct export *e = (struct export *)I[2];
        BIF_COUNT(e);
        args[0] = SRC(I[3]);
        SYNC();
        term_t r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE)) {
            if (I[1])
                JUMP(LABEL(I[1]));
            p->exc_top = bif_frame(p, e, args_list(p, args, 1));
            goto handle_exception_raised;
        }
        DST(I[4]) = r;
        NEXT(5);
    }
    OP(bif2)
    {
        struct export *e = (struct export *)I[2];
        BIF_COUNT(e);
        args[0] = SRC(I[3]);
        args[1] = SRC(I[4]);
        SYNC();
        term_t r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE)) {
            if (I[1])
                JUMP(LABEL(I[1]));
            p->exc_top = bif_frame(p, e, args_list(p, args, 2));
            goto handle_exception_raised;
        }
        DST(I[5]) = r;
        NEXT(6);
    }
    OP(gc_bif1)
    {
        struct export *e = (struct export *)I[2];
        BIF_COUNT(e);
        args[0] = SRC(I[3]);
        SYNC();
        term_t r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE)) {
            if (I[1])
                JUMP(LABEL(I[1]));
            p->exc_top = bif_frame(p, e, args_list(p, args, 1));
            goto handle_exception_raised;
        }
        DST(I[4]) = r;
        NEXT(5);
    }
    OP(gc_bif2)
    {
        struct export *e = (struct export *)I[2];
        BIF_COUNT(e);
        term_t a = SRC(I[3]), b = SRC(I[4]);
        term_t r;
        /* Fast paths for small-integer arithmetic, the hottest BIF calls. */
        if (likely(is_small(a) && is_small(b))) {
            sterm_t va = small_val(a), vb = small_val(b), v;
            if (e->bif == bif_erlang_op_plus_2) {
                v = va + vb;
                if (fits_small(v)) {
                    DST(I[5]) = make_small(v);
                    NEXT(6);
                }
            } else if (e->bif == bif_erlang_op_minus_2) {
                v = va - vb;
                if (fits_small(v)) {
                    DST(I[5]) = make_small(v);
                    NEXT(6);
                }
            }
        }
        args[0] = a;
        args[1] = b;
        SYNC();
        r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE)) {
            if (I[1])
                JUMP(LABEL(I[1]));
            p->exc_top = bif_frame(p, e, args_list(p, args, 2));
            goto handle_exception_raised;
        }
        DST(I[5]) = r;
        NEXT(6);
    }
    OP(gc_bif3)
    {
        struct export *e = (struct export *)I[2];
        BIF_COUNT(e);
        args[0] = SRC(I[3]);
        args[1] = SRC(I[4]);
        args[2] = SRC(I[5]);
        SYNC();
        term_t r = e->bif(p, args);
        RELOAD();
        if (unlikely(r == THE_NON_VALUE)) {
            if (I[1])
                JUMP(LABEL(I[1]));
            p->exc_top = bif_frame(p, e, args_list(p, args, 3));
            goto handle_exception_raised;
        }
        DST(I[6]) = r;
        NEXT(7);
    }

    OP_ALIAS(allocate, body_allocate)
    OP(allocate_zero)
body_allocate : {
    size_t n = I[1];
    if (unlikely((size_t)(E - p->stack) < n + 1)) {
        SYNC();
        proc_ensure_stack(p, n + 1);
        RELOAD();
    }
    E -= n + 1;
    E[0] = (term_t)(uintptr_t)CP;
    CP = NULL;
    for (size_t i = 1; i <= n; i++)
        E[i] = NIL;
    NEXT(3);
}
    OP_ALIAS(allocate_heap, body_allocate_heap)
    OP(allocate_heap_zero)
body_allocate_heap : {
    size_t n = I[1];
    if (unlikely((size_t)(E - p->stack) < n + 1)) {
        SYNC();
        proc_ensure_stack(p, n + 1);
        RELOAD();
    }
    E -= n + 1;
    E[0] = (term_t)(uintptr_t)CP;
    CP = NULL;
    for (size_t i = 1; i <= n; i++)
        E[i] = NIL;
    ENSURE_HEAP(I[2], (unsigned)I[3]);
    NEXT(4);
}
    OP(test_heap)
    {
        ENSURE_HEAP(I[1], (unsigned)I[2]);
        NEXT(3);
    }
    OP(init)
    {
        DST(I[1]) = NIL;
        NEXT(2);
    }
    OP(init_yregs)
    {
        size_t n = I[1];
        for (size_t i = 0; i < n; i++)
            DST(I[2 + i]) = NIL;
        NEXT(2 + n);
    }
    OP(deallocate)
    {
        CP = (const uintptr_t *)(uintptr_t)E[0];
        E += I[1] + 1;
        NEXT(2);
    }
    OP(trim)
    {
        term_t cp = E[0];
        E += I[1];
        E[0] = cp;
        NEXT(3);
    }
    OP(return )
    {
        I = CP;
        CP = NULL;
        DISPATCH();
    }

    OP(is_lt)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        bool lt = likely(is_small(a) && is_small(b)) ? (sterm_t)a < (sterm_t)b
                                                     : term_cmp(a, b, false) < 0;
        if (!lt)
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_ge)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        bool ge = likely(is_small(a) && is_small(b)) ? (sterm_t)a >= (sterm_t)b
                                                     : term_cmp(a, b, false) >= 0;
        if (!ge)
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_eq)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        if (a != b && (is_immed(a) && is_immed(b) ? true : !term_eq(a, b)))
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_ne)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        if (a == b || (!(is_immed(a) && is_immed(b)) && term_eq(a, b)))
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_eq_exact)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        if (a != b && (is_immed(a) || is_immed(b) || !term_eq_exact(a, b)))
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_ne_exact)
    {
        term_t a = SRC(I[2]), b = SRC(I[3]);
        if (a == b || (!is_immed(a) && !is_immed(b) && term_eq_exact(a, b)))
            JUMP(LABEL(I[1]));
        NEXT(4);
    }

#define TYPE_TEST(name, test)                                                                      \
    OP(name)                                                                                       \
    {                                                                                              \
        term_t t = SRC(I[2]);                                                                      \
        if (!(test))                                                                               \
            JUMP(LABEL(I[1]));                                                                     \
        NEXT(3);                                                                                   \
    }
    TYPE_TEST(is_integer, is_integer(t))
    TYPE_TEST(is_float, is_float(t))
    TYPE_TEST(is_number, is_number(t))
    TYPE_TEST(is_atom, is_atom(t))
    TYPE_TEST(is_pid, is_pid(t))
    TYPE_TEST(is_reference, is_ref(t))
    TYPE_TEST(is_port, is_port(t))
    TYPE_TEST(is_nil, is_nil(t))
    TYPE_TEST(is_binary, is_binary_term(t))
    TYPE_TEST(is_bitstr, is_bitstring(t))
    TYPE_TEST(is_list, is_list(t) || is_nil(t))
    TYPE_TEST(is_nonempty_list, is_list(t))
    TYPE_TEST(is_tuple, is_tuple(t))
    TYPE_TEST(is_function, is_fun(t))
    TYPE_TEST(is_boolean, t == ATOM_true || t == ATOM_false)
    TYPE_TEST(is_map, is_map(t))
#undef TYPE_TEST

    OP(is_function2)
    {
        term_t f = SRC(I[2]), a = SRC(I[3]);
        if (!is_small(a) || small_val(a) < 0 || !is_fun_of_arity(f, (uint64_t)small_val(a)))
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(test_arity)
    {
        term_t t = SRC(I[2]);
        if (tuple_arity(t) != I[3])
            JUMP(LABEL(I[1]));
        NEXT(4);
    }
    OP(is_tagged_tuple)
    {
        term_t t = SRC(I[2]);
        if (!is_tuple(t) || tuple_arity(t) != I[3] || tuple_elems(t)[0] != (term_t)I[4])
            JUMP(LABEL(I[1]));
        NEXT(5);
    }
    OP(select_val)
    {
        term_t v = SRC(I[1]);
        size_t n = I[3];
        const uintptr_t *pairs = I + 4;
        if (is_immed(v)) {
            for (size_t i = 0; i < n; i += 2)
                if (pairs[i] == v)
                    JUMP(LABEL(pairs[i + 1]));
        } else {
            for (size_t i = 0; i < n; i += 2)
                if (!is_immed(pairs[i]) && term_eq_exact(v, pairs[i]))
                    JUMP(LABEL(pairs[i + 1]));
        }
        JUMP(LABEL(I[2]));
    }
    OP(select_tuple_arity)
    {
        term_t v = SRC(I[1]);
        uint64_t a = tuple_arity(v);
        size_t n = I[3];
        const uintptr_t *pairs = I + 4;
        for (size_t i = 0; i < n; i += 2)
            if (pairs[i] == a)
                JUMP(LABEL(pairs[i + 1]));
        JUMP(LABEL(I[2]));
    }
    OP(jump)
    {
        JUMP(LABEL(I[1]));
    }

    OP(move)
    {
        DST(I[2]) = SRC(I[1]);
        NEXT(3);
    }
    OP(swap)
    {
        term_t t = DST(I[1]);
        DST(I[1]) = DST(I[2]);
        DST(I[2]) = t;
        NEXT(3);
    }
    OP(get_list)
    {
        term_t l = SRC(I[1]);
        term_t h = CAR(l), t = CDR(l);
        DST(I[2]) = h;
        DST(I[3]) = t;
        NEXT(4);
    }
    OP(get_hd)
    {
        DST(I[2]) = CAR(SRC(I[1]));
        NEXT(3);
    }
    OP(get_tl)
    {
        DST(I[2]) = CDR(SRC(I[1]));
        NEXT(3);
    }
    OP(get_tuple_element)
    {
        DST(I[3]) = tuple_elems(SRC(I[1]))[I[2]];
        NEXT(4);
    }
    OP(set_tuple_element)
    {
        term_t t = SRC(I[2]);
        tuple_elems(t)[I[3]] = SRC(I[1]);
        NEXT(4);
    }
    OP(put_list)
    {
        term_t *c = proc_heap_take(p, 2);
        c[0] = SRC(I[1]);
        c[1] = SRC(I[2]);
        DST(I[3]) = make_list(c);
        NEXT(4);
    }
    OP(put_tuple2)
    {
        size_t n = I[2];
        term_t *t = proc_heap_take(p, 1 + n);
        t[0] = make_header(n, SUB_TUPLE);
        for (size_t i = 0; i < n; i++)
            t[1 + i] = SRC(I[3 + i]);
        DST(I[1]) = make_boxed(t);
        NEXT(3 + n);
    }

    OP(badmatch)
    {
        RAISE(ATOM_error, tuple2(p, ATOM_badmatch, SRC(I[1])));
    }
    OP(if_end)
    {
        RAISE(ATOM_error, ATOM_if_clause);
    }
    OP(case_end)
    {
        RAISE(ATOM_error, tuple2(p, ATOM_case_clause, SRC(I[1])));
    }
    OP(try_case_end)
    {
        RAISE(ATOM_error, tuple2(p, ATOM_try_clause, SRC(I[1])));
    }
    OP(badrecord)
    {
        RAISE(ATOM_error, tuple2(p, ATOM_badrecord, SRC(I[1])));
    }

    OP_ALIAS(catch, body_try)
    OP(try)
body_try : {
    DST(I[1]) = (term_t)I[2];
    NEXT(3);
}
    OP(try_end)
    {
        DST(I[1]) = NIL;
        NEXT(2);
    }
    OP(try_case)
    {
        DST(I[1]) = NIL;
        x[0] = x[1];
        x[1] = x[2];
        x[2] = x[3];
        NEXT(2);
    }
    OP(catch_end)
    {
        DST(I[1]) = NIL;
        if (x[0] == THE_NON_VALUE) {
            if (x[1] == ATOM_throw) {
                x[0] = x[2];
            } else if (x[1] == ATOM_error) {
                x[0] = tuple2(p, ATOM_EXIT, tuple2(p, x[2], raw_trace_cooked(x[3])));
            } else {
                x[0] = tuple2(p, ATOM_EXIT, x[2]);
            }
        }
        NEXT(2);
    }
    OP(build_stacktrace)
    {
        /* Traces are cooked when raised; the raw form only wraps them with their class. */
        x[0] = raw_trace_cooked(x[0]);
        NEXT(1);
    }
    OP(raise)
    {
        /* raise Trace Value: rethrow with the class and trace of a caught exception. */
        term_t raw = SRC(I[1]);
        p->exc_class = raw_trace_class(raw);
        p->exc_reason = SRC(I[2]);
        p->exc_trace = raw_trace_cooked(raw);
        p->exc_trace_given = true;
        goto handle_exception_raised;
    }
    OP(raw_raise)
    {
        term_t cls = x[0];
        if (cls != ATOM_error && cls != ATOM_exit && cls != ATOM_throw) {
            x[0] = ATOM_badarg;
            NEXT(1);
        }
        p->exc_class = cls;
        p->exc_reason = x[1];
        p->exc_trace = raw_trace_cooked(x[2]);
        p->exc_trace_given = true;
        goto handle_exception_raised;
    }

    OP(apply)
    {
        unsigned n = (unsigned)I[1];
        term_t m = x[n], f = x[n + 1];
        if (!is_atom(m) || !is_atom(f))
            RAISE(ATOM_error, ATOM_badarg);
        CP = I + 2;
        const uintptr_t *target = export_get(m, f, n)->addr;
        CALL_REDS(target, n);
        JUMP(target);
    }
    OP(apply_last)
    {
        unsigned n = (unsigned)I[1];
        term_t m = x[n], f = x[n + 1];
        if (!is_atom(m) || !is_atom(f))
            RAISE(ATOM_error, ATOM_badarg);
        CP = (const uintptr_t *)(uintptr_t)E[0];
        E += I[2] + 1;
        const uintptr_t *target = export_get(m, f, n)->addr;
        CALL_REDS(target, n);
        JUMP(target);
    }

    OP(call_fun)
    {
        args[0] = I[1];
        CP = I + 2;
        goto do_call_fun;
    }
    OP(call_fun2)
    {
        /* call_fun2 Tag Arity Func: the fun is an operand, not x(Arity). */
        args[0] = I[2];
        x[I[2]] = SRC(I[3]);
        CP = I + 4;
        goto do_call_fun;
    }
do_call_fun : {
    unsigned n = (unsigned)args[0];
    term_t f = x[n];
    if (unlikely(!is_fun(f)))
        RAISE(ATOM_error, tuple2(p, ATOM_badfun, f));
    term_t *o = boxed_ptr(f);
    if (header_subtag(o[0]) == SUB_EXPORT) {
        struct export *e = (struct export *)(uintptr_t)o[1];
        if (e->arity != n)
            RAISE(ATOM_error, tuple2(p, ATOM_badarity, tuple2(p, f, args_list(p, x, n))));
        CALL_REDS(e->addr, n);
        JUMP(e->addr);
    }
    const struct fun_entry *fe = (const struct fun_entry *)(uintptr_t)o[1];
    if (fe->arity - fe->num_free != n)
        RAISE(ATOM_error, tuple2(p, ATOM_badarity, tuple2(p, f, args_list(p, x, n))));
    for (unsigned i = 0; i < fe->num_free; i++)
        x[n + i] = o[2 + i];
    CALL_REDS(fe->addr, n + fe->num_free);
    JUMP(fe->addr);
}
    OP(make_fun3)
    {
        const struct fun_entry *fe = (const struct fun_entry *)I[1];
        size_t nfree = I[3];
        term_t *o = build_alloc(&p->builder, 2 + nfree);
        o[0] = make_header(1 + nfree, SUB_FUN);
        o[1] = (term_t)(uintptr_t)fe;
        for (size_t i = 0; i < nfree; i++)
            o[2 + i] = SRC(I[4 + i]);
        DST(I[2]) = make_boxed(o);
        NEXT(4 + nfree);
    }

    /* --- floats ------------------------------------------------------------------------ */
    OP(fclearerror)
    {
        NEXT(1);
    }
    OP(fcheckerror)
    {
        NEXT(2);
    }
    OP(i_fmove_to_fr)
    {
        fr[I[2]] = float_val(SRC(I[1]));
        NEXT(3);
    }
    OP(i_fmove_from_fr)
    {
        term_t *o = proc_heap_take(p, FLOAT_WORDS);
        o[0] = make_header(1, SUB_FLOAT);
        o[1] = double_bits(fr[I[1]]);
        DST(I[2]) = make_boxed(o);
        NEXT(3);
    }
    OP(i_fmove_fr)
    {
        fr[I[2]] = fr[I[1]];
        NEXT(3);
    }
    OP(i_fconv)
    {
        double d;
        if (!term_to_double(SRC(I[1]), &d))
            RAISE(ATOM_error, ATOM_badarith);
        fr[I[2]] = d;
        NEXT(3);
    }
#define FLOAT_OP(name, expr)                                                                       \
    OP(name)                                                                                       \
    {                                                                                              \
        double a = fr[I[2]], b = fr[I[3]];                                                         \
        double r = (expr);                                                                         \
        (void)b;                                                                                   \
        if (unlikely(r - r != 0))                                                                  \
            RAISE(ATOM_error, ATOM_badarith);                                                      \
        fr[I[4]] = r;                                                                              \
        NEXT(5);                                                                                   \
    }
    FLOAT_OP(fadd, a + b)
    FLOAT_OP(fsub, a - b)
    FLOAT_OP(fmul, a * b)
    FLOAT_OP(fdiv, a / b)
#undef FLOAT_OP
    OP(fnegate)
    {
        fr[I[3]] = -fr[I[2]];
        NEXT(4);
    }

    /* --- maps -------------------------------------------------------------------------- */
    OP(get_map_elements)
    {
        term_t m = SRC(I[2]);
        size_t n = I[3];
        if (!is_map(m))
            JUMP(LABEL(I[1]));
        /* All keys must be present before any destination is written. */
        for (size_t i = 0; i < n; i += 2)
            if (!map_lookup(m, SRC(I[4 + i])))
                JUMP(LABEL(I[1]));
        for (size_t i = 0; i < n; i += 2) {
            term_t v = map_get(m, SRC(I[4 + i]));
            DST(I[5 + i]) = v;
        }
        NEXT(4 + n);
    }
    OP(has_map_fields)
    {
        term_t m = SRC(I[2]);
        size_t n = I[3];
        for (size_t i = 0; i < n; i++)
            if (!map_lookup(m, SRC(I[4 + i])))
                JUMP(LABEL(I[1]));
        NEXT(4 + n);
    }
    OP_ALIAS(put_map_assoc, body_put_map)
    OP(put_map_exact)
body_put_map : {
    /* Fail Src Dst Live {list of key, value} */
    bool exact = *I == (uintptr_t) && L_put_map_exact;
    term_t m = SRC(I[2]);
    size_t n = I[5];
    if (is_map(m)) {
        /* Room for the result on the heap (not in fragments), collecting with Live. */
        ENSURE_HEAP(map_put_words(m, n / 2), (unsigned)I[4]);
        m = SRC(I[2]);
    }
    if (!is_map(m)) {
        if (I[1])
            JUMP(LABEL(I[1]));
        RAISE(ATOM_error, tuple2(p, ATOM_badmap, m));
    }
    term_t keys[64], vals[64];
    term_t *k = n / 2 <= 64 ? keys : rt_alloc(sizeof(term_t) * n);
    term_t *v = n / 2 <= 64 ? vals : k + n / 2;
    for (size_t i = 0; i < n; i += 2) {
        k[i / 2] = SRC(I[6 + i]);
        v[i / 2] = SRC(I[7 + i]);
    }
    term_t missing = THE_NON_VALUE;
    term_t r = map_put_many(&p->builder, m, k, v, n / 2, exact, &missing);
    if (k != keys)
        rt_free(k);
    if (r == THE_NON_VALUE) {
        if (I[1])
            JUMP(LABEL(I[1]));
        RAISE(ATOM_error, tuple2(p, ATOM_badkey, missing));
    }
    DST(I[3]) = r;
    NEXT(6 + n);
}

    /* --- messages ---------------------------------------------------------------------- */
    OP(send)
    {
        term_t dest = x[0], msg = x[1];
        SYNC();
        bool ok = sched_send(p, dest, msg);
        RELOAD();
        if (unlikely(!ok)) {
            p->exc_top = NIL;
            RAISE(ATOM_error, ATOM_badarg);
        }
        x[0] = msg;
        NEXT(1);
    }
    OP(loop_rec)
    {
        if (p->save >= p->n_msgs)
            JUMP(LABEL(I[1]));
        DST(I[2]) = p->msgs[p->save];
        NEXT(3);
    }
    OP(loop_rec_end)
    {
        p->save++;
        JUMP(LABEL(I[1]));
    }
    OP(remove_message)
    {
        proc_mailbox_remove(p);
        sched_receive_timer_cancel(p);
        NEXT(1);
    }
    OP(timeout)
    {
        p->save = 0;
        NEXT(1);
    }
    OP(wait)
    {
        /* Suspend until a message arrives; then the receive starts over at its loop_rec. */
        p->resume_I = LABEL(I[1]);
        p->resume_CP = CP;
        SYNC();
        return suspend(p, 0, INTERP_WAITING, reductions - reds);
    }
    OP(wait_timeout)
    {
        term_t t = SRC(I[2]);
        if (t == ATOM_infinity)
            goto L_wait;
        uint64_t ms;
        if (is_small(t) && small_val(t) >= 0)
            ms = (uint64_t)small_val(t);
        else if (is_bignum(t) && header_subtag(boxed_ptr(t)[0]) == SUB_BIG_POS)
            ms = UINT64_MAX / 1000000u; /* beyond any instance's life */
        else
            RAISE(ATOM_error, ATOM_timeout_value);
        if (!p->recv_timer) {
            if (ms == 0) { /* after 0: the messages were all looked at; time out now */
                NEXT(3);
            }
            uint64_t now = zplat_monotonic_ns();
            uint64_t d = ms > (UINT64_MAX - now) / 1000000u ? UINT64_MAX - 1 : now + ms * 1000000u;
            sched_receive_timer_arm(p, d);
        }
        /* A message resumes the receive at its loop_rec; the timer resumes it at `timeout`. */
        p->resume_I = LABEL(I[1]);
        p->timeout_I = I + 3;
        p->resume_CP = CP;
        SYNC();
        /* The timeout operand is read again when a message resumes this instruction (an
         * after-only receive resumes here): an x register holding it must survive. */
        unsigned live = IS_REG(I[2]) && !(I[2] & 4) ? (unsigned)(I[2] >> 3) + 1 : 0;
        return suspend(p, live, INTERP_WAITING, reductions - reds);
    }
    OP_ALIAS(recv_mark, body_recv_mark_old)
    OP(recv_set)
body_recv_mark_old : {
    /* OTP 21-23's recv_mark/recv_set Label: an optimisation only, correct as a no-op. */
    NEXT(2);
}
    OP(recv_marker_reserve)
    {
        /* A fresh reference that marks the queue's end now (see process.h). */
        SYNC();
        term_t ref = sched_build_ref(&p->builder, sched_new_ref_id());
        RELOAD();
        int slot = is_nil(p->marker_ref[0]) ? 0 : is_nil(p->marker_ref[1]) ? 1 : -1;
        if (slot >= 0) {
            p->marker_ref[slot] = ref;
            p->marker_pos[slot] = p->n_msgs;
        }
        DST(I[1]) = ref;
        NEXT(2);
    }
    OP(recv_marker_bind)
    {
        /* recv_marker_bind Marker Ref: the marker now answers to Ref. */
        term_t marker = SRC(I[1]), ref = SRC(I[2]);
        for (int m = 0; m < 2; m++)
            if (is_ref(p->marker_ref[m]) && is_ref(marker) &&
                ref_id_of(p->marker_ref[m]) == ref_id_of(marker))
                p->marker_ref[m] = is_ref(ref) ? ref : NIL;
        NEXT(3);
    }
    OP(recv_marker_clear)
    {
        term_t ref = SRC(I[1]);
        for (int m = 0; m < 2; m++)
            if (is_ref(p->marker_ref[m]) && is_ref(ref) &&
                ref_id_of(p->marker_ref[m]) == ref_id_of(ref))
                p->marker_ref[m] = NIL;
        NEXT(2);
    }
    OP(recv_marker_use)
    {
        /* Messages older than the marker cannot hold its reference: start after them. */
        term_t ref = SRC(I[1]);
        for (int m = 0; m < 2; m++)
            if (is_ref(p->marker_ref[m]) && is_ref(ref) &&
                ref_id_of(p->marker_ref[m]) == ref_id_of(ref) &&
                p->marker_pos[m] <= p->n_msgs)
                p->save = p->marker_pos[m];
        NEXT(2);
    }

#define BS_CODE
#include "vm/interp_bits.inc"
#undef BS_CODE

    /* --- exceptions ---------------------------------------------------------------------- */
handle_exception:
    p->exc_trace_given = false;
handle_exception_raised : {
    if (!p->exc_trace_given) {
        p->exc_trace = exception_build_trace(p, I, CP, E);
    }
    p->exc_trace_given = false;
    p->exc_top = NIL;
    p->exc_args = THE_NON_VALUE;
    /* Find the innermost catch on the stack, and the frame that holds it. */
    term_t *frame = E;
    for (term_t *s = E; s < p->stack_end; s++) {
        term_t w = *s;
        if (is_header(w)) {
            frame = s;
        } else if (is_catch(w)) {
            E = frame;
            CP = NULL;
            x[0] = THE_NON_VALUE;
            x[1] = p->exc_class;
            x[2] = p->exc_reason;
            x[3] = raw_trace(p, p->exc_class, p->exc_trace);
            JUMP(catch_table_get(catch_index(w)));
        }
    }
    /* Uncaught: the process exits. */
    p->E = p->stack_end;
    if (p->exc_class == ATOM_error)
        p->exit_reason = tuple2(p, p->exc_reason, p->exc_trace);
    else if (p->exc_class == ATOM_throw)
        p->exit_reason = tuple2(p, tuple2(p, ATOM_nocatch, p->exc_reason), p->exc_trace);
    else
        p->exit_reason = p->exc_reason;
    p->crashed = p->exc_class == ATOM_error;
    p->reductions += (uint64_t)(reductions - reds);
    return INTERP_EXITED;
}
}
