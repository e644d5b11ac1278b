/* Unit tests of the process heap and its generational copying collector. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/heap.h"
#include "vm/process.h"

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

static term_t build_list(struct process *p, int n)
{
    term_t l = NIL;
    for (int i = n; i > 0; i--) {
        term_t *el;
        term_t t = build_tuple(&p->builder, 2, &el);
        el[0] = make_small(i);
        el[1] = build_float(&p->builder, i + 0.5);
        l = build_cons(&p->builder, t, l);
    }
    return l;
}

static int check_list(term_t l, int n)
{
    for (int i = 1; i <= n; i++, l = CDR(l)) {
        if (!is_list(l))
            return 0;
        term_t t = CAR(l);
        if (!is_tuple(t) || tuple_elems(t)[0] != make_small(i) ||
            float_val(tuple_elems(t)[1]) != i + 0.5)
            return 0;
    }
    return is_nil(l);
}

static void test_live_data_survives(void)
{
    setup();
    proc.x[0] = build_list(&proc, 5000);
    proc.x[1] = atom_intern("keep", 4);
    proc_gc(&proc, 0, 2);
    CU_ASSERT_TRUE(check_list(proc.x[0], 5000));
    CU_ASSERT_EQUAL(proc.x[1], atom_intern("keep", 4));
    CU_ASSERT_PTR_NULL(proc.frags); /* fragments folded into the new heap */
    proc_gc(&proc, 0, 2);           /* twice: the copy is itself collectable */
    CU_ASSERT_TRUE(check_list(proc.x[0], 5000));
    teardown();
}

static void test_garbage_is_dropped(void)
{
    setup();
    proc.x[0] = build_list(&proc, 10);
    (void)build_list(&proc, 5000); /* unreachable */
    size_t before = proc_heap_used(&proc);
    proc_gc(&proc, 0, 1);
    size_t after = proc_heap_used(&proc);
    CU_ASSERT_TRUE(after < before / 10);
    CU_ASSERT_TRUE(check_list(proc.x[0], 10));
    teardown();
}

static void test_sharing_preserved(void)
{
    setup();
    term_t shared = build_list(&proc, 100);
    term_t *el;
    proc.x[0] = build_tuple(&proc.builder, 2, &el);
    el[0] = shared;
    el[1] = shared;
    size_t before = proc_heap_used(&proc);
    proc_gc(&proc, 0, 1);
    term_t t = proc.x[0];
    CU_ASSERT_EQUAL(tuple_elems(t)[0], tuple_elems(t)[1]); /* copied once, not twice */
    CU_ASSERT_TRUE(proc_heap_used(&proc) <= before);
    teardown();
}

static void test_stack_roots_and_continuations(void)
{
    setup();
    proc_ensure_stack(&proc, 4);
    proc.E -= 3;
    static const uintptr_t fake_code[2] = {0, 0};
    proc.E[0] = (term_t)(uintptr_t)fake_code; /* a continuation: not a term */
    proc.E[1] = build_list(&proc, 50);
    proc.E[2] = make_small(42);
    proc_gc(&proc, 0, 0);
    CU_ASSERT_EQUAL(proc.E[0], (term_t)(uintptr_t)fake_code);
    CU_ASSERT_TRUE(check_list(proc.E[1], 50));
    CU_ASSERT_EQUAL(proc.E[2], make_small(42));
    teardown();
}

static void test_refc_binaries_released(void)
{
    setup();
    uint8_t bytes[300];
    memset(bytes, 7, sizeof bytes);
    term_t kept = build_binary(&proc.builder, bytes, sizeof bytes, NULL);
    term_t dropped = build_binary(&proc.builder, bytes, sizeof bytes, NULL);
    struct offheap_bin *kob = (struct offheap_bin *)(uintptr_t)boxed_ptr(kept)[2];
    struct offheap_bin *dob = (struct offheap_bin *)(uintptr_t)boxed_ptr(dropped)[2];
    kob->refc++; /* the test's own references, to observe the counts */
    dob->refc++;
    /* A sub-binary keeps its original alive. */
    term_t *sub = build_alloc(&proc.builder, 4);
    sub[0] = make_header(3, SUB_SUB_BIN);
    sub[1] = 16;
    sub[2] = 8;
    sub[3] = kept;
    proc.x[0] = make_boxed(sub);
    proc_gc(&proc, 0, 1);
    CU_ASSERT_EQUAL(kob->refc, 2);
    CU_ASSERT_EQUAL(dob->refc, 1);
    offheap_bin_release(dob);
    teardown();
    CU_ASSERT_EQUAL(kob->refc, 1);
    offheap_bin_release(kob);
}

