/* etf.c: the external term format (see etf.h). */
#include "vm/etf.h"

#include <string.h>

#include "vm/atom.h"
#include "vm/binary.h"
#include "vm/inflate.h"
#include "vm/map.h"
#include "vm/module.h"

enum {
    ETF_VERSION = 131,
    NEW_FLOAT_EXT = 70,
    BIT_BINARY_EXT = 77,
    COMPRESSED = 80,
    NEW_PID_EXT = 88,
    NEW_PORT_EXT = 89,
    NEWER_REFERENCE_EXT = 90,
    SMALL_INTEGER_EXT = 97,
    INTEGER_EXT = 98,
    FLOAT_EXT = 99,
    ATOM_EXT = 100,
    PID_EXT = 103,
    SMALL_TUPLE_EXT = 104,
    LARGE_TUPLE_EXT = 105,
    NIL_EXT = 106,
    STRING_EXT = 107,
    LIST_EXT = 108,
    BINARY_EXT = 109,
    SMALL_BIG_EXT = 110,
    LARGE_BIG_EXT = 111,
    NEW_FUN_EXT = 112,
    EXPORT_EXT = 113,
    NEW_REFERENCE_EXT = 114,
    SMALL_ATOM_EXT = 115,
    MAP_EXT = 116,
    ATOM_UTF8_EXT = 118,
    SMALL_ATOM_UTF8_EXT = 119,
};

#define MAX_DEPTH 10000

struct reader {
    const uint8_t *p, *end;
    struct builder *b;
    struct textbuf *err;
    int depth;
};

static term_t fail(struct reader *r, const char *why)
{
    if (r->err && r->err->len == 0)
        textbuf_printf(r->err, "%s", why);
    return THE_NON_VALUE;
}

static bool need(struct reader *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static term_t latin1_atom(const uint8_t *s, size_t len)
{
    uint8_t buf[2 * 255];
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) {
            buf[o++] = s[i];
        } else {
            buf[o++] = (uint8_t)(0xC0 | (s[i] >> 6));
            buf[o++] = (uint8_t)(0x80 | (s[i] & 0x3F));
        }
    }
    return atom_intern((const char *)buf, o);
}

static term_t read_term(struct reader *r);

static term_t read_atom_term(struct reader *r)
{
    term_t t = read_term(r);
    if (t != THE_NON_VALUE && !is_atom(t))
        return fail(r, "an atom was expected");
    return t;
}

