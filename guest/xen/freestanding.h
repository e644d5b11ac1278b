/*
 * freestanding: the few C library pieces the guest image needs, since it links no libc.
 *
 * memcpy/memmove/memset/memcmp keep their standard names and contracts because the compiler
 * emits calls to them on its own (struct copies, zeroing). The xg_ helpers are ours:
 *   xg_strlen, xg_streq          as strlen / strcmp()==0
 *   xg_parse_u64(s, max, &out)   strict decimal: digits only, no sign, no spaces, value <= max;
 *                                0 on success, -1 otherwise (out untouched)
 *   xg_fmt(buf, cap, fmt, ap)    vsnprintf subset: %s %c %d %u %x %ld %lu %lx %llu %llx %p %%;
 *                                always NUL-terminates (cap > 0), returns the length written
 *                                (truncated output is cut, never overrun)
 *   xg_snprintf(buf, cap, fmt, ...)  the same with variadic arguments
 */
#ifndef ZERG_XG_FREESTANDING_H
#define ZERG_XG_FREESTANDING_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t xg_strlen(const char *s);
int xg_streq(const char *a, const char *b);
int xg_parse_u64(const char *s, uint64_t max, uint64_t *out);
size_t xg_fmt(char *buf, size_t cap, const char *fmt, va_list ap);
size_t xg_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
