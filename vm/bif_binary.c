/* bif_binary.c: BIFs on binaries, iolists, float text and the external term format. */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/etf.h"
#include "vm/md5.h"
#include "vm/rt.h"
#include "vm/support/zlib_deflate.h"
#include "vm/support/float_fmt.h"
#include "vm/support/float_parse.h"

term_t bif_erlang_byte_size_1(struct process *p, term_t *args)
{
    if (!is_bitstring(args[0]))
        return bif_badarg(p);
    return make_small((sterm_t)((bitstring_bits(args[0]) + 7) / 8));
}

term_t bif_erlang_bit_size_1(struct process *p, term_t *args)
{
    if (!is_bitstring(args[0]))
        return bif_badarg(p);
    return make_small((sterm_t)bitstring_bits(args[0]));
}

/* Appends an iolist's bytes (binaries must be whole bytes unless `bits` allows a bitstring tail:
 * then *tail_bits receives the trailing bit count). Returns false on a bad iolist. */
static bool iolist_collect(term_t t, struct textbuf *out, int depth)
{
    if (depth > 100000)
        return false;
    for (;;) {
        if (is_nil(t))
            return true;
        if (is_bitstring(t)) {
            struct bitview v = bitview_of(t);
            if (v.bits % 8)
                return false;
            size_t at = out->len;
            size_t n = (size_t)(v.bits / 8);
            textbuf_put(out, NULL, 0);
            for (size_t i = 0; i < n; i++)
                textbuf_putc(out, 0);
            copy_bits((uint8_t *)out->data + at, 0, v.base, v.bit_offset, v.bits);
            return true;
        }
        if (!is_list(t))
            return false;
        term_t h = CAR(t);
        if (is_small(h)) {
            if (small_val(h) < 0 || small_val(h) > 255)
                return false;
            textbuf_putc(out, (char)small_val(h));
        } else if (!iolist_collect(h, out, depth + 1)) {
            return false;
        }
        t = CDR(t);
    }
}

static term_t to_binary(struct process *p, term_t t)
{
    if (is_binary_term(t))
        return t;
    struct textbuf b;
    textbuf_init(&b);
    term_t r = iolist_collect(t, &b, 0) && (is_list(t) || is_nil(t))
                   ? build_binary(&p->builder, (const uint8_t *)b.data, b.len, NULL)
                   : bif_badarg(p);
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_list_to_binary_1(struct process *p, term_t *args)
{
    if (is_nil(args[0]))
        return build_binary(&p->builder, NULL, 0, NULL);
    if (!is_list(args[0]))
        return bif_badarg(p);
    return to_binary(p, args[0]);
}

term_t bif_erlang_iolist_to_binary_1(struct process *p, term_t *args)
{
    return to_binary(p, args[0]);
}

term_t bif_erlang_iolist_size_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    bool ok = iolist_collect(args[0], &b, 0);
    size_t n = b.len;
    textbuf_dispose(&b);
    return ok ? make_small((sterm_t)n) : bif_badarg(p);
}

static term_t bytes_to_list(struct process *p, const struct bitview *v, uint64_t from, uint64_t n,
                            term_t tail)
{
    term_t l = tail;
    for (uint64_t i = from + n; i > from; i--) {
        unsigned b = 0;
        for (int k = 0; k < 8; k++)
            b = b << 1 | bitview_bit(v, (i - 1) * 8 + (uint64_t)k);
        l = build_cons(&p->builder, make_small(b), l);
    }
    return l;
}

