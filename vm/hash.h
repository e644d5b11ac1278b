/*
 * hash.h: OTP's term hash functions, value for value.
 *
 * term_phash() is BEAM's make_hash (erlang:phash/2) and term_phash2() its make_hash2
 * (erlang:phash2/1,2). Both are portable: the same term gives the same 32-bit value on zvm and
 * on stock erl, whatever the term's representation (heap or refc binary, sub-binary, small or
 * bignum, where it lives). Stock modules depend on that: sets, dict and the pg-style hash
 * tables order their elements by these values, so an unsorted listing matches erl only if the
 * hashes do.
 *
 * Pids, ports and refs hash by their number as BEAM's do (a pid <0.N.0> by N, a reference by
 * its lowest 32 bits). Neither function allocates on a process heap; deep or long terms are
 * walked with an explicit stack, never C recursion.
 */
#ifndef ZVM_HASH_H
#define ZVM_HASH_H

#include <stdint.h>

#include "vm/term.h"

/* BEAM's make_hash: erlang:phash(T, Range) is 1 + term_phash(T) rem Range. */
uint32_t term_phash(term_t t);
/* BEAM's make_hash2: erlang:phash2(T) is term_phash2(T) band (2^27 - 1). */
uint32_t term_phash2(term_t t);
/*
 * BEAM's make_map_hash(Key, LevelGroup): the 32-bit hash that places a key in a hashmap's trie
 * (vm/map.h), salted with the level group (0 for the first 8 levels, 1 for the next 8, ...). It
 * equals erl's for keys made of integers, floats, binaries, lists, tuples and maps; atoms, pids,
 * ports, references and funs hash by zvm's own representation (not portable, like BEAM's).
 */
uint32_t term_map_hash(term_t key, uint32_t level_group);
/* hashpjw over an atom's name, as BEAM's atom table computes it (both functions build on it). */
uint32_t atom_hash_value(term_t atom);

#endif
