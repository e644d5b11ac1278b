/*
 * bif_ets.c: the ets module's BIFs over the tables of ets.c.
 *
 * Every BIF checks its arguments completely before it changes a table, so a badarg leaves the
 * table as it was (insert/2 of a list is all or nothing, as OTP's). Results are copied onto the
 * caller's heap through p->builder. Access follows the table's protection: private tables are
 * the owner's alone, protected ones are read by anyone and written by the owner.
 *
 * Continuations of select/3, match/3, match_object/3 and select_reverse/3 are
 *   {'$zvm_ets_cont', Tid, Spec, Limit, Position, Reverse}
 * where Position is {LastKey} for an ordered_set (the next chunk starts after it, so the table
 * may change between chunks) and {Bucket, Skip} for the hash tables (OTP's are opaque too).
 */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/ets.h"
#include "vm/heap.h"
#include "vm/rt.h"

enum need { NEED_NONE, NEED_READ, NEED_WRITE };

static struct ets_table *tab_find(term_t id)
{
    if (is_atom(id))
        return ets_table_by_name(id);
    if (is_ref(id))
        return ets_table_by_id(boxed_ptr(id)[1]);
    return NULL;
}

/* The table `id` names if the caller may use it as `need` says, else NULL. */
static struct ets_table *tab_get(struct process *p, term_t id, enum need need)
{
    struct ets_table *t = tab_find(id);
    if (!t || need == NEED_NONE || t->owner == make_pid(p->id))
        return t;
    if (t->access == ETS_PRIVATE || (t->access == ETS_PROTECTED && need == NEED_WRITE))
        return NULL;
    return t;
}

static bool is_object(const struct ets_table *t, term_t o)
{
    return is_tuple(o) && tuple_arity(o) >= t->keypos;
}

static bool list_len(term_t l, size_t *n)
{
    *n = 0;
    for (; is_list(l); l = CDR(l))
        (*n)++;
    return is_nil(l);
}

static term_t copy_out(struct process *p, term_t t)
{
    return is_immed(t) ? t : copy_term(&p->builder, t);
}

/* A list of copies of the objects from `o` on with the same key (every one for a bag). */
static term_t key_objects(struct process *p, const struct ets_table *t, const struct ets_obj *o)
{
    term_t head = NIL, *tail = &head;
    for (; o; o = ets_lookup_next(t, o)) {
        term_t *c = build_alloc(&p->builder, CONS_WORDS);
        c[0] = copy_term(&p->builder, o->term);
        c[1] = NIL;
        *tail = make_list(c);
        tail = &c[1];
    }
    return head;
}

/* --- creation and deletion ----------------------------------------------------------------- */

term_t bif_ets_new_2(struct process *p, term_t *args)
{
    term_t name = args[0];
    if (!is_atom(name))
        return bif_badarg(p);
    enum ets_type type = ETS_SET;
    enum ets_access access = ETS_PROTECTED;
    bool named = false, compressed = false, rc = false;
    term_t wc = ATOM_false, dc = THE_NON_VALUE; /* dc: as given, if given */
    unsigned keypos = 1;
    term_t heir = ATOM_none, heir_data = THE_NON_VALUE;
    term_t l = args[1];
    for (; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (o == ATOM_set)
            ; /* the default, and it never overrides another type (OTP 25: [bag, set] is a bag) */
        else if (o == ATOM_ordered_set)
            type = ETS_ORDERED_SET;
        else if (o == ATOM_bag)
            type = ETS_BAG;
        else if (o == ATOM_duplicate_bag)
            type = ETS_DUPLICATE_BAG;
        else if (o == ATOM_public)
            access = ETS_PUBLIC;
        else if (o == ATOM_protected)
            access = ETS_PROTECTED;
        else if (o == ATOM_private)
            access = ETS_PRIVATE;
        else if (o == ATOM_named_table)
            named = true;
        else if (o == ATOM_compressed)
            compressed = true;
        else if (is_tuple(o) && tuple_arity(o) == 2) {
            term_t k = tuple_elems(o)[0], v = tuple_elems(o)[1];
            bool is_b = v == ATOM_true || v == ATOM_false;
            if (k == ATOM_keypos && is_small(v) && small_val(v) >= 1 && small_val(v) < 1 << 24)
                keypos = (unsigned)small_val(v);
            else if (k == ATOM_heir && v == ATOM_none)
                heir = ATOM_none;
            else if (k == ATOM_read_concurrency && is_b)
                rc = v == ATOM_true;
            else if (k == ATOM_write_concurrency && (is_b || v == ATOM_auto))
                wc = v;
            else if (k == ATOM_decentralized_counters && is_b)
                dc = v;
            else
                return bif_badarg(p);
        } else if (is_tuple(o) && tuple_arity(o) == 3 && tuple_elems(o)[0] == ATOM_heir &&
                   is_pid(tuple_elems(o)[1])) {
            heir = tuple_elems(o)[1];
            heir_data = tuple_elems(o)[2];
        } else
            return bif_badarg(p);
    }
    if (!is_nil(l) || (named && ets_table_by_name(name)))
        return bif_badarg(p);
    term_t ref = bif_erlang_make_ref_0(p, args);
    struct ets_table *t =
        ets_table_create(boxed_ptr(ref)[1], name, named, type, access, keypos, make_pid(p->id));
    t->compressed = compressed;
    t->read_concurrency = rc;
    t->write_concurrency = wc;
    /* As OTP 25 reports it (measured): only with write_concurrency, and by default for an
     * ordered_set or with {write_concurrency, auto}. */
    t->decentralized_counters =
        wc != ATOM_false &&
        (dc == ATOM_true || (dc == THE_NON_VALUE && (type == ETS_ORDERED_SET || wc == ATOM_auto)));
    t->heir = heir;
    if (heir_data != THE_NON_VALUE)
        t->heir_data = ets_obj_new(heir_data);
    return named ? name : ref;
}

