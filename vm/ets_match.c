/*
 * ets_match.c: match specifications for ETS (see ets.h): checked and compiled once per call into
 * a small expression tree, then run object by object.
 *
 * A spec is [{Head, Guards, Body}]. The head is a pattern with '_' and '$N' variables, matched
 * against the stored object in place (exact equality, as Erlang patterns). Guards and bodies are
 * expressions: variables, '$_' (the object), '$$' (the bound variables in number order),
 * constants, {const, T}, {{...}} (a tuple), lists and maps built from expressions, and calls of
 * the guard functions in `fns` below (OTP 25's list: is_boolean, is_bitstring, tuple_size and
 * is_function/2 are not in it, and erl rejects them too). A variable the head does not bind, an
 * unknown function or a tuple of any other shape makes the spec invalid (badarg, as OTP). At run
 * time a guard that fails or is not `true` rejects the clause; a body that fails gives the atom
 * 'EXIT'.
 *
 * The spec's own term is referenced, not copied: a compiled spec lives within one BIF call,
 * during which the caller's heap does not move.
 */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/ets.h"
#include "vm/heap.h"
#include "vm/map.h"
#include "vm/process.h"
#include "vm/rt.h"

enum node_kind { N_CONST, N_VAR, N_ALL_OBJ, N_ALL_VARS, N_CONS, N_TUPLE, N_MAP, N_CALL };

enum fn_kind {
    K_BIF,  /* a BIF of vm/bifs.tab */
    K_CMP,  /* a comparison: op says which */
    K_BOOL, /* and, or, xor, not, andalso, orelse */
    K_SELF,
};

enum fn_op {
    OP_NONE,
    OP_LT,
    OP_GT,
    OP_LE,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_EEQ,
    OP_ENE,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_NOT,
    OP_ANDALSO,
    OP_ORELSE
};

#define VARIADIC (-1)

struct fn {
    const char *name;
    int arity;
    enum fn_kind kind;
    enum fn_op op;
    term_t (*bif)(struct process *p, term_t *args);
};

