/* exception.c: stack traces and reports (see exception.h). */
#include "vm/exception.h"

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/interp.h"
#include "vm/map.h"

static term_t location(struct process *p, term_t file, uint32_t line)
{
    if (line == 0 || is_nil(file))
        return NIL;
    term_t *el;
    term_t lt = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_line;
    el[1] = make_small(line);
    term_t ft = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_file;
    el[1] = file;
    return build_cons(&p->builder, ft, build_cons(&p->builder, lt, NIL));
}

/* Adds the frame of code address `pc` (`fault`: pc is the faulting instruction, not a return
 * address). Returns false when pc is in no module. */
static bool add_frame(struct process *p, term_t **tail, const uintptr_t *pc, bool fault,
                      term_t args)
{
    struct module *m;
    uint32_t line;
    term_t file;
    const struct func_rec *f = module_locate(fault ? pc + 1 : pc, &m, &line, &file);
    if (!f)
        return false;
    term_t *el;
    term_t fr = build_tuple(&p->builder, 4, &el);
    el[0] = m->name;
    el[1] = f->name;
    el[2] = args != THE_NON_VALUE ? args : make_small(f->arity);
    el[3] = location(p, file, line);
    term_t cell = build_cons(&p->builder, fr, NIL);
    **tail = cell;
    *tail = &list_ptr(cell)[1];
    return true;
}

/* [{error_info, #{module => ...}}]: where erl_erts_errors / erl_stdlib_errors explain a BIF's
 * failure, as BEAM puts it in the top frame of a failed BIF. */
static term_t error_info(struct process *p, term_t module)
{
    if (!is_atom(module))
        return NIL;
    bool erts = module == ATOM_erlang || module == atom_intern("erts_internal", 13);
    term_t which = erts ? atom_intern("erl_erts_errors", 15) : atom_intern("erl_stdlib_errors", 17);
    term_t k = ATOM_module, v = which;
    term_t map = map_from_pairs(&p->builder, &k, &v, 1);
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_error_info;
    el[1] = map;
    return build_cons(&p->builder, t, NIL);
}

term_t exception_build_trace(struct process *p, const uintptr_t *pc, const uintptr_t *cp, term_t *E)
{
    term_t trace = NIL;
    term_t *tail = &trace;
    int depth = 0;
    if (is_tuple(p->exc_top) && tuple_arity(p->exc_top) >= 3) {
        /* A failed BIF (or function head): {M, F, Args, []} first. For a function head, its
         * location is that of the func_info instruction at pc. */
        term_t *top = tuple_elems(p->exc_top);
        term_t *el;
        term_t loc = NIL;
        bool head = pc && interp_is_func_info(pc);
        if (head) {
            struct module *m;
            uint32_t line;
            term_t file;
            if (module_locate(pc + 1, &m, &line, &file))
                loc = location(p, file, line);
        }
        term_t fr = build_tuple(&p->builder, 4, &el);
        el[0] = top[0];
        el[1] = top[1];
        el[2] = top[2];
        if (tuple_arity(p->exc_top) == 4) /* a failed BIF: explained by error_info */
            loc = error_info(p, top[0]);
        el[3] = loc;
        term_t cell = build_cons(&p->builder, fr, NIL);
        *tail = cell;
        tail = &list_ptr(cell)[1];
        depth++;
        if (head)
            pc = NULL; /* the head is the function itself */
    }
    if (pc && depth < EXCEPTION_TRACE_DEPTH) {
        term_t args = p->exc_args;
        if (add_frame(p, &tail, pc, true, args))
            depth++;
    }
    if (cp && depth < EXCEPTION_TRACE_DEPTH && add_frame(p, &tail, cp, false, THE_NON_VALUE))
        depth++;
    for (term_t *s = E; s < p->stack_end && depth < EXCEPTION_TRACE_DEPTH; s++) {
        if (is_header(*s) && *s != 0 &&
            add_frame(p, &tail, (const uintptr_t *)(uintptr_t)*s, false, THE_NON_VALUE))
            depth++;
    }
    return trace;
}

bool exception_bif_raises(const struct export *e)
{
    if (e->module != ATOM_erlang)
        return false;
    return e->function == ATOM_error || e->function == ATOM_exit || e->function == ATOM_throw ||
           e->function == ATOM_raise || e->function == ATOM_nif_error;
}

void exception_report(struct textbuf *out, term_t cls, term_t reason, term_t trace)
{
    textbuf_puts(out, "=ERROR REPORT==== uncaught exception\n  ");
    term_print(out, cls);
    textbuf_puts(out, ": ");
    term_print(out, reason);
    textbuf_puts(out, "\n  stacktrace:\n");
    for (term_t l = trace; is_list(l); l = CDR(l)) {
        textbuf_puts(out, "    ");
        term_print(out, CAR(l));
        textbuf_putc(out, '\n');
    }
}