static term_t read_term(struct reader *r)
{
    if (!need(r, 1))
        return fail(r, "truncated term");
    if (++r->depth > MAX_DEPTH)
        return fail(r, "term nested too deeply");
    uint8_t tag = *r->p++;
    term_t result = THE_NON_VALUE;
    switch (tag) {
    case SMALL_INTEGER_EXT:
        if (!need(r, 1))
            return fail(r, "truncated integer");
        result = make_small(*r->p++);
        break;
    case INTEGER_EXT:
        if (!need(r, 4))
            return fail(r, "truncated integer");
        result = make_small((int32_t)be32(r->p));
        r->p += 4;
        break;
    case NEW_FLOAT_EXT: {
        if (!need(r, 8))
            return fail(r, "truncated float");
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | r->p[i];
        r->p += 8;
        union {
            uint64_t u;
            double d;
        } v = {.u = bits};
        if (v.d != v.d || v.d - v.d != 0)
            return fail(r, "float is not finite");
        result = build_float(r->b, v.d);
        break;
    }
    case ATOM_EXT:
    case ATOM_UTF8_EXT:
    case SMALL_ATOM_EXT:
    case SMALL_ATOM_UTF8_EXT: {
        bool small = tag == SMALL_ATOM_EXT || tag == SMALL_ATOM_UTF8_EXT;
        if (!need(r, small ? 1 : 2))
            return fail(r, "truncated atom");
        size_t len = small ? r->p[0] : ((size_t)r->p[0] << 8 | r->p[1]);
        r->p += small ? 1 : 2;
        if (!need(r, len))
            return fail(r, "truncated atom");
        if (tag == ATOM_EXT || tag == SMALL_ATOM_EXT) {
            if (len > 255)
                return fail(r, "atom too long");
            result = latin1_atom(r->p, len);
        } else {
            result = atom_intern((const char *)r->p, len);
        }
        r->p += len;
        if (result == THE_NON_VALUE)
            return fail(r, "bad atom text");
        break;
    }
    case SMALL_TUPLE_EXT:
    case LARGE_TUPLE_EXT: {
        size_t n;
        if (tag == SMALL_TUPLE_EXT) {
            if (!need(r, 1))
                return fail(r, "truncated tuple");
            n = *r->p++;
        } else {
            if (!need(r, 4))
                return fail(r, "truncated tuple");
            n = be32(r->p);
            r->p += 4;
        }
        if (!need(r, n)) /* every element takes at least one byte */
            return fail(r, "truncated tuple");
        term_t *el;
        result = build_tuple(r->b, n, &el);
        for (size_t i = 0; i < n; i++) {
            term_t e = read_term(r);
            if (e == THE_NON_VALUE)
                return e;
            el[i] = e;
        }
        break;
    }
    case NIL_EXT:
        result = NIL;
        break;
    case STRING_EXT: {
        if (!need(r, 2))
            return fail(r, "truncated string");
        size_t n = (size_t)r->p[0] << 8 | r->p[1];
        r->p += 2;
        if (!need(r, n))
            return fail(r, "truncated string");
        result = build_string(r->b, (const char *)r->p, n);
        r->p += n;
        break;
    }
    case LIST_EXT: {
        if (!need(r, 4))
            return fail(r, "truncated list");
        size_t n = be32(r->p);
        r->p += 4;
        if (!need(r, n))
            return fail(r, "truncated list");
        term_t *cells = n ? build_alloc(r->b, 2 * n) : NULL;
        for (size_t i = 0; i < n; i++) {
            cells[2 * i] = NIL;
            cells[2 * i + 1] = NIL;
        }
        for (size_t i = 0; i < n; i++) {
            term_t e = read_term(r);
            if (e == THE_NON_VALUE)
                return e;
            cells[2 * i] = e;
            if (i + 1 < n)
                cells[2 * i + 1] = make_list(cells + 2 * (i + 1));
        }
        term_t tail = read_term(r);
        if (tail == THE_NON_VALUE)
            return tail;
        if (n == 0)
            return fail(r, "empty LIST_EXT");
        cells[2 * n - 1] = tail;
        result = make_list(cells);
        break;
    }
    case BINARY_EXT:
    case BIT_BINARY_EXT: {
        if (!need(r, tag == BINARY_EXT ? 4 : 5))
            return fail(r, "truncated binary");
        size_t n = be32(r->p);
        r->p += 4;
        unsigned last_bits = 8;
        if (tag == BIT_BINARY_EXT) {
            last_bits = *r->p++;
            if (last_bits < 1 || last_bits > 8 || n == 0)
                return fail(r, "bad bit binary");
        }
        if (!need(r, n))
            return fail(r, "truncated binary");
        term_t bin = build_binary(r->b, r->p, n, NULL);
        r->p += n;
        if (last_bits != 8) {
            term_t *sub = build_alloc(r->b, 4);
            sub[0] = make_header(3, SUB_SUB_BIN);
            sub[1] = (n - 1) * 8 + last_bits;
            sub[2] = 0;
            sub[3] = bin;
            bin = make_boxed(sub);
        }
        result = bin;
        break;
    }
    case SMALL_BIG_EXT:
    case LARGE_BIG_EXT: {
        size_t n;
        if (tag == SMALL_BIG_EXT) {
            if (!need(r, 2))
                return fail(r, "truncated integer");
            n = *r->p++;
        } else {
            if (!need(r, 5))
                return fail(r, "truncated integer");
            n = be32(r->p);
            r->p += 4;
        }
        uint8_t sign = *r->p++;
        if (sign > 1 || !need(r, n))
            return fail(r, "bad big integer");
        size_t nd = (n + 7) / 8;
        uint64_t small_digits[4] = {0, 0, 0, 0};
        uint64_t *d = nd <= 4 ? small_digits : rt_alloc(nd * 8);
        for (size_t i = 0; i < nd; i++)
            d[i] = 0;
        for (size_t i = 0; i < n; i++)
            d[i / 8] |= (uint64_t)r->p[i] << (8 * (i % 8));
        r->p += n;
        result = build_bignum(r->b, d, nd, sign == 1);
        if (d != small_digits)
            rt_free(d);
        break;
    }
    case MAP_EXT: {
        if (!need(r, 4))
            return fail(r, "truncated map");
        size_t n = be32(r->p);
        r->p += 4;
        if (!need(r, 2 * n))
            return fail(r, "truncated map");
        term_t *kv = rt_alloc(sizeof(term_t) * 2 * (n ? n : 1));
        for (size_t i = 0; i < n; i++) {
            kv[i] = read_term(r);
            kv[n + i] = kv[i] == THE_NON_VALUE ? THE_NON_VALUE : read_term(r);
            if (kv[n + i] == THE_NON_VALUE) {
                rt_free(kv);
                return THE_NON_VALUE;
            }
        }
        result = map_from_pairs(r->b, kv, kv + n, n);
        rt_free(kv);
        break;
    }
    case EXPORT_EXT: {
        term_t m = read_atom_term(r);
        term_t f = m == THE_NON_VALUE ? m : read_atom_term(r);
        term_t a = f == THE_NON_VALUE ? f : read_term(r);
        if (a == THE_NON_VALUE)
            return a;
        if (!is_small(a) || small_val(a) < 0 || small_val(a) > 255)
            return fail(r, "bad export arity");
        struct export *e = export_get(m, f, (uint32_t)small_val(a));
        term_t *obj = build_alloc(r->b, 2);
        obj[0] = make_header(1, SUB_EXPORT);
        obj[1] = (term_t)(uintptr_t)e;
        result = make_boxed(obj);
        break;
    }
    case COMPRESSED:
        return fail(r, "a compressed term inside a term");
    default:
        return fail(r, "unsupported term tag");
    }
    r->depth--;
    return result;
}