term_t bif_ets_delete_1(struct process *p, term_t *args)
{
    /* write access is enough, as OTP's: anyone may delete a public table */
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t)
        return bif_badarg(p);
    ets_table_delete(t);
    return ATOM_true;
}

/* --- insertion ----------------------------------------------------------------------------- */

/* Checks an object or a list of objects; *n gets how many. */
static bool check_objects(const struct ets_table *t, term_t arg, size_t *n)
{
    if (is_tuple(arg)) {
        *n = 1;
        return is_object(t, arg);
    }
    if (!list_len(arg, n))
        return false;
    for (term_t l = arg; is_list(l); l = CDR(l))
        if (!is_object(t, CAR(l)))
            return false;
    return true;
}

/*
 * Inserts an object or a list of `n` objects. OTP 25 inserts a list into a bag from its last
 * element to its first (measured: [{a,1},{a,2}] then looks up as [{a,2},{a,1}]), and lookup/2
 * shows that order, so zvm does the same; the other types take the list in order.
 */
static void insert_all(struct ets_table *t, term_t arg, size_t n)
{
    if (is_tuple(arg)) {
        ets_insert(t, ets_obj_new(arg));
        return;
    }
    if (t->type != ETS_BAG) {
        for (term_t l = arg; is_list(l); l = CDR(l))
            ets_insert(t, ets_obj_new(CAR(l)));
        return;
    }
    term_t *objs = rt_alloc((n ? n : 1) * sizeof *objs);
    size_t i = 0;
    for (term_t l = arg; is_list(l); l = CDR(l))
        objs[i++] = CAR(l);
    while (i > 0)
        ets_insert(t, ets_obj_new(objs[--i]));
    rt_free(objs);
}

term_t bif_ets_insert_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    size_t n;
    if (!t || !check_objects(t, args[1], &n))
        return bif_badarg(p);
    insert_all(t, args[1], n);
    return ATOM_true;
}

term_t bif_ets_insert_new_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    size_t n;
    if (!t || !check_objects(t, args[1], &n))
        return bif_badarg(p);
    if (is_tuple(args[1])) {
        if (ets_lookup(t, tuple_elems(args[1])[t->keypos - 1]))
            return ATOM_false;
    } else {
        for (term_t l = args[1]; is_list(l); l = CDR(l))
            if (ets_lookup(t, tuple_elems(CAR(l))[t->keypos - 1]))
                return ATOM_false;
    }
    insert_all(t, args[1], n);
    return ATOM_true;
}

/* --- lookups ------------------------------------------------------------------------------- */

term_t bif_ets_lookup_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t)
        return bif_badarg(p);
    return key_objects(p, t, ets_lookup(t, args[1]));
}

term_t bif_ets_member_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t)
        return bif_badarg(p);
    return make_bool(ets_lookup(t, args[1]) != NULL);
}

term_t bif_ets_lookup_element_3(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t || !is_small(args[2]) || small_val(args[2]) < 1)
        return bif_badarg(p);
    uint64_t pos = (uint64_t)small_val(args[2]);
    struct ets_obj *first = ets_lookup(t, args[1]);
    if (!first)
        return bif_badarg(p);
    for (struct ets_obj *o = first; o; o = ets_lookup_next(t, o))
        if (tuple_arity(o->term) < pos)
            return bif_badarg(p);
    if (t->type == ETS_SET || t->type == ETS_ORDERED_SET)
        return copy_out(p, tuple_elems(first->term)[pos - 1]);
    term_t head = NIL, *tail = &head;
    for (struct ets_obj *o = first; o; o = ets_lookup_next(t, o)) {
        term_t *c = build_alloc(&p->builder, CONS_WORDS);
        c[0] = copy_out(p, tuple_elems(o->term)[pos - 1]);
        c[1] = NIL;
        *tail = make_list(c);
        tail = &c[1];
    }
    return head;
}