static const struct fn fns[] = {
    {"is_atom", 1, K_BIF, OP_NONE, bif_erlang_is_atom_1},
    {"is_float", 1, K_BIF, OP_NONE, bif_erlang_is_float_1},
    {"is_integer", 1, K_BIF, OP_NONE, bif_erlang_is_integer_1},
    {"is_list", 1, K_BIF, OP_NONE, bif_erlang_is_list_1},
    {"is_number", 1, K_BIF, OP_NONE, bif_erlang_is_number_1},
    {"is_pid", 1, K_BIF, OP_NONE, bif_erlang_is_pid_1},
    {"is_port", 1, K_BIF, OP_NONE, bif_erlang_is_port_1},
    {"is_reference", 1, K_BIF, OP_NONE, bif_erlang_is_reference_1},
    {"is_tuple", 1, K_BIF, OP_NONE, bif_erlang_is_tuple_1},
    {"is_map", 1, K_BIF, OP_NONE, bif_erlang_is_map_1},
    {"is_binary", 1, K_BIF, OP_NONE, bif_erlang_is_binary_1},
    {"is_function", 1, K_BIF, OP_NONE, bif_erlang_is_function_1},
    {"is_record", 3, K_BIF, OP_NONE, bif_erlang_is_record_3},
    {"is_map_key", 2, K_BIF, OP_NONE, bif_erlang_is_map_key_2},
    {"map_get", 2, K_BIF, OP_NONE, bif_erlang_map_get_2},
    {"map_size", 1, K_BIF, OP_NONE, bif_erlang_map_size_1},
    {"element", 2, K_BIF, OP_NONE, bif_erlang_element_2},
    {"hd", 1, K_BIF, OP_NONE, bif_erlang_hd_1},
    {"tl", 1, K_BIF, OP_NONE, bif_erlang_tl_1},
    {"length", 1, K_BIF, OP_NONE, bif_erlang_length_1},
    {"size", 1, K_BIF, OP_NONE, bif_erlang_size_1},
    {"byte_size", 1, K_BIF, OP_NONE, bif_erlang_byte_size_1},
    {"bit_size", 1, K_BIF, OP_NONE, bif_erlang_bit_size_1},
    {"binary_part", 2, K_BIF, OP_NONE, bif_erlang_binary_part_2},
    {"binary_part", 3, K_BIF, OP_NONE, bif_erlang_binary_part_3},
    {"abs", 1, K_BIF, OP_NONE, bif_erlang_abs_1},
    {"float", 1, K_BIF, OP_NONE, bif_erlang_float_1},
    {"trunc", 1, K_BIF, OP_NONE, bif_erlang_trunc_1},
    {"round", 1, K_BIF, OP_NONE, bif_erlang_round_1},
    {"node", 0, K_BIF, OP_NONE, bif_erlang_node_0},
    {"self", 0, K_SELF, OP_NONE, NULL},
    {"+", 2, K_BIF, OP_NONE, bif_erlang_op_plus_2},
    {"-", 2, K_BIF, OP_NONE, bif_erlang_op_minus_2},
    {"*", 2, K_BIF, OP_NONE, bif_erlang_op_times_2},
    {"/", 2, K_BIF, OP_NONE, bif_erlang_op_fdiv_2},
    {"div", 2, K_BIF, OP_NONE, bif_erlang_op_div_2},
    {"rem", 2, K_BIF, OP_NONE, bif_erlang_op_rem_2},
    {"band", 2, K_BIF, OP_NONE, bif_erlang_op_band_2},
    {"bor", 2, K_BIF, OP_NONE, bif_erlang_op_bor_2},
    {"bxor", 2, K_BIF, OP_NONE, bif_erlang_op_bxor_2},
    {"bsl", 2, K_BIF, OP_NONE, bif_erlang_op_bsl_2},
    {"bsr", 2, K_BIF, OP_NONE, bif_erlang_op_bsr_2},
    {"bnot", 1, K_BIF, OP_NONE, bif_erlang_op_bnot_1},
    {"-", 1, K_BIF, OP_NONE, bif_erlang_op_uminus_1},
    {"+", 1, K_BIF, OP_NONE, bif_erlang_op_uplus_1},
    {"<", 2, K_CMP, OP_LT, NULL},
    {">", 2, K_CMP, OP_GT, NULL},
    {"=<", 2, K_CMP, OP_LE, NULL},
    {">=", 2, K_CMP, OP_GE, NULL},
    {"==", 2, K_CMP, OP_EQ, NULL},
    {"/=", 2, K_CMP, OP_NE, NULL},
    {"=:=", 2, K_CMP, OP_EEQ, NULL},
    {"=/=", 2, K_CMP, OP_ENE, NULL},
    {"not", 1, K_BOOL, OP_NOT, NULL},
    {"xor", 2, K_BOOL, OP_XOR, NULL},
    {"and", VARIADIC, K_BOOL, OP_AND, NULL},
    {"or", VARIADIC, K_BOOL, OP_OR, NULL},
    {"andalso", VARIADIC, K_BOOL, OP_ANDALSO, NULL},
    {"orelse", VARIADIC, K_BOOL, OP_ORELSE, NULL},
};

struct node {
    enum node_kind kind;
    const struct fn *fn;
    uint32_t n;      /* arguments / elements */
    uint32_t slot;   /* N_VAR */
    term_t constant; /* N_CONST; N_MAP: the keys tuple */
    struct node **args;
};

struct clause {
    term_t head;
    struct node **guards, **body;
    size_t n_guards, n_body;
    term_t *var_atoms; /* the head's variables, sorted by number */
    uint64_t *var_nums;
    term_t *vals; /* bindings while running */
    size_t n_vars;
};

struct ets_ms {
    struct clause *clauses;
    size_t n_clauses;
    struct node **pool; /* every node, for freeing */
    size_t n_pool, cap_pool;
};

/* --- variables ----------------------------------------------------------------------------- */

