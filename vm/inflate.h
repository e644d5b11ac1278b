/*
 * inflate.h: the one decompression entry the core needs (zlib streams: LitT chunks and
 * compressed external terms).
 *
 * Provided by vm/support's freestanding inflate once it lands (docs/vm-freestanding.md); until
 * then the hosted platform supplies it from Debian's zlib (guest/hosted/inflate_zlib.c), and
 * vm/freestanding-allowed.txt names this symbol as the one temporary exception.
 */
#ifndef ZVM_INFLATE_H
#define ZVM_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Inflates the zlib stream src[0..src_len) into exactly dst_len bytes at dst. Returns 0, or -1
 * when the stream is malformed, truncated, or does not produce exactly dst_len bytes.
 */
int zvm_inflate(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len);

#endif
