/* ets.c: ETS table storage, ordering and ownership (see ets.h). */
#include "vm/ets.h"

#include <string.h>

#include "vm/compare.h"
#include "vm/copy.h"
#include "vm/hash.h"
#include "vm/heap.h"
#include "vm/platform.h"
#include "vm/process.h"
#include "vm/sched.h"
#include "vm/rt.h"

/* --- objects: a deep copy into one exact-size allocation ------------------------------------ */

/* Words copy_term() allocates for `t`; mirrors copy.c case by case (same depth cut-off). */
static size_t copy_words(term_t t, int depth)
{
    if (is_immed(t) || depth > 100000)
        return 0;
    size_t n = 0;
    if (is_list(t)) {
        for (; is_list(t); t = CDR(t))
            n += CONS_WORDS + copy_words(CAR(t), depth + 1);
        return n + copy_words(t, depth + 1);
    }
    term_t *o = boxed_ptr(t);
    uint64_t arity = header_arity(o[0]);
    switch (header_subtag(o[0])) {
    case SUB_REFC_BIN:
        return REFC_WORDS;
    case SUB_SUB_BIN:
        return 4 + copy_words(o[3], depth + 1);
    case SUB_MATCH_CTX:
        return 4 + copy_words(o[1], depth + 1);
    default:
        n = 1 + arity;
        for (uint64_t i = term_raw_words(o[0]); i < arity; i++)
            n += copy_words(o[1 + i], depth + 1);
        return n;
    }
}

struct obj_builder {
    struct builder b; /* first member */
    struct ets_obj *obj;
    size_t used;
};

static term_t *obj_alloc(struct builder *b, size_t words)
{
    struct obj_builder *ob = (struct obj_builder *)b;
    if (ob->used + words > ob->obj->words)
        zplat_panic("ets: an object's copy outgrew its measured size");
    term_t *w = ob->obj->data + ob->used;
    ob->used += words;
    return w;
}

static void obj_link_refc(struct builder *b, term_t *refc_obj)
{
    struct obj_builder *ob = (struct obj_builder *)b;
    refc_obj[4] = (term_t)(uintptr_t)ob->obj->refcs;
    ob->obj->refcs = refc_obj;
}

struct ets_obj *ets_obj_new(term_t t)
{
    size_t words = copy_words(t, 0);
    struct ets_obj *o = rt_alloc(sizeof *o + words * sizeof(term_t));
    memset(o, 0, sizeof *o);
    o->words = words;
    struct obj_builder ob = {.b = {.alloc = obj_alloc, .link_refc = obj_link_refc}, .obj = o};
    o->term = copy_term(&ob.b, t);
    return o;
}

void ets_obj_free(struct ets_obj *o)
{
    if (!o)
        return;
    for (term_t *r = o->refcs; r; r = (term_t *)(uintptr_t)r[4])
        offheap_bin_release((struct offheap_bin *)(uintptr_t)r[2]);
    rt_free(o);
}

/* --- the registry -------------------------------------------------------------------------- */

#define ETS_INITIAL_BUCKETS 16

static struct ets_table **tables;
static size_t n_tables, cap_tables;

struct ets_table *ets_table_create(uint64_t id, term_t name, bool named, enum ets_type type,
                                   enum ets_access access, unsigned keypos, term_t owner)
{
    struct ets_table *t = rt_zalloc(sizeof *t);
    t->id = id;
    t->name = name;
    t->named = named;
    t->type = type;
    t->access = access;
    t->keypos = keypos;
    t->owner = owner;
    t->heir = ATOM_none;
    if (type != ETS_ORDERED_SET) {
        t->n_buckets = ETS_INITIAL_BUCKETS;
        t->buckets = rt_zalloc(t->n_buckets * sizeof *t->buckets);
    }
    if (n_tables == cap_tables) {
        cap_tables = cap_tables ? cap_tables * 2 : 16;
        tables = rt_realloc(tables, cap_tables * sizeof *tables);
    }
    tables[n_tables++] = t;
    return t;
}

