/*
 * Unit tests of ETS (vm/ets.c, vm/bif_ets.c): what the Erlang corpus cannot reach with part 1's
 * one process. Access rights between two processes, tables freed with their owner, give_away/3
 * and a heir through the scheduler seams (a fake lookup and delivery here), and the storage's
 * own invariants (AVL balance and order, bag groups kept together when the hash table grows).
 */
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/ets.h"
#include "vm/heap.h"
#include "vm/process.h"

static struct process owner, other;
static term_t delivered;
static struct process *delivered_to;
static int deliveries;

static struct process *fake_lookup(term_t pid)
{
    if (pid == make_pid(owner.id))
        return &owner;
    if (pid == make_pid(other.id))
        return &other;
    return NULL;
}

static void fake_deliver(struct process *to, term_t msg)
{
    delivered_to = to;
    delivered = msg;
    deliveries++;
}

static void setup(void)
{
    atom_table_init();
    process_init(&owner, 10, 0);
    process_init(&other, 11, 0);
    delivered = THE_NON_VALUE;
    delivered_to = NULL;
    deliveries = 0;
}

static void teardown(void)
{
    ets_set_sched_ops(NULL);
    ets_dispose_all();
    process_dispose(&owner);
    process_dispose(&other);
}

static term_t atom(const char *s)
{
    return atom_intern(s, strlen(s));
}

static term_t list_of(struct process *p, int n, const term_t *items)
{
    term_t l = NIL;
    for (int i = n; i > 0; i--)
        l = build_cons(&p->builder, items[i - 1], l);
    return l;
}

static term_t tuple2(struct process *p, term_t a, term_t b)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = a;
    el[1] = b;
    return t;
}

static term_t new_table(struct process *p, term_t access, term_t type)
{
    term_t opts[] = {access, type};
    term_t args[] = {atom("t"), list_of(p, 2, opts)};
    return bif_ets_new_2(p, args);
}

static bool is_badarg(struct process *p, term_t r)
{
    return r == THE_NON_VALUE && p->exc_reason == ATOM_badarg;
}

static void test_access_rights(void)
{
    setup();
    const char *kinds[] = {"public", "protected", "private"};
    for (int k = 0; k < 3; k++) {
        term_t tab = new_table(&owner, atom(kinds[k]), ATOM_set);
        term_t obj = tuple2(&owner, make_small(1), make_small(2));
        term_t ins[] = {tab, obj};
        CU_ASSERT_EQUAL(bif_ets_insert_2(&owner, ins), ATOM_true);

        term_t other_obj = tuple2(&other, make_small(3), make_small(4));
        term_t ins2[] = {tab, other_obj};
        term_t look[] = {tab, make_small(1)};
        term_t w = bif_ets_insert_2(&other, ins2);
        term_t r = bif_ets_lookup_2(&other, look);
        if (k == 0) { /* public: anyone reads and writes */
            CU_ASSERT_EQUAL(w, ATOM_true);
            CU_ASSERT_TRUE(is_list(r));
        } else if (k == 1) { /* protected: others read only */
            CU_ASSERT_TRUE(is_badarg(&other, w));
            CU_ASSERT_TRUE(is_list(r) && is_tuple(CAR(r)));
        } else { /* private: the owner only */
            CU_ASSERT_TRUE(is_badarg(&other, w));
            CU_ASSERT_TRUE(is_badarg(&other, r));
            term_t sel[] = {tab, NIL};
            CU_ASSERT_TRUE(is_badarg(&other, bif_ets_select_2(&other, sel)));
        }
        /* deleting the table needs write access, as OTP's */
        term_t del[] = {tab};
        if (k > 0)
            CU_ASSERT_TRUE(is_badarg(&other, bif_ets_delete_1(&other, del)));
        term_t ren[] = {tab, atom("renamed")};
        if (k > 0)
            CU_ASSERT_TRUE(is_badarg(&other, bif_ets_rename_2(&other, ren)));
        /* info/2 answers anyone */
        term_t inf[] = {tab, ATOM_owner};
        CU_ASSERT_EQUAL(bif_ets_info_2(&other, inf), make_pid(owner.id));
        CU_ASSERT_EQUAL(bif_ets_delete_1(k == 0 ? &other : &owner, del), ATOM_true);
    }
    teardown();
}

static void test_owner_exit_frees_tables(void)
{
    setup();
    term_t a = new_table(&owner, ATOM_public, ATOM_ordered_set);
    term_t b = new_table(&other, ATOM_public, ATOM_bag);
    /* a refc binary stored in a table keeps its storage alive until the object goes */
    uint8_t *data;
    term_t bin = build_binary(&owner.builder, NULL, 1000, &data);
    memset(data, 7, 1000);
    struct offheap_bin *ob = (struct offheap_bin *)(uintptr_t)boxed_ptr(bin)[2];
    term_t ins[] = {a, tuple2(&owner, make_small(1), bin)};
    CU_ASSERT_EQUAL(bif_ets_insert_2(&owner, ins), ATOM_true);
    CU_ASSERT_EQUAL(ob->refc, 2);
    ets_process_exited(make_pid(owner.id));
    CU_ASSERT_EQUAL(ob->refc, 1);
    term_t inf[] = {a, ATOM_size};
    CU_ASSERT_EQUAL(bif_ets_info_2(&other, inf), ATOM_undefined);
    term_t infb[] = {b, ATOM_size};
    CU_ASSERT_EQUAL(bif_ets_info_2(&other, infb), make_small(0));
    teardown();
}

