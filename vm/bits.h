/*
 * bits.h: the bit syntax: matching (match contexts) and construction (bs_create_bin), as C
 * helpers the interpreter's bit syntax instructions call (vm/interp_bits.inc).
 *
 * A match context is [header, original binary, position, end] (term.h): positions are absolute
 * bit offsets into the original's storage (a sub-binary is resolved when the match starts).
 */
#ifndef ZVM_BITS_H
#define ZVM_BITS_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/term.h"

#define MATCH_CTX_WORDS 4

/* Flag bits of bit syntax operands (as the loader passes them). */
enum { BS_LITTLE = 2, BS_SIGNED = 4, BS_NATIVE = 16 };

/* Builds a match context for bitstring `bin` into hp[0..MATCH_CTX_WORDS). */
term_t bits_match_start(term_t *hp, term_t bin);
static inline uint64_t ctx_pos(term_t ctx)
{
    return (uint64_t)small_val(boxed_ptr(ctx)[2]);
}
static inline uint64_t ctx_end(term_t ctx)
{
    return (uint64_t)small_val(boxed_ptr(ctx)[3]);
}
static inline void ctx_set_pos(term_t ctx, uint64_t pos)
{
    boxed_ptr(ctx)[2] = make_small((sterm_t)pos);
}

/*
 * Reads an integer of `bits` bits at the context's position (advancing it). Returns the term, or
 * THE_NON_VALUE when fewer bits remain.
 */
term_t bits_get_integer(struct builder *b, term_t ctx, uint64_t bits, unsigned flags);
/* A float of 16, 32 or 64 bits; THE_NON_VALUE when short, another size, or not finite. */
term_t bits_get_float(struct builder *b, term_t ctx, uint64_t bits, unsigned flags);
/* A sub-binary of `bits` bits at the position. */
term_t bits_get_binary(struct builder *b, term_t ctx, uint64_t bits);
/* Whether the next bits equal `bits` bits of `str` (advancing on success). */
bool bits_match_string(term_t ctx, const uint8_t *str, uint64_t bits);
/* A UTF-8/16/32 code point (advancing); -1 when invalid or short. */
int32_t bits_get_utf8(term_t ctx);
int32_t bits_get_utf16(term_t ctx, unsigned flags);
int32_t bits_get_utf32(term_t ctx, unsigned flags);

/* One segment of bs_create_bin, decoded by the interpreter. */
struct bs_segment {
    term_t type; /* integer, float, binary, string, utf8, utf16, utf32, append, private_append */
    unsigned unit, flags;
    term_t value;       /* the term to put (or a pointer to StrT bytes for strings) */
    const uint8_t *str; /* string segments */
    term_t size;        /* size term (integer or `all`), NON_VALUE for none */
};

/*
 * Builds the bitstring of `n` segments. Returns THE_NON_VALUE on bad segments, with
 * *reason set to badarg or system_limit.
 */
term_t bits_create(struct builder *b, const struct bs_segment *segs, unsigned n, term_t *reason);

#endif