term_t bif_ets_take_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t)
        return bif_badarg(p);
    term_t r = key_objects(p, t, ets_lookup(t, args[1]));
    ets_remove_key(t, args[1]);
    return r;
}

/* --- deletion of objects ------------------------------------------------------------------- */

term_t bif_ets_delete_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t)
        return bif_badarg(p);
    ets_remove_key(t, args[1]);
    return ATOM_true;
}

term_t bif_ets_delete_object_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t || !is_object(t, args[1]))
        return bif_badarg(p);
    struct ets_obj *o = ets_lookup(t, tuple_elems(args[1])[t->keypos - 1]);
    while (o) {
        struct ets_obj *next = ets_lookup_next(t, o);
        if (term_eq_exact(o->term, args[1]))
            ets_remove_obj(t, o);
        o = next;
    }
    return ATOM_true;
}

term_t bif_ets_delete_all_objects_1(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t)
        return bif_badarg(p);
    ets_clear(t);
    return ATOM_true;
}

/* ets:delete_all_objects/1 and select_delete/2 with the match-all spec call this: the count. */
term_t bif_ets_internal_delete_all_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t)
        return bif_badarg(p);
    return make_small((sterm_t)ets_clear(t));
}

/* --- counters and in-place updates --------------------------------------------------------- */

/* Stores `tuple` (the updated object, built on p's heap) in place of `old`, or inserts it. */
static void store_updated(struct ets_table *t, struct ets_obj *old, term_t tuple)
{
    struct ets_obj *o = ets_obj_new(tuple);
    if (old)
        ets_replace(t, old, o);
    else
        ets_insert(t, o);
}

/* A copy of tuple `src` on p's heap, its elements shared (the working object of an update). */
static term_t working_copy(struct process *p, term_t src)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, tuple_arity(src), &el);
    memcpy(el, tuple_elems(src), tuple_arity(src) * sizeof(term_t));
    return t;
}

struct counter_op {
    uint64_t pos;
    term_t incr, threshold, setvalue; /* threshold THE_NON_VALUE when none */
};

static bool parse_counter_op(term_t op, unsigned keypos, struct counter_op *out)
{
    out->threshold = out->setvalue = THE_NON_VALUE;
    if (is_integer(op)) {
        out->pos = keypos + 1;
        out->incr = op;
        return true;
    }
    if (!is_tuple(op) || (tuple_arity(op) != 2 && tuple_arity(op) != 4))
        return false;
    term_t *e = tuple_elems(op);
    if (!is_small(e[0]) || small_val(e[0]) < 1 || !is_integer(e[1]))
        return false;
    out->pos = (uint64_t)small_val(e[0]);
    out->incr = e[1];
    if (tuple_arity(op) == 4) {
        if (!is_integer(e[2]) || !is_integer(e[3]))
            return false;
        out->threshold = e[2];
        out->setvalue = e[3];
    }
    return out->pos != keypos;
}

static term_t update_counter(struct process *p, term_t *args, term_t deflt)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t || (t->type != ETS_SET && t->type != ETS_ORDERED_SET))
        return bif_badarg(p);
    bool many = is_list(args[2]) || is_nil(args[2]);
    size_t n_ops = 1;
    if (many && !list_len(args[2], &n_ops))
        return bif_badarg(p);
    struct counter_op *ops = rt_alloc((n_ops ? n_ops : 1) * sizeof *ops);
    term_t result = THE_NON_VALUE; /* badarg until everything checked out */
    if (many) {
        size_t i = 0;
        for (term_t l = args[2]; is_list(l); l = CDR(l), i++)
            if (is_integer(CAR(l)) || !parse_counter_op(CAR(l), t->keypos, &ops[i]))
                goto out;
    } else if (!parse_counter_op(args[2], t->keypos, &ops[0]))
        goto out;

    struct ets_obj *old = ets_lookup(t, args[1]);
    if (!old && (deflt == THE_NON_VALUE || !is_object(t, deflt)))
        goto out;
    term_t work = working_copy(p, old ? old->term : deflt);
    term_t *elems = tuple_elems(work);
    uint64_t arity = tuple_arity(work);
    if (!old)
        elems[t->keypos - 1] = args[1];
    term_t *vals;
    term_t values = build_tuple(&p->builder, n_ops, &vals); /* each op's result, in order */
    bool immediates = old != NULL;
    for (size_t i = 0; i < n_ops; i++) {
        struct counter_op *op = &ops[i];
        if (op->pos > arity || !is_integer(elems[op->pos - 1]))
            goto out;
        term_t v = arith_add(p, elems[op->pos - 1], op->incr);
        if (op->threshold != THE_NON_VALUE) {
            bool up = term_cmp(op->incr, make_small(0), false) >= 0;
            int c = term_cmp(v, op->threshold, false);
            if ((up && c > 0) || (!up && c < 0))
                v = op->setvalue;
        }
        elems[op->pos - 1] = vals[i] = v;
        immediates = immediates && is_immed(v);
    }
    if (immediates) {
        for (size_t i = 0; i < n_ops; i++)
            tuple_elems(old->term)[ops[i].pos - 1] = elems[ops[i].pos - 1];
    } else
        store_updated(t, old, work);
    if (!many)
        result = vals[0];
    else {
        result = NIL;
        for (size_t i = n_ops; i > 0; i--)
            result = build_cons(&p->builder, tuple_elems(values)[i - 1], result);
    }