static void test_give_away(void)
{
    setup();
    term_t tab = new_table(&owner, ATOM_protected, ATOM_set);
    term_t args[] = {tab, make_pid(other.id), atom("gift")};
    /* the real scheduler (not running here) knows no such process */
    CU_ASSERT_TRUE(is_badarg(&owner, bif_ets_give_away_3(&owner, args)));
    struct ets_sched_ops ops = {.lookup = fake_lookup, .deliver = fake_deliver};
    ets_set_sched_ops(&ops);
    /* only the owner gives, never to itself, only to a live pid */
    CU_ASSERT_TRUE(is_badarg(&other, bif_ets_give_away_3(&other, args)));
    term_t self_args[] = {tab, make_pid(owner.id), atom("gift")};
    CU_ASSERT_TRUE(is_badarg(&owner, bif_ets_give_away_3(&owner, self_args)));
    term_t dead_args[] = {tab, make_pid(99), atom("gift")};
    CU_ASSERT_TRUE(is_badarg(&owner, bif_ets_give_away_3(&owner, dead_args)));
    CU_ASSERT_EQUAL(deliveries, 0);

    CU_ASSERT_EQUAL(bif_ets_give_away_3(&owner, args), ATOM_true);
    CU_ASSERT_EQUAL(deliveries, 1);
    CU_ASSERT_PTR_EQUAL(delivered_to, &other);
    CU_ASSERT_TRUE(is_tuple(delivered) && tuple_arity(delivered) == 4);
    if (is_tuple(delivered) && tuple_arity(delivered) == 4) {
        term_t *el = tuple_elems(delivered);
        CU_ASSERT_EQUAL(el[0], ATOM_ETS_TRANSFER);
        CU_ASSERT_TRUE(term_eq_exact(el[1], tab));
        CU_ASSERT_EQUAL(el[2], make_pid(owner.id));
        CU_ASSERT_EQUAL(el[3], atom("gift"));
    }
    /* the new owner writes; the old one no longer may */
    term_t ins[] = {tab, tuple2(&other, make_small(1), NIL)};
    CU_ASSERT_EQUAL(bif_ets_insert_2(&other, ins), ATOM_true);
    term_t ins2[] = {tab, tuple2(&owner, make_small(2), NIL)};
    CU_ASSERT_TRUE(is_badarg(&owner, bif_ets_insert_2(&owner, ins2)));
    teardown();
}

static void test_heir_inherits(void)
{
    setup();
    struct ets_sched_ops ops = {.lookup = fake_lookup, .deliver = fake_deliver};
    ets_set_sched_ops(&ops);
    term_t heir_opt;
    term_t *el;
    heir_opt = build_tuple(&owner.builder, 3, &el);
    el[0] = ATOM_heir;
    el[1] = make_pid(other.id);
    el[2] = tuple2(&owner, atom("data"), make_small(42));
    term_t opts[] = {heir_opt};
    term_t args[] = {atom("inherited"), list_of(&owner, 1, opts)};
    term_t tab = bif_ets_new_2(&owner, args);
    CU_ASSERT_TRUE(is_ref(tab));
    term_t plain = new_table(&owner, ATOM_public, ATOM_set);
    ets_process_exited(make_pid(owner.id));
    CU_ASSERT_EQUAL(deliveries, 1);
    term_t inf[] = {tab, ATOM_owner};
    CU_ASSERT_EQUAL(bif_ets_info_2(&other, inf), make_pid(other.id));
    term_t infp[] = {plain, ATOM_owner};
    CU_ASSERT_EQUAL(bif_ets_info_2(&other, infp), ATOM_undefined);
    if (is_tuple(delivered) && tuple_arity(delivered) == 4) {
        term_t data = tuple_elems(delivered)[3];
        CU_ASSERT_TRUE(is_tuple(data) && tuple_elems(data)[1] == make_small(42));
        CU_ASSERT_EQUAL(tuple_elems(delivered)[2], make_pid(owner.id));
    } else
        CU_FAIL("no ETS-TRANSFER message");
    teardown();
}

/* Height and order of the AVL tree: every subtree balanced, keys strictly increasing. */
static int check_tree(const struct ets_table *t, const struct ets_obj *n, term_t *prev, bool *ok)
{
    if (!n)
        return 0;
    int l = check_tree(t, n->left, prev, ok);
    term_t key = ets_obj_key(t, n);
    if (*prev != THE_NON_VALUE && term_cmp(*prev, key, false) >= 0)
        *ok = false;
    *prev = key;
    int r = check_tree(t, n->right, prev, ok);
    int h = 1 + (l > r ? l : r);
    if (l - r > 1 || r - l > 1 || n->height != h)
        *ok = false;
    return h;
}

