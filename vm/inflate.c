/* inflate.c: vm/inflate.h over vm/support/inflate.h. */
#include "vm/inflate.h"

#include "vm/support/inflate.h"

int zvm_inflate(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    size_t out, used;
    if (zinflate_zlib(src, src_len, dst, dst_len, &out, &used) != ZINF_OK || out != dst_len)
        return -1;
    return 0;
}