out:
    rt_free(ops);
    return result == THE_NON_VALUE ? bif_badarg(p) : result;
}

term_t bif_ets_update_counter_3(struct process *p, term_t *args)
{
    return update_counter(p, args, THE_NON_VALUE);
}

term_t bif_ets_update_counter_4(struct process *p, term_t *args)
{
    return update_counter(p, args, args[3]);
}

term_t bif_ets_update_element_3(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t || (t->type != ETS_SET && t->type != ETS_ORDERED_SET))
        return bif_badarg(p);
    term_t single[1] = {args[2]};
    term_t spec = is_tuple(args[2]) ? build_cons(&p->builder, single[0], NIL) : args[2];
    size_t n;
    if (!list_len(spec, &n))
        return bif_badarg(p);
    for (term_t l = spec; is_list(l); l = CDR(l)) {
        term_t e = CAR(l);
        if (!is_tuple(e) || tuple_arity(e) != 2 || !is_small(tuple_elems(e)[0]) ||
            small_val(tuple_elems(e)[0]) < 1 || small_val(tuple_elems(e)[0]) == t->keypos)
            return bif_badarg(p);
    }
    struct ets_obj *old = ets_lookup(t, args[1]);
    if (!old)
        return ATOM_false;
    uint64_t arity = tuple_arity(old->term);
    bool immediates = true;
    for (term_t l = spec; is_list(l); l = CDR(l)) {
        term_t *e = tuple_elems(CAR(l));
        if ((uint64_t)small_val(e[0]) > arity)
            return bif_badarg(p);
        immediates = immediates && is_immed(e[1]);
    }
    if (immediates) {
        for (term_t l = spec; is_list(l); l = CDR(l))
            tuple_elems(old->term)[small_val(tuple_elems(CAR(l))[0]) - 1] = tuple_elems(CAR(l))[1];
        return ATOM_true;
    }
    term_t work = working_copy(p, old->term);
    for (term_t l = spec; is_list(l); l = CDR(l))
        tuple_elems(work)[small_val(tuple_elems(CAR(l))[0]) - 1] = tuple_elems(CAR(l))[1];
    store_updated(t, old, work);
    return ATOM_true;
}

/* --- traversal ----------------------------------------------------------------------------- */

static term_t key_or_end(struct process *p, const struct ets_table *t, const struct ets_obj *o)
{
    return o ? copy_out(p, ets_obj_key(t, o)) : ATOM_end_of_table;
}

term_t bif_ets_first_1(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    return t ? key_or_end(p, t, ets_first(t)) : bif_badarg(p);
}

term_t bif_ets_last_1(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    return t ? key_or_end(p, t, ets_last(t)) : bif_badarg(p);
}

term_t bif_ets_next_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t)
        return bif_badarg(p);
    bool missing;
    struct ets_obj *o = ets_next(t, args[1], &missing);
    return missing ? bif_badarg(p) : key_or_end(p, t, o);
}

term_t bif_ets_prev_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t)
        return bif_badarg(p);
    bool missing;
    struct ets_obj *o = ets_prev(t, args[1], &missing);
    return missing ? bif_badarg(p) : key_or_end(p, t, o);
}

term_t bif_ets_slot_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t || !is_small(args[1]) || small_val(args[1]) < 0)
        return bif_badarg(p);
    uint64_t i = (uint64_t)small_val(args[1]);
    uint64_t slots = t->type == ETS_ORDERED_SET ? t->size : t->n_buckets;
    if (i > slots)
        return bif_badarg(p);
    if (i == slots)
        return ATOM_end_of_table;
    if (t->type == ETS_ORDERED_SET) {
        struct ets_obj *o = ets_first(t);
        while (i--)
            o = ets_iter_next(t, o);
        return build_cons(&p->builder, copy_term(&p->builder, o->term), NIL);
    }
    term_t head = NIL, *tail = &head;
    for (struct ets_obj *o = t->buckets[i]; o; o = o->next) {
        term_t *c = build_alloc(&p->builder, CONS_WORDS);
        c[0] = copy_term(&p->builder, o->term);
        c[1] = NIL;
        *tail = make_list(c);
        tail = &c[1];
    }
    return head;
}

