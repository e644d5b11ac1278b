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
    return make_bool(map_lookup(args[1], args[0]) != NULL);
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

/* maps:keys/values: in maps:to_list/1's order (map.h). */
static term_t map_list(struct process *p, term_t m, bool keys)
{
    struct map_iter it;
    term_t l = NIL, k, v;
    /* Consing reverses: walk in the opposite order. */
    if (is_flatmap(m)) {
        term_t *ks = tuple_elems(flatmap_keys(m)), *vs = flatmap_values(m);
        for (uint64_t i = map_size(m); i > 0; i--)
            l = build_cons(&p->builder, keys ? ks[i - 1] : vs[i - 1], l);
        return l;
    }
    map_iter_init(&it, m, MAP_ORDER_ITER);
    while (map_iter_next(&it, &k, &v))
        l = build_cons(&p->builder, keys ? k : v, l);
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
    return map_merge(&p->builder, args[0], args[1]);
}

/* --- erts_internal:map_next/3 ------------------------------------------------------------- */

/* Pairs a hashmap call returns at most: the first call (path 0) 32, as erts; later calls what
 * erts gives a process with a full reduction budget (4000 / 4). */
#define MAP_NEXT_FIRST 32
#define MAP_NEXT_CHUNK 1000
/* The path to a leaf: 4 bits per level, the root's child index in the lowest bits. */
#define PATH_ELEM_BITS 4
#define PATH_PER_DIGIT 16

static term_t map_next_flat(struct process *p, term_t path, term_t m, term_t acc, bool iterator)
{
    uint64_t n = map_size(m);
    if (!is_small(path) || small_val(path) < 0 || (uint64_t)small_val(path) > n)
        return bif_badarg(p);
    /* erts returns every pair of a flat map at once, whatever the path. */
    term_t *k = tuple_elems(flatmap_keys(m)), *v = flatmap_values(m);
    term_t res = iterator ? atom_intern("none", 4) : acc;
    for (uint64_t i = n; i > 0; i--) {
        term_t *el;
        if (iterator) {
            term_t t = build_tuple(&p->builder, 3, &el);
            el[0] = k[i - 1];
            el[1] = v[i - 1];
            el[2] = res;
            res = t;
        } else {
            term_t t = build_tuple(&p->builder, 2, &el);
            el[0] = k[i - 1];
            el[1] = v[i - 1];
            res = build_cons(&p->builder, t, res);
        }
    }
    return res;
}

/* One level of the walk: a node's children and the index of the next one to visit. */
struct walk_level {
    const term_t *items;
    unsigned n, next;
};

/*
 * Hashmaps, as erts walks them: `path` leads to the next leaf (a digit of 16 levels per 64
 * bits, levels past the path's end take child 0). The iterator form returns
 * {K1, V1, {K2, V2, ... [NextPath | Map]}} (or ... none at the end); the list form conses
 * {K, V} pairs onto Acc in walk order and returns [NextPath, Map | Pairs] when pairs remain.
 */
static term_t map_next_hashmap(struct process *p, term_t path, term_t m, term_t acc, bool iterator)
{
    const uint64_t *digits;
    uint64_t ndigits, one;
    if (is_small(path) && small_val(path) >= 0) {
        one = (uint64_t)small_val(path);
        digits = &one;
        ndigits = 1;
    } else if (is_boxed_sub(path, SUB_BIG_POS)) {
        digits = boxed_ptr(path) + 1;
        ndigits = header_arity(boxed_ptr(path)[0]);
    } else {
        return bif_badarg(p);
    }
    uint64_t budget = map_size(m);
    uint64_t cap = digits == &one && one == 0 ? MAP_NEXT_FIRST : MAP_NEXT_CHUNK;
    if (budget > cap)
        budget = cap;

    struct walk_level st[MAP_MAX_DEPTH];
    unsigned depth = 0;
    uint64_t cur = digits[0], di = 1;
    unsigned in_digit = 0;
    term_t node = m;
    term_t res = acc, *patch = &res, leaf;
    /* Down the path to the first leaf to return. */
    for (;;) {
        const term_t *items;
        unsigned n = hamt_children(node, &items);
        unsigned at = (unsigned)(cur & 0xF);
        if (at >= n || depth >= MAP_MAX_DEPTH)
            return bif_badarg(p);
        st[depth++] = (struct walk_level){.items = items, .n = n, .next = at + 1};
        if (is_list(items[at])) {
            leaf = items[at];
            break;
        }
        node = items[at];
        cur >>= PATH_ELEM_BITS;
        if (++in_digit == PATH_PER_DIGIT) {
            in_digit = 0;
            cur = di < ndigits ? digits[di++] : 0;
        }
    }
    uint64_t left = budget;
    for (;;) {
        /* Emit the leaf. */
        term_t *el;
        if (iterator) {
            term_t t = build_tuple(&p->builder, 3, &el);
            el[0] = CAR(leaf);
            el[1] = CDR(leaf);
            el[2] = NIL;
            *patch = t;
            patch = &el[2];
        } else {
            term_t t = build_tuple(&p->builder, 2, &el);
            el[0] = CAR(leaf);
            el[1] = CDR(leaf);
            res = build_cons(&p->builder, t, res);
        }
        left--;
        /* Find the next leaf, or stop at the budget with the path to it. */
        leaf = THE_NON_VALUE;
        while (depth > 0 && st[depth - 1].next >= st[depth - 1].n)
            depth--;
        if (depth == 0)
            break;
        if (left == 0)
            break;
        for (;;) {
            struct walk_level *top = &st[depth - 1];
            term_t child = top->items[top->next++];
            if (is_list(child)) {
                leaf = child;
                break;
            }
            const term_t *items;
            unsigned n = hamt_children(child, &items);
            st[depth++] = (struct walk_level){.items = items, .n = n, .next = 0};
        }
    }
    if (depth == 0) { /* the walk is over */
        if (iterator)
            *patch = atom_intern("none", 4);
        return res;
    }
    /* The path to the next child to visit: at each level the index after the last visited. */
    uint64_t words[MAP_MAX_DEPTH / PATH_PER_DIGIT + 1] = {0};
    for (unsigned d = 0; d < depth; d++) {
        uint64_t at = st[d].next - (d + 1 == depth ? 0 : 1);
        words[d / PATH_PER_DIGIT] |= at << (PATH_ELEM_BITS * (d % PATH_PER_DIGIT));
    }
    size_t nw = (depth + PATH_PER_DIGIT - 1) / PATH_PER_DIGIT;
    while (nw > 1 && words[nw - 1] == 0)
        nw--;
    term_t next_path =
        nw == 1 ? build_uint64(&p->builder, words[0]) : build_bignum(&p->builder, words, nw, false);
    if (iterator) {
        term_t *cell = build_alloc(&p->builder, 2);
        cell[0] = next_path;
        cell[1] = m;
        *patch = make_list(cell);
        return res;
    }
    res = build_cons(&p->builder, m, res);
    return build_cons(&p->builder, next_path, res);
}

/* erts_internal:map_next(Path, Map, Acc) with Acc the atom `iterator` or a list (maps.erl). */
term_t bif_erts_internal_map_next_3(struct process *p, term_t *args)
{
    term_t path = args[0], m = args[1], acc = args[2];
    if (!is_map(m))
        return bif_badarg(p);
    bool iterator = acc == atom_intern("iterator", 8);
    if (!iterator && !is_nil(acc) && !is_list(acc))
        return bif_badarg(p);
    return is_flatmap(m) ? map_next_flat(p, path, m, acc, iterator)
                         : map_next_hashmap(p, path, m, acc, iterator);
}
