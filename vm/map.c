/* map.c: flat maps (see map.h). */
#include "vm/map.h"

#include "vm/compare.h"
#include "vm/rt.h"

int64_t map_index(term_t m, term_t key)
{
    term_t *keys = tuple_elems(map_keys(m));
    int64_t lo = 0, hi = (int64_t)map_size(m) - 1;
    while (lo <= hi) {
        int64_t mid = (lo + hi) / 2;
        int c = keys[mid] == key ? 0 : term_cmp(key, keys[mid], true);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

term_t map_get(term_t m, term_t key)
{
    int64_t i = map_index(m, key);
    return i < 0 ? THE_NON_VALUE : map_values(m)[i];
}

/* Stable merge sort of pairs by key (so "last wins" can pick the later duplicate). */
static void sort_pairs(term_t *k, term_t *v, term_t *tk, term_t *tv, uint64_t n)
{
    if (n < 2)
        return;
    uint64_t h = n / 2;
    sort_pairs(k, v, tk, tv, h);
    sort_pairs(k + h, v + h, tk, tv, n - h);
    uint64_t i = 0, j = h, o = 0;
    while (i < h && j < n) {
        if (term_cmp(k[j], k[i], true) < 0) {
            tk[o] = k[j];
            tv[o++] = v[j++];
        } else {
            tk[o] = k[i];
            tv[o++] = v[i++];
        }
    }
    while (i < h) {
        tk[o] = k[i];
        tv[o++] = v[i++];
    }
    while (j < n) {
        tk[o] = k[j];
        tv[o++] = v[j++];
    }
    for (uint64_t x = 0; x < n; x++) {
        k[x] = tk[x];
        v[x] = tv[x];
    }
}

static term_t build_map(struct builder *b, const term_t *keys, const term_t *vals, uint64_t n)
{
    term_t *kt = build_alloc(b, 1 + n);
    kt[0] = make_header(n, SUB_TUPLE);
    term_t *obj = build_alloc(b, 2 + n);
    obj[0] = make_header(1 + n, SUB_MAP);
    obj[1] = make_boxed(kt);
    for (uint64_t i = 0; i < n; i++) {
        kt[1 + i] = keys[i];
        obj[2 + i] = vals[i];
    }
    return make_boxed(obj);
}

term_t map_from_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n)
{
    term_t *tmp = rt_alloc(sizeof(term_t) * 2 * (n ? n : 1));
    sort_pairs(keys, vals, tmp, tmp + n, n);
    rt_free(tmp);
    uint64_t o = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (o > 0 && term_eq_exact(keys[o - 1], keys[i])) {
            vals[o - 1] = vals[i];
            continue;
        }
        keys[o] = keys[i];
        vals[o++] = vals[i];
    }
    return build_map(b, keys, vals, o);
}

term_t map_put_many(struct builder *b, term_t m, const term_t *keys, const term_t *vals, uint64_t n,
                    bool exact, term_t *missing)
{
    uint64_t size = map_size(m);
    if (exact) {
        /* BEAM reports the missing key that comes first in term order. */
        term_t first_missing = THE_NON_VALUE;
        for (uint64_t i = 0; i < n; i++)
            if (map_index(m, keys[i]) < 0 &&
                (first_missing == THE_NON_VALUE || term_cmp(keys[i], first_missing, true) < 0))
                first_missing = keys[i];
        if (first_missing != THE_NON_VALUE) {
            *missing = first_missing;
            return THE_NON_VALUE;
        }
    }
    /* The new pairs, sorted (stable) with the last of equal keys kept, then merged with the
     * map's sorted keys: O(size + n log n) per update. */
    term_t *nk = rt_alloc(sizeof(term_t) * 4 * (n ? n : 1));
    term_t *nv = nk + n;
    for (uint64_t i = 0; i < n; i++) {
        nk[i] = keys[i];
        nv[i] = vals[i];
    }
    sort_pairs(nk, nv, nk + 2 * n, nk + 3 * n, n);
    uint64_t u = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (u > 0 && term_eq_exact(nk[u - 1], nk[i])) {
            nv[u - 1] = nv[i];
            continue;
        }
        nk[u] = nk[i];
        nv[u++] = nv[i];
    }
    term_t *mk = tuple_elems(map_keys(m)), *mv = map_values(m);
    uint64_t total = 0;
    for (uint64_t i = 0, j = 0; i < size || j < u;) {
        int c = i == size ? 1 : j == u ? -1 : term_cmp(mk[i], nk[j], true);
        i += c <= 0;
        j += c >= 0;
        total++;
    }
    term_t *kt = build_alloc(b, 1 + total);
    kt[0] = make_header(total, SUB_TUPLE);
    term_t *obj = build_alloc(b, 2 + total);
    obj[0] = make_header(1 + total, SUB_MAP);
    obj[1] = make_boxed(kt);
    uint64_t o = 0;
    for (uint64_t i = 0, j = 0; i < size || j < u; o++) {
        int c = i == size ? 1 : j == u ? -1 : term_cmp(mk[i], nk[j], true);
        if (c < 0) {
            kt[1 + o] = mk[i];
            obj[2 + o] = mv[i++];
        } else {
            kt[1 + o] = nk[j];
            obj[2 + o] = nv[j++];
            i += c == 0;
        }
    }
    rt_free(nk);
    return make_boxed(obj);
}

term_t map_remove(struct builder *b, term_t m, term_t key)
{
    int64_t at = map_index(m, key);
    if (at < 0)
        return m;
    uint64_t n = map_size(m);
    term_t *kt = build_alloc(b, n);
    kt[0] = make_header(n - 1, SUB_TUPLE);
    term_t *obj = build_alloc(b, 1 + n);
    obj[0] = make_header(n, SUB_MAP);
    obj[1] = make_boxed(kt);
    term_t *mk = tuple_elems(map_keys(m)), *mv = map_values(m);
    uint64_t o = 0;
    for (uint64_t i = 0; i < n; i++) {
        if ((int64_t)i == at)
            continue;
        kt[1 + o] = mk[i];
        obj[2 + o] = mv[i];
        o++;
    }
    return make_boxed(obj);
}