/* '$N' as a variable number, or -1. */
static int64_t var_number(term_t a)
{
    if (!is_atom(a) || a == ATOM_dollar_underscore || a == ATOM_dollar_dollar)
        return -1;
    size_t len;
    const char *s = atom_name(a, &len);
    if (len < 2 || len > 10 || s[0] != '$')
        return -1;
    int64_t v = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int var_slot(const struct clause *c, term_t a)
{
    for (size_t i = 0; i < c->n_vars; i++)
        if (c->var_atoms[i] == a)
            return (int)i;
    return -1;
}

static void add_var(struct clause *c, term_t a, uint64_t num)
{
    if (var_slot(c, a) >= 0)
        return;
    c->var_atoms = rt_realloc(c->var_atoms, (c->n_vars + 1) * sizeof *c->var_atoms);
    c->var_nums = rt_realloc(c->var_nums, (c->n_vars + 1) * sizeof *c->var_nums);
    size_t i = c->n_vars++;
    while (i > 0 && c->var_nums[i - 1] > num) {
        c->var_atoms[i] = c->var_atoms[i - 1];
        c->var_nums[i] = c->var_nums[i - 1];
        i--;
    }
    c->var_atoms[i] = a;
    c->var_nums[i] = num;
}

/* Collects the head's variables; false when the head is too deep to be a pattern. */
static bool collect_vars(struct clause *c, term_t t, int depth)
{
    if (depth > 10000)
        return false;
    for (;;) {
        if (is_atom(t)) {
            int64_t v = var_number(t);
            if (v >= 0)
                add_var(c, t, (uint64_t)v);
            return true;
        }
        if (is_list(t)) {
            if (!collect_vars(c, CAR(t), depth + 1))
                return false;
            t = CDR(t);
            continue;
        }
        if (is_tuple(t)) {
            for (uint64_t i = 0; i < tuple_arity(t); i++)
                if (!collect_vars(c, tuple_elems(t)[i], depth + 1))
                    return false;
            return true;
        }
        if (is_map(t)) {
            struct map_iter it;
            term_t k, v;
            map_iter_init(&it, t, MAP_ORDER_ITER);
            while (map_iter_next(&it, &k, &v))
                if (!collect_vars(c, v, depth + 1))
                    return false;
            return true;
        }
        return true;
    }
}

/* --- compiling expressions ----------------------------------------------------------------- */

static struct node *new_node(struct ets_ms *ms, enum node_kind kind, uint32_t n)
{
    struct node *nd = rt_zalloc(sizeof *nd);
    nd->kind = kind;
    nd->n = n;
    if (n)
        nd->args = rt_zalloc(n * sizeof *nd->args);
    if (ms->n_pool == ms->cap_pool) {
        ms->cap_pool = ms->cap_pool ? ms->cap_pool * 2 : 32;
        ms->pool = rt_realloc(ms->pool, ms->cap_pool * sizeof *ms->pool);
    }
    ms->pool[ms->n_pool++] = nd;
    return nd;
}

static const struct fn *find_fn(term_t name, int arity)
{
    size_t len;
    const char *s = atom_name(name, &len);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (rt_strlen(fns[i].name) != len || !rt_memeq(fns[i].name, s, len))
            continue;
        if (fns[i].arity == arity || (fns[i].arity == VARIADIC && arity >= 1))
            return &fns[i];
    }
    return NULL;
}

static struct node *compile_expr(struct ets_ms *ms, const struct clause *c, term_t e, int depth);

static struct node *compile_list(struct ets_ms *ms, const struct clause *c, term_t e, int depth)
{
    struct node *head = NULL, **tail = &head;
    for (; is_list(e); e = CDR(e)) {
        struct node *cons = new_node(ms, N_CONS, 2);
        if (!(cons->args[0] = compile_expr(ms, c, CAR(e), depth + 1)))
            return NULL;
        *tail = cons;
        tail = &cons->args[1];
    }
    return (*tail = compile_expr(ms, c, e, depth + 1)) ? head : NULL;
}

static struct node *compile_expr(struct ets_ms *ms, const struct clause *c, term_t e, int depth)
{
    if (depth > 10000)
        return NULL;
    if (is_atom(e)) {
        if (e == ATOM_dollar_underscore)
            return new_node(ms, N_ALL_OBJ, 0);
        if (e == ATOM_dollar_dollar)
            return new_node(ms, N_ALL_VARS, 0);
        if (var_number(e) >= 0) {
            int s = var_slot(c, e);
            if (s < 0)
                return NULL; /* not bound by the head */
            struct node *nd = new_node(ms, N_VAR, 0);
            nd->slot = (uint32_t)s;
            return nd;
        }
    }
    if (is_list(e))
        return compile_list(ms, c, e, depth);
    if (is_tuple(e)) {
        uint64_t arity = tuple_arity(e);
        term_t *el = tuple_elems(e);
        if (arity == 1 && is_tuple(el[0])) {
            uint64_t n = tuple_arity(el[0]);
            struct node *nd = new_node(ms, N_TUPLE, (uint32_t)n);
            for (uint64_t i = 0; i < n; i++)
                if (!(nd->args[i] = compile_expr(ms, c, tuple_elems(el[0])[i], depth + 1)))
                    return NULL;
            return nd;
        }
        if (arity == 2 && el[0] == ATOM_const) {
            struct node *nd = new_node(ms, N_CONST, 0);
            nd->constant = el[1];
            return nd;
        }
        if (arity == 0 || !is_atom(el[0]) || arity > 256)
            return NULL;
        const struct fn *f = find_fn(el[0], (int)arity - 1);
        if (!f)
            return NULL;
        struct node *nd = new_node(ms, N_CALL, (uint32_t)(arity - 1));
        nd->fn = f;
        for (uint64_t i = 1; i < arity; i++)
            if (!(nd->args[i - 1] = compile_expr(ms, c, el[i], depth + 1)))
                return NULL;
        return nd;
    }
    if (is_map(e)) {
        /* The constant is a flat map's keys tuple, or a hashmap itself: its keys are taken in
         * walk order at evaluation (vm/map.h), the order the values are compiled in here. */
        uint64_t n = map_size(e);
        struct node *nd = new_node(ms, N_MAP, (uint32_t)n);
        nd->constant = is_flatmap(e) ? flatmap_keys(e) : e;
        struct map_iter it;
        term_t k, v;
        uint64_t i = 0;
        map_iter_init(&it, e, MAP_ORDER_ITER);
        while (map_iter_next(&it, &k, &v))
            if (!(nd->args[i++] = compile_expr(ms, c, v, depth + 1)))
                return NULL;
        return nd;
    }
    struct node *nd = new_node(ms, N_CONST, 0);
    nd->constant = e;
    return nd;
}

