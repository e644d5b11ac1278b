/* bif_terms.c: BIFs on lists, tuples, atoms and their conversions. */
#include <string.h>

#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/compare.h"
#include "vm/hash.h"
#include "vm/module.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"

/* Length of a proper list, or -1. */
static int64_t list_length(term_t l)
{
    int64_t n = 0;
    for (; is_list(l); l = CDR(l))
        n++;
    return is_nil(l) ? n : -1;
}

static int utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes one UTF-8 sequence; returns its length or 0 when invalid. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *c)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *c = s[0];
        return 1;
    }
    size_t k = (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
    if (k == 0 || k > n)
        return 0;
    uint32_t v = s[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] >> 6) != 2)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    *c = v;
    return k;
}

/* A list of characters (code points) as UTF-8 bytes; false when not such a list. */
static bool chars_to_utf8(term_t l, struct textbuf *out)
{
    for (; is_list(l); l = CDR(l)) {
        term_t c = CAR(l);
        if (!is_small(c) || small_val(c) < 0 || small_val(c) > 0x10FFFF ||
            (small_val(c) >= 0xD800 && small_val(c) <= 0xDFFF))
            return false;
        char buf[4];
        textbuf_put(out, buf, (size_t)utf8_encode((uint32_t)small_val(c), buf));
    }
    return is_nil(l);
}

static term_t utf8_to_chars(struct process *p, const uint8_t *s, size_t n)
{
    term_t *cells = n ? build_alloc(&p->builder, 2 * n) : NULL;
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t k = utf8_decode(s + i, n - i, &c);
        if (!k) {
            c = s[i];
            k = 1;
        }
        cells[2 * count] = make_small(c);
        count++;
        i += k;
    }
    if (count == 0)
        return NIL;
    for (size_t i = 0; i + 1 < count; i++)
        cells[2 * i + 1] = make_list(cells + 2 * (i + 1));
    cells[2 * count - 1] = NIL;
    /* The unused tail of the allocation stays as harmless dead words: make them well-formed. */
    for (size_t i = count; i < n; i++) {
        cells[2 * i] = NIL;
        cells[2 * i + 1] = NIL;
    }
    return make_list(cells);
}

term_t bif_erlang_length_1(struct process *p, term_t *args)
{
    int64_t n = list_length(args[0]);
    return n < 0 ? bif_badarg(p) : make_small(n);
}

term_t bif_erlang_hd_1(struct process *p, term_t *args)
{
    return is_list(args[0]) ? CAR(args[0]) : bif_badarg(p);
}

term_t bif_erlang_tl_1(struct process *p, term_t *args)
{
    return is_list(args[0]) ? CDR(args[0]) : bif_badarg(p);
}

term_t bif_erlang_element_2(struct process *p, term_t *args)
{
    term_t i = args[0], t = args[1];
    if (!is_small(i) || !is_tuple(t) || small_val(i) < 1 || (uint64_t)small_val(i) > tuple_arity(t))
        return bif_badarg(p);
    return tuple_elems(t)[small_val(i) - 1];
}

term_t bif_erlang_setelement_3(struct process *p, term_t *args)
{
    term_t i = args[0], t = args[1];
    if (!is_small(i) || !is_tuple(t) || small_val(i) < 1 || (uint64_t)small_val(i) > tuple_arity(t))
        return bif_badarg(p);
    uint64_t n = tuple_arity(t);
    term_t *el;
    term_t r = build_tuple(&p->builder, n, &el);
    memcpy(el, tuple_elems(t), n * sizeof(term_t));
    el[small_val(i) - 1] = args[2];
    return r;
}

term_t bif_erlang_tuple_size_1(struct process *p, term_t *args)
{
    return is_tuple(args[0]) ? make_small((sterm_t)tuple_arity(args[0])) : bif_badarg(p);
}

term_t bif_erlang_size_1(struct process *p, term_t *args)
{
    if (is_tuple(args[0]))
        return make_small((sterm_t)tuple_arity(args[0]));
    if (is_bitstring(args[0]))
        return make_small((sterm_t)(bitstring_bits(args[0]) / 8));
    return bif_badarg(p);
}