term_t bif_erlang_binary_to_list_1(struct process *p, term_t *args)
{
    if (!is_binary_term(args[0]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    return bytes_to_list(p, &v, 0, v.bits / 8, NIL);
}

term_t bif_erlang_binary_to_list_3(struct process *p, term_t *args)
{
    if (!is_binary_term(args[0]) || !is_small(args[1]) || !is_small(args[2]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    sterm_t a = small_val(args[1]), b = small_val(args[2]);
    if (a < 1 || b < a || (uint64_t)b > v.bits / 8)
        return bif_badarg(p);
    return bytes_to_list(p, &v, (uint64_t)a - 1, (uint64_t)(b - a + 1), NIL);
}

term_t bif_erlang_bitstring_to_list_1(struct process *p, term_t *args)
{
    if (!is_bitstring(args[0]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    term_t tail = NIL;
    uint64_t rest = v.bits % 8;
    if (rest) {
        uint8_t byte = 0;
        copy_bits(&byte, 0, v.base, v.bit_offset + v.bits - rest, rest);
        term_t *sub;
        term_t bin = build_binary(&p->builder, &byte, 1, NULL);
        sub = build_alloc(&p->builder, 4);
        sub[0] = make_header(3, SUB_SUB_BIN);
        sub[1] = rest;
        sub[2] = 0;
        sub[3] = bin;
        tail = build_cons(&p->builder, make_boxed(sub), NIL);
    }
    return bytes_to_list(p, &v, 0, v.bits / 8, tail);
}

/* A sub-binary of `bin` of `len` bytes starting at byte `start`. */
static term_t sub_binary(struct process *p, term_t bin, uint64_t start, uint64_t len)
{
    term_t *o = boxed_ptr(bin);
    uint64_t off = 0;
    term_t orig = bin;
    if (header_subtag(o[0]) == SUB_SUB_BIN) {
        off = o[2];
        orig = o[3];
    }
    term_t *sub = build_alloc(&p->builder, 4);
    sub[0] = make_header(3, SUB_SUB_BIN);
    sub[1] = len * 8;
    sub[2] = off + start * 8;
    sub[3] = orig;
    return make_boxed(sub);
}

static term_t binary_part(struct process *p, term_t bin, term_t start, term_t len)
{
    if (!is_binary_term(bin) || !is_small(start) || !is_small(len))
        return bif_badarg(p);
    sterm_t s = small_val(start), l = small_val(len);
    if (l < 0) {
        s += l;
        l = -l;
    }
    uint64_t size = bitstring_bits(bin) / 8;
    if (s < 0 || (uint64_t)s > size || (uint64_t)(s + l) > size)
        return bif_badarg(p);
    return sub_binary(p, bin, (uint64_t)s, (uint64_t)l);
}

term_t bif_erlang_binary_part_3(struct process *p, term_t *args)
{
    return binary_part(p, args[0], args[1], args[2]);
}

term_t bif_erlang_binary_part_2(struct process *p, term_t *args)
{
    term_t pl = args[1];
    if (!is_tuple(pl) || tuple_arity(pl) != 2)
        return bif_badarg(p);
    return binary_part(p, args[0], tuple_elems(pl)[0], tuple_elems(pl)[1]);
}

term_t bif_erlang_split_binary_2(struct process *p, term_t *args)
{
    term_t bin = args[0];
    if (!is_binary_term(bin) || !is_small(args[1]) || small_val(args[1]) < 0 ||
        (uint64_t)small_val(args[1]) > bitstring_bits(bin) / 8)
        return bif_badarg(p);
    uint64_t at = (uint64_t)small_val(args[1]), size = bitstring_bits(bin) / 8;
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = sub_binary(p, bin, 0, at);
    el[1] = sub_binary(p, bin, at, size - at);
    return t;
}

/* --- atoms and binaries -------------------------------------------------------------------- */

static bool encoding_ok(term_t enc, bool *latin1)
{
    *latin1 = enc == ATOM_latin1;
    return enc == ATOM_latin1 || enc == ATOM_utf8 || enc == ATOM_unicode;
}

static term_t atom_to_binary(struct process *p, term_t a, term_t enc)
{
    bool latin1;
    if (!is_atom(a) || !encoding_ok(enc, &latin1))
        return bif_badarg(p);
    size_t n;
    const uint8_t *s = (const uint8_t *)atom_name(a, &n);
    if (!latin1)
        return build_binary(&p->builder, s, n, NULL);
    uint8_t *buf = rt_alloc(n ? n : 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            buf[o++] = s[i];
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n && (s[i] & 0x1F) <= 3) {
            buf[o++] = (uint8_t)(((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F));
            i++;
        } else {
            rt_free(buf);
            return bif_badarg(p);
        }
    }
    term_t r = build_binary(&p->builder, buf, o, NULL);
    rt_free(buf);
    return r;
}

term_t bif_erlang_atom_to_binary_1(struct process *p, term_t *args)
{
    return atom_to_binary(p, args[0], ATOM_utf8);
}

term_t bif_erlang_atom_to_binary_2(struct process *p, term_t *args)
{
    return atom_to_binary(p, args[0], args[1]);
}

static term_t binary_to_atom(struct process *p, term_t bin, term_t enc, bool existing)
{
    bool latin1;
    if (!is_binary_term(bin) || !encoding_ok(enc, &latin1))
        return bif_badarg(p);
    struct bitview v = bitview_of(bin);
    size_t n = (size_t)(v.bits / 8);
    uint8_t *tmp = rt_alloc(2 * n + 1);
    const uint8_t *s = bitview_bytes(&v, tmp + n);
    const char *name = (const char *)s;
    size_t len = n;
    if (latin1) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < 0x80) {
                tmp[o++] = s[i];
            } else {
                tmp[o++] = (uint8_t)(0xC0 | (s[i] >> 6));
                tmp[o++] = (uint8_t)(0x80 | (s[i] & 0x3F));
            }
        }
        /* tmp may overlap the source copy: latin1 input was copied out of tmp + n first. */
        name = (const char *)tmp;
        len = o;
    }
    term_t a = existing ? atom_lookup(name, len) : atom_intern(name, len);
    rt_free(tmp);
    if (a == THE_NON_VALUE)
        return existing ? bif_badarg(p) : bif_error(p, ATOM_system_limit);
    return a;
}

term_t bif_erlang_binary_to_atom_1(struct process *p, term_t *args)
{
    return binary_to_atom(p, args[0], ATOM_utf8, false);
}

term_t bif_erlang_binary_to_atom_2(struct process *p, term_t *args)
{
    return binary_to_atom(p, args[0], args[1], false);
}

term_t bif_erlang_binary_to_existing_atom_2(struct process *p, term_t *args)
{
    return binary_to_atom(p, args[0], args[1], true);
}

/* --- floats as text ------------------------------------------------------------------------ */

static int float_text(term_t f, term_t opts, char *buf, size_t cap)
{
    double d = float_val(f);
    if (is_nil(opts))
        return float_fmt_scientific(buf, cap, d, 20);
    int decimals = -1, scientific = -1;
    bool compact = false, shortest = false;
    for (term_t l = opts; is_list(l); l = CDR(l)) {
        term_t o = CAR(l);
        if (o == ATOM_compact) {
            compact = true;
        } else if (o == ATOM_short) {
            shortest = true;
        } else if (is_tuple(o) && tuple_arity(o) == 2 && is_small(tuple_elems(o)[1])) {
            sterm_t n = small_val(tuple_elems(o)[1]);
            if (tuple_elems(o)[0] == ATOM_decimals && n >= 0 && n <= 253) {
                decimals = (int)n;
                scientific = -1;
                shortest = false;
            } else if (tuple_elems(o)[0] == ATOM_scientific && n >= 0 && n <= 249) {
                scientific = (int)n;
                decimals = -1;
                shortest = false;
            } else {
                return FLOAT_FMT_BADARG;
            }
        } else {
            return FLOAT_FMT_BADARG;
        }
    }
    if (shortest)
        return float_fmt_short(buf, cap, d);
    if (decimals >= 0)
        return float_fmt_decimals(buf, cap, d, decimals, compact);
    if (scientific >= 0)
        return float_fmt_scientific(buf, cap, d, scientific);
    return float_fmt_scientific(buf, cap, d, 20);
}

static term_t float_to(struct process *p, term_t f, term_t opts, bool binary)
{
    if (!is_float(f))
        return bif_badarg(p);
    char buf[FLOAT_FMT_MAX + 1];
    int n = float_text(f, opts, buf, sizeof buf);
    if (n < 0)
        return bif_badarg(p);
    return binary ? build_binary(&p->builder, (const uint8_t *)buf, (size_t)n, NULL)
                  : build_string(&p->builder, buf, (size_t)n);
}

term_t bif_erlang_float_to_list_1(struct process *p, term_t *args)
{
    return float_to(p, args[0], NIL, false);
}
term_t bif_erlang_float_to_list_2(struct process *p, term_t *args)
{
    return float_to(p, args[0], args[1], false);
}
term_t bif_erlang_float_to_binary_1(struct process *p, term_t *args)
{
    return float_to(p, args[0], NIL, true);
}
term_t bif_erlang_float_to_binary_2(struct process *p, term_t *args)
{
    return float_to(p, args[0], args[1], true);
}

static term_t parse_float(struct process *p, const char *s, size_t n)
{
    double d;
    if (float_parse_erlang(s, n, &d) != FLOAT_PARSE_OK)
        return bif_badarg(p);
    return build_float(&p->builder, d);
}

term_t bif_erlang_list_to_float_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    term_t l = args[0];
    for (; is_list(l); l = CDR(l)) {
        if (!is_small(CAR(l)) || small_val(CAR(l)) < 0 || small_val(CAR(l)) > 255)
            break;
        textbuf_putc(&b, (char)small_val(CAR(l)));
    }
    term_t r = is_nil(l) ? parse_float(p, b.data ? b.data : "", b.len) : bif_badarg(p);
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_binary_to_float_1(struct process *p, term_t *args)
{
    if (!is_binary_term(args[0]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    size_t n = (size_t)(v.bits / 8);
    uint8_t *tmp = rt_alloc(n ? n : 1);
    const uint8_t *s = bitview_bytes(&v, tmp);
    term_t r = parse_float(p, (const char *)s, n);
    rt_free(tmp);
    return r;
}

/* --- external term format ------------------------------------------------------------------ */

term_t bif_erlang_binary_to_term_1(struct process *p, term_t *args)
{
    if (!is_binary_term(args[0]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    size_t n = (size_t)(v.bits / 8);
    uint8_t *tmp = rt_alloc(n ? n : 1);
    const uint8_t *s = bitview_bytes(&v, tmp);
    size_t used;
    term_t t = etf_decode(&p->builder, s, n, &used, NULL);
    rt_free(tmp);
    if (t == THE_NON_VALUE || used != n)
        return bif_badarg(p);
    return t;
}

/* Appends a bitstring at the bit end of `out` (*bits long), growing it. */
static void put_bits(struct textbuf *out, uint64_t *bits, const struct bitview *v)
{
    uint64_t need = (*bits + v->bits + 7) / 8;
    while (out->len < need)
        textbuf_putc(out, 0);
    copy_bits((uint8_t *)out->data, *bits, v->base, v->bit_offset, v->bits);
    *bits += v->bits;
}

static bool collect_bits(term_t t, struct textbuf *out, uint64_t *bits, int depth)
{
    if (depth > 100000)
        return false;
    for (;;) {
        if (is_nil(t))
            return true;
        if (is_bitstring(t)) {
            struct bitview v = bitview_of(t);
            put_bits(out, bits, &v);
            return true;
        }
        if (!is_list(t))
            return false;
        term_t h = CAR(t);
        if (is_small(h)) {
            if (small_val(h) < 0 || small_val(h) > 255)
                return false;
            uint8_t byte = (uint8_t)small_val(h);
            struct bitview v = {&byte, 0, 8};
            put_bits(out, bits, &v);
        } else if (!collect_bits(h, out, bits, depth + 1)) {
            return false;
        }
        t = CDR(t);
    }
}

/* list_to_bitstring/1: an iolist whose binaries may be bitstrings anywhere. */
term_t bif_erlang_list_to_bitstring_1(struct process *p, term_t *args)
{
    if (!is_list(args[0]) && !is_nil(args[0]))
        return bif_badarg(p);
    struct textbuf out;
    textbuf_init(&out);
    uint64_t bits = 0;
    term_t r;
    if (!collect_bits(args[0], &out, &bits, 0)) {
        r = bif_badarg(p);
    } else {
        term_t bin = build_binary(&p->builder, (const uint8_t *)out.data, (bits + 7) / 8, NULL);
        r = bin;
        if (bits % 8) {
            term_t *sub = build_alloc(&p->builder, 4);
            sub[0] = make_header(3, SUB_SUB_BIN);
            sub[1] = bits;
            sub[2] = 0;
            sub[3] = bin;
            r = make_boxed(sub);
        }
    }
    textbuf_dispose(&out);
    return r;
}

/* erlang:md5/1 and the incremental md5_init/0, md5_update/2, md5_final/1 (the context is a
 * binary holding struct md5, as opaque to Erlang code as OTP's). */
static bool collect_iolist(term_t t, struct textbuf *out)
{
    return iolist_collect(t, out, 0);
}

term_t bif_erlang_md5_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    if (!collect_iolist(args[0], &b)) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    struct md5 m;
    uint8_t digest[16];
    md5_init(&m);
    md5_update(&m, (const uint8_t *)b.data, b.len);
    md5_final(&m, digest);
    textbuf_dispose(&b);
    return build_binary(&p->builder, digest, 16, NULL);
}

term_t bif_erlang_md5_init_0(struct process *p, term_t *args)
{
    (void)args;
    struct md5 m;
    md5_init(&m);
    return build_binary(&p->builder, (const uint8_t *)&m, sizeof m, NULL);
}

static bool md5_context(term_t t, struct md5 *m)
{
    if (!is_binary_term(t) || bitstring_bits(t) != sizeof *m * 8)
        return false;
    struct bitview v = bitview_of(t);
    uint8_t tmp[sizeof *m];
    memcpy(m, bitview_bytes(&v, tmp), sizeof *m);
    return true;
}

term_t bif_erlang_md5_update_2(struct process *p, term_t *args)
{
    struct md5 m;
    struct textbuf b;
    textbuf_init(&b);
    if (!md5_context(args[0], &m) || !collect_iolist(args[1], &b)) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    md5_update(&m, (const uint8_t *)b.data, b.len);
    textbuf_dispose(&b);
    return build_binary(&p->builder, (const uint8_t *)&m, sizeof m, NULL);
}

term_t bif_erlang_md5_final_1(struct process *p, term_t *args)
{
    struct md5 m;
    if (!md5_context(args[0], &m))
        return bif_badarg(p);
    uint8_t digest[16];
    md5_final(&m, digest);
    return build_binary(&p->builder, digest, 16, NULL);
}

/* zlib:compress/1 (a NIF in OTP): a zlib stream of the iodata at zlib's default level, the bytes
 * stock erl's compress2() gives; the compiler's beam_asm compresses literal chunks with it. */
term_t bif_zlib_compress_1(struct process *p, term_t *args)
{
    struct textbuf b;
    textbuf_init(&b);
    if (!iolist_collect(args[0], &b, 0)) {
        textbuf_dispose(&b);
        return bif_badarg(p);
    }
    /* zlib's compressBound(): room for incompressible input */
    size_t cap = b.len + (b.len >> 12) + (b.len >> 14) + (b.len >> 25) + 13;
    uint8_t *out = rt_alloc(cap);
    void *work = rt_alloc(ZLIB_DEFLATE_WORK_SIZE);
    size_t n = zlib_deflate((const uint8_t *)b.data, b.len, out, cap, -1, work,
                            ZLIB_DEFLATE_WORK_SIZE);
    rt_free(work);
    textbuf_dispose(&b);
    term_t r = n > 0 ? build_binary(&p->builder, out, n, NULL) : bif_error(p, ATOM_data_error);
    rt_free(out);
    return r;
}
