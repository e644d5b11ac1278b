/*
 * ets.h: ETS tables, their storage and their ownership (the BIFs are in bif_ets.c, match
 * specifications in ets_match.c).
 *
 * A table lives outside every process heap. Each object is one allocation (struct ets_obj) that
 * holds a deep copy of the tuple, built by copy_term() into exactly the words it needs; refc
 * binaries inside it keep a reference that is released when the object is freed. Readers copy
 * objects back onto their own heap, so nothing a process holds ever points into a table.
 *
 * Storage by type:
 *   set, bag, duplicate_bag   a chained hash table (term_phash2 of the key, =:= on keys) whose
 *                             bucket count doubles when it holds twice as many objects; the
 *                             objects of one key are contiguous in their chain, in insertion
 *                             order (what lookup/2 of a bag returns).
 *   ordered_set               an AVL tree ordered by term order with == on keys (1 and 1.0 are
 *                             one key), as OTP's; lookups, next/prev and inserts are O(log n).
 *
 * Tables are found by reference number or by name through one registry. A table belongs to the
 * process that created it (or was given it); ets_process_exited() frees what a dead process
 * owned. Everything here runs on the VM's one scheduler thread.
 */
#ifndef ZVM_ETS_H
#define ZVM_ETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/term.h"

enum ets_type { ETS_SET, ETS_ORDERED_SET, ETS_BAG, ETS_DUPLICATE_BAG };
enum ets_access { ETS_PUBLIC, ETS_PROTECTED, ETS_PRIVATE };

/* One stored term (an object, or a table's heir data). */
struct ets_obj {
    struct ets_obj *next;         /* hash chain (set, bag, duplicate_bag) */
    struct ets_obj *left, *right; /* tree links (ordered_set) */
    int height;                   /* AVL height of this subtree (ordered_set) */
    uint32_t hash;                /* key hash (hash tables) */
    term_t *refcs;                /* refc binaries in data[], chained through their word 4 */
    size_t words;                 /* words of data[] */
    term_t term;                  /* the stored term, built in data[] */
    term_t data[];
};

struct ets_table {
    uint64_t id; /* the number of the reference that names the table */
    term_t name; /* an atom */
    bool named;
    enum ets_type type;
    enum ets_access access;
    unsigned keypos; /* 1-based */
    term_t owner;    /* a pid */
    term_t heir;     /* a pid or ATOM_none */
    struct ets_obj *heir_data;
    bool compressed, read_concurrency, decentralized_counters;
    term_t write_concurrency; /* true, false or auto */
    uint64_t fixes;           /* safe_fixtable(T, true) not yet undone */
    term_t fixer;             /* the pid that fixed it */
    size_t size;              /* objects */
    size_t words;             /* words of stored terms (for info(memory)) */
    struct ets_obj **buckets;
    size_t n_buckets; /* a power of two */
    struct ets_obj *root;
};

/* --- objects ------------------------------------------------------------------------------- */
/* A stored deep copy of `t` (any term). Never fails (out of memory ends the instance). */
struct ets_obj *ets_obj_new(term_t t);
void ets_obj_free(struct ets_obj *o);
static inline term_t ets_obj_key(const struct ets_table *t, const struct ets_obj *o)
{
    return tuple_elems(o->term)[t->keypos - 1];
}

/* --- the registry -------------------------------------------------------------------------- */
/* A new empty table, registered. The caller has checked that a named table's name is free. */
struct ets_table *ets_table_create(uint64_t id, term_t name, bool named, enum ets_type type,
                                   enum ets_access access, unsigned keypos, term_t owner);
/* Unregisters the table and frees it with every object. */
void ets_table_delete(struct ets_table *t);
struct ets_table *ets_table_by_id(uint64_t id);
struct ets_table *ets_table_by_name(term_t name);
/* Tables in creation order: i from 0 while the result is not NULL. */
struct ets_table *ets_table_at(size_t i);
/*
 * The scheduler calls this when a process exits: each table `pid` owned goes to its heir when
 * the heir is alive ({'ETS-TRANSFER', Tid, Pid, HeirData}), otherwise it is deleted.
 */
void ets_process_exited(term_t pid);
/* Deletes every table (VM shutdown; tests). */
void ets_dispose_all(void);