/* A proper list of expressions into *out; false when invalid. */
static bool compile_exprs(struct ets_ms *ms, const struct clause *c, term_t list,
                          struct node ***out, size_t *n)
{
    size_t len = 0;
    term_t l = list;
    for (; is_list(l); l = CDR(l))
        len++;
    if (!is_nil(l))
        return false;
    *out = len ? rt_zalloc(len * sizeof **out) : NULL;
    *n = len;
    size_t i = 0;
    for (l = list; is_list(l); l = CDR(l), i++)
        if (!((*out)[i] = compile_expr(ms, c, CAR(l), 0)))
            return false;
    return true;
}

void ets_ms_free(struct ets_ms *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->n_pool; i++) {
        rt_free(ms->pool[i]->args);
        rt_free(ms->pool[i]);
    }
    rt_free(ms->pool);
    for (size_t i = 0; i < ms->n_clauses; i++) {
        struct clause *c = &ms->clauses[i];
        rt_free(c->guards);
        rt_free(c->body);
        rt_free(c->var_atoms);
        rt_free(c->var_nums);
        rt_free(c->vals);
    }
    rt_free(ms->clauses);
    rt_free(ms);
}

struct ets_ms *ets_ms_compile(term_t spec)
{
    size_t n = 0;
    term_t l = spec;
    for (; is_list(l); l = CDR(l))
        n++;
    if (!is_nil(l))
        return NULL;
    struct ets_ms *ms = rt_zalloc(sizeof *ms);
    ms->clauses = n ? rt_zalloc(n * sizeof *ms->clauses) : NULL;
    ms->n_clauses = n;
    size_t i = 0;
    for (l = spec; is_list(l); l = CDR(l), i++) {
        term_t cl = CAR(l);
        struct clause *c = &ms->clauses[i];
        if (!is_tuple(cl) || tuple_arity(cl) != 3)
            goto bad;
        term_t *el = tuple_elems(cl);
        c->head = el[0];
        if (!collect_vars(c, c->head, 0))
            goto bad;
        c->vals = rt_zalloc((c->n_vars ? c->n_vars : 1) * sizeof *c->vals);
        if (!compile_exprs(ms, c, el[1], &c->guards, &c->n_guards) ||
            !compile_exprs(ms, c, el[2], &c->body, &c->n_body) || c->n_body == 0)
            goto bad;
    }
    return ms;
bad:
    ets_ms_free(ms);
    return NULL;
}

/* --- running ------------------------------------------------------------------------------- */

