/* rt.c: allocation, strings and text buffers for the core (see rt.h). */
#include "vm/rt.h"

#include <string.h>

#include "vm/platform.h"
#include "vm/snapshot.h"

void *rt_alloc(size_t bytes)
{
    if (snapshot_building)
        return snapshot_arena_alloc(bytes);
    void *p = zplat_alloc(bytes ? bytes : 1);
    if (!p)
        zplat_panic("zvm: out of memory");
    return p;
}

void *rt_zalloc(size_t bytes)
{
    void *p = rt_alloc(bytes);
    memset(p, 0, bytes);
    return p;
}

void *rt_realloc(void *p, size_t bytes)
{
    if (p && snapshot_holds(p))
        return snapshot_arena_realloc(p, bytes);
    if (snapshot_building) {
        if (p) /* made before the arena started: nothing is (zvm_main starts it first) */
            zplat_panic("zvm: snapshot: realloc of a block outside the arena");
        return snapshot_arena_alloc(bytes);
    }
    void *q = zplat_realloc(p, bytes ? bytes : 1);
    if (!q)
        zplat_panic("zvm: out of memory");
    return q;
}

void rt_free(void *p)
{
    if (p && snapshot_holds(p))
        snapshot_arena_free(p);
    else
        zplat_free(p);
}

void *rt_scratch_alloc(size_t bytes)
{
    void *p = zplat_alloc(bytes ? bytes : 1);
    if (!p)
        zplat_panic("zvm: out of memory");
    return p;
}

void *rt_scratch_zalloc(size_t bytes)
{
    void *p = rt_scratch_alloc(bytes);
    memset(p, 0, bytes);
    return p;
}

void *rt_scratch_realloc(void *p, size_t bytes)
{
    void *q = zplat_realloc(p, bytes ? bytes : 1);
    if (!q)
        zplat_panic("zvm: out of memory");
    return q;
}

void rt_scratch_free(void *p)
{
    zplat_free(p);
}

char *rt_strndup(const char *s, size_t len)
{
    char *d = rt_alloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

size_t rt_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int rt_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

bool rt_streq(const char *a, const char *b)
{
    return rt_strcmp(a, b) == 0;
}

bool rt_memeq(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

void textbuf_init(struct textbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void textbuf_dispose(struct textbuf *b)
{
    rt_free(b->data);
    textbuf_init(b);
}

void textbuf_put(struct textbuf *b, const void *bytes, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = rt_realloc(b->data, cap);
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, bytes, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void textbuf_puts(struct textbuf *b, const char *s)
{
    textbuf_put(b, s, rt_strlen(s));
}

void textbuf_putc(struct textbuf *b, char c)
{
    textbuf_put(b, &c, 1);
}

void textbuf_put_uint(struct textbuf *b, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    textbuf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void textbuf_put_int(struct textbuf *b, int64_t v)
{
    if (v < 0) {
        textbuf_putc(b, '-');
        textbuf_put_uint(b, (uint64_t)0 - (uint64_t)v);
    } else {
        textbuf_put_uint(b, (uint64_t)v);
    }
}

void textbuf_put_hex(struct textbuf *b, uint64_t v)
{
    char tmp[16];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    textbuf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void textbuf_vprintf(struct textbuf *b, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            textbuf_putc(b, *p);
            continue;
        }
        p++;
        if (p[0] == '.' && p[1] == '*' && p[2] == 's') {
            int n = va_arg(ap, int);
            const char *s = va_arg(ap, const char *);
            textbuf_put(b, s, (size_t)n);
            p += 2;
        } else if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            textbuf_puts(b, s ? s : "(null)");
        } else if (*p == 'd') {
            textbuf_put_int(b, va_arg(ap, int));
        } else if (*p == 'u') {
            textbuf_put_uint(b, va_arg(ap, unsigned));
        } else if (*p == 'x') {
            textbuf_put_hex(b, va_arg(ap, unsigned));
        } else if (*p == 'c') {
            textbuf_putc(b, (char)va_arg(ap, int));
        } else if (p[0] == 'l' && p[1] == 'd') {
            textbuf_put_int(b, va_arg(ap, long));
            p++;
        } else if (p[0] == 'l' && p[1] == 'u') {
            textbuf_put_uint(b, va_arg(ap, unsigned long));
            p++;
        } else if (p[0] == 'z' && p[1] == 'u') {
            textbuf_put_uint(b, va_arg(ap, size_t));
            p++;
        } else if (*p == '%') {
            textbuf_putc(b, '%');
        } else {
            /* A conversion outside this subset (a field width, %f, ...) would take the wrong
             * arguments from here on: a programming error, stopped at once. */
            zplat_panic("zvm: textbuf_printf: unsupported conversion in a format");
        }
    }
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    textbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

void rt_eprintf(const char *fmt, ...)
{
    struct textbuf b;
    textbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    textbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    zplat_console_write(ZPLAT_STDERR, b.data, b.len);
    textbuf_dispose(&b);
}