static void test_ensure_heap_grows(void)
{
    setup();
    proc.x[0] = build_list(&proc, 1000);
    proc_ensure_heap(&proc, 100000, 1);
    CU_ASSERT_TRUE((size_t)(proc.hend - proc.htop) >= 100000);
    CU_ASSERT_TRUE(check_list(proc.x[0], 1000));
    teardown();
}

/* A minor collection, as a heap test that does not fit would run it. */
static void minor_gc(struct process *p, unsigned live)
{
    proc_ensure_heap(p, (size_t)(p->hend - p->htop) + 1, live);
}

static bool in_old(const struct process *p, term_t t)
{
    const term_t *ptr = is_list(t) ? list_ptr(t) : boxed_ptr(t);
    return ptr >= p->old_heap && ptr < p->old_htop;
}

static bool in_young_heap(const struct process *p, term_t t)
{
    const term_t *ptr = is_list(t) ? list_ptr(t) : boxed_ptr(t);
    return ptr >= p->heap && ptr < p->htop;
}

static void test_heap_sizes_are_otps(void)
{
    CU_ASSERT_EQUAL(proc_heap_size_at_least(0), 12);
    CU_ASSERT_EQUAL(proc_heap_size_at_least(233), 233);
    CU_ASSERT_EQUAL(proc_heap_size_at_least(234), 376);
    CU_ASSERT_EQUAL(proc_heap_size_at_least(1000), 1598);
    CU_ASSERT_EQUAL(proc_heap_size_at_least(5000), 6772);
    CU_ASSERT_EQUAL(proc_heap_size_at_least(833026), 833026); /* the last Fibonacci step */
    CU_ASSERT_EQUAL(proc_heap_size_at_least(833027), 999631); /* then 20% steps */
    setup();
    CU_ASSERT_EQUAL(proc.min_heap_words, 233);
    CU_ASSERT_EQUAL(proc.heap_words, 233);
    CU_ASSERT_EQUAL(proc_set_min_heap_size(&proc, 5000), 233);
    CU_ASSERT_EQUAL(proc.min_heap_words, 6772);
    proc_gc(&proc, 0, 0);
    CU_ASSERT_TRUE(proc.heap_words >= 6772);
    teardown();
    struct process q;
    process_init(&q, 2, 1000);
    CU_ASSERT_EQUAL(q.min_heap_words, 1598);
    CU_ASSERT_EQUAL(q.heap_words, 1598);
    process_dispose(&q);
}

/* Data that survives one collection stays young; the next one promotes it. */
static void test_promotion_after_two_collections(void)
{
    setup();
    proc.x[0] = build_list(&proc, 2000);
    minor_gc(&proc, 1);
    CU_ASSERT_PTR_NULL(proc.old_heap); /* nothing was mature: no old heap yet */
    CU_ASSERT_TRUE(in_young_heap(&proc, proc.x[0]));
    CU_ASSERT_PTR_EQUAL(proc.high_water, proc.htop);
    CU_ASSERT_EQUAL(proc.gcs, 1);
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    term_t young_copy = proc.x[0];
    minor_gc(&proc, 1);
    CU_ASSERT_PTR_NOT_NULL(proc.old_heap);
    CU_ASSERT_TRUE(in_old(&proc, proc.x[0]));
    CU_ASSERT_NOT_EQUAL(proc.x[0], young_copy);
    CU_ASSERT_EQUAL((size_t)(proc.old_htop - proc.old_heap), 2000 * (2 + 3 + 2));
    CU_ASSERT_PTR_EQUAL(proc.htop, proc.heap); /* nothing else was live */
    CU_ASSERT_EQUAL(proc.gcs, 2);
    CU_ASSERT_EQUAL(proc.major_gcs, 0);
    CU_ASSERT_TRUE(check_list(proc.x[0], 2000));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    teardown();
}

/* A minor collection leaves the old heap alone: young data pointing into it is copied, the old
 * data is not, and old garbage stays until a major collection. */
