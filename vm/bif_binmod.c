/* bif_binmod.c: the BIFs of OTP's `binary` module. */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"

/* A whole-byte binary's bytes (copied when not byte-aligned). */
struct bytes {
    const uint8_t *p;
    size_t n;
    uint8_t *owned;
};

static bool get_bytes(term_t t, struct bytes *b)
{
    b->owned = NULL;
    if (!is_binary_term(t))
        return false;
    struct bitview v = bitview_of(t);
    b->n = (size_t)(v.bits / 8);
    if (v.bit_offset % 8) {
        b->owned = rt_alloc(b->n ? b->n : 1);
        b->p = bitview_bytes(&v, b->owned);
    } else {
        b->p = v.base + v.bit_offset / 8;
    }
    return true;
}

static void put_bytes(struct bytes *b)
{
    rt_free(b->owned);
}

static term_t sub_bin(struct process *p, term_t bin, size_t start, size_t len)
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
    sub[1] = (uint64_t)len * 8;
    sub[2] = off + (uint64_t)start * 8;
    sub[3] = orig;
    return make_boxed(sub);
}

/* Patterns: a binary, a list of binaries, or what compile_pattern/1 returned. */
#define MAX_PATTERNS 64
struct patterns {
    struct bytes pat[MAX_PATTERNS];
    unsigned n;
};

static bool get_patterns(term_t t, struct patterns *ps)
{
    ps->n = 0;
    if (is_tuple(t) && tuple_arity(t) == 2 && tuple_elems(t)[0] == ATOM_zvm_pattern)
        t = tuple_elems(t)[1];
    if (is_binary_term(t)) {
        if (!get_bytes(t, &ps->pat[0]) || ps->pat[0].n == 0)
            return false;
        ps->n = 1;
        return true;
    }
    for (; is_list(t) && ps->n < MAX_PATTERNS; t = CDR(t)) {
        if (!get_bytes(CAR(t), &ps->pat[ps->n]) || ps->pat[ps->n].n == 0)
            return false;
        ps->n++;
    }
    return is_nil(t) && ps->n > 0;
}

static void put_patterns(struct patterns *ps)
{
    for (unsigned i = 0; i < ps->n; i++)
        put_bytes(&ps->pat[i]);
}

/* First (longest at the earliest position) match at or after `from`, before `end`. */
static bool find(const struct bytes *h, const struct patterns *ps, size_t from, size_t end,
                 size_t *at, size_t *len)
{
    for (size_t i = from; i < end; i++) {
        size_t best = 0;
        for (unsigned k = 0; k < ps->n; k++) {
            size_t n = ps->pat[k].n;
            if (i + n <= end && n > best && memcmp(h->p + i, ps->pat[k].p, n) == 0)
                best = n;
        }
        if (best) {
            *at = i;
            *len = best;
            return true;
        }
    }
    return false;
}

struct opts {
    bool global, trim, trim_all;
    size_t scope_start, scope_len;
    bool scoped;
};

static bool get_opts(term_t l, struct opts *o, size_t size)
{
    memset(o, 0, sizeof *o);
    for (; is_list(l); l = CDR(l)) {
        term_t x = CAR(l);
        if (x == ATOM_global) {
            o->global = true;
        } else if (x == ATOM_trim) {
            o->trim = true;
        } else if (x == ATOM_trim_all) {
            o->trim_all = true;
        } else if (is_tuple(x) && tuple_arity(x) == 2 && tuple_elems(x)[0] == ATOM_scope &&
                   is_tuple(tuple_elems(x)[1]) && tuple_arity(tuple_elems(x)[1]) == 2) {
            term_t s = tuple_elems(tuple_elems(x)[1])[0], n = tuple_elems(tuple_elems(x)[1])[1];
            if (!is_small(s) || !is_small(n))
                return false;
            sterm_t a = small_val(s), b = small_val(n);
            if (b < 0) {
                a += b;
                b = -b;
            }
            if (a < 0 || (size_t)(a + b) > size)
                return false;
            o->scoped = true;
            o->scope_start = (size_t)a;
            o->scope_len = (size_t)b;
        } else {
            return false;
        }
    }
    if (!is_nil(l))
        return false;
    if (!o->scoped) {
        o->scope_start = 0;
        o->scope_len = size;
    }
    return true;
}

static term_t pos_len(struct process *p, size_t at, size_t len)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = make_small((sterm_t)at);
    el[1] = make_small((sterm_t)len);
    return t;
}