term_t bif_ets_safe_fixtable_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    if (!t || (args[1] != ATOM_true && args[1] != ATOM_false))
        return bif_badarg(p);
    if (args[1] == ATOM_true) {
        t->fixes++;
        t->fixer = make_pid(p->id);
    } else if (t->fixes)
        t->fixes--;
    return ATOM_true;
}

/* --- information --------------------------------------------------------------------------- */

static term_t pair(struct process *p, term_t a, term_t b)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = a;
    el[1] = b;
    return t;
}

static const term_t info_items[] = {
    ATOM_id,
    ATOM_decentralized_counters,
    ATOM_read_concurrency,
    ATOM_write_concurrency,
    ATOM_compressed,
    ATOM_memory,
    ATOM_owner,
    ATOM_heir,
    ATOM_name,
    ATOM_size,
    ATOM_node,
    ATOM_named_table,
    ATOM_type,
    ATOM_keypos,
    ATOM_protection,
};

static term_t info_item(struct process *p, const struct ets_table *t, term_t item)
{
    static const term_t types[] = {ATOM_set, ATOM_ordered_set, ATOM_bag, ATOM_duplicate_bag};
    static const term_t prots[] = {ATOM_public, ATOM_protected, ATOM_private};
    switch (item) {
    case ATOM_id:
        return ets_table_ref(&p->builder, t);
    case ATOM_decentralized_counters:
        return make_bool(t->decentralized_counters);
    case ATOM_read_concurrency:
        return make_bool(t->read_concurrency);
    case ATOM_write_concurrency:
        return t->write_concurrency;
    case ATOM_compressed:
        return make_bool(t->compressed);
    case ATOM_memory: {
        /* words: the stored terms, each object's header, the buckets and the table itself */
        size_t w = t->words + t->size * (sizeof(struct ets_obj) / sizeof(term_t)) + t->n_buckets +
                   sizeof *t / sizeof(term_t);
        return make_small((sterm_t)w);
    }
    case ATOM_owner:
        return t->owner;
    case ATOM_heir:
        return t->heir;
    case ATOM_name:
        return t->name;
    case ATOM_size:
        return make_small((sterm_t)t->size);
    case ATOM_node:
        return atom_intern("nonode@nohost", 13);
    case ATOM_named_table:
        return make_bool(t->named);
    case ATOM_type:
        return types[t->type];
    case ATOM_keypos:
        return make_small(t->keypos);
    case ATOM_protection:
        return prots[t->access];
    case ATOM_fixed:
        return make_bool(t->fixes > 0);
    case ATOM_safe_fixed:
    case ATOM_safe_fixed_monotonic_time:
        if (!t->fixes)
            return ATOM_false;
        /* {FixTime, [{Pid, Count}]}: zvm does not record when; 0 stands for it */
        return pair(p, make_small(0),
                    build_cons(&p->builder, pair(p, t->fixer, make_small((sterm_t)t->fixes)), NIL));
    case ATOM_stats:
    case ATOM_binary:
        return ATOM_false; /* OTP's debugging items: not kept */
    default:
        return THE_NON_VALUE;
    }
}

term_t bif_ets_info_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) && !is_ref(args[0]))
        return bif_badarg(p);
    struct ets_table *t = tab_find(args[0]);
    if (!t)
        return ATOM_undefined;
    term_t l = NIL;
    for (size_t i = sizeof info_items / sizeof info_items[0]; i > 0; i--)
        l = build_cons(&p->builder, pair(p, info_items[i - 1], info_item(p, t, info_items[i - 1])),
                       l);
    return l;
}

term_t bif_ets_info_2(struct process *p, term_t *args)
{
    if (!is_atom(args[0]) && !is_ref(args[0]))
        return bif_badarg(p);
    struct ets_table *t = tab_find(args[0]);
    if (!t)
        return ATOM_undefined;
    term_t v = info_item(p, t, args[1]);
    return v == THE_NON_VALUE ? bif_badarg(p) : v;
}

term_t bif_ets_whereis_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    struct ets_table *t = ets_table_by_name(args[0]);
    return t ? ets_table_ref(&p->builder, t) : ATOM_undefined;
}

term_t bif_ets_all_0(struct process *p, term_t *args)
{
    (void)args;
    term_t head = NIL, *tail = &head;
    struct ets_table *t;
    for (size_t i = 0; (t = ets_table_at(i)); i++) {
        term_t *c = build_alloc(&p->builder, CONS_WORDS);
        c[0] = ets_table_tid(&p->builder, t);
        c[1] = NIL;
        *tail = make_list(c);
        tail = &c[1];
    }
    return head;
}

