/* bits.c: bit syntax matching and construction (see bits.h). */
#include "vm/bits.h"

#include <string.h>

#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"

term_t bits_match_start(term_t *hp, term_t bin)
{
    term_t *o = boxed_ptr(bin);
    term_t orig = bin;
    uint64_t start = 0, bits;
    if (header_subtag(o[0]) == SUB_SUB_BIN) {
        orig = o[3];
        start = o[2];
        bits = o[1];
    } else {
        bits = o[1] * 8;
    }
    hp[0] = make_header(MATCH_CTX_WORDS - 1, SUB_MATCH_CTX);
    hp[1] = orig;
    hp[2] = make_small((sterm_t)start);
    hp[3] = make_small((sterm_t)(start + bits));
    return make_boxed(hp);
}

static const uint8_t *ctx_base(term_t ctx)
{
    uint64_t size;
    return binary_storage(boxed_ptr(ctx)[1], &size);
}

/* Copies `bits` bits at the position into out (left-aligned, zero padded). */
static void take_bits(term_t ctx, uint64_t bits, uint8_t *out)
{
    uint64_t n = (bits + 7) / 8;
    if (n)
        memset(out, 0, n);
    copy_bits(out, 0, ctx_base(ctx), ctx_pos(ctx), bits);
    ctx_set_pos(ctx, ctx_pos(ctx) + bits);
}

term_t bits_get_integer(struct builder *b, term_t ctx, uint64_t bits, unsigned flags)
{
    if (ctx_end(ctx) - ctx_pos(ctx) < bits)
        return THE_NON_VALUE;
    if (bits == 0)
        return make_small(0);
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0, sign = (flags & BS_SIGNED) != 0;
    uint64_t nbytes = (bits + 7) / 8;
    uint8_t small_buf[16];
    uint8_t *buf = nbytes <= sizeof small_buf ? small_buf : rt_alloc(nbytes);
    take_bits(ctx, bits, buf);
    unsigned rem = (unsigned)(bits % 8);
    /* Little-endian magnitude bytes of the unsigned value. */
    uint8_t le_small[16];
    uint8_t *le = nbytes <= sizeof le_small ? le_small : rt_alloc(nbytes);
    if (little) {
        for (uint64_t i = 0; i < nbytes; i++)
            le[i] = buf[i];
        if (rem)
            le[nbytes - 1] = (uint8_t)(buf[nbytes - 1] >> (8 - rem));
    } else {
        /* Big-endian, left-aligned: shift right by the padding, then reverse. */
        unsigned pad = rem ? 8 - rem : 0;
        for (uint64_t i = 0; i < nbytes; i++) {
            uint64_t src = nbytes - 1 - i;
            unsigned v = buf[src] >> pad;
            if (pad && src > 0)
                v |= (unsigned)(buf[src - 1] << (8 - pad)) & 0xFF;
            le[i] = (uint8_t)v;
        }
    }
    bool negative = sign && ((le[nbytes - 1] >> ((rem ? rem : 8) - 1)) & 1);
    term_t result;
    if (bits <= 63) {
        uint64_t v = 0;
        for (uint64_t i = nbytes; i > 0; i--)
            v = v << 8 | le[i - 1];
        int64_t sv = negative ? (int64_t)(v - ((uint64_t)1 << bits)) : (int64_t)v;
        result = build_int64(b, sv);
    } else {
        size_t nd = (size_t)bn_from_bytes_max_len((size_t)nbytes) + 1;
        bn_digit *d = rt_alloc(sizeof(bn_digit) * nd);
        size_t n = bn_from_bytes_le(d, nd, le, (size_t)nbytes);
        if (negative) { /* value - 2^bits */
            size_t cap = (size_t)(bits / 64) + 3;
            bn_digit *pw = rt_zalloc(sizeof(bn_digit) * cap);
            bn_digit *r = rt_alloc(sizeof(bn_digit) * cap);
            pw[bits / 64] = (bn_digit)1 << (bits % 64);
            bool rneg;
            size_t rn = bn_sub(r, cap, &rneg, bn_view(d, n, false),
                               bn_view(pw, bn_normalize(pw, cap), false));
            result = build_bignum(b, r, rn, rneg);
            rt_free(pw);
            rt_free(r);
        } else {
            result = build_bignum(b, d, n, false);
        }
        rt_free(d);
    }
    if (buf != small_buf)
        rt_free(buf);
    if (le != le_small)
        rt_free(le);
    return result;
}