term_t bif_erlang_make_tuple_2(struct process *p, term_t *args)
{
    if (!is_small(args[0]) || small_val(args[0]) < 0 || small_val(args[0]) > (1 << 24))
        return bif_badarg(p);
    term_t *el;
    term_t t = build_tuple(&p->builder, (uint64_t)small_val(args[0]), &el);
    for (sterm_t i = 0; i < small_val(args[0]); i++)
        el[i] = args[1];
    return t;
}

term_t bif_erlang_tuple_to_list_1(struct process *p, term_t *args)
{
    if (!is_tuple(args[0]))
        return bif_badarg(p);
    term_t l = NIL;
    for (uint64_t i = tuple_arity(args[0]); i > 0; i--)
        l = build_cons(&p->builder, tuple_elems(args[0])[i - 1], l);
    return l;
}

term_t bif_erlang_list_to_tuple_1(struct process *p, term_t *args)
{
    int64_t n = list_length(args[0]);
    if (n < 0)
        return bif_badarg(p);
    term_t *el;
    term_t t = build_tuple(&p->builder, (uint64_t)n, &el);
    term_t l = args[0];
    for (int64_t i = 0; i < n; i++, l = CDR(l))
        el[i] = CAR(l);
    return t;
}

term_t bif_erlang_append_element_2(struct process *p, term_t *args)
{
    if (!is_tuple(args[0]))
        return bif_badarg(p);
    uint64_t n = tuple_arity(args[0]);
    term_t *el;
    term_t t = build_tuple(&p->builder, n + 1, &el);
    memcpy(el, tuple_elems(args[0]), n * sizeof(term_t));
    el[n] = args[1];
    return t;
}

term_t bif_erlang_op_append_2(struct process *p, term_t *args)
{
    term_t a = args[0], b = args[1];
    if (is_nil(a))
        return b;
    int64_t n = list_length(a);
    if (n < 0)
        return bif_badarg(p);
    term_t *cells = build_alloc(&p->builder, 2 * (size_t)n);
    term_t l = a;
    for (int64_t i = 0; i < n; i++, l = CDR(l)) {
        cells[2 * i] = CAR(l);
        cells[2 * i + 1] = i + 1 < n ? make_list(cells + 2 * (i + 1)) : b;
    }
    return make_list(cells);
}

term_t bif_erlang_op_subtract_2(struct process *p, term_t *args)
{
    term_t a = args[0], b = args[1];
    int64_t na = list_length(a), nb = list_length(b);
    if (na < 0 || nb < 0)
        return bif_badarg(p);
    if (na == 0 || nb == 0)
        return a;
    /* Each element of b removes its first occurrence from a. */
    term_t *items = rt_alloc(sizeof(term_t) * (size_t)na);
    bool *gone = rt_zalloc(sizeof(bool) * (size_t)na);
    term_t l = a;
    for (int64_t i = 0; i < na; i++, l = CDR(l))
        items[i] = CAR(l);
    for (l = b; is_list(l); l = CDR(l)) {
        for (int64_t i = 0; i < na; i++) {
            if (!gone[i] && term_eq_exact(items[i], CAR(l))) {
                gone[i] = true;
                break;
            }
        }
    }
    term_t r = NIL;
    for (int64_t i = na; i > 0; i--)
        if (!gone[i - 1])
            r = build_cons(&p->builder, items[i - 1], r);
    rt_free(items);
    rt_free(gone);
    return r;
}

term_t bif_lists_reverse_2(struct process *p, term_t *args)
{
    term_t r = args[1];
    term_t l = args[0];
    for (; is_list(l); l = CDR(l))
        r = build_cons(&p->builder, CAR(l), r);
    return is_nil(l) ? r : bif_badarg(p);
}

term_t bif_lists_member_2(struct process *p, term_t *args)
{
    term_t l = args[1];
    for (; is_list(l); l = CDR(l))
        if (term_eq_exact(CAR(l), args[0]))
            return ATOM_true;
    return is_nil(l) ? ATOM_false : bif_badarg(p);
}

static term_t keyfind(struct process *p, term_t key, term_t pos, term_t list, bool *found)
{
    *found = false;
    if (!is_small(pos) || small_val(pos) < 1)
        return bif_badarg(p);
    uint64_t n = (uint64_t)small_val(pos);
    term_t l = list;
    for (; is_list(l); l = CDR(l)) {
        term_t t = CAR(l);
        if (is_tuple(t) && tuple_arity(t) >= n && term_eq(tuple_elems(t)[n - 1], key)) {
            if (!is_immed(key) || tuple_elems(t)[n - 1] == key ||
                term_eq_exact(tuple_elems(t)[n - 1], key)) {
                *found = true;
                return t;
            }
        }
    }
    return is_nil(l) ? ATOM_false : bif_badarg(p);
}