static void test_old_data_untouched_by_minor(void)
{
    setup();
    proc.x[0] = build_list(&proc, 500);
    proc.x[1] = build_list(&proc, 300); /* to become old garbage */
    minor_gc(&proc, 2);
    minor_gc(&proc, 2);
    CU_ASSERT_TRUE(in_old(&proc, proc.x[0]) && in_old(&proc, proc.x[1]));
    term_t old_list = proc.x[0];
    size_t old_used = (size_t)(proc.old_htop - proc.old_heap);
    proc.x[1] = NIL;
    /* Young cells in front of the old list: young -> old pointers. */
    term_t l = old_list;
    for (int i = 0; i < 100; i++)
        l = build_cons(&proc.builder, make_small(-i), l);
    proc.x[0] = l;
    proc.x[2] = build_list(&proc, 50);
    minor_gc(&proc, 3);
    CU_ASSERT_EQUAL((size_t)(proc.old_htop - proc.old_heap), old_used); /* nothing promoted */
    term_t t = proc.x[0];
    for (int i = 99; i >= 0; i--, t = CDR(t)) {
        CU_ASSERT_TRUE(in_young_heap(&proc, t));
        CU_ASSERT_EQUAL(CAR(t), make_small(-i));
    }
    CU_ASSERT_EQUAL(t, old_list); /* the old list did not move */
    CU_ASSERT_TRUE(check_list(old_list, 500));
    CU_ASSERT_TRUE(check_list(proc.x[2], 50));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 3));
    /* The next minor collection promotes the young cells; the old garbage is still there. */
    minor_gc(&proc, 3);
    CU_ASSERT_TRUE(in_old(&proc, proc.x[0]));
    CU_ASSERT_EQUAL((size_t)(proc.old_htop - proc.old_heap), old_used + 100 * 2 + 50 * 7);
    /* A major collection drops it and frees the old heap. */
    proc_gc(&proc, 0, 3);
    CU_ASSERT_PTR_NULL(proc.old_heap);
    CU_ASSERT_EQUAL(proc.gcs, 0);
    CU_ASSERT_EQUAL(proc.major_gcs, 1);
    CU_ASSERT_EQUAL(proc_heap_used(&proc), 100 * 2 + 500 * 7 + 50 * 7);
    CU_ASSERT_PTR_EQUAL(proc.high_water, proc.htop); /* all of it is mature now */
    CU_ASSERT_TRUE(check_list(proc.x[2], 50));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 3));
    teardown();
}

/* fullsweep_after N: the collection after N minor ones is major. */
static void test_fullsweep_after(void)
{
    setup();
    proc.fullsweep_after = 3;
    proc.x[0] = build_list(&proc, 100);
    for (int i = 0; i < 3; i++) {
        (void)build_list(&proc, 100);
        minor_gc(&proc, 1);
    }
    CU_ASSERT_EQUAL(proc.gcs, 3);
    CU_ASSERT_EQUAL(proc.major_gcs, 0);
    CU_ASSERT_PTR_NOT_NULL(proc.old_heap);
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(proc.gcs, 0);
    CU_ASSERT_EQUAL(proc.major_gcs, 1);
    CU_ASSERT_PTR_NULL(proc.old_heap);
    CU_ASSERT_TRUE(check_list(proc.x[0], 100));
    /* fullsweep_after 0: every collection is major, none is generational. */
    proc.fullsweep_after = 0;
    minor_gc(&proc, 1);
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(proc.major_gcs, 3);
    CU_ASSERT_PTR_NULL(proc.old_heap);
    CU_ASSERT_TRUE(check_list(proc.x[0], 100));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    teardown();
}

/* Live data growing past the old heap's room makes the collection major, and nothing is lost. */
static void test_old_heap_full_forces_major(void)
{
    setup();
    term_t *el;
    proc.x[0] = build_tuple(&proc.builder, 40, &el);
    for (int i = 0; i < 40; i++)
        el[i] = NIL;
    for (int round = 0; round < 40; round++) {
        /* setelement/3: a new tuple (never a write into an old one) */
        term_t list = build_list(&proc, 200 + round);
        term_t *nel;
        term_t t = build_tuple(&proc.builder, 40, &nel);
        memcpy(nel, tuple_elems(proc.x[0]), 40 * sizeof(term_t));
        nel[round] = list;
        proc.x[0] = t;
        minor_gc(&proc, 1);
        CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    }
    CU_ASSERT_TRUE(proc.major_gcs > 0);
    for (int round = 0; round < 40; round++)
        CU_ASSERT_TRUE(check_list(tuple_elems(proc.x[0])[round], 200 + round));
    teardown();
}