static bool pmatch(struct clause *c, term_t pat, term_t t, int depth)
{
    for (;;) {
        if (is_atom(pat)) {
            if (pat == ATOM_underscore)
                return true;
            int s = var_slot(c, pat);
            if (s < 0)
                return pat == t;
            if (c->vals[s] == THE_NON_VALUE) {
                c->vals[s] = t;
                return true;
            }
            return term_eq_exact(c->vals[s], t);
        }
        if (is_list(pat)) {
            if (!is_list(t) || depth > 10000 || !pmatch(c, CAR(pat), CAR(t), depth + 1))
                return false;
            pat = CDR(pat);
            t = CDR(t);
            continue;
        }
        if (is_tuple(pat)) {
            uint64_t n = tuple_arity(pat);
            if (!is_tuple(t) || tuple_arity(t) != n || depth > 10000)
                return false;
            for (uint64_t i = 0; i < n; i++)
                if (!pmatch(c, tuple_elems(pat)[i], tuple_elems(t)[i], depth + 1))
                    return false;
            return true;
        }
        if (is_map(pat)) {
            if (!is_map(t) || depth > 10000)
                return false;
            struct map_iter it;
            term_t k, pv;
            map_iter_init(&it, pat, MAP_ORDER_ITER);
            while (map_iter_next(&it, &k, &pv)) {
                term_t v = map_get(t, k);
                if (v == THE_NON_VALUE || !pmatch(c, pv, v, depth + 1))
                    return false;
            }
            return true;
        }
        return term_eq_exact(pat, t);
    }
}

struct run {
    struct process *p;
    struct clause *c;
    term_t obj;
};

static term_t eval(const struct run *r, const struct node *n);

static bool cmp_holds(enum fn_op op, term_t a, term_t b)
{
    switch (op) {
    case OP_LT:
        return term_cmp(a, b, false) < 0;
    case OP_GT:
        return term_cmp(a, b, false) > 0;
    case OP_LE:
        return term_cmp(a, b, false) <= 0;
    case OP_GE:
        return term_cmp(a, b, false) >= 0;
    case OP_EQ:
        return term_eq(a, b);
    case OP_NE:
        return !term_eq(a, b);
    case OP_EEQ:
        return term_eq_exact(a, b);
    default:
        return !term_eq_exact(a, b);
    }
}

static bool is_bool(term_t t)
{
    return t == ATOM_true || t == ATOM_false;
}

static term_t eval_bool(const struct run *r, const struct node *n)
{
    enum fn_op op = n->fn->op;
    if (op == OP_ANDALSO || op == OP_ORELSE) {
        term_t stop = op == OP_ANDALSO ? ATOM_false : ATOM_true;
        for (uint32_t i = 0; i < n->n; i++) {
            term_t v = eval(r, n->args[i]);
            if (!is_bool(v))
                return THE_NON_VALUE;
            if (v == stop)
                return stop;
        }
        return op == OP_ANDALSO ? ATOM_true : ATOM_false;
    }
    /* not, xor, and, or: every argument is evaluated and must be a boolean */
    bool acc = op == OP_AND;
    for (uint32_t i = 0; i < n->n; i++) {
        term_t v = eval(r, n->args[i]);
        if (!is_bool(v))
            return THE_NON_VALUE;
        bool b = v == ATOM_true;
        switch (op) {
        case OP_NOT:
            acc = !b;
            break;
        case OP_AND:
            acc = acc && b;
            break;
        case OP_OR:
            acc = acc || b;
            break;
        default: /* xor */
            acc = i == 0 ? b : acc != b;
            break;
        }
    }
    return make_bool(acc);
}

/* A map body expression of more than 32 pairs: the keys of the hashmap constant in walk order
 * (as compile_expr took its values), with the values evaluated. */
static term_t eval_hashmap(const struct run *r, const struct node *n)
{
    term_t *kv = rt_alloc(sizeof(term_t) * 2 * n->n), k, v;
    struct map_iter it;
    uint32_t i = 0;
    map_iter_init(&it, n->constant, MAP_ORDER_ITER);
    while (i < n->n && map_iter_next(&it, &k, &v)) {
        kv[i] = k;
        kv[n->n + i] = eval(r, n->args[i]);
        if (kv[n->n + i] == THE_NON_VALUE) {
            rt_free(kv);
            return THE_NON_VALUE;
        }
        i++;
    }
    term_t m = map_from_pairs(&r->p->builder, kv, kv + n->n, i);
    rt_free(kv);
    return m;
}