term_t bits_get_float(struct builder *b, term_t ctx, uint64_t bits, unsigned flags)
{
    if ((bits != 16 && bits != 32 && bits != 64) || ctx_end(ctx) - ctx_pos(ctx) < bits)
        return THE_NON_VALUE;
    uint8_t buf[8];
    uint64_t save = ctx_pos(ctx);
    take_bits(ctx, bits, buf);
    unsigned n = (unsigned)(bits / 8);
    uint64_t v = 0;
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | buf[little ? n - 1 - i : i];
    double d;
    if (bits == 64) {
        union {
            uint64_t u;
            double d;
        } u = {.u = v};
        d = u.d;
    } else if (bits == 32) {
        union {
            uint32_t u;
            float f;
        } u = {.u = (uint32_t)v};
        d = u.f;
    } else {
        unsigned sgn = (unsigned)(v >> 15) & 1, ex = (unsigned)(v >> 10) & 0x1F,
                 man = (unsigned)v & 0x3FF;
        if (ex == 31) {
            d = 1.0 / 0.0 * 0; /* NaN/inf: rejected below */
            d = man ? d : 1e308 * 10;
        } else if (ex == 0) {
            d = (double)man / 1024.0 / 16384.0;
        } else {
            d = (1.0 + (double)man / 1024.0);
            for (int e = (int)ex - 15; e > 0; e--)
                d *= 2;
            for (int e = (int)ex - 15; e < 0; e++)
                d /= 2;
        }
        if (sgn)
            d = -d;
    }
    if (d - d != 0) {
        ctx_set_pos(ctx, save);
        return THE_NON_VALUE;
    }
    return build_float(b, d);
}

term_t bits_get_binary(struct builder *b, term_t ctx, uint64_t bits)
{
    if (ctx_end(ctx) - ctx_pos(ctx) < bits)
        return THE_NON_VALUE;
    term_t *sub = build_alloc(b, 4);
    sub[0] = make_header(3, SUB_SUB_BIN);
    sub[1] = bits;
    sub[2] = ctx_pos(ctx);
    sub[3] = boxed_ptr(ctx)[1];
    ctx_set_pos(ctx, ctx_pos(ctx) + bits);
    return make_boxed(sub);
}

bool bits_match_string(term_t ctx, const uint8_t *str, uint64_t bits)
{
    if (ctx_end(ctx) - ctx_pos(ctx) < bits)
        return false;
    const uint8_t *base = ctx_base(ctx);
    uint64_t pos = ctx_pos(ctx);
    if (pos % 8 == 0 && bits % 8 == 0) {
        if (bits && memcmp(base + pos / 8, str, bits / 8) != 0)
            return false;
    } else {
        struct bitview v = {base, pos, bits};
        struct bitview s = {str, 0, bits};
        for (uint64_t i = 0; i < bits; i++)
            if (bitview_bit(&v, i) != bitview_bit(&s, i))
                return false;
    }
    ctx_set_pos(ctx, pos + bits);
    return true;
}

static bool peek_bytes(term_t ctx, unsigned n, uint8_t *out)
{
    if (ctx_end(ctx) - ctx_pos(ctx) < (uint64_t)n * 8)
        return false;
    memset(out, 0, n);
    copy_bits(out, 0, ctx_base(ctx), ctx_pos(ctx), (uint64_t)n * 8);
    return true;
}

int32_t bits_get_utf8(term_t ctx)
{
    uint8_t s[4];
    if (!peek_bytes(ctx, 1, s))
        return -1;
    unsigned n = s[0] < 0x80         ? 1
                 : (s[0] >> 5) == 6  ? 2
                 : (s[0] >> 4) == 14 ? 3
                 : (s[0] >> 3) == 30 ? 4
                                     : 0;
    if (n == 0 || !peek_bytes(ctx, n, s))
        return -1;
    uint32_t c = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> n));
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] >> 6) != 2)
            return -1;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min_for[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    ctx_set_pos(ctx, ctx_pos(ctx) + n * 8);
    return (int32_t)c;
}

