/* inflate_zlib.c: vm/inflate.h from Debian's zlib, until vm/support's freestanding inflate lands.
 */
#include "vm/inflate.h"

#include <zlib.h>

int zvm_inflate(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len)
{
    uLongf out = (uLongf)dst_len;
    if (uncompress(dst, &out, src, (uLong)src_len) != Z_OK || out != dst_len)
        return -1;
    return 0;
}
