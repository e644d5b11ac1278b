/* Unit tests of maps (vm/map.c): the flat/trie switch at 32 pairs, the trie's canonical shape
 * under puts and removals, colliding hashes, walks, comparison, the ETF and the GC. */
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/compare.h"
#include "vm/etf.h"
#include "vm/hash.h"
#include "vm/map.h"
#include "vm/process.h"
#include "vm/rt.h"

static struct process proc;

static void setup(void)
{
    atom_table_init();
    process_init(&proc, 1, 0);
}

static void teardown(void)
{
    process_dispose(&proc);
}

/* Two integers whose 32-bit map hashes are equal (they part at level 8, after the rehash). */
#define COLLIDE_A 1992127
#define COLLIDE_B 2407653

/* Key i of a mixed set: integers, floats, bignums, binaries, tuples. */
static term_t key_of(struct builder *b, int i)
{
    switch (i % 5) {
    case 0:
        return make_small(i);
    case 1:
        return build_float(b, i / 4.0);
    case 2: {
        uint64_t d[2] = {(uint64_t)i, 1};
        return build_bignum(b, d, 2, i % 2);
    }
    case 3: {
        uint8_t bytes[3] = {(uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        return build_binary(b, bytes, 3, NULL);
    }
    default: {
        term_t *el;
        term_t t = build_tuple(b, 2, &el);
        el[0] = make_small(i);
        el[1] = NIL;
        return t;
    }
    }
}

static uint32_t slot_at(term_t key, unsigned lvl)
{
    return (term_map_hash(key, lvl >> 3) >> (4 * (lvl & 7))) & 0xF;
}

/*
 * Checks a (sub)trie: every leaf lies on its key's slot path, bitmaps match the children, and
 * the shape is canonical (an inner node has two children or more, or one that is a node).
 * Returns the number of leaves, or -1.
 */
static int64_t check_trie(term_t node, unsigned lvl, const uint32_t *path)
{
    const term_t *items;
    unsigned n = hamt_children(node, &items);
    uint32_t bitmap = hamt_bitmap(node);
    bool root = is_hashmap(node);
    if (n == 0 || (unsigned)__builtin_popcount(bitmap) != n || bitmap > 0xFFFF)
        return -1;
    if (!root && n == 1 && is_list(items[0]))
        return -1; /* a lone leaf belongs one level up */
    uint32_t here[MAP_MAX_DEPTH];
    memcpy(here, path, sizeof here[0] * lvl);
    int64_t leaves = 0;
    unsigned c = 0;
    for (uint32_t slot = 0; slot < 16; slot++) {
        if (!(bitmap & (1u << slot)))
            continue;
        here[lvl] = slot;
        term_t child = items[c++];
        if (is_list(child)) {
            for (unsigned l = 0; l <= lvl; l++)
                if (slot_at(CAR(child), l) != here[l])
                    return -1;
            leaves++;
        } else {
            int64_t sub = check_trie(child, lvl + 1, here);
            if (sub < 0)
                return -1;
            leaves += sub;
        }
    }
    if (root && (uint64_t)leaves != map_size(node))
        return -1;
    return leaves;
}

static bool trie_valid(term_t m)
{
    uint32_t path[MAP_MAX_DEPTH] = {0};
    if (is_flatmap(m))
        return map_size(m) <= MAP_SMALL_LIMIT;
    return map_size(m) > MAP_SMALL_LIMIT && check_trie(m, 0, path) >= 0;
}

/* The same trie, node for node. */
static bool same_trie(term_t a, term_t b)
{
    if (is_list(a) || is_list(b))
        return is_list(a) && is_list(b) && term_eq_exact(CAR(a), CAR(b)) &&
               term_eq_exact(CDR(a), CDR(b));
    if (is_flatmap(a) || is_flatmap(b))
        return is_flatmap(a) && is_flatmap(b) && term_eq_exact(a, b);
    if (header_subtag(boxed_ptr(a)[0]) != header_subtag(boxed_ptr(b)[0]) ||
        hamt_bitmap(a) != hamt_bitmap(b))
        return false;
    const term_t *x, *y;
    unsigned n = hamt_children(a, &x);
    hamt_children(b, &y);
    for (unsigned i = 0; i < n; i++)
        if (!same_trie(x[i], y[i]))
            return false;
    return true;
}

static term_t build_map(struct builder *b, const int *ids, int n)
{
    term_t *k = rt_alloc(sizeof(term_t) * 2 * (size_t)(n ? n : 1)), *v = k + n;
    for (int i = 0; i < n; i++) {
        k[i] = key_of(b, ids[i]);
        v[i] = make_small(ids[i]);
    }
    term_t m = map_from_pairs(b, k, v, (uint64_t)n);
    rt_free(k);
    return m;
}

static term_t put1(term_t m, term_t k, term_t v)
{
    term_t missing;
    return map_put_many(&proc.builder, m, &k, &v, 1, false, &missing);
}

static void test_flat_up_to_32(void)
{
    setup();
    int ids[40];
    for (int i = 0; i < 40; i++)
        ids[i] = i;
    term_t m32 = build_map(&proc.builder, ids, 32), m33 = build_map(&proc.builder, ids, 33);
    CU_ASSERT_TRUE(is_flatmap(m32) && map_size(m32) == 32);
    CU_ASSERT_TRUE(is_hashmap(m33) && map_size(m33) == 33);
    CU_ASSERT_TRUE(trie_valid(m33));
    for (int i = 0; i < 33; i++)
        CU_ASSERT_EQUAL(map_get(m33, key_of(&proc.builder, i)), make_small(i));
    CU_ASSERT_EQUAL(map_get(m33, key_of(&proc.builder, 33)), THE_NON_VALUE);
    /* 0 and 0.0 are different keys. */
    CU_ASSERT_EQUAL(map_get(m33, build_float(&proc.builder, 0.0)), THE_NON_VALUE);
    /* Crossing the boundary both ways. */
    term_t up = put1(m32, key_of(&proc.builder, 32), make_small(32));
    CU_ASSERT_TRUE(is_hashmap(up) && same_trie(up, m33));
    term_t down = map_remove(&proc.builder, m33, key_of(&proc.builder, 32));
    CU_ASSERT_TRUE(is_flatmap(down) && term_eq_exact(down, m32));
    /* Duplicate keys in from_pairs: the last wins, and the count drops back to flat. */
    term_t k[40], v[40];
    for (int i = 0; i < 40; i++) {
        k[i] = make_small(i % 20);
        v[i] = make_small(i);
    }
    term_t d = map_from_pairs(&proc.builder, k, v, 40);
    CU_ASSERT_TRUE(is_flatmap(d) && map_size(d) == 20);
    CU_ASSERT_EQUAL(map_get(d, make_small(3)), make_small(23));
    teardown();
}

/* The trie after any history of puts and removals is the one built from its pairs at once. */
static void test_canonical_shape(void)
{
    setup();
    enum { N = 600 };
    int ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = (i * 7919) % N; /* a permutation */
    term_t m = build_map(&proc.builder, ids, 10);
    bool valid = true;
    for (int i = 10; i < N; i++) {
        m = put1(m, key_of(&proc.builder, ids[i]), make_small(ids[i]));
        valid = valid && trie_valid(m);
    }
    CU_ASSERT_TRUE(valid);
    CU_ASSERT_TRUE(same_trie(m, build_map(&proc.builder, ids, N)));
    /* Remove every other key (in another order), checking against fresh builds. */
    int kept[N], nk = 0;
    for (int i = 0; i < N; i++) {
        if (ids[i] % 2)
            kept[nk++] = ids[i];
        else
            m = map_remove(&proc.builder, m, key_of(&proc.builder, ids[i]));
    }
    CU_ASSERT_TRUE(trie_valid(m));
    CU_ASSERT_TRUE(same_trie(m, build_map(&proc.builder, kept, nk)));
    /* Same value: the same map comes back; removing an absent key too. */
    CU_ASSERT_EQUAL(put1(m, key_of(&proc.builder, kept[0]), make_small(kept[0])), m);
    CU_ASSERT_EQUAL(map_remove(&proc.builder, m, make_small(-1)), m);
    /* Down to the boundary and below. */
    valid = true;
    while (map_size(m) > 20) {
        nk--;
        m = map_remove(&proc.builder, m, key_of(&proc.builder, kept[nk]));
        valid = valid && trie_valid(m);
    }
    CU_ASSERT_TRUE(valid);
    CU_ASSERT_TRUE(is_flatmap(m) && same_trie(m, build_map(&proc.builder, kept, nk)));
    teardown();
}

static void test_colliding_hashes(void)
{
    setup();
    term_t a = make_small(COLLIDE_A), b = make_small(COLLIDE_B);
    CU_ASSERT_EQUAL(term_map_hash(a, 0), term_map_hash(b, 0));
    CU_ASSERT_NOT_EQUAL(term_map_hash(a, 1), term_map_hash(b, 1));
    int ids[40];
    for (int i = 0; i < 40; i++)
        ids[i] = i * 5; /* integers only */
    term_t base = build_map(&proc.builder, ids, 40);
    term_t m = put1(put1(base, a, ATOM_true), b, ATOM_false);
    CU_ASSERT_TRUE(trie_valid(m));
    CU_ASSERT_EQUAL(map_get(m, a), ATOM_true);
    CU_ASSERT_EQUAL(map_get(m, b), ATOM_false);
    term_t k[42], v[42];
    for (int i = 0; i < 40; i++) {
        k[i] = make_small(ids[i]);
        v[i] = make_small(ids[i]);
    }
    k[40] = b;
    v[40] = ATOM_false;
    k[41] = a;
    v[41] = ATOM_true;
    CU_ASSERT_TRUE(same_trie(m, map_from_pairs(&proc.builder, k, v, 42)));
    /* Removing one of the pair collapses the deep chain back to a leaf. */
    term_t r = map_remove(&proc.builder, m, a);
    CU_ASSERT_TRUE(trie_valid(r));
    CU_ASSERT_TRUE(same_trie(r, put1(base, b, ATOM_false)));
    CU_ASSERT_EQUAL(map_get(r, a), THE_NON_VALUE);
    teardown();
}

static void test_walk_orders(void)
{
    setup();
    int ids[300];
    for (int i = 0; i < 300; i++)
        ids[i] = i;
    term_t m = build_map(&proc.builder, ids, 300);
    term_t fk[300], fv[300], k, v;
    struct map_iter it;
    int n = 0;
    map_iter_init(&it, m, MAP_ORDER_ITER);
    while (n < 300 && map_iter_next(&it, &fk[n], &fv[n]))
        n++;
    CU_ASSERT_EQUAL(n, 300);
    CU_ASSERT_FALSE(map_iter_next(&it, &k, &v));
    map_iter_init(&it, m, MAP_ORDER_LIST);
    bool reversed = true;
    for (int i = 299; i >= 0; i--)
        reversed = reversed && map_iter_next(&it, &k, &v) && k == fk[i] && v == fv[i];
    CU_ASSERT_TRUE(reversed);
    /* Sorted pairs are in key order. */
    term_t sk[300], sv[300];
    map_sorted_pairs(m, sk, sv);
    bool sorted = true;
    for (int i = 1; i < 300; i++)
        sorted = sorted && term_cmp(sk[i - 1], sk[i], true) < 0;
    CU_ASSERT_TRUE(sorted);
    teardown();
}

static void test_compare(void)
{
    setup();
    int ids[100], rev[100];
    for (int i = 0; i < 100; i++) {
        ids[i] = i;
        rev[i] = 99 - i;
    }
    term_t a = build_map(&proc.builder, ids, 100), b = build_map(&proc.builder, rev, 100);
    CU_ASSERT_EQUAL(term_cmp(a, b, true), 0);
    term_t c = put1(a, key_of(&proc.builder, 3), make_small(-1)); /* a smaller value */
    CU_ASSERT_EQUAL(term_cmp(c, a, false), -1);
    CU_ASSERT_EQUAL(term_cmp(a, c, false), 1);
    /* A value of 3.0 instead of 3 is equal (==) but not exact (=:=). */
    term_t f = put1(a, key_of(&proc.builder, 3), build_float(&proc.builder, 3.0));
    CU_ASSERT_EQUAL(term_cmp(a, f, false), 0);
    CU_ASSERT_NOT_EQUAL(term_cmp(a, f, true), 0);
    /* Sizes first: a flat map orders before any hashmap. */
    term_t small = build_map(&proc.builder, ids, 32);
    CU_ASSERT_EQUAL(term_cmp(small, a, false), -1);
    teardown();
}

static void test_etf(void)
{
    setup();
    int ids[200];
    for (int i = 0; i < 200; i++)
        ids[i] = i;
    term_t m = build_map(&proc.builder, ids, 200);
    struct textbuf t;
    textbuf_init(&t);
    CU_ASSERT_EQUAL(etf_encode(m, &t), 0);
    term_t back = etf_decode(&proc.builder, (const uint8_t *)t.data, t.len, NULL, NULL);
    CU_ASSERT_TRUE(back != THE_NON_VALUE && same_trie(back, m));
    /* A repeated key is rejected (#{1 => 1, 1 => 2} in MAP_EXT), as by erts. */
    uint8_t bad[] = {131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 97, 1, 97, 2};
    CU_ASSERT_EQUAL(etf_decode(&proc.builder, bad, sizeof bad, NULL, NULL), THE_NON_VALUE);
    textbuf_dispose(&t);
    teardown();
}

static void test_gc_keeps_tries(void)
{
    setup();
    int ids[2000];
    for (int i = 0; i < 2000; i++)
        ids[i] = i;
    proc.x[0] = build_map(&proc.builder, ids, 2000);
    /* A second version sharing all but one path with the first. */
    proc.x[1] = put1(proc.x[0], key_of(&proc.builder, 5), ATOM_ok);
    (void)build_map(&proc.builder, ids, 500); /* garbage */
    size_t before = proc_heap_used(&proc);
    proc_gc(&proc, 0, 2);
    size_t after = proc_heap_used(&proc);
    CU_ASSERT_TRUE(after < before);
    CU_ASSERT_TRUE(after < 2000 * 9); /* shared subtries copied once (unshared: ~2000 * 12) */
    CU_ASSERT_TRUE(trie_valid(proc.x[0]) && trie_valid(proc.x[1]));
    bool all = true;
    for (int i = 0; i < 2000; i++)
        all = all && map_get(proc.x[0], key_of(&proc.builder, i)) == make_small(i);
    CU_ASSERT_TRUE(all);
    CU_ASSERT_EQUAL(map_get(proc.x[1], key_of(&proc.builder, 5)), ATOM_ok);
    proc_gc(&proc, 0, 2);
    CU_ASSERT_TRUE(same_trie(proc.x[0], build_map(&proc.builder, ids, 2000)));
    teardown();
}

void unit_register_vm_map(void)
{
    UNIT_SUITE("vm_map", UNIT_TEST(test_flat_up_to_32), UNIT_TEST(test_canonical_shape),
               UNIT_TEST(test_colliding_hashes), UNIT_TEST(test_walk_orders),
               UNIT_TEST(test_compare), UNIT_TEST(test_etf), UNIT_TEST(test_gc_keeps_tries));
}
