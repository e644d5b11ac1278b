/*
 * map.h: maps. Every map is flat: a keys tuple sorted in exact term order plus the values in the
 * same order (term.h). Lookups are binary searches. (OTP switches to a hash trie above 32 keys;
 * zvm keeps one representation, so the iteration order of maps:to_list/1 above 32 keys differs
 * from OTP's while equality, ordering and every lookup agree.)
 */
#ifndef ZVM_MAP_H
#define ZVM_MAP_H

#include "vm/heap.h"
#include "vm/term.h"

/* The value of `key` in map `m`, or THE_NON_VALUE. */
term_t map_get(term_t m, term_t key);
/* The position of `key` among the keys, or -1. */
int64_t map_index(term_t m, term_t key);

/*
 * Builds a map from n key/value pairs (keys[i] -> vals[i]) in any order; when a key repeats, the
 * last pair wins. Sorts the arrays in place.
 */
term_t map_from_pairs(struct builder *b, term_t *keys, term_t *vals, uint64_t n);
/* Words map_from_pairs may allocate for n pairs. */
static inline uint64_t map_words(uint64_t n)
{
    return 2 + n + 1 + n;
}
/*
 * m with the pairs put (put_map_assoc) or updated (put_map_exact: every key must exist, else
 * returns THE_NON_VALUE and sets *missing to the first missing key).
 */
term_t map_put_many(struct builder *b, term_t m, const term_t *keys, const term_t *vals, uint64_t n,
                    bool exact, term_t *missing);
/* m without key (m itself when absent). */
term_t map_remove(struct builder *b, term_t m, term_t key);

#endif
