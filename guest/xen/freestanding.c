/* freestanding: the xg_ text helpers of freestanding.h; plain C, also built hosted for the unit
 * tests. */
#include "freestanding.h"

size_t xg_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int xg_streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int xg_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Output cursor that never writes past cap - 1 and keeps counting what fit. */
struct fmt_out {
    char *buf;
    size_t cap, len;
};

static void put_char(struct fmt_out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len++] = c;
}

static void put_str(struct fmt_out *o, const char *s)
{
    while (*s)
        put_char(o, *s++);
}

static void put_unsigned(struct fmt_out *o, unsigned long long v, unsigned base)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        put_char(o, digits[--n]);
}

size_t xg_fmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct fmt_out o = {buf, cap, 0};
    if (!cap)
        return 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put_char(&o, *fmt);
            continue;
        }
        int longs = 0;
        fmt++;
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            put_str(&o, s ? s : "(null)");
            break;
        }
        case 'c':
            put_char(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            long long v = longs ? va_arg(ap, long) : va_arg(ap, int);
            if (v < 0) {
                put_char(&o, '-');
                put_unsigned(&o, 0ull - (unsigned long long)v, 10);
            } else {
                put_unsigned(&o, (unsigned long long)v, 10);
            }
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v =
                longs ? va_arg(ap, unsigned long) : (unsigned long long)va_arg(ap, unsigned);
            put_unsigned(&o, v, *fmt == 'x' ? 16 : 10);
            break;
        }
        case 'p':
            put_str(&o, "0x");
            put_unsigned(&o, (unsigned long)va_arg(ap, void *), 16);
            break;
        case '%':
            put_char(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put_char(&o, '?');
            break;
        }
    }
    o.buf[o.len] = '\0';
    return o.len;
}

size_t xg_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = xg_fmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