void ets_table_delete(struct ets_table *t)
{
    for (size_t i = 0; i < n_tables; i++) {
        if (tables[i] == t) {
            memmove(&tables[i], &tables[i + 1], (n_tables - i - 1) * sizeof *tables);
            n_tables--;
            break;
        }
    }
    ets_clear(t);
    ets_obj_free(t->heir_data);
    rt_free(t->buckets);
    rt_free(t);
    if (n_tables == 0) {
        rt_free(tables);
        tables = NULL;
        cap_tables = 0;
    }
}

struct ets_table *ets_table_by_id(uint64_t id)
{
    for (size_t i = 0; i < n_tables; i++)
        if (tables[i]->id == id)
            return tables[i];
    return NULL;
}

struct ets_table *ets_table_by_name(term_t name)
{
    for (size_t i = 0; i < n_tables; i++)
        if (tables[i]->named && tables[i]->name == name)
            return tables[i];
    return NULL;
}

struct ets_table *ets_table_at(size_t i)
{
    return i < n_tables ? tables[i] : NULL;
}

static struct ets_sched_ops sched_ops = {.lookup = sched_lookup, .deliver = sched_deliver};

void ets_set_sched_ops(const struct ets_sched_ops *ops)
{
    if (ops)
        sched_ops = *ops;
    else
        sched_ops = (struct ets_sched_ops){.lookup = sched_lookup, .deliver = sched_deliver};
}

struct process *ets_process_lookup(term_t pid)
{
    return sched_ops.lookup && is_pid(pid) ? sched_ops.lookup(pid) : NULL;
}

term_t ets_table_ref(struct builder *b, const struct ets_table *t)
{
    term_t *o = build_alloc(b, 2);
    o[0] = make_header(1, SUB_REF);
    o[1] = t->id;
    return make_boxed(o);
}

term_t ets_table_tid(struct builder *b, const struct ets_table *t)
{
    return t->named ? t->name : ets_table_ref(b, t);
}

void ets_transfer(struct ets_table *t, struct process *to, term_t from, term_t data)
{
    struct builder *b = &to->builder;
    t->owner = make_pid(to->id);
    term_t *el;
    term_t msg = build_tuple(b, 4, &el);
    el[0] = ATOM_ETS_TRANSFER;
    el[1] = ets_table_tid(b, t);
    el[2] = from;
    el[3] = copy_term(b, data);
    sched_ops.deliver(to, msg);
}

void ets_process_exited(term_t pid)
{
    for (size_t i = n_tables; i > 0; i--) {
        struct ets_table *t = tables[i - 1];
        if (t->owner != pid)
            continue;
        struct process *heir = t->heir != pid ? ets_process_lookup(t->heir) : NULL;
        if (heir && sched_ops.deliver) {
            struct ets_obj *data = t->heir_data;
            t->heir = ATOM_none;
            t->heir_data = NULL;
            ets_transfer(t, heir, pid, data ? data->term : ATOM_undefined);
            ets_obj_free(data);
        } else
            ets_table_delete(t);
    }
}

void ets_dispose_all(void)
{
    while (n_tables)
        ets_table_delete(tables[n_tables - 1]);
}

/* --- keys ---------------------------------------------------------------------------------- */

bool ets_key_eq(const struct ets_table *t, term_t a, term_t b)
{
    return t->type == ETS_ORDERED_SET ? a == b || term_cmp(a, b, false) == 0 : term_eq_exact(a, b);
}

static int key_cmp(term_t a, term_t b)
{
    return a == b ? 0 : term_cmp(a, b, false);
}

/* --- ordered_set: an AVL tree -------------------------------------------------------------- */

static int height(const struct ets_obj *n)
{
    return n ? n->height : 0;
}

static void fix_height(struct ets_obj *n)
{
    int l = height(n->left), r = height(n->right);
    n->height = 1 + (l > r ? l : r);
}

static struct ets_obj *rotate_right(struct ets_obj *y)
{
    struct ets_obj *x = y->left;
    y->left = x->right;
    x->right = y;
    fix_height(y);
    fix_height(x);
    return x;
}