term_t etf_decode(struct builder *b, const uint8_t *bytes, size_t len, size_t *used,
                  struct textbuf *err)
{
    struct reader r = {bytes, bytes + len, b, err, 0};
    if (len < 1 || bytes[0] != ETF_VERSION)
        return fail(&r, "not an external term (version byte is not 131)");
    r.p++;
    if (need(&r, 1) && r.p[0] == COMPRESSED) {
        if (!need(&r, 5))
            return fail(&r, "truncated compressed term");
        uint32_t size = be32(r.p + 1);
        /* zlib cannot expand more than ~1032:1; refuse sizes no input this long can produce. */
        if (size == 0 || (uint64_t)size > (uint64_t)(len - 6) * 1032 + 64)
            return fail(&r, "bad compressed size");
        uint8_t *buf = rt_alloc(size);
        if (zvm_inflate(r.p + 5, len - 6, buf, size) != 0) {
            rt_free(buf);
            return fail(&r, "bad compressed data");
        }
        struct reader inner = {buf, buf + size, b, err, 0};
        term_t t = read_term(&inner);
        rt_free(buf);
        if (used)
            *used = len;
        return t;
    }
    term_t t = read_term(&r);
    if (used)
        *used = (size_t)(r.p - bytes);
    return t;
}

/* --- encoding ------------------------------------------------------------------------------ */

static void put8(struct textbuf *o, unsigned v)
{
    char c = (char)v;
    textbuf_put(o, &c, 1);
}

