/*
 * inflate.h: the one decompression entry the core needs (zlib streams: LitT chunks and
 * compressed external terms), over vm/support's freestanding inflate.
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
