/*
 * binary.h: reading bitstrings whatever their representation (heap, refc or sub-binary), and the
 * bit-level copy every binary operation is built on.
 */
#ifndef ZVM_BINARY_H
#define ZVM_BINARY_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/term.h"

/* A bitstring's bytes seen from outside: `bits` bits starting `bit_offset` bits into `base`. */
struct bitview {
    const uint8_t *base;
    uint64_t bit_offset;
    uint64_t bits;
};

/* The storage of a heap or refc binary object (not a sub-binary). */
static inline const uint8_t *binary_storage(term_t bin, uint64_t *size)
{
    term_t *obj = boxed_ptr(bin);
    *size = obj[1];
    if (header_subtag(obj[0]) == SUB_HEAP_BIN)
        return (const uint8_t *)(obj + 2);
    return (const uint8_t *)(uintptr_t)obj[3];
}

/* `t` must be a bitstring (is_bitstring). */
static inline struct bitview bitview_of(term_t t)
{
    struct bitview v;
    term_t *obj = boxed_ptr(t);
    uint64_t size;
    if (header_subtag(obj[0]) == SUB_SUB_BIN) {
        v.base = binary_storage(obj[3], &size);
        v.bits = obj[1];
        v.bit_offset = obj[2];
    } else {
        v.base = binary_storage(t, &size);
        v.bits = size * 8;
        v.bit_offset = 0;
    }
    return v;
}

static inline uint64_t bitstring_bits(term_t t)
{
    term_t *obj = boxed_ptr(t);
    if (header_subtag(obj[0]) == SUB_SUB_BIN)
        return obj[1];
    return obj[1] * 8;
}

/* A whole-byte binary (bit size divisible by 8). */
static inline bool is_binary_term(term_t t)
{
    return is_bitstring(t) && bitstring_bits(t) % 8 == 0;
}

/* Reads bit `i` (0 = most significant bit of the first byte) of a view. */
static inline unsigned bitview_bit(const struct bitview *v, uint64_t i)
{
    uint64_t b = v->bit_offset + i;
    return (v->base[b >> 3] >> (7 - (b & 7))) & 1u;
}

/* Copies `bits` bits from (src, src_off) to (dst, dst_off); both offsets in bits. */
void copy_bits(uint8_t *dst, uint64_t dst_off, const uint8_t *src, uint64_t src_off, uint64_t bits);

/*
 * When the view is byte-aligned, returns a pointer to its first byte; else copies the bytes
 * (bits rounded up, trailing bits zero) into `tmp` (at least (bits + 7) / 8 bytes) and returns it.
 */
const uint8_t *bitview_bytes(const struct bitview *v, uint8_t *tmp);

#endif
