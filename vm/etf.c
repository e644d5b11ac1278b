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
    V4_PORT_EXT = 120,
};

/* zvm is always the node nonode@nohost with creation 0, as a distribution-less erl is; pids,
 * ports and references of any other node or creation have no local representation here, so
 * decoding them fails (binary_to_term raises badarg) rather than aliasing a local process. */
#define LOCAL_CREATION 0u
/* OTP 25 local references carry three 32-bit words, the first one 18 bits wide. */
#define REF_WORD0_BITS 18

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
static term_t read_atom_term(struct reader *r);

static bool is_local_node(term_t node)
{
    size_t len;
    const char *name = atom_name(node, &len);
    return len == 13 && memcmp(name, "nonode@nohost", 13) == 0;
}

/* The node atom and the fixed-size fields after it (a pid's id and serial, a port's id); the
 * creation follows them and is checked here. */
static bool read_local_identity(struct reader *r, size_t id_bytes, const char *what)
{
    term_t node = read_term(r);
    if (node == THE_NON_VALUE)
        return false;
    if (!is_atom(node)) {
        fail(r, "a node atom was expected");
        return false;
    }
    if (!need(r, id_bytes + 4)) {
        fail(r, what);
        return false;
    }
    if (!is_local_node(node) || be32(r->p + id_bytes) != LOCAL_CREATION) {
        fail(r, "a pid, port or reference of another node");
        return false;
    }
    return true;
}

