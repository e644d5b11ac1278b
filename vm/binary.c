/* binary.c: bit-level copies (see binary.h). */
#include "vm/binary.h"

#include <string.h>

void copy_bits(uint8_t *dst, uint64_t dst_off, const uint8_t *src, uint64_t src_off, uint64_t bits)
{
    if (bits == 0)
        return;
    if ((dst_off & 7) == 0 && (src_off & 7) == 0) {
        uint64_t bytes = bits >> 3;
        memmove(dst + (dst_off >> 3), src + (src_off >> 3), bytes);
        dst_off += bytes * 8;
        src_off += bytes * 8;
        bits &= 7;
    }
    for (uint64_t i = 0; i < bits; i++) {
        uint64_t s = src_off + i, d = dst_off + i;
        unsigned bit = (src[s >> 3] >> (7 - (s & 7))) & 1u;
        uint8_t mask = (uint8_t)(1u << (7 - (d & 7)));
        if (bit)
            dst[d >> 3] |= mask;
        else
            dst[d >> 3] &= (uint8_t)~mask;
    }
}

const uint8_t *bitview_bytes(const struct bitview *v, uint8_t *tmp)
{
    if ((v->bit_offset & 7) == 0)
        return v->base + (v->bit_offset >> 3);
    uint64_t n = (v->bits + 7) / 8;
    if (n)
        tmp[n - 1] = 0;
    copy_bits(tmp, 0, v->base, v->bit_offset, v->bits);
    return tmp;
}
