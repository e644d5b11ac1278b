/* Unit tests of the process heap and its copying collector. */
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/compare.h"
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

void unit_register_vm_gc(void)
{
    UNIT_SUITE("vm_gc", UNIT_TEST(test_live_data_survives), UNIT_TEST(test_garbage_is_dropped),
               UNIT_TEST(test_sharing_preserved), UNIT_TEST(test_stack_roots_and_continuations),
               UNIT_TEST(test_refc_binaries_released), UNIT_TEST(test_ensure_heap_grows));
}