term_t bif_ets_rename_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    if (!t || !is_atom(args[1]))
        return bif_badarg(p);
    if (t->named) {
        struct ets_table *other = ets_table_by_name(args[1]);
        if (other && other != t)
            return bif_badarg(p);
    }
    t->name = args[1];
    return ets_table_tid(&p->builder, t);
}

/* --- ownership ----------------------------------------------------------------------------- */

term_t bif_ets_give_away_3(struct process *p, term_t *args)
{
    struct ets_table *t = tab_find(args[0]);
    term_t self = make_pid(p->id);
    if (!t || t->owner != self || !is_pid(args[1]) || args[1] == self)
        return bif_badarg(p);
    struct process *to = ets_process_lookup(args[1]);
    if (!to)
        return bif_badarg(p);
    ets_transfer(t, to, self, args[2]);
    return ATOM_true;
}

/* {heir, none}, {heir, Pid, Data} or {protection, P}. */
static bool set_option(struct ets_table *t, term_t o, bool apply)
{
    if (!is_tuple(o) || tuple_arity(o) < 2)
        return false;
    if (tuple_arity(o) == 2 && tuple_elems(o)[0] == ATOM_protection) {
        term_t v = tuple_elems(o)[1];
        enum ets_access a = v == ATOM_public      ? ETS_PUBLIC
                            : v == ATOM_protected ? ETS_PROTECTED
                                                  : ETS_PRIVATE;
        if (v != ATOM_public && v != ATOM_protected && v != ATOM_private)
            return false;
        if (apply)
            t->access = a;
        return true;
    }
    if (tuple_elems(o)[0] != ATOM_heir)
        return false;
    if (tuple_arity(o) == 2 && tuple_elems(o)[1] == ATOM_none) {
        if (apply) {
            t->heir = ATOM_none;
            ets_obj_free(t->heir_data);
            t->heir_data = NULL;
        }
        return true;
    }
    if (tuple_arity(o) != 3 || !is_pid(tuple_elems(o)[1]))
        return false;
    if (apply) {
        t->heir = tuple_elems(o)[1];
        ets_obj_free(t->heir_data);
        t->heir_data = ets_obj_new(tuple_elems(o)[2]);
    }
    return true;
}

term_t bif_ets_setopts_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_find(args[0]);
    if (!t || t->owner != make_pid(p->id))
        return bif_badarg(p);
    term_t opts = is_tuple(args[1]) ? build_cons(&p->builder, args[1], NIL) : args[1];
    size_t n;
    if (!list_len(opts, &n))
        return bif_badarg(p);
    for (term_t l = opts; is_list(l); l = CDR(l))
        if (!set_option(t, CAR(l), false))
            return bif_badarg(p);
    for (term_t l = opts; is_list(l); l = CDR(l))
        set_option(t, CAR(l), true);
    return ATOM_true;
}

/* --- match specifications ------------------------------------------------------------------ */

/* [{Pattern, [], [Body]}] for match/2,3 ('$$') and match_object/2,3 ('$_'). */
static term_t pattern_spec(struct process *p, term_t pattern, term_t body)
{
    term_t *el;
    term_t clause = build_tuple(&p->builder, 3, &el);
    el[0] = pattern;
    el[1] = NIL;
    el[2] = build_cons(&p->builder, body, NIL);
    return build_cons(&p->builder, clause, NIL);
}

/* Every result of `ms` over the table, in table order (reversed order when `reverse`). */
static term_t select_all(struct process *p, struct ets_table *t, const struct ets_ms *ms,
                         bool reverse)
{
    term_t head = NIL, *tail = &head;
    term_t key = ets_ms_key(ms, t->keypos);
    struct ets_obj *o;
    if (key != THE_NON_VALUE)
        o = ets_lookup(t, key);
    else
        o = reverse ? ets_last(t) : ets_first(t);
    while (o) {
        term_t r = ets_ms_run(p, ms, o->term);
        if (r != THE_NON_VALUE) {
            term_t *c = build_alloc(&p->builder, CONS_WORDS);
            c[0] = r;
            c[1] = NIL;
            *tail = make_list(c);
            tail = &c[1];
        }
        if (key != THE_NON_VALUE)
            o = ets_lookup_next(t, o);
        else
            o = reverse ? ets_iter_prev(t, o) : ets_iter_next(t, o);
    }
    return head;
}

/*
 * One chunk of at most `limit` results starting at `pos` (THE_NON_VALUE: the table's start).
 * Returns '$end_of_table' when there are none, {Results, Cont} when the chunk is full and
 * {Results, '$end_of_table'} when the table ended first.
 */