static term_t read_fun(struct reader *r)
{
    const uint8_t *start = r->p;
    if (!need(r, 4 + 1 + 16 + 4 + 4))
        return fail(r, "truncated fun");
    size_t size = be32(r->p);
    unsigned arity = r->p[4];
    uint32_t index = be32(r->p + 21);
    uint32_t num_free = be32(r->p + 25);
    r->p += 29;
    if (size < 29 || !need(r, size - 29) || num_free > size)
        return fail(r, "bad fun size");
    term_t m = read_atom_term(r);
    term_t old_index = m == THE_NON_VALUE ? m : read_term(r);
    term_t old_uniq = old_index == THE_NON_VALUE ? old_index : read_term(r);
    term_t pid = old_uniq == THE_NON_VALUE ? old_uniq : read_term(r);
    if (pid == THE_NON_VALUE)
        return pid;
    if (!is_small(old_index) || !is_small(old_uniq) || !is_pid(pid))
        return fail(r, "bad fun fields");
    struct module *mod = module_find(m);
    if (mod == NULL)
        return fail(r, "a fun of a module that is not loaded");
    /* zvm does not compute module MD5s, so the 16-byte uniq cannot be checked; the old uniq (a
     * hash of the fun's code) identifies the fun's version instead. */
    const struct fun_entry *fe = index < mod->n_funs ? &mod->funs[index] : NULL;
    if (fe == NULL || fe->num_free != num_free || fe->arity - fe->num_free != arity ||
        (sterm_t)fe->old_uniq != small_val(old_uniq) ||
        (sterm_t)fe->old_index != small_val(old_index))
        return fail(r, "a fun that does not match the loaded module");
    term_t *o = build_alloc(r->b, 2 + num_free);
    o[0] = make_header(1 + num_free, SUB_FUN);
    o[1] = (term_t)(uintptr_t)fe;
    for (uint32_t i = 0; i < num_free; i++)
        o[2 + i] = NIL;
    for (uint32_t i = 0; i < num_free; i++) {
        term_t v = read_term(r);
        if (v == THE_NON_VALUE)
            return v;
        o[2 + i] = v;
    }
    if ((size_t)(r->p - start) != size)
        return fail(r, "fun size does not match its contents");
    return make_boxed(o);
}

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
        /* As erts: at most 32 pairs make a flat map, more a hashmap; a repeated key is bad. */
        result = map_from_unique_pairs(r->b, kv, kv + n, n);
        rt_free(kv);
        if (result == THE_NON_VALUE)
            return fail(r, "repeated map key");
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
    case NEW_FUN_EXT:
        result = read_fun(r);
        if (result == THE_NON_VALUE)
            return result;
        break;
    case PID_EXT:
    case NEW_PID_EXT: {
        /* PID_EXT has a one-byte creation; only NEW_PID_EXT (what OTP 25 writes) is checked
         * through read_local_identity, the old form is accepted for creation 0 too. */
        if (tag == PID_EXT) {
            term_t node = read_atom_term(r);
            if (node == THE_NON_VALUE)
                return node;
            if (!need(r, 9))
                return fail(r, "truncated pid");
            if (!is_local_node(node) || r->p[8] != 0)
                return fail(r, "a pid, port or reference of another node");
        } else if (!read_local_identity(r, 8, "truncated pid")) {
            return THE_NON_VALUE;
        }
        uint32_t id = be32(r->p), serial = be32(r->p + 4);
        r->p += tag == PID_EXT ? 9 : 12;
        if (serial != 0 || id >= (1u << 28))
            return fail(r, "bad pid number");
        result = make_pid(id);
        break;
    }
    case NEW_PORT_EXT:
    case V4_PORT_EXT: {
        size_t id_bytes = tag == NEW_PORT_EXT ? 4 : 8;
        if (!read_local_identity(r, id_bytes, "truncated port"))
            return THE_NON_VALUE;
        uint64_t id =
            tag == NEW_PORT_EXT ? be32(r->p) : (uint64_t)be32(r->p) << 32 | be32(r->p + 4);
        r->p += id_bytes + 4;
        if (id >= (UINT64_C(1) << 59))
            return fail(r, "bad port number");
        result = make_port(id);
        break;
    }
    case NEWER_REFERENCE_EXT: {
        if (!need(r, 2))
            return fail(r, "truncated reference");
        size_t len = (size_t)r->p[0] << 8 | r->p[1];
        r->p += 2;
        if (len < 1 || len > 5)
            return fail(r, "bad reference length");
        if (!read_local_identity(r, 0, "truncated reference"))
            return THE_NON_VALUE;
        r->p += 4;
        if (!need(r, 4 * len))
            return fail(r, "truncated reference");
        uint32_t w[5] = {0, 0, 0, 0, 0};
        for (size_t i = 0; i < len; i++)
            w[i] = be32(r->p + 4 * i);
        r->p += 4 * len;
        /* zvm references are one 64-bit counter spread over the first three words as encode()
         * writes them; anything else (pid references, wider numbers) is not one of ours. */
        if (w[0] >> REF_WORD0_BITS || w[2] >> (64 - 32 - REF_WORD0_BITS) || w[3] || w[4])
            return fail(r, "a reference zvm cannot have made");
        term_t *o = build_alloc(r->b, 2);
        o[0] = make_header(1, SUB_REF);
        o[1] = (uint64_t)w[0] | (uint64_t)w[1] << REF_WORD0_BITS |
               (uint64_t)w[2] << (32 + REF_WORD0_BITS);
        result = make_boxed(o);
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

static void put_local_node(struct textbuf *o)
{
    put8(o, ATOM_EXT);
    put8(o, 0);
    put8(o, 13);
    textbuf_put(o, "nonode@nohost", 13);
}

static void put_pid(struct textbuf *o, term_t pid)
{
    put8(o, NEW_PID_EXT);
    put_local_node(o);
    put32(o, (uint32_t)pid_index(pid));
    put32(o, 0); /* serial */
    put32(o, LOCAL_CREATION);
}

static int encode(term_t t, struct textbuf *o, int depth, bool sorted);

static int encode_fun(const term_t *obj, struct textbuf *o, int depth, bool sorted)
{
    const struct fun_entry *fe = (const struct fun_entry *)(uintptr_t)obj[1];
    uint32_t nfree = fe->num_free;
    put8(o, NEW_FUN_EXT);
    size_t size_at = o->len;
    put32(o, 0); /* patched below: the size counts from this field to the end */
    put8(o, fe->arity - nfree);
    textbuf_put(o, fe->module->md5, 16);
    put32(o, fe->index);
    put32(o, nfree);
    put_atom(o, fe->module->name);
    encode(make_small(fe->old_index), o, depth + 1, sorted);
    encode(make_small(fe->old_uniq), o, depth + 1, sorted);
    /* zvm does not record a fun's creator; every fun says it was made by <0.0.0>. */
    put_pid(o, make_pid(0));
    for (uint32_t i = 0; i < nfree; i++)
        if (encode(obj[2 + i], o, depth + 1, sorted) != 0)
            return -1;
    uint32_t size = (uint32_t)(o->len - size_at);
    uint8_t *p = (uint8_t *)o->data + size_at;
    p[0] = (uint8_t)(size >> 24);
    p[1] = (uint8_t)(size >> 16);
    p[2] = (uint8_t)(size >> 8);
    p[3] = (uint8_t)size;
    return 0;
}

/*
 * A map's pairs in maps:to_list/1's order (map.h), as erts writes them; with `sorted` (the
 * `deterministic` option) a hashmap's pairs in key order instead.
 */
static int encode_map(term_t t, struct textbuf *o, int depth, bool sorted)
{
    uint64_t n = map_size(t);
    put8(o, MAP_EXT);
    put32(o, (uint32_t)n);
    if (sorted && !is_flatmap(t)) {
        term_t *kv = rt_alloc(sizeof(term_t) * 2 * n);
        map_sorted_pairs(t, kv, kv + n);
        int rc = 0;
        for (uint64_t i = 0; i < n && rc == 0; i++)
            if (encode(kv[i], o, depth + 1, sorted) != 0 ||
                encode(kv[n + i], o, depth + 1, sorted) != 0)
                rc = -1;
        rt_free(kv);
        return rc;
    }
    struct map_iter it;
    term_t k, v;
    map_iter_init(&it, t, MAP_ORDER_LIST);
    while (map_iter_next(&it, &k, &v))
        if (encode(k, o, depth + 1, sorted) != 0 || encode(v, o, depth + 1, sorted) != 0)
            return -1;
    return 0;
}

static int encode(term_t t, struct textbuf *o, int depth, bool sorted)
{
    if (depth > MAX_DEPTH)
        return -1;
    if (is_pid(t)) {
        put_pid(o, t);
        return 0;
    }
    if (is_port(t)) {
        uint64_t id = pid_index(t);
        put8(o, id >> 32 ? V4_PORT_EXT : NEW_PORT_EXT);
        put_local_node(o);
        if (id >> 32)
            put32(o, (uint32_t)(id >> 32));
        put32(o, (uint32_t)id);
        put32(o, LOCAL_CREATION);
        return 0;
    }
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
            if (encode(CAR(l), o, depth + 1, sorted) != 0)
                return -1;
        return encode(l, o, depth + 1, sorted);
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
            if (encode(obj[i], o, depth + 1, sorted) != 0)
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
    case SUB_MAP:
    case SUB_HASHMAP:
        return encode_map(t, o, depth, sorted);
    case SUB_EXPORT: {
        struct export *e = (struct export *)(uintptr_t)obj[1];
        put8(o, EXPORT_EXT);
        put_atom(o, e->module);
        put_atom(o, e->function);
        put8(o, SMALL_INTEGER_EXT);
        put8(o, e->arity);
        return 0;
    }
    case SUB_FUN:
        return encode_fun(obj, o, depth, sorted);
    case SUB_REF: {
        uint64_t n = obj[1];
        put8(o, NEWER_REFERENCE_EXT);
        put8(o, 0);
        put8(o, 3);
        put_local_node(o);
        put32(o, LOCAL_CREATION);
        put32(o, (uint32_t)(n & ((1u << REF_WORD0_BITS) - 1)));
        put32(o, (uint32_t)(n >> REF_WORD0_BITS));
        put32(o, (uint32_t)(n >> (32 + REF_WORD0_BITS)));
        return 0;
    }
    default:
        return -1; /* match contexts never reach here */
    }
}

int etf_encode(term_t t, struct textbuf *out)
{
    return etf_encode_deterministic(t, out, false);
}

int etf_encode_deterministic(term_t t, struct textbuf *out, bool deterministic)
{
    put8(out, ETF_VERSION);
    return encode(t, out, 0, deterministic);
}