/* Refc binaries: promoted with their object, released only when their generation is collected. */
static void test_refc_binaries_across_generations(void)
{
    setup();
    uint8_t bytes[500];
    memset(bytes, 3, sizeof bytes);
    proc.x[0] = build_binary(&proc.builder, bytes, sizeof bytes, NULL);
    struct offheap_bin *ob = (struct offheap_bin *)(uintptr_t)boxed_ptr(proc.x[0])[2];
    ob->refc++; /* the test's own reference */
    CU_ASSERT_EQUAL(proc.vheap_bytes, 500);
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(proc.vheap_bytes, 500);
    minor_gc(&proc, 1);
    CU_ASSERT_TRUE(in_old(&proc, proc.x[0]));
    CU_ASSERT_EQUAL(proc.vheap_bytes, 0);
    CU_ASSERT_EQUAL(proc.old_vheap_bytes, 500);
    CU_ASSERT_PTR_EQUAL(proc.old_refcs, boxed_ptr(proc.x[0]));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    proc.x[0] = NIL;
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(ob->refc, 2); /* old garbage: not collected by a minor collection */
    proc_gc(&proc, 0, 1);
    CU_ASSERT_EQUAL(ob->refc, 1);
    CU_ASSERT_EQUAL(proc.old_vheap_bytes, 0);
    CU_ASSERT_PTR_NULL(proc.old_refcs);
    offheap_bin_release(ob);
    /* Past the old generation's binary limit, the next collection is major. */
    proc.x[0] = build_binary(&proc.builder, bytes, sizeof bytes, NULL);
    minor_gc(&proc, 1);
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(proc.old_vheap_bytes, 500);
    uint64_t majors = proc.major_gcs;
    proc.old_vheap_limit = 100;
    minor_gc(&proc, 1);
    CU_ASSERT_EQUAL(proc.major_gcs, majors + 1);
    CU_ASSERT_EQUAL(proc.vheap_bytes, 500);
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    teardown();
}

/* Fragments (BIF results and messages built when the heap is full) are young data. */
static void test_fragments_are_young(void)
{
    setup();
    proc.x[0] = build_list(&proc, 10);
    minor_gc(&proc, 1);
    minor_gc(&proc, 1);
    CU_ASSERT_TRUE(in_old(&proc, proc.x[0]));
    proc.htop = proc.hend; /* the heap is full: what follows is built in fragments */
    term_t frag_list = proc.x[0];
    for (int i = 0; i < 3000; i++)
        frag_list = build_cons(&proc.builder, make_small(i), frag_list);
    CU_ASSERT_PTR_NOT_NULL(proc.frags);
    proc.htop = proc.high_water; /* (the words skipped above held nothing) */
    proc.x[1] = frag_list;
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 2));
    minor_gc(&proc, 2);
    CU_ASSERT_PTR_NULL(proc.frags);
    CU_ASSERT_TRUE(in_young_heap(&proc, proc.x[1])); /* not promoted: it is new */
    term_t t = proc.x[1];
    for (int i = 2999; i >= 0; i--, t = CDR(t))
        CU_ASSERT_EQUAL(CAR(t), make_small(i));
    CU_ASSERT_EQUAL(t, proc.x[0]);
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 2));
    teardown();
}

/* hibernate: one heap of exactly the live data, no old heap, no spare. */
static void test_hibernate_compacts(void)
{
    setup();
    proc.x[0] = build_list(&proc, 3000);
    minor_gc(&proc, 1);
    minor_gc(&proc, 1);
    (void)build_list(&proc, 1000);
    CU_ASSERT_PTR_NOT_NULL(proc.old_heap);
    proc_gc_hibernate(&proc, 1);
    CU_ASSERT_PTR_NULL(proc.old_heap);
    CU_ASSERT_PTR_NULL(proc.spare);
    CU_ASSERT_EQUAL(proc.heap_phys_words, 3000 * 7);
    CU_ASSERT_PTR_EQUAL(proc.htop, proc.hend);
    CU_ASSERT_TRUE(check_list(proc.x[0], 3000));
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 1));
    /* It wakes up and allocates again. */
    proc_ensure_heap(&proc, 100, 1);
    CU_ASSERT_TRUE((size_t)(proc.hend - proc.htop) >= 100);
    CU_ASSERT_TRUE(check_list(proc.x[0], 3000));
    teardown();
    setup();
    proc_gc_hibernate(&proc, 0); /* nothing live at all */
    CU_ASSERT_PTR_NULL(proc_heap_check(&proc, 0));
    proc_ensure_heap(&proc, 10, 0);
    CU_ASSERT_TRUE((size_t)(proc.hend - proc.htop) >= 10);
    teardown();
}