static void put32(struct textbuf *o, uint32_t v)
{
    char b[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    textbuf_put(o, b, 4);
}

/* OTP 25 writes atoms whose characters all fit latin1 as ATOM_EXT (OTP 26 changed to UTF-8). */
static void put_atom(struct textbuf *o, term_t a)
{
    size_t len;
    const uint8_t *s = (const uint8_t *)atom_name(a, &len);
    uint8_t latin1[256];
    size_t n = 0;
    bool fits = true;
    for (size_t i = 0; i < len && fits; i++) {
        if (s[i] < 0x80) {
            latin1[n++] = s[i];
        } else if ((s[i] & 0xFE) == 0xC2 && i + 1 < len) {
            latin1[n++] = (uint8_t)(((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F));
            i++;
        } else {
            fits = false;
        }
    }
    if (fits) {
        put8(o, ATOM_EXT);
        put8(o, (unsigned)(n >> 8));
        put8(o, (unsigned)n);
        textbuf_put(o, latin1, n);
    } else if (len < 256) {
        put8(o, SMALL_ATOM_UTF8_EXT);
        put8(o, (unsigned)len);
        textbuf_put(o, s, len);
    } else {
        put8(o, ATOM_UTF8_EXT);
        put8(o, (unsigned)(len >> 8));
        put8(o, (unsigned)len);
        textbuf_put(o, s, len);
    }
}

static int encode(term_t t, struct textbuf *o, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    if (is_small(t)) {
        sterm_t v = small_val(t);
        if (v >= 0 && v < 256) {
            put8(o, SMALL_INTEGER_EXT);
            put8(o, (unsigned)v);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            put8(o, INTEGER_EXT);
            put32(o, (uint32_t)(int32_t)v);
        } else {
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            unsigned n = 0;
            for (uint64_t m = mag; m; m >>= 8)
                n++;
            put8(o, SMALL_BIG_EXT);
            put8(o, n);
            put8(o, v < 0);
            for (unsigned i = 0; i < n; i++)
                put8(o, (unsigned)(mag >> (8 * i)) & 0xFF);
        }
        return 0;
    }
    if (is_atom(t)) {
        put_atom(o, t);
        return 0;
    }
    if (is_nil(t)) {
        put8(o, NIL_EXT);
        return 0;
    }
    if (is_list(t)) {
        /* A list of bytes becomes STRING_EXT, as OTP does. */
        uint64_t n = 0;
        bool bytes = true;
        term_t l = t;
        for (; is_list(l); l = CDR(l)) {
            term_t h = CAR(l);
            if (!is_small(h) || small_val(h) < 0 || small_val(h) > 255)
                bytes = false;
            n++;
        }
        if (bytes && is_nil(l) && n < 65536) {
            put8(o, STRING_EXT);
            put8(o, (unsigned)(n >> 8));
            put8(o, (unsigned)n);
            for (l = t; is_list(l); l = CDR(l))
                put8(o, (unsigned)small_val(CAR(l)));
            return 0;
        }
        put8(o, LIST_EXT);
        put32(o, (uint32_t)n);
        for (l = t; is_list(l); l = CDR(l))
            if (encode(CAR(l), o, depth + 1) != 0)
                return -1;
        return encode(l, o, depth + 1);
    }
    term_t *obj = boxed_ptr(t);
    switch (header_subtag(obj[0])) {
    case SUB_TUPLE: {
        uint64_t n = header_arity(obj[0]);
        if (n < 256) {
            put8(o, SMALL_TUPLE_EXT);
            put8(o, (unsigned)n);
        } else {
            put8(o, LARGE_TUPLE_EXT);
            put32(o, (uint32_t)n);
        }
        for (uint64_t i = 1; i <= n; i++)
            if (encode(obj[i], o, depth + 1) != 0)
                return -1;
        return 0;
    }
    case SUB_FLOAT: {
        put8(o, NEW_FLOAT_EXT);
        for (int i = 7; i >= 0; i--)
            put8(o, (unsigned)(obj[1] >> (8 * i)) & 0xFF);
        return 0;
    }
    case SUB_BIG_POS:
    case SUB_BIG_NEG: {
        uint64_t nd = header_arity(obj[0]);
        uint64_t nbytes = nd * 8;
        while (nbytes && ((obj[1 + (nbytes - 1) / 8] >> (8 * ((nbytes - 1) % 8))) & 0xFF) == 0)
            nbytes--;
        if (nbytes < 256) {
            put8(o, SMALL_BIG_EXT);
            put8(o, (unsigned)nbytes);
        } else {
            put8(o, LARGE_BIG_EXT);
            put32(o, (uint32_t)nbytes);
        }
        put8(o, header_subtag(obj[0]) == SUB_BIG_NEG);
        for (uint64_t i = 0; i < nbytes; i++)
            put8(o, (unsigned)(obj[1 + i / 8] >> (8 * (i % 8))) & 0xFF);
        return 0;
    }
    case SUB_HEAP_BIN:
    case SUB_REFC_BIN:
    case SUB_SUB_BIN: {
        struct bitview v = bitview_of(t);
        uint64_t nbytes = (v.bits + 7) / 8;
        unsigned tail = (unsigned)(v.bits % 8);
        put8(o, tail ? BIT_BINARY_EXT : BINARY_EXT);
        put32(o, (uint32_t)nbytes);
        if (tail)
            put8(o, tail);
        size_t at = o->len;
        textbuf_put(o, NULL, 0);
        for (uint64_t i = 0; i < nbytes; i++)
            put8(o, 0);
        copy_bits((uint8_t *)o->data + at, 0, v.base, v.bit_offset, v.bits);
        return 0;
    }
    case SUB_MAP: {
        uint64_t n = map_size(t);
        put8(o, MAP_EXT);
        put32(o, (uint32_t)n);
        term_t *keys = tuple_elems(map_keys(t));
        for (uint64_t i = 0; i < n; i++) {
            if (encode(keys[i], o, depth + 1) != 0 || encode(map_values(t)[i], o, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    case SUB_EXPORT: {
        struct export *e = (struct export *)(uintptr_t)obj[1];
        put8(o, EXPORT_EXT);
        put_atom(o, e->module);
        put_atom(o, e->function);
        put8(o, SMALL_INTEGER_EXT);
        put8(o, e->arity);
        return 0;
    }
    default:
        return -1; /* local funs, refs, pids: not yet */
    }
}

int etf_encode(term_t t, struct textbuf *out)
{
    put8(out, ETF_VERSION);
    return encode(t, out, 0);
}