static struct ets_obj *rotate_left(struct ets_obj *x)
{
    struct ets_obj *y = x->right;
    x->right = y->left;
    y->left = x;
    fix_height(x);
    fix_height(y);
    return y;
}

static struct ets_obj *rebalance(struct ets_obj *n)
{
    fix_height(n);
    int bf = height(n->left) - height(n->right);
    if (bf > 1) {
        if (height(n->left->left) < height(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (bf < -1) {
        if (height(n->right->right) < height(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

/* Inserts o (key `key`); a node with an equal key is replaced by o and returned in *old. */
static struct ets_obj *tree_insert(const struct ets_table *t, struct ets_obj *n, struct ets_obj *o,
                                   term_t key, struct ets_obj **old)
{
    if (!n) {
        o->left = o->right = NULL;
        o->height = 1;
        return o;
    }
    int c = key_cmp(key, ets_obj_key(t, n));
    if (c == 0) {
        o->left = n->left;
        o->right = n->right;
        o->height = n->height;
        *old = n;
        return o;
    }
    if (c < 0)
        n->left = tree_insert(t, n->left, o, key, old);
    else
        n->right = tree_insert(t, n->right, o, key, old);
    return rebalance(n);
}

static struct ets_obj *tree_remove_min(struct ets_obj *n, struct ets_obj **min)
{
    if (!n->left) {
        *min = n;
        return n->right;
    }
    n->left = tree_remove_min(n->left, min);
    return rebalance(n);
}

/* Unlinks the node with `key` (returned in *removed); nodes keep their identity. */
static struct ets_obj *tree_remove(const struct ets_table *t, struct ets_obj *n, term_t key,
                                   struct ets_obj **removed)
{
    if (!n)
        return NULL;
    int c = key_cmp(key, ets_obj_key(t, n));
    if (c < 0)
        n->left = tree_remove(t, n->left, key, removed);
    else if (c > 0)
        n->right = tree_remove(t, n->right, key, removed);
    else {
        *removed = n;
        if (!n->left)
            return n->right;
        if (!n->right)
            return n->left;
        struct ets_obj *m;
        struct ets_obj *r = tree_remove_min(n->right, &m);
        m->left = n->left;
        m->right = r;
        return rebalance(m);
    }
    return rebalance(n);
}

static struct ets_obj *tree_find(const struct ets_table *t, term_t key)
{
    struct ets_obj *n = t->root;
    while (n) {
        int c = key_cmp(key, ets_obj_key(t, n));
        if (c == 0)
            return n;
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

/* The slot that points at the node with `key`. */
static struct ets_obj **tree_slot(struct ets_table *t, term_t key)
{
    struct ets_obj **s = &t->root;
    while (*s) {
        int c = key_cmp(key, ets_obj_key(t, *s));
        if (c == 0)
            return s;
        s = c < 0 ? &(*s)->left : &(*s)->right;
    }
    return NULL;
}

static struct ets_obj *tree_after(const struct ets_table *t, term_t key)
{
    struct ets_obj *n = t->root, *best = NULL;
    while (n) {
        if (key_cmp(key, ets_obj_key(t, n)) < 0) {
            best = n;
            n = n->left;
        } else
            n = n->right;
    }
    return best;
}

static struct ets_obj *tree_before(const struct ets_table *t, term_t key)
{
    struct ets_obj *n = t->root, *best = NULL;
    while (n) {
        if (key_cmp(key, ets_obj_key(t, n)) > 0) {
            best = n;
            n = n->right;
        } else
            n = n->left;
    }
    return best;
}

static void tree_free(struct ets_obj *n)
{
    while (n) {
        tree_free(n->left);
        struct ets_obj *r = n->right;
        ets_obj_free(n);
        n = r;
    }
}

/* --- set, bag, duplicate_bag: a chained hash table ------------------------------------------ */

static struct ets_obj **bucket_for(const struct ets_table *t, uint32_t hash)
{
    return &t->buckets[hash & (t->n_buckets - 1)];
}

/* Doubles the buckets, keeping each chain's order (a key's objects stay together, in order). */
static void grow(struct ets_table *t)
{
    size_t n = t->n_buckets * 2;
    struct ets_obj **nb = rt_zalloc(n * sizeof *nb);
    struct ets_obj **tails = rt_alloc(n * sizeof *tails);
    for (size_t i = 0; i < n; i++)
        tails[i] = NULL;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct ets_obj *o = t->buckets[i];
        while (o) {
            struct ets_obj *next = o->next;
            size_t b = o->hash & (n - 1);
            o->next = NULL;
            if (tails[b])
                tails[b]->next = o;
            else
                nb[b] = o;
            tails[b] = o;
            o = next;
        }
    }
    rt_free(tails);
    rt_free(t->buckets);
    t->buckets = nb;
    t->n_buckets = n;
}

static struct ets_obj *hash_find(const struct ets_table *t, term_t key, uint32_t hash)
{
    for (struct ets_obj *o = *bucket_for(t, hash); o; o = o->next)
        if (o->hash == hash && term_eq_exact(ets_obj_key(t, o), key))
            return o;
    return NULL;
}

/* --- storage ------------------------------------------------------------------------------- */

struct ets_obj *ets_lookup(const struct ets_table *t, term_t key)
{
    if (t->type == ETS_ORDERED_SET)
        return tree_find(t, key);
    return hash_find(t, key, term_phash2(key));
}

struct ets_obj *ets_lookup_next(const struct ets_table *t, const struct ets_obj *o)
{
    if (t->type == ETS_SET || t->type == ETS_ORDERED_SET || !o->next)
        return NULL;
    return o->next->hash == o->hash && term_eq_exact(ets_obj_key(t, o->next), ets_obj_key(t, o))
               ? o->next
               : NULL;
}

static void account_in(struct ets_table *t, const struct ets_obj *o)
{
    t->size++;
    t->words += o->words;
}

static void account_out(struct ets_table *t, const struct ets_obj *o)
{
    t->size--;
    t->words -= o->words;
}

void ets_insert(struct ets_table *t, struct ets_obj *o)
{
    term_t key = ets_obj_key(t, o);
    if (t->type == ETS_ORDERED_SET) {
        struct ets_obj *old = NULL;
        t->root = tree_insert(t, t->root, o, key, &old);
        account_in(t, o);
        if (old) {
            account_out(t, old);
            ets_obj_free(old);
        }
        return;
    }
    o->hash = term_phash2(key);
    struct ets_obj **b = bucket_for(t, o->hash);
    struct ets_obj *last = NULL; /* the last object with this key */
    for (struct ets_obj **pp = b; *pp; pp = &(*pp)->next) {
        struct ets_obj *s = *pp;
        if (s->hash != o->hash || !term_eq_exact(ets_obj_key(t, s), key)) {
            if (last)
                break; /* past the key's objects */
            continue;
        }
        if (t->type == ETS_SET) {
            o->next = s->next;
            *pp = o;
            account_in(t, o);
            account_out(t, s);
            ets_obj_free(s);
            return;
        }
        if (t->type == ETS_BAG && term_eq_exact(s->term, o->term)) {
            ets_obj_free(o);
            return;
        }
        last = s;
    }
    if (last) {
        o->next = last->next;
        last->next = o;
    } else {
        o->next = *b;
        *b = o;
    }
    account_in(t, o);
    if (t->size > 2 * t->n_buckets)
        grow(t);
}

void ets_replace(struct ets_table *t, struct ets_obj *old, struct ets_obj *o)
{
    if (t->type == ETS_ORDERED_SET) {
        struct ets_obj **s = tree_slot(t, ets_obj_key(t, old));
        o->left = old->left;
        o->right = old->right;
        o->height = old->height;
        *s = o;
    } else {
        o->hash = old->hash;
        struct ets_obj **pp = bucket_for(t, old->hash);
        while (*pp != old)
            pp = &(*pp)->next;
        o->next = old->next;
        *pp = o;
    }
    account_in(t, o);
    account_out(t, old);
    ets_obj_free(old);
}

size_t ets_remove_key(struct ets_table *t, term_t key)
{
    if (t->type == ETS_ORDERED_SET) {
        struct ets_obj *removed = NULL;
        t->root = tree_remove(t, t->root, key, &removed);
        if (!removed)
            return 0;
        account_out(t, removed);
        ets_obj_free(removed);
        return 1;
    }
    uint32_t hash = term_phash2(key);
    size_t n = 0;
    struct ets_obj **pp = bucket_for(t, hash);
    while (*pp) {
        struct ets_obj *s = *pp;
        if (s->hash == hash && term_eq_exact(ets_obj_key(t, s), key)) {
            *pp = s->next;
            account_out(t, s);
            ets_obj_free(s);
            n++;
        } else
            pp = &s->next;
    }
    return n;
}

void ets_remove_obj(struct ets_table *t, struct ets_obj *o)
{
    if (t->type == ETS_ORDERED_SET) {
        struct ets_obj *removed = NULL;
        t->root = tree_remove(t, t->root, ets_obj_key(t, o), &removed);
    } else {
        struct ets_obj **pp = bucket_for(t, o->hash);
        while (*pp != o)
            pp = &(*pp)->next;
        *pp = o->next;
    }
    account_out(t, o);
    ets_obj_free(o);
}

size_t ets_clear(struct ets_table *t)
{
    size_t n = t->size;
    if (t->type == ETS_ORDERED_SET) {
        tree_free(t->root);
        t->root = NULL;
    } else {
        for (size_t i = 0; i < t->n_buckets; i++) {
            struct ets_obj *o = t->buckets[i];
            while (o) {
                struct ets_obj *next = o->next;
                ets_obj_free(o);
                o = next;
            }
            t->buckets[i] = NULL;
        }
    }
    t->size = 0;
    t->words = 0;
    return n;
}

/* --- iteration ----------------------------------------------------------------------------- */

struct ets_obj *ets_bucket_from(const struct ets_table *t, size_t b)
{
    for (; b < t->n_buckets; b++)
        if (t->buckets[b])
            return t->buckets[b];
    return NULL;
}

struct ets_obj *ets_first(const struct ets_table *t)
{
    if (t->type != ETS_ORDERED_SET)
        return ets_bucket_from(t, 0);
    struct ets_obj *n = t->root;
    while (n && n->left)
        n = n->left;
    return n;
}

struct ets_obj *ets_last(const struct ets_table *t)
{
    if (t->type != ETS_ORDERED_SET)
        return ets_first(t); /* OTP: last/1 of a hash table is first/1 */
    struct ets_obj *n = t->root;
    while (n && n->right)
        n = n->right;
    return n;
}

struct ets_obj *ets_iter_next(const struct ets_table *t, const struct ets_obj *o)
{
    if (t->type == ETS_ORDERED_SET)
        return tree_after(t, ets_obj_key(t, o));
    return o->next ? o->next : ets_bucket_from(t, ets_bucket_of(t, o) + 1);
}

struct ets_obj *ets_iter_prev(const struct ets_table *t, const struct ets_obj *o)
{
    if (t->type == ETS_ORDERED_SET)
        return tree_before(t, ets_obj_key(t, o));
    return ets_iter_next(t, o);
}

struct ets_obj *ets_next(const struct ets_table *t, term_t key, bool *missing)
{
    *missing = false;
    if (t->type == ETS_ORDERED_SET)
        return tree_after(t, key);
    struct ets_obj *o = ets_lookup(t, key);
    if (!o) {
        *missing = true;
        return NULL;
    }
    for (struct ets_obj *n; (n = ets_lookup_next(t, o));)
        o = n;
    return ets_iter_next(t, o);
}

struct ets_obj *ets_prev(const struct ets_table *t, term_t key, bool *missing)
{
    if (t->type != ETS_ORDERED_SET)
        return ets_next(t, key, missing); /* OTP: prev/2 of a hash table is next/2 */
    *missing = false;
    return tree_before(t, key);
}
