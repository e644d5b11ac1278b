/* bif_maps.c: the map BIFs of OTP 25 (maps:get/find/put/... and erts_internal:map_next/3). */
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/map.h"
#include "vm/rt.h"

static term_t badmap(struct process *p, term_t m)
{
    return bif_error2(p, ATOM_badmap, m);
}

term_t bif_erlang_map_size_1(struct process *p, term_t *args)
{
    return is_map(args[0]) ? make_small((sterm_t)map_size(args[0])) : badmap(p, args[0]);
}

term_t bif_maps_get_2(struct process *p, term_t *args)
{
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    term_t v = map_get(args[1], args[0]);
    return v == THE_NON_VALUE ? bif_error2(p, ATOM_badkey, args[0]) : v;
}

term_t bif_erlang_map_get_2(struct process *p, term_t *args)
{
    return bif_maps_get_2(p, args);
}

term_t bif_maps_find_2(struct process *p, term_t *args)
{
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    term_t v = map_get(args[1], args[0]);
    if (v == THE_NON_VALUE)
        return ATOM_error;
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_ok;
    el[1] = v;
    return t;
}

term_t bif_maps_is_key_2(struct process *p, term_t *args)
{
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    return make_bool(map_index(args[1], args[0]) >= 0);
}

term_t bif_erlang_is_map_key_2(struct process *p, term_t *args)
{
    return bif_maps_is_key_2(p, args);
}

term_t bif_maps_put_3(struct process *p, term_t *args)
{
    if (!is_map(args[2]))
        return badmap(p, args[2]);
    term_t missing;
    return map_put_many(&p->builder, args[2], &args[0], &args[1], 1, false, &missing);
}

term_t bif_maps_update_3(struct process *p, term_t *args)
{
    if (!is_map(args[2]))
        return badmap(p, args[2]);
    term_t missing;
    term_t r = map_put_many(&p->builder, args[2], &args[0], &args[1], 1, true, &missing);
    return r == THE_NON_VALUE ? bif_error2(p, ATOM_badkey, missing) : r;
}

term_t bif_maps_remove_2(struct process *p, term_t *args)
{
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    return map_remove(&p->builder, args[1], args[0]);
}

term_t bif_maps_take_2(struct process *p, term_t *args)
{
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    term_t v = map_get(args[1], args[0]);
    if (v == THE_NON_VALUE)
        return ATOM_error;
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = v;
    el[1] = map_remove(&p->builder, args[1], args[0]);
    return t;
}

static term_t map_list(struct process *p, term_t m, bool keys)
{
    term_t l = NIL;
    term_t *k = tuple_elems(map_keys(m)), *v = map_values(m);
    for (uint64_t i = map_size(m); i > 0; i--)
        l = build_cons(&p->builder, keys ? k[i - 1] : v[i - 1], l);
    return l;
}

term_t bif_maps_keys_1(struct process *p, term_t *args)
{
    return is_map(args[0]) ? map_list(p, args[0], true) : badmap(p, args[0]);
}

term_t bif_maps_values_1(struct process *p, term_t *args)
{
    return is_map(args[0]) ? map_list(p, args[0], false) : badmap(p, args[0]);
}

term_t bif_maps_from_list_1(struct process *p, term_t *args)
{
    uint64_t n = 0;
    term_t l = args[0];
    for (; is_list(l); l = CDR(l)) {
        term_t t = CAR(l);
        if (!is_tuple(t) || tuple_arity(t) != 2)
            return bif_badarg(p);
        n++;
    }
    if (!is_nil(l))
        return bif_badarg(p);
    term_t *kv = rt_alloc(sizeof(term_t) * 2 * (n ? n : 1));
    l = args[0];
    for (uint64_t i = 0; i < n; i++, l = CDR(l)) {
        kv[i] = tuple_elems(CAR(l))[0];
        kv[n + i] = tuple_elems(CAR(l))[1];
    }
    term_t m = map_from_pairs(&p->builder, kv, kv + n, n);
    rt_free(kv);
    return m;
}

term_t bif_maps_from_keys_2(struct process *p, term_t *args)
{
    uint64_t n = 0;
    term_t l = args[0];
    for (; is_list(l); l = CDR(l))
        n++;
    if (!is_nil(l))
        return bif_badarg(p);
    term_t *kv = rt_alloc(sizeof(term_t) * 2 * (n ? n : 1));
    l = args[0];
    for (uint64_t i = 0; i < n; i++, l = CDR(l)) {
        kv[i] = CAR(l);
        kv[n + i] = args[1];
    }
    term_t m = map_from_pairs(&p->builder, kv, kv + n, n);
    rt_free(kv);
    return m;
}

term_t bif_maps_merge_2(struct process *p, term_t *args)
{
    if (!is_map(args[0]))
        return badmap(p, args[0]);
    if (!is_map(args[1]))
        return badmap(p, args[1]);
    term_t b = args[1];
    term_t missing;
    return map_put_many(&p->builder, args[0], tuple_elems(map_keys(b)), map_values(b), map_size(b),
                        false, &missing);
}

/*
 * erts_internal:map_next(Iter, Map, Acc): Iter is the index of the next pair. With Acc the atom
 * `iterator`, returns {K, V, [NextIter | Map]} or none; with a list, returns every remaining pair
 * consed in key order in front of Acc (all at once: flat maps have no chunking to do).
 */
term_t bif_erts_internal_map_next_3(struct process *p, term_t *args)
{
    term_t it = args[0], m = args[1], acc = args[2];
    if (!is_small(it) || small_val(it) < 0 || !is_map(m))
        return bif_badarg(p);
    uint64_t i = (uint64_t)small_val(it), n = map_size(m);
    term_t *k = tuple_elems(map_keys(m)), *v = map_values(m);
    if (acc == atom_intern("iterator", 8)) {
        if (i >= n)
            return atom_intern("none", 4);
        term_t next = build_cons(&p->builder, make_small((sterm_t)i + 1), m);
        next = make_list(list_ptr(next)); /* [I | Map] is an improper list */
        term_t *el;
        term_t t = build_tuple(&p->builder, 3, &el);
        el[0] = k[i];
        el[1] = v[i];
        el[2] = next;
        return t;
    }
    for (uint64_t j = n; j > i; j--) {
        term_t *el;
        term_t t = build_tuple(&p->builder, 2, &el);
        el[0] = k[j - 1];
        el[1] = v[j - 1];
        acc = build_cons(&p->builder, t, acc);
    }
    return acc;
}
