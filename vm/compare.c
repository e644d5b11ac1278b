/* compare.c: term order and equality (see compare.h). */
#include "vm/compare.h"

#include <string.h>

#include "vm/atom.h"
#include "vm/binary.h"
#include "vm/map.h"
#include "vm/module.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"

enum order_class {
    ORD_NUMBER,
    ORD_ATOM,
    ORD_REF,
    ORD_FUN,
    ORD_PORT,
    ORD_PID,
    ORD_TUPLE,
    ORD_MAP,
    ORD_NIL,
    ORD_LIST,
    ORD_BITSTRING,
};

static enum order_class order_class(term_t t)
{
    switch (primary_tag(t)) {
    case TAG_LIST:
        return ORD_LIST;
    case TAG_BOXED:
        switch (header_subtag(boxed_ptr(t)[0])) {
        case SUB_TUPLE:
            return ORD_TUPLE;
        case SUB_BIG_POS:
        case SUB_BIG_NEG:
        case SUB_FLOAT:
            return ORD_NUMBER;
        case SUB_HEAP_BIN:
        case SUB_REFC_BIN:
        case SUB_SUB_BIN:
        case SUB_MATCH_CTX:
            return ORD_BITSTRING;
        case SUB_FUN:
        case SUB_EXPORT:
            return ORD_FUN;
        case SUB_REF:
            return ORD_REF;
        case SUB_MAP:
        case SUB_HASHMAP:
        case SUB_HAMT_NODE: /* never a term; listed for the switch */
            return ORD_MAP;
        }
        return ORD_TUPLE;
    default:
        if (is_small(t))
            return ORD_NUMBER;
        if (is_atom(t))
            return ORD_ATOM;
        if (is_nil(t))
            return ORD_NIL;
        if (is_pid(t))
            return ORD_PID;
        if (is_port(t))
            return ORD_PORT;
        return ORD_ATOM;
    }
}

