/* bif_unicode.c: the unicode module's BIFs (characters_to_binary/2, characters_to_list/2). */
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/rt.h"

/* Collects the code points of chardata `t` (binaries decoded as `latin1` or UTF-8). Returns 0,
 * or -1 at the first invalid element (*bad is set to it: the caller reports the rest). */
static int collect(term_t t, bool latin1, struct textbuf *cps, term_t *bad, int depth)
{
    if (depth > 10000) {
        *bad = t;
        return -1;
    }
    for (;;) {
        if (is_nil(t))
            return 0;
        if (is_bitstring(t)) {
            struct bitview v = bitview_of(t);
            if (v.bits % 8) {
                *bad = t;
                return -1;
            }
            size_t n = (size_t)(v.bits / 8);
            uint8_t *tmp = rt_alloc(n ? n : 1);
            const uint8_t *s = bitview_bytes(&v, tmp);
            for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = 1;
                if (latin1) {
                    c = s[i];
                } else {
                    c = s[i];
                    k = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
                    if (k == 0 || i + k > n) {
                        rt_free(tmp);
                        *bad = t;
                        return -1;
                    }
                    if (k > 1) {
                        c &= 0x7Fu >> k;
                        for (size_t j = 1; j < k; j++) {
                            if ((s[i + j] >> 6) != 2) {
                                rt_free(tmp);
                                *bad = t;
                                return -1;
                            }
                            c = c << 6 | (s[i + j] & 0x3F);
                        }
                    }
                }
                textbuf_put(cps, &c, sizeof c);
                i += k;
            }
            rt_free(tmp);
            return 0;
        }
        if (!is_list(t)) {
            *bad = t;
            return -1;
        }
        term_t h = CAR(t);
        if (is_small(h)) {
            sterm_t c = small_val(h);
            if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                *bad = t;
                return -1;
            }
            uint32_t u = (uint32_t)c;
            textbuf_put(cps, &u, sizeof u);
        } else if (collect(h, latin1, cps, bad, depth + 1) != 0) {
            return -1;
        }
        t = CDR(t);
    }
}

static bool in_encoding(term_t enc, bool *latin1)
{
    *latin1 = enc == ATOM_latin1;
    return enc == ATOM_latin1 || enc == ATOM_unicode || enc == ATOM_utf8;
}

static term_t utf8_binary(struct process *p, const uint32_t *cps, size_t n)
{
    struct textbuf out;
    textbuf_init(&out);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cps[i];
        char b[4];
        size_t k;
        if (c < 0x80) {
            b[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            b[0] = (char)(0xC0 | (c >> 6));
            b[1] = (char)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            b[0] = (char)(0xE0 | (c >> 12));
            b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[2] = (char)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            b[0] = (char)(0xF0 | (c >> 18));
            b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[3] = (char)(0x80 | (c & 0x3F));
            k = 4;
        }
        textbuf_put(&out, b, k);
    }
    term_t r = build_binary(&p->builder, (const uint8_t *)out.data, out.len, NULL);
    textbuf_dispose(&out);
    return r;
}

static term_t error_tuple(struct process *p, term_t converted, term_t rest)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 3, &el);
    el[0] = ATOM_error;
    el[1] = converted;
    el[2] = rest;
    return t;
}

term_t bif_unicode_characters_to_binary_2(struct process *p, term_t *args)
{
    bool latin1;
    if (!in_encoding(args[1], &latin1))
        return bif_badarg(p);
    struct textbuf cps;
    textbuf_init(&cps);
    term_t bad = THE_NON_VALUE;
    int rc = collect(args[0], latin1, &cps, &bad, 0);
    term_t bin = utf8_binary(p, (const uint32_t *)cps.data, cps.len / 4);
    textbuf_dispose(&cps);
    if (rc == 0)
        return bin;
    if (!is_list(bad) && !is_nil(bad) && !is_bitstring(bad) && bad == args[0])
        return bif_badarg(p);
    return error_tuple(p, bin, bad);
}

term_t bif_unicode_characters_to_list_2(struct process *p, term_t *args)
{
    bool latin1;
    if (!in_encoding(args[1], &latin1))
        return bif_badarg(p);
    struct textbuf cps;
    textbuf_init(&cps);
    term_t bad = THE_NON_VALUE;
    int rc = collect(args[0], latin1, &cps, &bad, 0);
    const uint32_t *c = (const uint32_t *)cps.data;
    term_t l = NIL;
    for (size_t i = cps.len / 4; i > 0; i--)
        l = build_cons(&p->builder, make_small(c[i - 1]), l);
    textbuf_dispose(&cps);
    if (rc == 0)
        return l;
    if (!is_list(bad) && !is_nil(bad) && !is_bitstring(bad) && bad == args[0])
        return bif_badarg(p);
    return error_tuple(p, l, bad);
}

term_t bif_unicode_bin_is_7bit_1(struct process *p, term_t *args)
{
    if (!is_binary_term(args[0]))
        return bif_badarg(p);
    struct bitview v = bitview_of(args[0]);
    for (uint64_t i = 0; i < v.bits / 8; i++) {
        unsigned b = 0;
        for (int k = 0; k < 8; k++)
            b = b << 1 | bitview_bit(&v, i * 8 + (uint64_t)k);
        if (b >= 0x80)
            return ATOM_false;
    }
    return ATOM_true;
}