static term_t select_chunk(struct process *p, struct ets_table *t, term_t tid, term_t spec,
                           const struct ets_ms *ms, sterm_t limit, term_t pos, bool reverse)
{
    struct ets_obj *o;
    size_t bucket = 0, skip = 0;
    if (t->type == ETS_ORDERED_SET) {
        if (pos == THE_NON_VALUE)
            o = reverse ? ets_last(t) : ets_first(t);
        else {
            bool missing;
            term_t last = tuple_elems(pos)[0];
            o = reverse ? ets_prev(t, last, &missing) : ets_next(t, last, &missing);
        }
    } else {
        if (pos != THE_NON_VALUE) {
            bucket = (size_t)small_val(tuple_elems(pos)[0]);
            skip = (size_t)small_val(tuple_elems(pos)[1]);
        }
        o = bucket < t->n_buckets ? t->buckets[bucket] : NULL;
        for (size_t i = 0; o && i < skip; i++)
            o = o->next;
        if (!o) {
            o = ets_bucket_from(t, bucket + 1);
            skip = 0;
        }
    }
    term_t head = NIL, *tail = &head;
    sterm_t n = 0;
    struct ets_obj *last = NULL;
    while (o && n < limit) {
        if (t->type != ETS_ORDERED_SET) {
            size_t b = ets_bucket_of(t, o);
            if (b != bucket) {
                bucket = b;
                skip = 0;
            }
            skip++;
        }
        term_t r = ets_ms_run(p, ms, o->term);
        if (r != THE_NON_VALUE) {
            term_t *c = build_alloc(&p->builder, CONS_WORDS);
            c[0] = r;
            c[1] = NIL;
            *tail = make_list(c);
            tail = &c[1];
            n++;
        }
        last = o;
        o = reverse ? ets_iter_prev(t, o) : ets_iter_next(t, o);
    }
    if (n == 0)
        return ATOM_end_of_table;
    if (n < limit)
        return pair(p, head, ATOM_end_of_table);
    term_t *el;
    term_t position;
    if (t->type == ETS_ORDERED_SET) {
        position = build_tuple(&p->builder, 1, &el);
        el[0] = copy_out(p, ets_obj_key(t, last));
    } else {
        position = build_tuple(&p->builder, 2, &el);
        el[0] = make_small((sterm_t)bucket);
        el[1] = make_small((sterm_t)skip);
    }
    term_t cont = build_tuple(&p->builder, 6, &el);
    el[0] = ATOM_zvm_ets_cont;
    el[1] = tid;
    el[2] = spec;
    el[3] = make_small(limit);
    el[4] = position;
    el[5] = make_bool(reverse);
    return pair(p, head, cont);
}

static term_t do_select(struct process *p, term_t tid, term_t spec, term_t limit, bool reverse)
{
    struct ets_table *t = tab_get(p, tid, NEED_READ);
    if (!t)
        return bif_badarg(p);
    if (limit != THE_NON_VALUE && (!is_small(limit) || small_val(limit) < 1))
        return bif_badarg(p);
    struct ets_ms *ms = ets_ms_compile(spec);
    if (!ms)
        return bif_badarg(p);
    term_t r = limit == THE_NON_VALUE
                   ? select_all(p, t, ms, reverse)
                   : select_chunk(p, t, tid, spec, ms, small_val(limit), THE_NON_VALUE, reverse);
    ets_ms_free(ms);
    return r;
}

static term_t select_cont(struct process *p, term_t cont)
{
    if (cont == ATOM_end_of_table)
        return ATOM_end_of_table;
    if (!is_tuple(cont) || tuple_arity(cont) != 6 || tuple_elems(cont)[0] != ATOM_zvm_ets_cont)
        return bif_badarg(p);
    term_t *el = tuple_elems(cont);
    struct ets_table *t = tab_get(p, el[1], NEED_READ);
    bool pos_ok =
        t && is_tuple(el[4]) &&
        (t->type == ETS_ORDERED_SET
             ? tuple_arity(el[4]) == 1
             : tuple_arity(el[4]) == 2 && is_small(tuple_elems(el[4])[0]) &&
                   small_val(tuple_elems(el[4])[0]) >= 0 && is_small(tuple_elems(el[4])[1]) &&
                   small_val(tuple_elems(el[4])[1]) >= 0);
    if (!pos_ok || !is_small(el[3]) || small_val(el[3]) < 1)
        return bif_badarg(p);
    struct ets_ms *ms = ets_ms_compile(el[2]);
    if (!ms)
        return bif_badarg(p);
    term_t r = select_chunk(p, t, el[1], el[2], ms, small_val(el[3]), el[4], el[5] == ATOM_true);
    ets_ms_free(ms);
    return r;
}