static term_t do_split(struct process *p, term_t bin, term_t pat, term_t optl)
{
    struct bytes h;
    struct patterns ps;
    struct opts o;
    if (!get_bytes(bin, &h))
        return bif_badarg(p);
    if (!get_patterns(pat, &ps) || !get_opts(optl, &o, h.n)) {
        put_bytes(&h);
        return bif_badarg(p);
    }
    size_t end = o.scope_start + o.scope_len;
    term_t parts[1024];
    size_t np = 0, from = 0, search = o.scope_start, at, len;
    term_t *heap_parts = NULL;
    while (find(&h, &ps, search, end, &at, &len) && np < 1023) {
        parts[np++] = sub_bin(p, bin, from, at - from);
        from = at + len;
        search = from;
        if (!o.global)
            break;
    }
    parts[np++] = sub_bin(p, bin, from, h.n - from);
    (void)heap_parts;
    if (o.trim || o.trim_all) {
        while (np > 0 && bitstring_bits(parts[np - 1]) == 0)
            np--;
    }
    term_t l = NIL;
    for (size_t i = np; i > 0; i--) {
        if (o.trim_all && bitstring_bits(parts[i - 1]) == 0)
            continue;
        l = build_cons(&p->builder, parts[i - 1], l);
    }
    put_patterns(&ps);
    put_bytes(&h);
    return l;
}

term_t bif_binary_split_2(struct process *p, term_t *args)
{
    return do_split(p, args[0], args[1], NIL);
}
term_t bif_binary_split_3(struct process *p, term_t *args)
{
    return do_split(p, args[0], args[1], args[2]);
}

static term_t do_match(struct process *p, term_t bin, term_t pat, term_t optl, bool all)
{
    struct bytes h;
    struct patterns ps;
    struct opts o;
    if (!get_bytes(bin, &h))
        return bif_badarg(p);
    if (!get_patterns(pat, &ps) || !get_opts(optl, &o, h.n) || o.global || o.trim) {
        put_bytes(&h);
        return bif_badarg(p);
    }
    size_t end = o.scope_start + o.scope_len, at, len, search = o.scope_start;
    term_t r;
    if (!all) {
        r = find(&h, &ps, search, end, &at, &len) ? pos_len(p, at, len) : atom_intern("nomatch", 7);
    } else {
        term_t found[1024];
        size_t n = 0;
        while (n < 1024 && find(&h, &ps, search, end, &at, &len)) {
            found[n++] = pos_len(p, at, len);
            search = at + len;
        }
        r = NIL;
        for (size_t i = n; i > 0; i--)
            r = build_cons(&p->builder, found[i - 1], r);
    }
    put_patterns(&ps);
    put_bytes(&h);
    return r;
}

term_t bif_binary_match_2(struct process *p, term_t *args)
{
    return do_match(p, args[0], args[1], NIL, false);
}
term_t bif_binary_match_3(struct process *p, term_t *args)
{
    return do_match(p, args[0], args[1], args[2], false);
}
term_t bif_binary_matches_2(struct process *p, term_t *args)
{
    return do_match(p, args[0], args[1], NIL, true);
}
term_t bif_binary_matches_3(struct process *p, term_t *args)
{
    return do_match(p, args[0], args[1], args[2], true);
}

term_t bif_binary_compile_pattern_1(struct process *p, term_t *args)
{
    struct patterns ps;
    if (!get_patterns(args[0], &ps))
        return bif_badarg(p);
    put_patterns(&ps);
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_zvm_pattern;
    el[1] = args[0];
    return t;
}

static term_t part(struct process *p, term_t bin, term_t start, term_t len)
{
    if (!is_binary_term(bin) || !is_small(start) || !is_small(len))
        return bif_badarg(p);
    sterm_t s = small_val(start), l = small_val(len);
    if (l < 0) {
        s += l;
        l = -l;
    }
    size_t size = (size_t)(bitstring_bits(bin) / 8);
    if (s < 0 || (size_t)(s + l) > size)
        return bif_badarg(p);
    return sub_bin(p, bin, (size_t)s, (size_t)l);
}

term_t bif_binary_part_3(struct process *p, term_t *args)
{
    return part(p, args[0], args[1], args[2]);
}
term_t bif_binary_part_2(struct process *p, term_t *args)
{
    if (!is_tuple(args[1]) || tuple_arity(args[1]) != 2)
        return bif_badarg(p);
    return part(p, args[0], tuple_elems(args[1])[0], tuple_elems(args[1])[1]);
}

static term_t copy_n(struct process *p, term_t bin, term_t times)
{
    struct bytes b;
    if (!is_small(times) || small_val(times) < 0 || !get_bytes(bin, &b))
        return bif_badarg(p);
    size_t n = (size_t)small_val(times);
    uint8_t *data;
    term_t r = build_binary(&p->builder, NULL, b.n * n, &data);
    for (size_t i = 0; i < n; i++)
        if (b.n)
            memcpy(data + i * b.n, b.p, b.n);
    put_bytes(&b);
    return r;
}

term_t bif_binary_copy_1(struct process *p, term_t *args)
{
    return copy_n(p, args[0], make_small(1));
}
term_t bif_binary_copy_2(struct process *p, term_t *args)
{
    return copy_n(p, args[0], args[1]);
}

static term_t byte_at(struct process *p, term_t bin, sterm_t i, bool from_end)
{
    struct bytes b;
    if (!get_bytes(bin, &b))
        return bif_badarg(p);
    term_t r;
    if (b.n == 0 || i < 0 || (size_t)i >= b.n)
        r = bif_badarg(p);
    else
        r = make_small(b.p[from_end ? b.n - 1 : (size_t)i]);
    put_bytes(&b);
    return r;
}