/* A small deterministic generator (the test must not depend on the C library's rand()). */
static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random term of the kinds the collector treats differently, sharing parts of `pool`. */
static term_t random_term(struct process *p, int depth, const term_t *pool, int npool)
{
    switch (depth > 3 ? rng() % 3 : rng() % 8) {
    case 0:
        return make_small((sterm_t)(rng() % 1000));
    case 1:
        return build_float(&p->builder, (double)(rng() % 1000) / 8);
    case 2: {
        uint8_t bytes[100];
        size_t n = rng() % 2 ? 10 : sizeof bytes; /* heap or refc */
        memset(bytes, (int)(rng() & 0xFF), sizeof bytes);
        return build_binary(&p->builder, bytes, n, NULL);
    }
    case 3:
        return npool ? pool[rng() % (uint64_t)npool] : NIL;
    case 4:
    case 5: {
        term_t l = NIL;
        for (int i = (int)(rng() % 6); i > 0; i--)
            l = build_cons(&p->builder, random_term(p, depth + 1, pool, npool), l);
        return l;
    }
    default: {
        term_t *el;
        uint64_t n = rng() % 5;
        term_t t = build_tuple(&p->builder, n, &el);
        for (uint64_t i = 0; i < n; i++) {
            term_t v = random_term(p, depth + 1, pool, npool);
            tuple_elems(t)[i] = v;
        }
        return t;
    }
    }
}

/*
 * Random mutator: roots replaced and grown from older roots (so young data points to old),
 * random minor and major collections; every root must stay equal to its copy kept outside the
 * heap, and the heap's invariants must hold after every collection.
 */
static void test_random_mutator(void)
{
    setup();
    rng_state = 0x9E3779B97F4A7C15u;
    enum { ROOTS = 16 };
    struct lit_area shadow;
    lit_area_init(&shadow);
    term_t copies[ROOTS];
    for (int i = 0; i < ROOTS; i++)
        proc.x[i] = copies[i] = NIL;
    int failures = 0, collections = 0;
    for (int step = 0; step < 2000 && failures == 0; step++) {
        int r = (int)(rng() % ROOTS);
        proc.x[r] = random_term(&proc, 0, proc.x, ROOTS);
        copies[r] = copy_term(&shadow.builder, proc.x[r]);
        (void)random_term(&proc, 0, proc.x, ROOTS); /* garbage */
        uint64_t what = rng() % 50;
        if (what < 10)
            minor_gc(&proc, ROOTS);
        else if (what == 10)
            proc_gc(&proc, 0, ROOTS);
        else if (what == 11)
            proc_ensure_heap(&proc, rng() % 5000, ROOTS);
        else
            continue;
        collections++;
        const char *err = proc_heap_check(&proc, ROOTS);
        if (err) {
            fprintf(stderr, "step %d: %s\n", step, err);
            failures++;
        }
        for (int i = 0; i < ROOTS; i++)
            if (term_cmp(proc.x[i], copies[i], true) != 0)
                failures++;
    }
    CU_ASSERT_EQUAL(failures, 0);
    CU_ASSERT_TRUE(collections > 300);
    CU_ASSERT_TRUE(proc.major_gcs > 5);
    CU_ASSERT_PTR_NOT_NULL(proc.old_heap);
    lit_area_dispose(&shadow);
    teardown();
}

void unit_register_vm_gc(void)
{
    UNIT_SUITE("vm_gc", UNIT_TEST(test_live_data_survives), UNIT_TEST(test_garbage_is_dropped),
               UNIT_TEST(test_sharing_preserved), UNIT_TEST(test_stack_roots_and_continuations),
               UNIT_TEST(test_refc_binaries_released), UNIT_TEST(test_ensure_heap_grows),
               UNIT_TEST(test_heap_sizes_are_otps), UNIT_TEST(test_promotion_after_two_collections),
               UNIT_TEST(test_old_data_untouched_by_minor), UNIT_TEST(test_fullsweep_after),
               UNIT_TEST(test_old_heap_full_forces_major),
               UNIT_TEST(test_refc_binaries_across_generations),
               UNIT_TEST(test_fragments_are_young), UNIT_TEST(test_hibernate_compacts),
               UNIT_TEST(test_random_mutator));
}