static struct bn big_view(term_t t)
{
    term_t *o = boxed_ptr(t);
    return bn_view(o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
}

static int sign3(int c)
{
    return c < 0 ? -1 : c > 0;
}

/* Integer (small or big) against a finite double, exactly. */
static int cmp_int_float(term_t i, double f)
{
    if (f != f)
        return -1;
    if (is_small(i)) {
        sterm_t v = small_val(i);
        if (f >= 9.2e18)
            return -1;
        if (f <= -9.2e18)
            return 1;
        sterm_t t = (sterm_t)f; /* truncation toward zero */
        if (v != t)
            return v < t ? -1 : 1;
        double frac = f - (double)t;
        return frac > 0 ? -1 : frac < 0 ? 1 : 0;
    }
    struct bn a = big_view(i);
    if (f - f != 0) /* infinite */
        return f > 0 ? -1 : 1;
    bn_digit fd[BN_DOUBLE_MAX_LEN];
    bool fneg;
    size_t fn = bn_from_double(fd, BN_DOUBLE_MAX_LEN, &fneg, f);
    if (bn_failed(fn))
        return f > 0 ? -1 : 1;
    /* A bignum is at least 2^59 in magnitude, where doubles have no fraction: trunc is exact. */
    return bn_cmp(a, bn_view(fd, fn, fneg));
}

static int cmp_numbers(term_t a, term_t b, bool exact)
{
    if (is_small(a) && is_small(b))
        return small_val(a) < small_val(b) ? -1 : small_val(a) > small_val(b);
    bool af = is_float(a), bf = is_float(b);
    if (af && bf) {
        double x = float_val(a), y = float_val(b);
        return x < y ? -1 : x > y;
    }
    if (!af && !bf) {
        struct bn x, y;
        bn_digit xd, yd;
        bool xn, yn;
        if (is_small(a)) {
            size_t n = bn_from_int64(&xd, 1, &xn, small_val(a));
            x = bn_view(&xd, n, xn);
        } else {
            x = big_view(a);
        }
        if (is_small(b)) {
            size_t n = bn_from_int64(&yd, 1, &yn, small_val(b));
            y = bn_view(&yd, n, yn);
        } else {
            y = big_view(b);
        }
        return bn_cmp(x, y);
    }
    if (exact) /* map keys: every integer orders before every float, as in erts */
        return af ? 1 : -1;
    return af ? -cmp_int_float(b, float_val(a)) : cmp_int_float(a, float_val(b));
}

static int cmp_bitstrings(term_t a, term_t b)
{
    struct bitview x = bitview_of(a), y = bitview_of(b);
    uint64_t n = x.bits < y.bits ? x.bits : y.bits;
    if ((x.bit_offset & 7) == 0 && (y.bit_offset & 7) == 0) {
        uint64_t bytes = n / 8;
        int c = bytes ? memcmp(x.base + x.bit_offset / 8, y.base + y.bit_offset / 8, bytes) : 0;
        if (c)
            return sign3(c);
        for (uint64_t i = bytes * 8; i < n; i++) {
            unsigned p = bitview_bit(&x, i), q = bitview_bit(&y, i);
            if (p != q)
                return p < q ? -1 : 1;
        }
    } else {
        for (uint64_t i = 0; i < n; i++) {
            unsigned p = bitview_bit(&x, i), q = bitview_bit(&y, i);
            if (p != q)
                return p < q ? -1 : 1;
        }
    }
    return x.bits < y.bits ? -1 : x.bits > y.bits;
}

static int cmp_funs(term_t a, term_t b, bool exact)
{
    term_t *x = boxed_ptr(a), *y = boxed_ptr(b);
    bool xe = header_subtag(x[0]) == SUB_EXPORT, ye = header_subtag(y[0]) == SUB_EXPORT;
    if (xe != ye)
        return xe ? 1 : -1; /* local funs order before external ones */
    if (xe) {
        struct export *p = (struct export *)(uintptr_t)x[1], *q = (struct export *)(uintptr_t)y[1];
        int c = atom_compare(p->module, q->module);
        if (!c)
            c = atom_compare(p->function, q->function);
        if (!c)
            c = p->arity < q->arity ? -1 : p->arity > q->arity;
        return c;
    }
    const struct fun_entry *p = (const struct fun_entry *)(uintptr_t)x[1];
    const struct fun_entry *q = (const struct fun_entry *)(uintptr_t)y[1];
    int c = atom_compare(p->module->name, q->module->name);
    if (c)
        return c;
    if (p->old_index != q->old_index)
        return p->old_index < q->old_index ? -1 : 1;
    if (p->old_uniq != q->old_uniq)
        return p->old_uniq < q->old_uniq ? -1 : 1;
    uint64_t nx = header_arity(x[0]) - 1, ny = header_arity(y[0]) - 1;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    for (uint64_t i = 0; i < nx; i++) {
        c = term_cmp(x[2 + i], y[2 + i], exact);
        if (c)
            return c;
    }
    return 0;
}

/*
 * Two hashmaps of n pairs, as OTP orders maps whatever their layout: the keys in term order
 * first (exactly), then the values in key order.
 */
static int cmp_hashmaps(term_t a, term_t b, uint64_t n, bool exact)
{
    term_t *w = rt_alloc(sizeof(term_t) * 4 * n);
    term_t *ak = w, *av = w + n, *bk = w + 2 * n, *bv = w + 3 * n;
    map_sorted_pairs(a, ak, av);
    map_sorted_pairs(b, bk, bv);
    int c = 0;
    for (uint64_t i = 0; i < n && !c; i++)
        c = term_cmp(ak[i], bk[i], true);
    for (uint64_t i = 0; i < n && !c; i++)
        c = term_cmp(av[i], bv[i], exact);
    rt_free(w);
    return c;
}

int term_cmp(term_t a, term_t b, bool exact)
{
tail:
    if (a == b)
        return 0;
    if (is_small(a) && is_small(b))
        return small_val(a) < small_val(b) ? -1 : 1;
    enum order_class ca = order_class(a), cb = order_class(b);
    if (ca != cb)
        return ca < cb ? -1 : 1;
    switch (ca) {
    case ORD_NUMBER:
        return cmp_numbers(a, b, exact);
    case ORD_ATOM:
        return atom_compare(a, b);
    case ORD_NIL:
        return 0;
    case ORD_PID:
    case ORD_PORT:
        return a < b ? -1 : 1;
    case ORD_REF: {
        uint64_t x = boxed_ptr(a)[1], y = boxed_ptr(b)[1];
        return x < y ? -1 : x > y;
    }
    case ORD_FUN:
        return cmp_funs(a, b, exact);
    case ORD_BITSTRING:
        return cmp_bitstrings(a, b);
    case ORD_TUPLE: {
        uint64_t n = tuple_arity(a), m = tuple_arity(b);
        if (n != m)
            return n < m ? -1 : 1;
        if (n == 0)
            return 0;
        term_t *x = tuple_elems(a), *y = tuple_elems(b);
        for (uint64_t i = 0; i + 1 < n; i++) {
            int c = term_cmp(x[i], y[i], exact);
            if (c)
                return c;
        }
        a = x[n - 1];
        b = y[n - 1];
        goto tail;
    }
    case ORD_MAP: {
        uint64_t n = map_size(a), m = map_size(b);
        if (n != m)
            return n < m ? -1 : 1;
        if (is_flatmap(a)) { /* same size: both flat */
            int c = term_cmp(flatmap_keys(a), flatmap_keys(b), true);
            if (c)
                return c;
            term_t *x = flatmap_values(a), *y = flatmap_values(b);
            for (uint64_t i = 0; i < n; i++) {
                c = term_cmp(x[i], y[i], exact);
                if (c)
                    return c;
            }
            return 0;
        }
        return cmp_hashmaps(a, b, n, exact);
    }
    case ORD_LIST:
        for (;;) {
            int c = term_cmp(CAR(a), CAR(b), exact);
            if (c)
                return c;
            a = CDR(a);
            b = CDR(b);
            if (!is_list(a) || !is_list(b))
                goto tail;
            if (a == b)
                return 0;
        }
    }
    return 0;
}