term_t bif_binary_first_1(struct process *p, term_t *args)
{
    return byte_at(p, args[0], 0, false);
}
term_t bif_binary_last_1(struct process *p, term_t *args)
{
    return byte_at(p, args[0], 0, true);
}
term_t bif_binary_at_2(struct process *p, term_t *args)
{
    if (!is_small(args[1]))
        return bif_badarg(p);
    return byte_at(p, args[0], small_val(args[1]), false);
}

static term_t decode_unsigned(struct process *p, term_t bin, term_t endian)
{
    struct bytes b;
    if ((endian != ATOM_big && endian != ATOM_little) || !get_bytes(bin, &b))
        return bif_badarg(p);
    uint8_t *le = rt_alloc(b.n ? b.n : 1);
    for (size_t i = 0; i < b.n; i++)
        le[i] = endian == ATOM_little ? b.p[i] : b.p[b.n - 1 - i];
    size_t nd = bn_from_bytes_max_len(b.n) + 1;
    bn_digit *d = rt_alloc(sizeof(bn_digit) * nd);
    size_t n = bn_from_bytes_le(d, nd, le, b.n);
    term_t r = build_bignum(&p->builder, d, n, false);
    rt_free(d);
    rt_free(le);
    put_bytes(&b);
    return r;
}

term_t bif_binary_decode_unsigned_1(struct process *p, term_t *args)
{
    return decode_unsigned(p, args[0], ATOM_big);
}
term_t bif_binary_decode_unsigned_2(struct process *p, term_t *args)
{
    return decode_unsigned(p, args[0], args[1]);
}

static term_t encode_unsigned(struct process *p, term_t i, term_t endian)
{
    if ((endian != ATOM_big && endian != ATOM_little) || !is_integer(i))
        return bif_badarg(p);
    bn_digit d1;
    const bn_digit *d;
    size_t n;
    if (is_small(i)) {
        if (small_val(i) < 0)
            return bif_badarg(p);
        d1 = (bn_digit)small_val(i);
        d = &d1;
        n = 1;
    } else {
        term_t *o = boxed_ptr(i);
        if (header_subtag(o[0]) == SUB_BIG_NEG)
            return bif_badarg(p);
        d = o + 1;
        n = header_arity(o[0]);
    }
    size_t nb = bn_byte_length(d, n);
    if (nb == 0)
        nb = 1;
    uint8_t *le = rt_alloc(nb);
    bn_to_bytes_le(le, nb, d, n);
    uint8_t *data;
    term_t r = build_binary(&p->builder, NULL, nb, &data);
    for (size_t k = 0; k < nb; k++)
        data[k] = endian == ATOM_little ? le[k] : le[nb - 1 - k];
    rt_free(le);
    return r;
}

term_t bif_binary_encode_unsigned_1(struct process *p, term_t *args)
{
    return encode_unsigned(p, args[0], ATOM_big);
}
term_t bif_binary_encode_unsigned_2(struct process *p, term_t *args)
{
    return encode_unsigned(p, args[0], args[1]);
}

term_t bif_binary_list_to_bin_1(struct process *p, term_t *args)
{
    return bif_erlang_list_to_binary_1(p, args);
}

static term_t common_affix(struct process *p, term_t list, bool suffix)
{
    struct bytes first;
    size_t common = (size_t)-1;
    int64_t count = 0;
    if (!is_list(list))
        return bif_badarg(p);
    if (!get_bytes(CAR(list), &first))
        return bif_badarg(p);
    for (term_t l = list; is_list(l); l = CDR(l), count++) {
        struct bytes b;
        if (!get_bytes(CAR(l), &b)) {
            put_bytes(&first);
            return bif_badarg(p);
        }
        size_t k = 0, max = b.n < first.n ? b.n : first.n;
        while (k < max &&
               (suffix ? b.p[b.n - 1 - k] == first.p[first.n - 1 - k] : b.p[k] == first.p[k]))
            k++;
        if (k < common)
            common = k;
        put_bytes(&b);
    }
    put_bytes(&first);
    return make_small((sterm_t)(common == (size_t)-1 ? 0 : common));
}

term_t bif_binary_longest_common_prefix_1(struct process *p, term_t *args)
{
    return common_affix(p, args[0], false);
}
term_t bif_binary_longest_common_suffix_1(struct process *p, term_t *args)
{
    return common_affix(p, args[0], true);
}

term_t bif_binary_referenced_byte_size_1(struct process *p, term_t *args)
{
    term_t t = args[0];
    if (!is_binary_term(t))
        return bif_badarg(p);
    term_t *o = boxed_ptr(t);
    if (header_subtag(o[0]) == SUB_SUB_BIN)
        t = o[3];
    uint64_t size;
    (void)binary_storage(t, &size);
    return make_small((sterm_t)size);
}