term_t bif_ets_select_2(struct process *p, term_t *args)
{
    return do_select(p, args[0], args[1], THE_NON_VALUE, false);
}

term_t bif_ets_select_3(struct process *p, term_t *args)
{
    return do_select(p, args[0], args[1], args[2], false);
}

term_t bif_ets_select_1(struct process *p, term_t *args)
{
    return select_cont(p, args[0]);
}

term_t bif_ets_select_reverse_2(struct process *p, term_t *args)
{
    return do_select(p, args[0], args[1], THE_NON_VALUE, true);
}

term_t bif_ets_select_reverse_3(struct process *p, term_t *args)
{
    return do_select(p, args[0], args[1], args[2], true);
}

term_t bif_ets_select_reverse_1(struct process *p, term_t *args)
{
    return select_cont(p, args[0]);
}

term_t bif_ets_match_2(struct process *p, term_t *args)
{
    return do_select(p, args[0], pattern_spec(p, args[1], ATOM_dollar_dollar), THE_NON_VALUE,
                     false);
}

term_t bif_ets_match_3(struct process *p, term_t *args)
{
    return do_select(p, args[0], pattern_spec(p, args[1], ATOM_dollar_dollar), args[2], false);
}

term_t bif_ets_match_1(struct process *p, term_t *args)
{
    return select_cont(p, args[0]);
}

term_t bif_ets_match_object_2(struct process *p, term_t *args)
{
    return do_select(p, args[0], pattern_spec(p, args[1], ATOM_dollar_underscore), THE_NON_VALUE,
                     false);
}

term_t bif_ets_match_object_3(struct process *p, term_t *args)
{
    return do_select(p, args[0], pattern_spec(p, args[1], ATOM_dollar_underscore), args[2], false);
}

term_t bif_ets_match_object_1(struct process *p, term_t *args)
{
    return select_cont(p, args[0]);
}

/* Objects the spec returns `true` for, as an array the caller frees. */
static struct ets_obj **select_true(struct process *p, struct ets_table *t, const struct ets_ms *ms,
                                    size_t *n)
{
    size_t cap = 16;
    struct ets_obj **hits = rt_alloc(cap * sizeof *hits);
    *n = 0;
    term_t key = ets_ms_key(ms, t->keypos);
    struct ets_obj *o = key != THE_NON_VALUE ? ets_lookup(t, key) : ets_first(t);
    while (o) {
        if (ets_ms_run(p, ms, o->term) == ATOM_true) {
            if (*n == cap) {
                cap *= 2;
                hits = rt_realloc(hits, cap * sizeof *hits);
            }
            hits[(*n)++] = o;
        }
        o = key != THE_NON_VALUE ? ets_lookup_next(t, o) : ets_iter_next(t, o);
    }
    return hits;
}

term_t bif_ets_select_count_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_READ);
    struct ets_ms *ms = t ? ets_ms_compile(args[1]) : NULL;
    if (!ms)
        return bif_badarg(p);
    size_t n;
    rt_free(select_true(p, t, ms, &n));
    ets_ms_free(ms);
    return make_small((sterm_t)n);
}

term_t bif_ets_select_delete_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    struct ets_ms *ms = t ? ets_ms_compile(args[1]) : NULL;
    if (!ms)
        return bif_badarg(p);
    size_t n;
    struct ets_obj **hits = select_true(p, t, ms, &n);
    for (size_t i = 0; i < n; i++)
        ets_remove_obj(t, hits[i]);
    rt_free(hits);
    ets_ms_free(ms);
    return make_small((sterm_t)n);
}

term_t bif_ets_internal_select_delete_2(struct process *p, term_t *args)
{
    return bif_ets_select_delete_2(p, args);
}

/*
 * Each object the spec matches is replaced by the body's value, which must be an object with
 * the same key (=:=); values that are not are left out, as OTP's. Bags are not supported
 * (badarg, as OTP).
 */
term_t bif_ets_select_replace_2(struct process *p, term_t *args)
{
    struct ets_table *t = tab_get(p, args[0], NEED_WRITE);
    struct ets_ms *ms =
        t && (t->type == ETS_SET || t->type == ETS_ORDERED_SET) ? ets_ms_compile(args[1]) : NULL;
    if (!ms)
        return bif_badarg(p);
    size_t n = 0;
    struct ets_obj *o = ets_first(t);
    while (o) {
        struct ets_obj *next = ets_iter_next(t, o);
        term_t r = ets_ms_run(p, ms, o->term);
        if (r != THE_NON_VALUE && is_object(t, r) &&
            term_eq_exact(tuple_elems(r)[t->keypos - 1], ets_obj_key(t, o))) {
            ets_replace(t, o, ets_obj_new(r));
            n++;
        }
        o = next;
    }
    ets_ms_free(ms);
    return make_small((sterm_t)n);
}
