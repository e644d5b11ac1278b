/*
 * heap.h: where terms are built. Every function that builds terms takes a `struct builder`, so the
 * same code builds into a process heap (BIFs, binary_to_term) or into a module's literal area
 * (the loader). Off-heap (reference-counted) binaries built through a builder are linked into
 * that builder's owner, which releases them when it dies (process GC or module purge).
 */
#ifndef ZVM_HEAP_H
#define ZVM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "vm/term.h"

/* The shared part of a reference-counted binary; its bytes follow. */
struct offheap_bin {
    uint64_t refc;
    uint64_t size;     /* bytes written: the longest binary that refers to this storage */
    uint64_t capacity; /* bytes allocated (appends grow binaries in place up to it) */
    uint8_t data[];
};

struct builder {
    /* Returns room for `words` words; never NULL (out of memory ends the instance). */
    term_t *(*alloc)(struct builder *b, size_t words);
    /* Links a freshly built refc binary object (its header's address) to the owner. */
    void (*link_refc)(struct builder *b, term_t *refc_obj);
};

static inline term_t *build_alloc(struct builder *b, size_t words)
{
    return b->alloc(b, words);
}

/* Literal areas: a chain of blocks that never move, owned by a module. _init/_dispose pair. */
struct lit_block;
struct lit_area {
    struct builder builder; /* first member: a struct lit_area * is a struct builder * */
    struct lit_block *blocks;
    term_t *refcs; /* chain of refc binary objects, linked through their `next` word */
};
void lit_area_init(struct lit_area *a);
void lit_area_dispose(struct lit_area *a);

/* Refc binaries: [header(4), size, struct offheap_bin *, bytes, next]. */
#define REFC_WORDS 5
struct offheap_bin *offheap_bin_new(uint64_t size);
/* Storage for `size` bytes with room to grow to `capacity` (appends). */
struct offheap_bin *offheap_bin_new_cap(uint64_t size, uint64_t capacity);
/* A refc binary object for the first `size` bytes of `ob` (which gains a reference). */
term_t build_refc_view(struct builder *b, struct offheap_bin *ob, uint64_t size);
void offheap_bin_release(struct offheap_bin *ob);

/*
 * Builds a binary of `size` bytes, copied from `bytes` unless NULL (then the contents are left
 * for the caller to fill through *data). Small ones are heap binaries, larger ones refc.
 */
#define HEAP_BIN_MAX 64
term_t build_binary(struct builder *b, const uint8_t *bytes, uint64_t size, uint8_t **data);
/* Words build_binary will allocate for `size` bytes. */
static inline uint64_t binary_words(uint64_t size)
{
    return size <= HEAP_BIN_MAX ? 2 + bytes_to_words(size) : REFC_WORDS;
}
term_t build_float(struct builder *b, double d);
term_t build_tuple(struct builder *b, uint64_t arity, term_t **elems);
term_t build_cons(struct builder *b, term_t head, term_t tail);
/* A signed 64-bit integer: a small, or a one-digit bignum. */
term_t build_int64(struct builder *b, int64_t v);
term_t build_uint64(struct builder *b, uint64_t v);
/* A bignum from a normalised magnitude; returns a small when it fits. */
term_t build_bignum(struct builder *b, const uint64_t *digits, size_t n, bool neg);
/* A list of the `len` bytes as integers (a string). */
term_t build_string(struct builder *b, const char *s, size_t len);

#endif