int32_t bits_get_utf16(term_t ctx, unsigned flags)
{
    uint8_t s[4];
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    if (!peek_bytes(ctx, 2, s))
        return -1;
    uint32_t w1 = little ? (uint32_t)(s[1] << 8 | s[0]) : (uint32_t)(s[0] << 8 | s[1]);
    if (w1 < 0xD800 || w1 > 0xDFFF) {
        ctx_set_pos(ctx, ctx_pos(ctx) + 16);
        return (int32_t)w1;
    }
    if (w1 > 0xDBFF || !peek_bytes(ctx, 4, s))
        return -1;
    uint32_t w2 = little ? (uint32_t)(s[3] << 8 | s[2]) : (uint32_t)(s[2] << 8 | s[3]);
    if (w2 < 0xDC00 || w2 > 0xDFFF)
        return -1;
    ctx_set_pos(ctx, ctx_pos(ctx) + 32);
    return (int32_t)(0x10000 + ((w1 - 0xD800) << 10) + (w2 - 0xDC00));
}

int32_t bits_get_utf32(term_t ctx, unsigned flags)
{
    uint8_t s[4];
    if (!peek_bytes(ctx, 4, s))
        return -1;
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    uint32_t c = little ? (uint32_t)s[3] << 24 | (uint32_t)s[2] << 16 | (uint32_t)s[1] << 8 | s[0]
                        : (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    ctx_set_pos(ctx, ctx_pos(ctx) + 32);
    return (int32_t)c;
}

/* --- construction -------------------------------------------------------------------------- */

static int utf8_len(int64_t c)
{
    if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Bits of one segment, or -1 (badarg) / -2 (system_limit). */
static int64_t segment_bits(const struct bs_segment *s)
{
    if (s->type == ATOM_utf8) {
        if (!is_small(s->value))
            return -1;
        int n = utf8_len(small_val(s->value));
        return n < 0 ? -1 : n * 8;
    }
    if (s->type == ATOM_utf16) {
        if (!is_small(s->value) || utf8_len(small_val(s->value)) < 0)
            return -1;
        return small_val(s->value) >= 0x10000 ? 32 : 16;
    }
    if (s->type == ATOM_utf32) {
        if (!is_small(s->value) || utf8_len(small_val(s->value)) < 0)
            return -1;
        return 32;
    }
    if (s->type == ATOM_string)
        return small_val(s->size) * 8;
    if (s->type == ATOM_binary || s->type == ATOM_append || s->type == ATOM_private_append) {
        if (!is_bitstring(s->value))
            return -1;
        uint64_t have = bitstring_bits(s->value);
        if (s->size == ATOM_all || s->size == THE_NON_VALUE) {
            if (s->unit > 1 && have % s->unit)
                return -1;
            return (int64_t)have;
        }
        if (!is_small(s->size) || small_val(s->size) < 0)
            return -1;
        uint64_t want = (uint64_t)small_val(s->size) * s->unit;
        return want > have ? -1 : (int64_t)want;
    }
    /* integer, float */
    if (!is_small(s->size)) {
        if (is_bignum(s->size) && header_subtag(boxed_ptr(s->size)[0]) == SUB_BIG_POS)
            return -2;
        return -1;
    }
    if (small_val(s->size) < 0)
        return -1;
    uint64_t bits = (uint64_t)small_val(s->size) * s->unit;
    if (bits > ((uint64_t)1 << 40))
        return -2;
    if (s->type == ATOM_integer)
        return is_integer(s->value) ? (int64_t)bits : -1;
    if (s->type == ATOM_float) {
        if (!is_number(s->value) || (bits != 16 && bits != 32 && bits != 64))
            return -1;
        return (int64_t)bits;
    }
    return -1;
}

/* Writes the low `bits` bits of integer `v` at bit offset `at` of `out`. */
static void put_integer(uint8_t *out, uint64_t at, term_t v, uint64_t bits, unsigned flags)
{
    if (bits == 0)
        return;
    uint64_t nbytes = (bits + 7) / 8;
    uint8_t small_buf[16];
    uint8_t *le = nbytes <= sizeof small_buf ? small_buf : rt_alloc(nbytes);
    /* Two's complement little-endian bytes of v, truncated to nbytes. */
    if (is_small(v)) {
        int64_t x = small_val(v);
        for (uint64_t i = 0; i < nbytes; i++)
            le[i] = (uint8_t)(i < 8 ? (uint64_t)x >> (8 * i) : (x < 0 ? 0xFF : 0));
    } else {
        term_t *o = boxed_ptr(v);
        size_t nd = header_arity(o[0]);
        bool neg = header_subtag(o[0]) == SUB_BIG_NEG;
        bn_to_bytes_le(le, (size_t)nbytes, o + 1, nd);
        if (neg) { /* negate: invert and add one */
            unsigned carry = 1;
            for (uint64_t i = 0; i < nbytes; i++) {
                unsigned t = (unsigned)(uint8_t)~le[i] + carry;
                le[i] = (uint8_t)t;
                carry = t >> 8;
            }
        }
    }
    unsigned rem = (unsigned)(bits % 8);
    uint8_t be_small[16];
    uint8_t *be = nbytes <= sizeof be_small ? be_small : rt_alloc(nbytes);
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    if (little) {
        /* Bytes low first; the last, partial byte holds the top `rem` bits, left-aligned. */
        for (uint64_t i = 0; i < nbytes; i++)
            be[i] = le[i];
        if (rem)
            be[nbytes - 1] = (uint8_t)(le[nbytes - 1] << (8 - rem));
    } else {
        /* Big-endian value left-aligned in nbytes: shift the whole number left by the pad. */
        unsigned pad = rem ? 8 - rem : 0;
        for (uint64_t i = 0; i < nbytes; i++) {
            uint64_t src = nbytes - 1 - i; /* le index of the i-th most significant byte */
            unsigned vbyte = (unsigned)le[src] << pad;
            if (pad && src > 0)
                vbyte |= le[src - 1] >> (8 - pad);
            be[i] = (uint8_t)vbyte;
        }
    }
    copy_bits(out, at, be, 0, bits);
    if (le != small_buf)
        rt_free(le);
    if (be != be_small)
        rt_free(be);
}

static void put_float(uint8_t *out, uint64_t at, term_t v, uint64_t bits, unsigned flags)
{
    double d = 0;
    if (!term_to_double(v, &d))
        d = 0; /* segment_bits() only lets numbers through; a huge bignum becomes 0 */
    uint8_t b[8];
    uint64_t u;
    unsigned n = (unsigned)(bits / 8);
    if (bits == 64) {
        union {
            double d;
            uint64_t u;
        } x = {.d = d};
        u = x.u;
    } else if (bits == 32) {
        union {
            float f;
            uint32_t u;
        } x = {.f = (float)d};
        u = x.u;
    } else {
        /* binary16 by rounding through float: enough for the values Erlang code uses. */
        union {
            float f;
            uint32_t u;
        } x = {.f = (float)d};
        uint32_t f = x.u;
        uint32_t sgn = (f >> 16) & 0x8000;
        int32_t e = (int32_t)((f >> 23) & 0xFF) - 127 + 15;
        uint32_t m = f & 0x7FFFFF;
        if (e <= 0)
            u = sgn;
        else if (e >= 31)
            u = sgn | 0x7C00;
        else
            u = sgn | (uint32_t)e << 10 | ((m + 0x1000) >> 13);
    }
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    for (unsigned i = 0; i < n; i++)
        b[little ? i : n - 1 - i] = (uint8_t)(u >> (8 * i));
    copy_bits(out, at, b, 0, bits);
}

static unsigned encode_utf(term_t type, int64_t c, unsigned flags, uint8_t *b)
{
    bool little = (flags & (BS_LITTLE | BS_NATIVE)) != 0;
    if (type == ATOM_utf8) {
        if (c < 0x80) {
            b[0] = (uint8_t)c;
            return 1;
        }
        if (c < 0x800) {
            b[0] = (uint8_t)(0xC0 | (c >> 6));
            b[1] = (uint8_t)(0x80 | (c & 0x3F));
            return 2;
        }
        if (c < 0x10000) {
            b[0] = (uint8_t)(0xE0 | (c >> 12));
            b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            b[2] = (uint8_t)(0x80 | (c & 0x3F));
            return 3;
        }
        b[0] = (uint8_t)(0xF0 | (c >> 18));
        b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (c & 0x3F));
        return 4;
    }
    if (type == ATOM_utf16) {
        uint32_t w[2];
        unsigned n = 1;
        if (c >= 0x10000) {
            w[0] = 0xD800 + (((uint32_t)c - 0x10000) >> 10);
            w[1] = 0xDC00 + (((uint32_t)c - 0x10000) & 0x3FF);
            n = 2;
        } else {
            w[0] = (uint32_t)c;
        }
        for (unsigned i = 0; i < n; i++) {
            b[2 * i] = (uint8_t)(little ? w[i] : w[i] >> 8);
            b[2 * i + 1] = (uint8_t)(little ? w[i] >> 8 : w[i]);
        }
        return 2 * n;
    }
    for (unsigned i = 0; i < 4; i++)
        b[little ? i : 3 - i] = (uint8_t)((uint32_t)c >> (8 * i));
    return 4;
}

/* Writes segments segs[from..n) at bit offset `at` of `data`. */
static void write_segments(uint8_t *data, uint64_t at, const struct bs_segment *segs, unsigned from,
                           unsigned n)
{
    for (unsigned i = from; i < n; i++) {
        const struct bs_segment *s = &segs[i];
        uint64_t bits = (uint64_t)segment_bits(s);
        if (s->type == ATOM_integer) {
            put_integer(data, at, s->value, bits, s->flags);
        } else if (s->type == ATOM_float) {
            put_float(data, at, s->value, bits, s->flags);
        } else if (s->type == ATOM_string) {
            copy_bits(data, at, s->str, 0, bits);
        } else if (s->type == ATOM_utf8 || s->type == ATOM_utf16 || s->type == ATOM_utf32) {
            uint8_t u[4];
            unsigned k = encode_utf(s->type, small_val(s->value), s->flags, u);
            copy_bits(data, at, u, 0, (uint64_t)k * 8);
        } else {
            struct bitview v = bitview_of(s->value);
            copy_bits(data, at, v.base, v.bit_offset, bits);
        }
        at += bits;
    }
}

/*
 * Appending to a refc binary that is the longest view of its storage, with room left, writes
 * in place and returns a longer view (what BEAM's writable binaries do): a loop that appends
 * to a binary costs O(bytes), not O(bytes^2).
 */
static term_t try_append_in_place(struct builder *b, const struct bs_segment *segs, unsigned n,
                                  uint64_t total)
{
    const struct bs_segment *first = &segs[0];
    if (first->type != ATOM_append && first->type != ATOM_private_append)
        return THE_NON_VALUE;
    if (!is_boxed_sub(first->value, SUB_REFC_BIN) || total % 8)
        return THE_NON_VALUE;
    term_t *o = boxed_ptr(first->value);
    struct offheap_bin *ob = (struct offheap_bin *)(uintptr_t)o[2];
    uint64_t size = o[1];
    if (ob->size != size || total / 8 > ob->capacity)
        return THE_NON_VALUE;
    write_segments(ob->data, size * 8, segs, 1, n);
    ob->size = total / 8;
    return build_refc_view(b, ob, total / 8);
}

term_t bits_create(struct builder *b, const struct bs_segment *segs, unsigned n, term_t *reason)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        int64_t bits = segment_bits(&segs[i]);
        if (bits < 0) {
            *reason = bits == -2 ? ATOM_system_limit : ATOM_badarg;
            return THE_NON_VALUE;
        }
        total += (uint64_t)bits;
    }
    term_t in_place = n > 0 ? try_append_in_place(b, segs, n, total) : THE_NON_VALUE;
    if (in_place != THE_NON_VALUE)
        return in_place;
    uint64_t nbytes = (total + 7) / 8;
    uint8_t *data;
    term_t bin;
    bool appending = n > 0 && (segs[0].type == ATOM_append || segs[0].type == ATOM_private_append);
    if (appending && nbytes > HEAP_BIN_MAX) {
        /* The start of an append loop: leave room for the appends to come. */
        struct offheap_bin *ob = offheap_bin_new_cap(nbytes, nbytes * 2);
        bin = build_refc_view(b, ob, nbytes);
        offheap_bin_release(ob); /* the view holds the only reference */
        data = ob->data;
    } else {
        bin = build_binary(b, NULL, nbytes, &data);
    }
    if (nbytes)
        memset(data, 0, nbytes);
    write_segments(data, 0, segs, 0, n);
    if (total % 8 == 0)
        return bin;
    term_t *sub = build_alloc(b, 4);
    sub[0] = make_header(3, SUB_SUB_BIN);
    sub[1] = total;
    sub[2] = 0;
    sub[3] = bin;
    return make_boxed(sub);
}