/*
 * Who is alive, and delivery of a message built on the receiver's heap: the scheduler's
 * sched_lookup() and sched_deliver() (sched.h) unless replaced (unit tests install fakes;
 * NULL restores the scheduler's).
 */
struct process;
struct ets_sched_ops {
    struct process *(*lookup)(term_t pid);
    void (*deliver)(struct process *to, term_t msg);
};
void ets_set_sched_ops(const struct ets_sched_ops *ops);
/* The live process with `pid`, or NULL. */
struct process *ets_process_lookup(term_t pid);
/*
 * Makes `to` the owner of `t` and sends it {'ETS-TRANSFER', Tid, From, Data} (Data copied onto
 * its heap). `to` must be alive (found by ets_process_lookup()).
 */
void ets_transfer(struct ets_table *t, struct process *to, term_t from, term_t data);
/* The table's identifier as Erlang sees it: its name if named, else its reference. */
term_t ets_table_tid(struct builder *b, const struct ets_table *t);
term_t ets_table_ref(struct builder *b, const struct ets_table *t);

/* --- storage ------------------------------------------------------------------------------- */
bool ets_key_eq(const struct ets_table *t, term_t a, term_t b);
/* The first object with `key` (the first inserted one in a bag), or NULL. */
struct ets_obj *ets_lookup(const struct ets_table *t, term_t key);
/* The next object with the same key as `o` in a bag, or NULL. */
struct ets_obj *ets_lookup_next(const struct ets_table *t, const struct ets_obj *o);
/*
 * Inserts `o`, which the table then owns: a set replaces the object with the same key, a bag
 * drops `o` when an equal object (=:=) is there, a duplicate_bag always adds.
 */
void ets_insert(struct ets_table *t, struct ets_obj *o);
/* Replaces stored object `old` by `o` with the same key, in place; frees `old`. */
void ets_replace(struct ets_table *t, struct ets_obj *old, struct ets_obj *o);
/* Removes and frees every object with `key`; returns how many. */
size_t ets_remove_key(struct ets_table *t, term_t key);
/* Removes and frees one stored object. */
void ets_remove_obj(struct ets_table *t, struct ets_obj *o);
/* Removes and frees every object; returns how many there were. */
size_t ets_clear(struct ets_table *t);

/*
 * Iteration in table order (term order of keys for ordered_set; bucket order for the others):
 * the first and last objects, and the object after / before every object with `key`. For hash
 * tables `key` must be present (else *missing is set and NULL returned); for ordered_set it
 * need not be. NULL at the end.
 */
struct ets_obj *ets_first(const struct ets_table *t);
struct ets_obj *ets_last(const struct ets_table *t);
struct ets_obj *ets_next(const struct ets_table *t, term_t key, bool *missing);
struct ets_obj *ets_prev(const struct ets_table *t, term_t key, bool *missing);
/* Object by object (every object of a bag), forwards or backwards (ordered_set only). */
struct ets_obj *ets_iter_next(const struct ets_table *t, const struct ets_obj *o);
struct ets_obj *ets_iter_prev(const struct ets_table *t, const struct ets_obj *o);
/* Hash tables: the first object of bucket `b` or after it (NULL past the last bucket). */
struct ets_obj *ets_bucket_from(const struct ets_table *t, size_t b);
static inline size_t ets_bucket_of(const struct ets_table *t, const struct ets_obj *o)
{
    return o->hash & (t->n_buckets - 1);
}

/* --- match specifications (ets_match.c) ---------------------------------------------------- */
struct ets_ms;
/* A match specification checked and compiled, or NULL when it is not a valid one. */
struct ets_ms *ets_ms_compile(term_t spec);
void ets_ms_free(struct ets_ms *ms);
/*
 * Runs the spec on `obj` (a stored term): THE_NON_VALUE when no clause matches, otherwise the
 * clause body's value built on p's heap (never pointing into the table; the atom 'EXIT' when
 * the body failed). Never runs the GC.
 */
term_t ets_ms_run(struct process *p, const struct ets_ms *ms, term_t obj);
/*
 * The key every clause's head fixes (ground at the key position of a tuple head), so only the
 * objects with that key can match; THE_NON_VALUE when the spec may match any key.
 */
term_t ets_ms_key(const struct ets_ms *ms, unsigned keypos);

#endif
