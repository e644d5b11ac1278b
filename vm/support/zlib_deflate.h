/*
 * zlib_deflate: zlib's own deflate (Debian's zlib1g-dev libz.a, the zlib stock erl links),
 * so that term_to_binary(T, [compressed]) and {compressed, Level} produce the same bytes as
 * erl. erts compresses with the equivalent of zlib's compress2(): deflateInit(level), one
 * deflate(Z_FINISH) over the whole input, into a bounded buffer; zlib_deflate() does exactly
 * that.
 *
 * The zlib members are partially linked into $(VM_ZLIB_OBJ) (vm/support/module.mk) with
 * their entry points renamed vmz_* and everything else local, so they cannot clash with the
 * host's zlib. zlib allocates through the stream's zalloc only, which here is a bump
 * allocator over the caller's work area: no malloc. (The object still names malloc/free in
 * zlib's unused default allocator; they are renamed to vmz_malloc/vmz_free, defined in
 * zlib_deflate.c to fail, and never reached because zalloc is always set.) Like musl's
 * libm, Debian's zlib is built with -fstack-protector: the guest must have set its FS base
 * (docs/vm-freestanding.md).
 */
#ifndef ZERG_VM_SUPPORT_ZLIB_DEFLATE_H
#define ZERG_VM_SUPPORT_ZLIB_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Work area zlib_deflate needs (windowBits 15, memLevel 8: 256 KiB of tables + state). */
#define ZLIB_DEFLATE_WORK_SIZE (288u * 1024u)

/*
 * Compresses src[0..len) at `level` (0..9, or -1 for zlib's default 6) into a zlib stream at
 * dst[0..cap). Returns the stream length; 0 when it does not fit in cap (erts then keeps the
 * uncompressed form), the level is invalid, work_len is below ZLIB_DEFLATE_WORK_SIZE, or len
 * does not fit zlib's 32-bit counters.
 */
size_t zlib_deflate(const uint8_t *src, size_t len, uint8_t *dst, size_t cap, int level, void *work,
                    size_t work_len);

#endif