static term_t eval(const struct run *r, const struct node *n)
{
    struct builder *b = &r->p->builder;
    switch (n->kind) {
    case N_CONST:
        return n->constant;
    case N_VAR:
        return r->c->vals[n->slot];
    case N_ALL_OBJ:
        return r->obj;
    case N_ALL_VARS: {
        term_t l = NIL;
        for (size_t i = r->c->n_vars; i > 0; i--)
            l = build_cons(b, r->c->vals[i - 1], l);
        return l;
    }
    case N_CONS: {
        term_t h = eval(r, n->args[0]);
        if (h == THE_NON_VALUE)
            return h;
        term_t t = eval(r, n->args[1]);
        return t == THE_NON_VALUE ? t : build_cons(b, h, t);
    }
    case N_TUPLE: {
        term_t *el; /* build_tuple fills with [], so a failure leaves defined words */
        term_t t = build_tuple(b, n->n, &el);
        for (uint32_t i = 0; i < n->n; i++) {
            term_t v = eval(r, n->args[i]);
            if (v == THE_NON_VALUE)
                return v;
            el[i] = v;
        }
        return t;
    }
    case N_MAP: {
        if (is_map(n->constant)) /* more than 32 pairs */
            return eval_hashmap(r, n);
        term_t *o = build_alloc(b, 2 + n->n);
        o[0] = make_header(1 + n->n, SUB_MAP);
        o[1] = n->constant;
        for (uint32_t i = 0; i < n->n; i++)
            o[2 + i] = NIL; /* defined words even if a value fails below */
        for (uint32_t i = 0; i < n->n; i++) {
            term_t v = eval(r, n->args[i]);
            if (v == THE_NON_VALUE)
                return v;
            o[2 + i] = v;
        }
        return make_boxed(o);
    }
    case N_CALL:
        break;
    }
    const struct fn *f = n->fn;
    if (f->kind == K_BOOL)
        return eval_bool(r, n);
    if (f->kind == K_SELF)
        return make_pid(r->p->id);
    term_t args[3];
    for (uint32_t i = 0; i < n->n; i++)
        if ((args[i] = eval(r, n->args[i])) == THE_NON_VALUE)
            return THE_NON_VALUE;
    if (f->kind == K_CMP)
        return make_bool(cmp_holds(f->op, args[0], args[1]));
    return f->bif(r->p, args);
}

term_t ets_ms_run(struct process *p, const struct ets_ms *ms, term_t obj)
{
    /* A failing BIF records its exception in p; a spec's failure is not the caller's. */
    term_t cls = p->exc_class, reason = p->exc_reason;
    bool given = p->exc_trace_given;
    term_t result = THE_NON_VALUE;
    for (size_t i = 0; i < ms->n_clauses && result == THE_NON_VALUE; i++) {
        struct clause *c = &ms->clauses[i];
        for (size_t v = 0; v < c->n_vars; v++)
            c->vals[v] = THE_NON_VALUE;
        if (!pmatch(c, c->head, obj, 0))
            continue;
        struct run r = {.p = p, .c = c, .obj = obj};
        bool pass = true;
        for (size_t g = 0; g < c->n_guards && pass; g++)
            pass = eval(&r, c->guards[g]) == ATOM_true;
        if (!pass)
            continue;
        term_t v = THE_NON_VALUE;
        for (size_t e = 0; e < c->n_body; e++)
            if ((v = eval(&r, c->body[e])) == THE_NON_VALUE)
                break;
        /* The value may share words with the table: the caller gets its own copy. */
        result = v == THE_NON_VALUE ? ATOM_EXIT : copy_term(&p->builder, v);
    }
    p->exc_class = cls;
    p->exc_reason = reason;
    p->exc_trace_given = given;
    return result;
}

static bool ground(term_t t, int depth)
{
    if (depth > 1000)
        return false;
    if (is_atom(t))
        return t != ATOM_underscore && var_number(t) < 0;
    if (is_list(t))
        return ground(CAR(t), depth + 1) && ground(CDR(t), depth + 1);
    if (is_tuple(t)) {
        for (uint64_t i = 0; i < tuple_arity(t); i++)
            if (!ground(tuple_elems(t)[i], depth + 1))
                return false;
        return true;
    }
    if (is_map(t)) {
        struct map_iter it;
        term_t k, v;
        map_iter_init(&it, t, MAP_ORDER_ITER);
        while (map_iter_next(&it, &k, &v))
            if (!ground(v, depth + 1))
                return false;
        return true;
    }
    return true;
}

term_t ets_ms_key(const struct ets_ms *ms, unsigned keypos)
{
    term_t key = THE_NON_VALUE;
    for (size_t i = 0; i < ms->n_clauses; i++) {
        term_t h = ms->clauses[i].head;
        if (!is_tuple(h) || tuple_arity(h) < keypos || !ground(tuple_elems(h)[keypos - 1], 0))
            return THE_NON_VALUE;
        term_t k = tuple_elems(h)[keypos - 1];
        if (key != THE_NON_VALUE && !term_eq_exact(key, k))
            return THE_NON_VALUE;
        key = k;
    }
    return key;
}
