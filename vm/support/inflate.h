/*
 * inflate: zlib (RFC 1950) and raw deflate (RFC 1951) decompression into a caller's bounded
 * buffer, plus the smallest deflate that term_to_binary(T, [compressed]) needs. Freestanding:
 * no allocation, no libc beyond memcpy/memset, about 4 KB of stack (-fstack-usage).
 *
 * Every malformed input gives a negative code naming what is wrong (zinflate_strerror); input
 * is never read past src_len and output never written past dst_cap, whatever the bytes (the
 * unit tests fuzz it under AddressSanitizer).
 */
#ifndef ZERG_VM_SUPPORT_INFLATE_H
#define ZERG_VM_SUPPORT_INFLATE_H

#include <stddef.h>
#include <stdint.h>

enum zinflate_rc {
    ZINF_OK = 0,
    ZINF_EHEADER = -1,    /* zlib header: not deflate, window > 32K, bad check, or FDICT */
    ZINF_EBLOCKTYPE = -2, /* block type 3 */
    ZINF_ESTORED = -3,    /* stored block LEN/NLEN mismatch */
    ZINF_ECODES = -4,     /* dynamic block code lengths over-subscribed/incomplete/invalid */
    ZINF_ESYMBOL = -5,    /* invalid length or distance symbol (286/287, 30/31, no code) */
    ZINF_EDISTANCE = -6,  /* distance reaches before the start of the output */
    ZINF_ETRUNCATED = -7, /* input ends inside the stream */
    ZINF_EOUTPUT = -8,    /* output larger than dst_cap */
    ZINF_ECHECKSUM = -9,  /* Adler-32 mismatch */
};

/* A short English description of a zinflate_rc ("ok" for ZINF_OK). */
const char *zinflate_strerror(int rc);

/*
 * Inflates a raw deflate stream. On ZINF_OK, *out_len is the output size and *in_used the
 * number of input bytes consumed (through the final block's last byte).
 */
int zinflate_raw(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap, size_t *out_len,
                 size_t *in_used);

/*
 * Inflates a zlib stream (header, deflate data, Adler-32). Bytes after the Adler-32 are left
 * alone and counted out of *in_used, so the caller decides whether trailing data is an error.
 */
int zinflate_zlib(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap, size_t *out_len,
                  size_t *in_used);

/* Adler-32 of data, continuing from adler (start with 1). */
uint32_t zadler32(uint32_t adler, const uint8_t *data, size_t len);

/* A capacity always enough for zdeflate_zlib's output for len input bytes. */
static inline size_t zdeflate_max_len(size_t len)
{
    return len + 5 * (len / 65535 + 1) + 2 + 4;
}

/* The match finder's hash table (16 KB): the caller owns it, so nothing big sits on a stack. */
#define ZDEFLATE_HASH_BITS 12
struct zdeflate_work {
    uint32_t head[1u << ZDEFLATE_HASH_BITS];
};

/*
 * Compresses src into a valid zlib stream at dst: one fixed-Huffman block with greedy LZ77
 * matching (32 KB window), or stored blocks when those are not larger. Returns the stream's
 * length, or 0 when dst_cap is too small (zdeflate_max_len(len) never is).
 */
size_t zdeflate_zlib(const uint8_t *src, size_t len, uint8_t *dst, size_t dst_cap,
                     struct zdeflate_work *work);

#endif