term_t bif_lists_keyfind_3(struct process *p, term_t *args)
{
    bool found;
    return keyfind(p, args[0], args[1], args[2], &found);
}

term_t bif_lists_keymember_3(struct process *p, term_t *args)
{
    bool found;
    term_t r = keyfind(p, args[0], args[1], args[2], &found);
    return r == THE_NON_VALUE ? r : make_bool(found);
}

term_t bif_lists_keysearch_3(struct process *p, term_t *args)
{
    bool found;
    term_t r = keyfind(p, args[0], args[1], args[2], &found);
    if (r == THE_NON_VALUE || !found)
        return r;
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = ATOM_value;
    el[1] = r;
    return t;
}

/* --- atoms ----------------------------------------------------------------------------- */

term_t bif_erlang_atom_to_list_1(struct process *p, term_t *args)
{
    if (!is_atom(args[0]))
        return bif_badarg(p);
    size_t n;
    const char *s = atom_name(args[0], &n);
    return utf8_to_chars(p, (const uint8_t *)s, n);
}

static term_t list_to_atom(struct process *p, term_t l, bool existing)
{
    struct textbuf b;
    textbuf_init(&b);
    term_t r;
    if (!chars_to_utf8(l, &b)) {
        r = bif_badarg(p);
    } else {
        r = existing ? atom_lookup(b.data ? b.data : "", b.len)
                     : atom_intern(b.data ? b.data : "", b.len);
        if (r == THE_NON_VALUE)
            r = existing ? bif_badarg(p) : bif_error(p, ATOM_system_limit);
    }
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_list_to_atom_1(struct process *p, term_t *args)
{
    return list_to_atom(p, args[0], false);
}

term_t bif_erlang_list_to_existing_atom_1(struct process *p, term_t *args)
{
    return list_to_atom(p, args[0], true);
}

/* --- integers and text ------------------------------------------------------------------ */

/* Appends the integer's text in `base` to `out`. */
static void integer_text(term_t t, unsigned base, struct textbuf *out)
{
    bn_digit d;
    struct bn v;
    if (is_small(t)) {
        bool neg;
        size_t n = bn_from_int64(&d, 1, &neg, small_val(t));
        v = bn_view(&d, n, neg);
    } else {
        term_t *o = boxed_ptr(t);
        v = bn_view(o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
    }
    size_t cap = bn_to_text_max_len(v.n, base);
    char *buf = rt_alloc(cap);
    bn_digit *scratch = rt_alloc(sizeof(bn_digit) * bn_to_text_scratch_len(v.n));
    size_t n = bn_to_text(buf, cap, v, base, scratch);
    if (!bn_failed(n))
        textbuf_put(out, buf, n);
    rt_free(scratch);
    rt_free(buf);
}

static bool valid_base(term_t b, unsigned *base)
{
    if (!is_small(b) || small_val(b) < 2 || small_val(b) > 36)
        return false;
    *base = (unsigned)small_val(b);
    return true;
}

static term_t integer_to_list(struct process *p, term_t i, unsigned base, bool binary)
{
    if (!is_integer(i))
        return bif_badarg(p);
    struct textbuf b;
    textbuf_init(&b);
    integer_text(i, base, &b);
    term_t r = binary ? build_binary(&p->builder, (const uint8_t *)b.data, b.len, NULL)
                      : build_string(&p->builder, b.data, b.len);
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_integer_to_list_1(struct process *p, term_t *args)
{
    return integer_to_list(p, args[0], 10, false);
}

term_t bif_erlang_integer_to_list_2(struct process *p, term_t *args)
{
    unsigned base;
    return valid_base(args[1], &base) ? integer_to_list(p, args[0], base, false) : bif_badarg(p);
}

term_t bif_erlang_integer_to_binary_1(struct process *p, term_t *args)
{
    return integer_to_list(p, args[0], 10, true);
}

term_t bif_erlang_integer_to_binary_2(struct process *p, term_t *args)
{
    unsigned base;
    return valid_base(args[1], &base) ? integer_to_list(p, args[0], base, true) : bif_badarg(p);
}

static term_t text_to_integer(struct process *p, const char *s, size_t n, unsigned base)
{
    size_t cap = bn_from_text_max_len(n, base);
    bn_digit *d = rt_alloc(sizeof(bn_digit) * (cap ? cap : 1));
    bool neg;
    size_t len = bn_from_text(d, cap, &neg, s, n, base);
    term_t r = bn_failed(len) ? bif_badarg(p) : build_bignum(&p->builder, d, len, neg);
    rt_free(d);
    return r;
}

static term_t list_to_integer(struct process *p, term_t l, unsigned base)
{
    struct textbuf b;
    textbuf_init(&b);
    term_t r;
    bool ok = true;
    for (; is_list(l) && ok; l = CDR(l)) {
        term_t c = CAR(l);
        ok = is_small(c) && small_val(c) > 0 && small_val(c) < 128;
        if (ok)
            textbuf_putc(&b, (char)small_val(c));
    }
    if (!ok || !is_nil(l) || b.len == 0)
        r = bif_badarg(p);
    else
        r = text_to_integer(p, b.data, b.len, base);
    textbuf_dispose(&b);
    return r;
}

term_t bif_erlang_list_to_integer_1(struct process *p, term_t *args)
{
    return list_to_integer(p, args[0], 10);
}

term_t bif_erlang_list_to_integer_2(struct process *p, term_t *args)
{
    unsigned base;
    return valid_base(args[1], &base) ? list_to_integer(p, args[0], base) : bif_badarg(p);
}

static term_t binary_to_integer(struct process *p, term_t bin, unsigned base)
{
    if (!is_binary_term(bin))
        return bif_badarg(p);
    struct bitview v = bitview_of(bin);
    uint64_t n = v.bits / 8;
    if (n == 0)
        return bif_badarg(p);
    uint8_t *tmp = rt_alloc(n);
    const uint8_t *s = bitview_bytes(&v, tmp);
    term_t r = text_to_integer(p, (const char *)s, n, base);
    rt_free(tmp);
    return r;
}

term_t bif_erlang_binary_to_integer_1(struct process *p, term_t *args)
{
    return binary_to_integer(p, args[0], 10);
}

term_t bif_erlang_binary_to_integer_2(struct process *p, term_t *args)
{
    unsigned base;
    return valid_base(args[1], &base) ? binary_to_integer(p, args[0], base) : bif_badarg(p);
}

/* --- type tests as functions ------------------------------------------------------------ */
#define TYPE_BIF(name, test)                                                                       \
    term_t bif_erlang_##name##_1(struct process *p, term_t *args)                                  \
    {                                                                                              \
        (void)p;                                                                                   \
        term_t t = args[0];                                                                        \
        return make_bool(test);                                                                    \
    }
TYPE_BIF(is_atom, is_atom(t))
TYPE_BIF(is_integer, is_integer(t))
TYPE_BIF(is_float, is_float(t))
TYPE_BIF(is_number, is_number(t))
TYPE_BIF(is_list, is_list(t) || is_nil(t))
TYPE_BIF(is_tuple, is_tuple(t))
TYPE_BIF(is_binary, is_binary_term(t))
TYPE_BIF(is_bitstring, is_bitstring(t))
TYPE_BIF(is_boolean, t == ATOM_true || t == ATOM_false)
TYPE_BIF(is_function, is_fun(t))
TYPE_BIF(is_pid, is_pid(t))
TYPE_BIF(is_port, is_port(t))
TYPE_BIF(is_reference, is_ref(t))
TYPE_BIF(is_map, is_map(t))
#undef TYPE_BIF

term_t bif_erlang_is_function_2(struct process *p, term_t *args)
{
    term_t f = args[0], a = args[1];
    if (!is_small(a) || small_val(a) < 0)
        return bif_badarg(p);
    if (!is_fun(f))
        return ATOM_false;
    term_t *o = boxed_ptr(f);
    uint64_t arity;
    if (header_subtag(o[0]) == SUB_EXPORT) {
        arity = ((struct export *)(uintptr_t)o[1])->arity;
    } else {
        const struct fun_entry *fe = (const struct fun_entry *)(uintptr_t)o[1];
        arity = fe->arity - fe->num_free;
    }
    return make_bool(arity == (uint64_t)small_val(a));
}

term_t bif_erlang_is_record_2(struct process *p, term_t *args)
{
    term_t t = args[0];
    if (!is_atom(args[1]))
        return bif_badarg(p);
    return make_bool(is_atom(args[1]) && is_tuple(t) && tuple_arity(t) >= 1 &&
                     tuple_elems(t)[0] == args[1]);
}

term_t bif_erlang_is_record_3(struct process *p, term_t *args)
{
    term_t t = args[0];
    if (!is_small(args[2]) || !is_atom(args[1]))
        return bif_badarg(p);
    return make_bool(is_atom(args[1]) && is_tuple(t) &&
                     tuple_arity(t) == (uint64_t)small_val(args[2]) && tuple_arity(t) >= 1 &&
                     tuple_elems(t)[0] == args[1]);
}

/* erlang:fun_info/2 for the items OTP's own code and tests ask about. */
term_t bif_erlang_fun_info_2(struct process *p, term_t *args)
{
    term_t f = args[0], item = args[1];
    if (!is_fun(f) || !is_atom(item))
        return bif_badarg(p);
    term_t *o = boxed_ptr(f);
    bool ext = header_subtag(o[0]) == SUB_EXPORT;
    const struct export *e = ext ? (const struct export *)(uintptr_t)o[1] : NULL;
    const struct fun_entry *fe = ext ? NULL : (const struct fun_entry *)(uintptr_t)o[1];
    term_t v;
    if (item == ATOM_arity) {
        v = make_small(ext ? (sterm_t)e->arity : (sterm_t)(fe->arity - fe->num_free));
    } else if (item == ATOM_module) {
        v = ext ? e->module : fe->module->name;
    } else if (item == ATOM_name) {
        v = ext ? e->function : fe->function;
    } else if (item == ATOM_type) {
        v = ext ? ATOM_external : ATOM_local;
    } else if (item == ATOM_env) {
        v = NIL;
        if (!ext)
            for (uint32_t i = fe->num_free; i > 0; i--)
                v = build_cons(&p->builder, o[1 + i], v);
    } else if (item == ATOM_index) {
        v = ext ? ATOM_undefined : make_small(fe->old_index);
    } else if (item == ATOM_uniq) {
        v = ext ? ATOM_undefined : make_small(fe->old_uniq);
    } else if (item == ATOM_pid) {
        v = ext ? ATOM_undefined : make_pid(0);
    } else {
        return bif_badarg(p);
    }
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = item;
    el[1] = v;
    return t;
}

/*
 * erlang:phash/2 and phash2/1,2: OTP's portable hashes (vm/hash.c), with the ranges of the BIFs:
 * phash2/1 keeps 27 bits, a Range is 1..2^32, phash is 1-based.
 */
static bool hash_range(term_t range, uint64_t *r)
{
    if (!is_small(range) || small_val(range) < 1 || (uint64_t)small_val(range) > (1ull << 32))
        return false;
    *r = (uint64_t)small_val(range);
    return true;
}

term_t bif_erlang_phash2_1(struct process *p, term_t *args)
{
    (void)p;
    return make_small((sterm_t)(term_phash2(args[0]) & ((1u << 27) - 1)));
}
term_t bif_erlang_phash2_2(struct process *p, term_t *args)
{
    uint64_t r;
    if (!hash_range(args[1], &r))
        return bif_badarg(p);
    return make_small((sterm_t)(term_phash2(args[0]) % r));
}
term_t bif_erlang_phash_2(struct process *p, term_t *args)
{
    uint64_t r;
    if (!hash_range(args[1], &r))
        return bif_badarg(p);
    return make_small((sterm_t)(1 + term_phash(args[0]) % r));
}

term_t bif_erlang_pid_to_list_1(struct process *p, term_t *args)
{
    if (!is_pid(args[0]))
        return bif_badarg(p);
    struct textbuf b;
    textbuf_init(&b);
    textbuf_printf(&b, "<0.%lu.0>", (unsigned long)pid_index(args[0]));
    term_t r = build_string(&p->builder, b.data, b.len);
    textbuf_dispose(&b);
    return r;
}
