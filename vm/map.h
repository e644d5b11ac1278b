/*
 * map.h: maps, laid out and ordered as OTP 25 lays them out.
 *
 * A map of at most MAP_SMALL_LIMIT (32) pairs is flat: a keys tuple sorted in exact term order
 * plus the values in the same order (term.h). A larger one is a hash array mapped trie (HAMT)
 * with OTP's layout semantics:
 *   - a key's place comes from BEAM's make_map_hash (vm/hash.h): 4 bits per level, lowest bits
 *     first; after 8 levels the 32 bits are used up and the key is hashed again salted with the
 *     level group (1 for levels 8-15, ...), so keys with equal hashes still part;
 *   - the root (SUB_HASHMAP) holds the pair count and a 16-bit bitmap of the slots in use, an
 *     inner node (SUB_HAMT_NODE) only the bitmap; each holds one child per slot in use, in slot
 *     order: a leaf, which is a cons cell [Key | Value], or an inner node;
 *   - the trie is canonical: a leaf sits at the first level where no other key shares its slot
 *     path, and removals collapse it back up as OTP's do, so the same pairs always give the same
 *     trie whatever the history of puts and removals.
 * Every operation keeps "flat <=> at most 32 pairs": growing past 32 builds the trie, shrinking
 * to 32 flattens it, as OTP does. Equality and term order of maps do not depend on the layout
 * (sizes, then the keys in term order, then the values: compare.c).
 *
 * Order of the pairs, which is OTP's for every key whose hash is portable (hash.h):
 *   MAP_ORDER_ITER  maps:iterator/next (so fold, map, filter, foreach, ~p/~w printing): key order
 *                   for flat maps; for a hashmap the depth-first walk of the trie, slot 0 first.
 *   MAP_ORDER_LIST  maps:to_list, keys, values and term_to_binary: key order for flat maps; for
 *                   a hashmap the reverse of that walk.
 */
#ifndef ZVM_MAP_H
#define ZVM_MAP_H

#include "vm/heap.h"
#include "vm/term.h"

/* The most pairs a flat map holds (OTP's MAP_SMALL_MAP_LIMIT). */
#define MAP_SMALL_LIMIT 32
/* The deepest trie level: 8 hash groups of 8 levels. Two distinct keys whose 32-bit hashes
 * collide under all 8 salts cannot be stored (a 2^-224 event); zvm stops with a panic. */
#define MAP_MAX_DEPTH 64

/* --- trie nodes (for walkers outside map.c) ------------------------------------------------ */

/* The bitmap of a hashmap root or inner node. */
static inline uint32_t hamt_bitmap(term_t node)
{
    const term_t *o = boxed_ptr(node);
    return (uint32_t)(header_subtag(o[0]) == SUB_HASHMAP ? o[2] : o[1]);
}
/* The children of a hashmap root or inner node (in slot order) and their count. */
static inline unsigned hamt_children(term_t node, const term_t **items)
{
    const term_t *o = boxed_ptr(node);
    unsigned raw = header_subtag(o[0]) == SUB_HASHMAP ? 2 : 1;
    *items = o + 1 + raw;
    return (unsigned)(header_arity(o[0]) - raw);
}

/* --- lookups ------------------------------------------------------------------------------- */

/* Where the value of `key` in map `m` is stored, or NULL. */
const term_t *map_lookup(term_t m, term_t key);
/* The value of `key` in map `m`, or THE_NON_VALUE. */
static inline term_t map_get(term_t m, term_t key)
{
    const term_t *v = map_lookup(m, key);
    return v ? *v : THE_NON_VALUE;
}

/* --- building ------------------------------------------------------------------------------ */

/*
 * Builds a map from n key/value pairs (keys[i] -> vals[i]) in any order; when a key repeats, the
 * last pair wins. May reorder the arrays.
 */
term_t map_from_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n);
/* As map_from_pairs, but a repeated key is an error: returns THE_NON_VALUE (binary_to_term). */
term_t map_from_unique_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n);
/* About the words map_put_many may allocate to put n pairs into m (for heap reservations). */
uint64_t map_put_words(term_t m, uint64_t n);
/*
 * m with the pairs put (put_map_assoc: a later pair wins over an earlier one with the same key)
 * or updated (put_map_exact: every key must exist, else returns THE_NON_VALUE and sets *missing
 * to the missing key that comes first in term order).
 */
term_t map_put_many(struct builder *b, term_t m, const term_t *keys, const term_t *vals, uint64_t n,
                    bool exact, term_t *missing);
/* m without key (m itself when absent). */
term_t map_remove(struct builder *b, term_t m, term_t key);
/* maps:merge(A, B): the pairs of both, B's value where a key is in both. */
term_t map_merge(struct builder *b, term_t a, term_t bm);

/* --- walking ------------------------------------------------------------------------------- */

enum map_order {
    MAP_ORDER_ITER, /* maps:iterator order */
    MAP_ORDER_LIST, /* maps:to_list and term_to_binary order */
};

/* A walk over the pairs of a map, which must stay alive and unmoved (no GC) meanwhile. */
struct map_iter {
    term_t flat; /* the flat map walked, or THE_NON_VALUE for a hashmap */
    uint64_t i, n;
    bool reverse;
    unsigned depth;
    struct {
        const term_t *items;
        int n, next; /* children, and the index of the next one to visit */
    } level[MAP_MAX_DEPTH];
};
void map_iter_init(struct map_iter *it, term_t m, enum map_order order);
/* The next pair; false when the walk is over. */
bool map_iter_next(struct map_iter *it, term_t *key, term_t *value);

/* Fills keys[] and vals[] (map_size(m) each) with the pairs of m in key order. */
void map_sorted_pairs(term_t m, term_t *keys, term_t *vals);

#endif
