/*
 * rt.h: the small runtime the core uses instead of libc: allocation through the platform,
 * string helpers, and a growable text buffer for messages and printed terms.
 *
 * Allocation policy: VM structures (modules, atoms, heaps) are allocated with rt_alloc(), which
 * ends the instance through zplat_panic() when memory is exhausted, as BEAM does when its
 * allocators fail. Sizes that come from untrusted input (a .beam file, an external term) are
 * bounded by that input's length before anything is allocated, so bad input cannot trigger it.
 */
#ifndef ZVM_RT_H
#define ZVM_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *rt_alloc(size_t bytes);
void *rt_zalloc(size_t bytes);
void *rt_realloc(void *p, size_t bytes);
void rt_free(void *p);
/*
 * Scratch memory: buffers that never outlive the call that made them (the loader's working
 * tables). Always from the platform, even while a snapshot is made, so that the snapshot holds
 * only what lasts and the data an instance uses lies together (vm/snapshot.h).
 */
void *rt_scratch_alloc(size_t bytes);
void *rt_scratch_zalloc(size_t bytes);
void *rt_scratch_realloc(void *p, size_t bytes);
void rt_scratch_free(void *p);
/* Copies `len` bytes into a new NUL-terminated allocation. */
char *rt_strndup(const char *s, size_t len);

size_t rt_strlen(const char *s);
int rt_strcmp(const char *a, const char *b);
bool rt_streq(const char *a, const char *b);
bool rt_memeq(const void *a, const void *b, size_t n);

/* A growable byte buffer; always NUL-terminated after any append. _init/_dispose pair. */
struct textbuf {
    char *data;
    size_t len;
    size_t cap;
};
void textbuf_init(struct textbuf *b);
void textbuf_dispose(struct textbuf *b);
void textbuf_put(struct textbuf *b, const void *bytes, size_t len);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_putc(struct textbuf *b, char c);
void textbuf_put_int(struct textbuf *b, int64_t v);
void textbuf_put_uint(struct textbuf *b, uint64_t v);
void textbuf_put_hex(struct textbuf *b, uint64_t v);
/*
 * A minimal printf: %s (char *), %.*s (int, char *), %d (int), %u (unsigned), %ld (long),
 * %lu (unsigned long), %zu (size_t), %x (unsigned), %c (int), %%. No field widths or flags:
 * anything else is a programming error and panics (it would misread the arguments).
 */
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void textbuf_vprintf(struct textbuf *b, const char *fmt, va_list ap);

/* Writes a formatted message to the console's error stream. */
void rt_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
