/* md5.h: MD5 (RFC 1321) for erlang:md5/1 and md5_init/update/final. */
#ifndef ZVM_MD5_H
#define ZVM_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
    uint32_t h[4];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const uint8_t *data, size_t len);
void md5_final(struct md5 *m, uint8_t digest[16]);

#endif