static void test_tree_invariants(void)
{
    setup();
    struct ets_table *t =
        ets_table_create(1, atom("tree"), false, ETS_ORDERED_SET, ETS_PUBLIC, 1, make_pid(1));
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        sterm_t k = (sterm_t)(x >> 8) % 5000;
        term_t *el;
        term_t obj = build_tuple(&owner.builder, 1, &el);
        el[0] = make_small(k);
        if (i % 3 == 2)
            ets_remove_key(t, make_small(k));
        else
            ets_insert(t, ets_obj_new(obj));
    }
    bool ok = true;
    term_t prev = THE_NON_VALUE;
    int h = check_tree(t, t->root, &prev, &ok);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_TRUE(t->size > 1000);
    /* an AVL tree of n nodes is at most 1.44 log2(n) high: 18 for 5000 */
    CU_ASSERT_TRUE(h <= 18);
    size_t n = 0;
    for (struct ets_obj *o = ets_first(t); o; o = ets_iter_next(t, o))
        n++;
    CU_ASSERT_EQUAL(n, t->size);
    ets_table_delete(t);
    teardown();
}

static void test_bag_groups_survive_growth(void)
{
    setup();
    struct ets_table *t =
        ets_table_create(2, atom("bag"), false, ETS_DUPLICATE_BAG, ETS_PUBLIC, 1, make_pid(1));
    /* keys interleaved so chains hold several keys; each key's objects in insertion order */
    for (int round = 0; round < 20; round++)
        for (int k = 0; k < 300; k++) {
            term_t *el;
            term_t obj = build_tuple(&owner.builder, 2, &el);
            el[0] = make_small(k);
            el[1] = make_small(round);
            ets_insert(t, ets_obj_new(obj));
        }
    CU_ASSERT_EQUAL(t->size, 6000);
    CU_ASSERT_TRUE(t->n_buckets >= 2048);
    bool ok = true;
    for (int k = 0; k < 300 && ok; k++) {
        int round = 0;
        for (struct ets_obj *o = ets_lookup(t, make_small(k)); o; o = ets_lookup_next(t, o))
            ok = ok && tuple_elems(o->term)[1] == make_small(round++);
        ok = ok && round == 20;
    }
    CU_ASSERT_TRUE(ok);
    /* iteration visits every object once */
    size_t n = 0;
    for (struct ets_obj *o = ets_first(t); o; o = ets_iter_next(t, o))
        n++;
    CU_ASSERT_EQUAL(n, 6000);
    CU_ASSERT_EQUAL(ets_remove_key(t, make_small(7)), 20);
    CU_ASSERT_EQUAL(t->size, 5980);
    ets_table_delete(t);
    teardown();
}

static void test_match_spec_compile(void)
{
    setup();
    /* [{{'$1', '_'}, [{'>', '$1', 1}], ['$1']}] compiles; with '$2' in the body it does not */
    struct builder *b = &owner.builder;
    term_t head = tuple2(&owner, atom("$1"), ATOM_underscore);
    term_t *el;
    term_t guard = build_tuple(b, 3, &el);
    el[0] = atom(">");
    el[1] = atom("$1");
    el[2] = make_small(1);
    term_t clause = build_tuple(b, 3, &el);
    el[0] = head;
    el[1] = build_cons(b, guard, NIL);
    el[2] = build_cons(b, atom("$1"), NIL);
    term_t spec = build_cons(b, clause, NIL);
    struct ets_ms *ms = ets_ms_compile(spec);
    CU_ASSERT_PTR_NOT_NULL(ms);
    if (ms) {
        CU_ASSERT_EQUAL(ets_ms_run(&owner, ms, tuple2(&owner, make_small(5), NIL)), make_small(5));
        CU_ASSERT_EQUAL(ets_ms_run(&owner, ms, tuple2(&owner, make_small(0), NIL)), THE_NON_VALUE);
        CU_ASSERT_EQUAL(ets_ms_run(&owner, ms, make_small(0)), THE_NON_VALUE);
        CU_ASSERT_EQUAL(ets_ms_key(ms, 1), THE_NON_VALUE);
        ets_ms_free(ms);
    }
    tuple_elems(clause)[2] = build_cons(b, atom("$2"), NIL);
    CU_ASSERT_PTR_NULL(ets_ms_compile(spec));
    tuple_elems(clause)[2] = NIL; /* an empty body */
    CU_ASSERT_PTR_NULL(ets_ms_compile(spec));
    teardown();
}

void unit_register_vm_ets(void)
{
    UNIT_SUITE("vm_ets", UNIT_TEST(test_access_rights), UNIT_TEST(test_owner_exit_frees_tables),
               UNIT_TEST(test_give_away), UNIT_TEST(test_heir_inherits),
               UNIT_TEST(test_tree_invariants), UNIT_TEST(test_bag_groups_survive_growth),
               UNIT_TEST(test_match_spec_compile));
}
