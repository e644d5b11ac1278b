/*
 * hash.c: BEAM's portable term hashes (make_hash for phash/2, make_hash2 for phash2/1,2),
 * written from the algorithm's description in OTP's erts/emulator/beam/utils.c. The values must
 * equal stock erl's bit for bit, so every constant and every order of mixing below is OTP's;
 * the traversal is ours (an explicit work stack instead of BEAM's ESTACK/WSTACK macros).
 */
#include "vm/hash.h"

#include "vm/atom.h"
#include "vm/binary.h"
#include "vm/map.h"
#include "vm/module.h"
#include "vm/rt.h"

/* --- the work stack ------------------------------------------------------------------------ */

enum hash_item_kind {
    ITEM_TERM,      /* a term still to hash */
    ITEM_LIST_REST, /* phash: the rest of a list whose head was just hashed */
    ITEM_MUL,       /* phash: multiply the hash by `a` */
    ITEM_TUPLE_END, /* phash: fold a tuple's arity `a` in after its elements */
    ITEM_MAP_TAIL,  /* phash2: a map's pairs are done; `a` and `b` are the saved hash and xor */
    ITEM_MAP_PAIR,  /* phash2: a key and its value are done; xor their hash into the pairs' */
    ITEM_CDR,       /* map hash: the tail of a cons cell comes next */
};

struct hash_item {
    enum hash_item_kind kind;
    uint32_t a, b;
    term_t term;
};

struct hash_stack {
    struct hash_item *items;
    size_t len, cap;
    struct hash_item local[64];
};

static void hash_stack_init(struct hash_stack *s)
{
    s->items = s->local;
    s->len = 0;
    s->cap = sizeof s->local / sizeof s->local[0];
}

static void hash_stack_dispose(struct hash_stack *s)
{
    if (s->items != s->local)
        rt_free(s->items);
}

static void push(struct hash_stack *s, enum hash_item_kind kind, term_t t, uint32_t a, uint32_t b)
{
    if (s->len == s->cap) {
        size_t cap = s->cap * 2;
        struct hash_item *n;
        if (s->items == s->local) {
            n = rt_alloc(cap * sizeof *n);
            for (size_t i = 0; i < s->len; i++)
                n[i] = s->local[i];
        } else {
            n = rt_realloc(s->items, cap * sizeof *n);
        }
        s->items = n;
        s->cap = cap;
    }
    s->items[s->len++] = (struct hash_item){.kind = kind, .a = a, .b = b, .term = t};
}

static void push_term(struct hash_stack *s, term_t t)
{
    push(s, ITEM_TERM, t, 0, 0);
}

/* --- shared pieces ---------------------------------------------------------------------------- */

uint32_t atom_hash_value(term_t atom)
{
    size_t len;
    const uint8_t *p = (const uint8_t *)atom_name(atom, &len);
    uint32_t h = 0;
    while (len--) {
        uint8_t v = *p++;
        /* BEAM hashes atoms as their latin-1 text did before atoms became UTF-8 (R16), so a
         * two-byte sequence for U+0080..U+00FF counts as one byte. */
        if (len && (v & 0xFE) == 0xC2 && (*p & 0xC0) == 0x80) {
            v = (uint8_t)((v << 6) | (*p & 0x3F));
            p++;
            len--;
        }
        h = (h << 4) + v;
        uint32_t g = h & 0xf0000000u;
        if (g) {
            h ^= g >> 24;
            h ^= g;
        }
    }
    return h;
}

static bool is_byte_term(term_t t)
{
    return is_small(t) && small_val(t) >= 0 && small_val(t) <= 255;
}

/* A bitstring's whole bytes (aligned, copied if the view is not) and its trailing bits. */
struct hash_bytes {
    const uint8_t *bytes;
    uint64_t size;
    unsigned trailing_bits;
    uint8_t *owned;
};

static void hash_bytes_init(struct hash_bytes *hb, term_t bin)
{
    struct bitview v = bitview_of(bin);
    hb->size = v.bits / 8;
    hb->trailing_bits = (unsigned)(v.bits % 8);
    hb->owned = NULL;
    if (v.bit_offset % 8 == 0) {
        hb->bytes = v.base + v.bit_offset / 8;
        return;
    }
    hb->owned = rt_alloc(hb->size + 1);
    hb->bytes = bitview_bytes(&v, hb->owned);
}

static void hash_bytes_dispose(struct hash_bytes *hb)
{
    rt_free(hb->owned);
}

/* Terms of a closure's environment: the free variables follow the fun_entry pointer. */
static const struct fun_entry *closure_entry(const term_t *o)
{
    return (const struct fun_entry *)(uintptr_t)o[1];
}

static uint64_t double_bits_positive_zero(term_t t)
{
    double d = float_val(t);
    return d == 0.0 ? 0 : double_bits(d);
}

/* --- make_hash (phash/2) ------------------------------------------------------------------- */

#define FUNNY_NUMBER1  268440163u
#define FUNNY_NUMBER2  268439161u
#define FUNNY_NUMBER3  268435459u
#define FUNNY_NUMBER4  268436141u
#define FUNNY_NUMBER5  268438633u
#define FUNNY_NUMBER6  268437017u
#define FUNNY_NUMBER8  268437511u
#define FUNNY_NUMBER9  268439627u
#define FUNNY_NUMBER10 268440479u
#define FUNNY_NUMBER11 268440577u
#define FUNNY_NUMBER12 268440581u
#define FUNNY_NUMBER13 268440593u
#define FUNNY_NUMBER14 268440611u

/* Folds the four bytes of x in, least significant first. */
static uint32_t phash_u32_step(uint32_t h, uint32_t x, uint32_t prime)
{
    h = h * prime + (x & 0xFF);
    h = h * prime + ((x >> 8) & 0xFF);
    h = h * prime + ((x >> 16) & 0xFF);
    return h * prime + (x >> 24);
}

/* The magnitude of an integer, bytewise from the least significant byte; the last 64-bit digit
 * counts 4 bytes when its upper half is zero (BEAM's 32-bit-compatible rule). */
static uint32_t phash_magnitude(uint32_t h, const uint64_t *digits, uint64_t n, bool negative)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t d = digits[i];
        int bytes = (i + 1 < n || d >> 32) ? 8 : 4;
        for (int j = 0; j < bytes; j++, d >>= 8)
            h = h * FUNNY_NUMBER2 + (uint32_t)(d & 0xFF);
    }
    return h * (negative ? FUNNY_NUMBER4 : FUNNY_NUMBER3);
}

static uint32_t phash_binary(uint32_t h, term_t bin)
{
    struct hash_bytes hb;
    hash_bytes_init(&hb, bin);
    for (uint64_t i = 0; i < hb.size; i++)
        h = h * FUNNY_NUMBER1 + hb.bytes[i];
    if (hb.trailing_bits) {
        uint32_t b = hb.bytes[hb.size] >> (8 - hb.trailing_bits);
        h = (h * FUNNY_NUMBER1 + b) * FUNNY_NUMBER12 + hb.trailing_bits;
    }
    h = h * FUNNY_NUMBER4 + (uint32_t)hb.size;
    hash_bytes_dispose(&hb);
    return h;
}

/* Hashes a list from `cell` on: heads in order (bytes inline), then the tail, then F8 once. */
static uint32_t phash_list(uint32_t h, term_t cell, struct hash_stack *s)
{
    while (is_byte_term(CAR(cell))) {
        h = h * FUNNY_NUMBER2 + (uint32_t)small_val(CAR(cell));
        if (!is_list(CDR(cell))) {
            push(s, ITEM_MUL, 0, FUNNY_NUMBER8, 0);
            push_term(s, CDR(cell));
            return h;
        }
        cell = CDR(cell);
    }
    push(s, ITEM_LIST_REST, CDR(cell), 0, 0);
    push_term(s, CAR(cell));
    return h;
}

static uint32_t phash_term(uint32_t h, term_t t, struct hash_stack *s)
{
    if (is_list(t))
        return phash_list(h, t, s);
    if (is_nil(t))
        return h * FUNNY_NUMBER3 + 1;
    if (is_atom(t))
        return h * FUNNY_NUMBER1 + atom_hash_value(t);
    if (is_small(t)) {
        sterm_t v = small_val(t);
        uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
        return phash_magnitude(h, &mag, 1, v < 0);
    }
    if (is_pid(t))
        return phash_u32_step(h, (uint32_t)pid_index(t), FUNNY_NUMBER5) * FUNNY_NUMBER6;
    if (is_port(t))
        return phash_u32_step(h, (uint32_t)(t >> 4), FUNNY_NUMBER9) * FUNNY_NUMBER10;
    if (!is_boxed(t))
        return h; /* catches never reach a BIF */
    const term_t *o = boxed_ptr(t);
    switch (header_subtag(o[0])) {
    case SUB_TUPLE: {
        uint64_t arity = header_arity(o[0]);
        push(s, ITEM_TUPLE_END, 0, (uint32_t)arity, 0);
        for (uint64_t i = arity; i > 0; i--)
            push_term(s, o[i]);
        return h;
    }
    case SUB_BIG_POS:
    case SUB_BIG_NEG:
        return phash_magnitude(h, o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
    case SUB_FLOAT: {
        uint64_t bits = double_bits_positive_zero(t);
        return h * FUNNY_NUMBER6 + ((uint32_t)bits ^ (uint32_t)(bits >> 32));
    }
    case SUB_HEAP_BIN:
    case SUB_REFC_BIN:
    case SUB_SUB_BIN:
        return phash_binary(h, t);
    case SUB_EXPORT: {
        const struct export *e = (const struct export *)(uintptr_t)o[1];
        h = h * FUNNY_NUMBER11 + e->arity;
        h = h * FUNNY_NUMBER1 + atom_hash_value(e->module);
        return h * FUNNY_NUMBER1 + atom_hash_value(e->function);
    }
    case SUB_FUN: {
        const struct fun_entry *fe = closure_entry(o);
        h = h * FUNNY_NUMBER10 + fe->num_free;
        h = h * FUNNY_NUMBER1 + atom_hash_value(fe->module->name);
        h = h * FUNNY_NUMBER2 + fe->old_index;
        h = h * FUNNY_NUMBER2 + fe->old_uniq;
        for (uint32_t i = fe->num_free; i > 0; i--)
            push_term(s, o[1 + i]);
        return h;
    }
    case SUB_REF:
        return phash_u32_step(h, (uint32_t)o[1], FUNNY_NUMBER9) * FUNNY_NUMBER10;
    case SUB_MAP:
    case SUB_HASHMAP:
        return h * FUNNY_NUMBER13 + FUNNY_NUMBER14 + term_phash2(t);
    default:
        return h;
    }
}

uint32_t term_phash(term_t t)
{
    struct hash_stack s;
    hash_stack_init(&s);
    uint32_t h = 0;
    push_term(&s, t);
    while (s.len) {
        struct hash_item it = s.items[--s.len];
        switch (it.kind) {
        case ITEM_MUL:
            h *= it.a;
            break;
        case ITEM_TUPLE_END:
            h = h * FUNNY_NUMBER9 + it.a;
            break;
        case ITEM_LIST_REST:
            if (is_list(it.term)) {
                h = phash_list(h, it.term, &s);
            } else {
                push(&s, ITEM_MUL, 0, FUNNY_NUMBER8, 0);
                push_term(&s, it.term);
            }
            break;
        case ITEM_TERM:
            h = phash_term(h, it.term, &s);
            break;
        default:
            break;
        }
    }
    hash_stack_dispose(&s);
    return h;
}

/* --- make_hash2 (phash2/1,2) --------------------------------------------------------------- */

/* Bob Jenkins' mix, on 32-bit words. */
#define MIX(a, b, c)                                                                               \
    do {                                                                                           \
        a -= b;                                                                                    \
        a -= c;                                                                                    \
        a ^= (c >> 13);                                                                            \
        b -= c;                                                                                    \
        b -= a;                                                                                    \
        b ^= (a << 8);                                                                             \
        c -= a;                                                                                    \
        c -= b;                                                                                    \
        c ^= (b >> 13);                                                                            \
        a -= b;                                                                                    \
        a -= c;                                                                                    \
        a ^= (c >> 12);                                                                            \
        b -= c;                                                                                    \
        b -= a;                                                                                    \
        b ^= (a << 16);                                                                            \
        c -= a;                                                                                    \
        c -= b;                                                                                    \
        c ^= (b >> 5);                                                                             \
        a -= b;                                                                                    \
        a -= c;                                                                                    \
        a ^= (c >> 3);                                                                             \
        b -= c;                                                                                    \
        b -= a;                                                                                    \
        b ^= (a << 10);                                                                            \
        c -= a;                                                                                    \
        c -= b;                                                                                    \
        c ^= (b >> 15);                                                                            \
    } while (0)

/* The golden ratio and its multiples 2..19 (mod 2^32): one per kind of term. */
#define HCONST    0x9e3779b9u
#define HCONST_2  0x3c6ef372u
#define HCONST_3  0xdaa66d2bu
#define HCONST_4  0x78dde6e4u
#define HCONST_5  0x1715609du
#define HCONST_6  0xb54cda56u
#define HCONST_7  0x5384540fu
#define HCONST_8  0xf1bbcdc8u
#define HCONST_9  0x8ff34781u
#define HCONST_10 0x2e2ac13au
#define HCONST_11 0xcc623af3u
#define HCONST_12 0x6a99b4acu
#define HCONST_13 0x08d12e65u
#define HCONST_14 0xa708a81eu
#define HCONST_15 0x454021d7u
#define HCONST_16 0xe3779b90u
#define HCONST_17 0x81af1549u
#define HCONST_18 0x1fe68f02u
#define HCONST_19 0xbe1e08bbu
#define HCONST_20 0x5c558274u
#define HCONST_21 0xfa8cfc2du
#define HCONST_22 0x98c475e6u

/* BEAM's internal type number for [] (NIL_DEF), which phash2 mixes in for a non-first []. */
#define NIL_DEF 2u

static uint32_t mix2(uint32_t hash, uint32_t x, uint32_t y, uint32_t aconst)
{
    uint32_t a = aconst + x, b = aconst + y;
    MIX(a, b, hash);
    return hash;
}

static uint32_t mix1(uint32_t hash, uint32_t x, uint32_t aconst)
{
    return mix2(hash, x, 0, aconst);
}

static uint32_t block_hash(const uint8_t *k, uint64_t length, uint32_t initval)
{
    uint32_t a = HCONST, b = HCONST, c = initval;
    uint64_t len = length;
    while (len >= 12) {
        a += k[0] + ((uint32_t)k[1] << 8) + ((uint32_t)k[2] << 16) + ((uint32_t)k[3] << 24);
        b += k[4] + ((uint32_t)k[5] << 8) + ((uint32_t)k[6] << 16) + ((uint32_t)k[7] << 24);
        c += k[8] + ((uint32_t)k[9] << 8) + ((uint32_t)k[10] << 16) + ((uint32_t)k[11] << 24);
        MIX(a, b, c);
        k += 12;
        len -= 12;
    }
    c += (uint32_t)length;
    switch (len) { /* each case adds its byte and falls through; c's low byte holds the length */
    case 11:
        c += (uint32_t)k[10] << 24;
        /* fall through */
    case 10:
        c += (uint32_t)k[9] << 16;
        /* fall through */
    case 9:
        c += (uint32_t)k[8] << 8;
        /* fall through */
    case 8:
        b += (uint32_t)k[7] << 24;
        /* fall through */
    case 7:
        b += (uint32_t)k[6] << 16;
        /* fall through */
    case 6:
        b += (uint32_t)k[5] << 8;
        /* fall through */
    case 5:
        b += k[4];
        /* fall through */
    case 4:
        a += (uint32_t)k[3] << 24;
        /* fall through */
    case 3:
        a += (uint32_t)k[2] << 16;
        /* fall through */
    case 2:
        a += (uint32_t)k[1] << 8;
        /* fall through */
    case 1:
        a += k[0];
        /* fall through */
    default:
        break;
    }
    MIX(a, b, c);
    return c;
}

static uint32_t phash2_digits(uint32_t hash, const uint64_t *digits, uint64_t n, bool negative)
{
    uint32_t con = negative ? HCONST_10 : HCONST_11;
    for (uint64_t i = 0; i < n; i++)
        hash = mix2(hash, (uint32_t)digits[i], (uint32_t)(digits[i] >> 32), con);
    return hash;
}

static uint32_t phash2_binary(uint32_t hash, term_t bin)
{
    struct hash_bytes hb;
    hash_bytes_init(&hb, bin);
    uint32_t con = HCONST_13 + hash;
    if (hb.size == 0 && hb.trailing_bits == 0) {
        hash = con;
    } else {
        hash = block_hash(hb.bytes, hb.size, con);
        if (hb.trailing_bits)
            hash = mix2(hash, hb.trailing_bits,
                        (uint32_t)hb.bytes[hb.size] >> (8 - hb.trailing_bits), HCONST_15);
    }
    hash_bytes_dispose(&hb);
    return hash;
}

/*
 * Hashes one term into `*hash`. Compound terms push their remaining parts and return the part
 * to hash next (or THE_NON_VALUE when the term is done), as BEAM's loop does.
 */
static term_t phash2_step(uint32_t *hash, uint32_t *xor_pairs, term_t t, struct hash_stack *s)
{
    uint32_t h = *hash;
    term_t next = THE_NON_VALUE;
    if (is_list(t)) {
        uint32_t sh = 0;
        int c = 0;
        term_t cell = t;
        while (is_byte_term(CAR(cell))) { /* strings: four bytes per mix */
            sh = (sh << 8) + (uint32_t)small_val(CAR(cell));
            if (c == 3) {
                h = mix1(h, sh, HCONST_4);
                c = 0;
                sh = 0;
            } else {
                c++;
            }
            t = CDR(cell);
            if (!is_list(t))
                break;
            cell = t;
        }
        if (c > 0)
            h = mix1(h, sh, HCONST_4);
        if (is_list(t)) {
            push_term(s, CDR(cell));
            next = CAR(cell);
        } else {
            next = t;
        }
    } else if (is_nil(t)) {
        h = h == 0 ? 3468870702u : mix1(h, NIL_DEF, HCONST_2);
    } else if (is_atom(t)) {
        h = h == 0 ? atom_hash_value(t) : mix1(h, atom_hash_value(t), HCONST_3);
    } else if (is_small(t)) {
        sterm_t v = small_val(t);
        if (v >= -(INT64_C(1) << 27) && v < (INT64_C(1) << 27)) {
            int32_t y = (int32_t)v;
            if (y < 0) /* BEAM mixes negative numbers twice */
                h = mix1(h, (uint32_t)-y, HCONST);
            h = mix1(h, (uint32_t)y, HCONST);
        } else { /* beyond 28 bits BEAM hashes a small as the bignum it would be */
            uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
            h = phash2_digits(h, &mag, 1, v < 0);
        }
    } else if (is_pid(t)) {
        h = mix1(h, (uint32_t)pid_index(t), HCONST_5);
    } else if (is_port(t)) {
        h = mix1(h, (uint32_t)(t >> 4), HCONST_6);
    } else if (is_boxed(t)) {
        const term_t *o = boxed_ptr(t);
        switch (header_subtag(o[0])) {
        case SUB_TUPLE: {
            uint64_t arity = header_arity(o[0]);
            h = mix1(h, (uint32_t)arity, HCONST_9);
            for (uint64_t i = arity; i > 1; i--)
                push_term(s, o[i]);
            if (arity > 0)
                next = o[1];
            break;
        }
        case SUB_MAP:
        case SUB_HASHMAP: {
            uint64_t size = map_size(t);
            h = mix1(h, (uint32_t)size, HCONST_16);
            if (size == 0)
                break;
            /* Each pair hashes on its own from zero and the pairs are xor-ed: the value does not
             * depend on the order of the pairs (flat and hashed maps agree). */
            push(s, ITEM_MAP_TAIL, 0, h, *xor_pairs);
            h = 0;
            *xor_pairs = 0;
            struct map_iter it;
            term_t k, v;
            map_iter_init(&it, t, MAP_ORDER_LIST);
            while (map_iter_next(&it, &k, &v)) {
                push(s, ITEM_MAP_PAIR, 0, 0, 0);
                push_term(s, v);
                push_term(s, k);
            }
            break;
        }
        case SUB_EXPORT: {
            const struct export *e = (const struct export *)(uintptr_t)o[1];
            h = mix2(h, e->arity, atom_hash_value(e->module), HCONST);
            h = mix1(h, atom_hash_value(e->function), HCONST_14);
            break;
        }
        case SUB_FUN: {
            const struct fun_entry *fe = closure_entry(o);
            h = mix2(h, fe->num_free, atom_hash_value(fe->module->name), HCONST);
            h = mix2(h, fe->old_index, fe->old_uniq, HCONST);
            for (uint32_t i = fe->num_free; i > 1; i--)
                push_term(s, o[1 + i]);
            if (fe->num_free > 0)
                next = o[2];
            break;
        }
        case SUB_HEAP_BIN:
        case SUB_REFC_BIN:
        case SUB_SUB_BIN:
            h = phash2_binary(h, t);
            break;
        case SUB_BIG_POS:
        case SUB_BIG_NEG:
            h = phash2_digits(h, o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
            break;
        case SUB_REF:
            h = mix1(h, (uint32_t)o[1], HCONST_7);
            break;
        case SUB_FLOAT: {
            uint64_t bits = double_bits_positive_zero(t);
            h = mix2(h, (uint32_t)(bits >> 32), (uint32_t)bits, HCONST_12);
            break;
        }
        default:
            break;
        }
    }
    *hash = h;
    return next;
}

uint32_t term_phash2(term_t t)
{
    struct hash_stack s;
    hash_stack_init(&s);
    uint32_t hash = 0, xor_pairs = 0;
    for (;;) {
        while (t != THE_NON_VALUE)
            t = phash2_step(&hash, &xor_pairs, t, &s);
        if (s.len == 0)
            break;
        struct hash_item it = s.items[--s.len];
        if (it.kind == ITEM_MAP_TAIL) {
            uint32_t pairs = xor_pairs;
            hash = mix1(it.a, pairs, HCONST_19);
            xor_pairs = it.b;
        } else if (it.kind == ITEM_MAP_PAIR) {
            xor_pairs ^= hash;
            hash = 0;
        } else {
            t = it.term;
        }
    }
    hash_stack_dispose(&s);
    return hash;
}

/* --- make_internal_hash (the key hash of hashmaps) ----------------------------------------- */

/* OTP's INTERNAL_HASH_SALT, a prime that keeps the internal hash apart from phash2. */
#define INTERNAL_HASH_SALT 3432918353u

/* Light mixing of a constant that stands for structure (a cons cell's head or tail). */
static uint32_t const_hash(uint32_t hash, uint32_t c)
{
    hash ^= c;
    return (hash << 17) ^ (hash >> 15);
}

/*
 * One step of BEAM's make_internal_hash: hashes `t` into `*hash`, pushing the parts still to do,
 * and returns the part to hash next (or THE_NON_VALUE). Immediates hash as their tagged word,
 * which zvm shares with BEAM for integers and []; atoms (table indices) differ between VMs.
 */
static term_t ihash_step(uint32_t *hash, term_t t, struct hash_stack *s)
{
    uint32_t h = *hash;
    term_t next = THE_NON_VALUE;
    if (is_list(t)) {
        uint32_t sh = 0, c = 0;
        term_t cell = t;
        while (is_byte_term(CAR(cell))) { /* strings: four bytes per mix */
            sh = (sh << 8) + (uint32_t)small_val(CAR(cell));
            if (c == 3) {
                h = mix1(h, sh, HCONST_4);
                c = sh = 0;
            } else {
                c++;
            }
            t = CDR(cell);
            if (!is_list(t))
                break;
            cell = t;
        }
        if (c > 0)
            h = mix2(h, sh, c, HCONST_22);
        if (is_list(t)) {
            h = const_hash(h, HCONST_17);
            push_term(s, CDR(cell));
            if (!is_list(CDR(cell)))
                push(s, ITEM_CDR, 0, 0, 0);
            next = CAR(cell);
        } else {
            next = t;
        }
    } else if (is_immed(t)) {
        h = mix2(h, (uint32_t)t, (uint32_t)(t >> 32), HCONST);
    } else {
        const term_t *o = boxed_ptr(t);
        switch (header_subtag(o[0])) {
        case SUB_TUPLE: {
            uint64_t arity = header_arity(o[0]);
            h = mix1(h, (uint32_t)arity, HCONST_9);
            for (uint64_t i = arity; i > 1; i--)
                push_term(s, o[i]);
            if (arity > 0)
                next = o[1];
            break;
        }
        case SUB_MAP: {
            uint64_t size = map_size(t);
            const term_t *keys = tuple_elems(flatmap_keys(t)), *vals = flatmap_values(t);
            h = mix1(h, (uint32_t)size, HCONST_16);
            for (uint64_t i = size; i > 0; i--) {
                push_term(s, vals[i - 1]);
                push_term(s, keys[i - 1]);
            }
            break;
        }
        case SUB_HASHMAP:
        case SUB_HAMT_NODE: {
            /* The children are pushed in slot order, so they are hashed last slot first; a
             * node adds nothing of its own, only a root its size. */
            const term_t *items;
            unsigned n = hamt_children(t, &items);
            if (header_subtag(o[0]) == SUB_HASHMAP)
                h = mix1(h, (uint32_t)map_size(t), HCONST_16);
            for (unsigned i = 0; i < n; i++) {
                if (is_list(items[i])) {
                    push_term(s, CDR(items[i]));
                    push_term(s, CAR(items[i]));
                } else {
                    push_term(s, items[i]);
                }
            }
            break;
        }
        case SUB_FUN: {
            const struct fun_entry *fe = closure_entry(o);
            h = mix2(h, fe->num_free, (uint32_t)fe->module->name, HCONST_20);
            h = mix2(h, fe->old_index, fe->old_uniq, HCONST_21);
            for (uint32_t i = fe->num_free; i > 1; i--)
                push_term(s, o[1 + i]);
            if (fe->num_free > 0)
                next = o[2];
            break;
        }
        case SUB_EXPORT: /* one export entry per MFA, never moved: its address identifies it */
            h = mix2(h, (uint32_t)o[1], (uint32_t)(o[1] >> 32), HCONST_14);
            break;
        case SUB_HEAP_BIN:
        case SUB_REFC_BIN:
        case SUB_SUB_BIN:
            h = phash2_binary(h, t);
            break;
        case SUB_BIG_POS:
        case SUB_BIG_NEG:
            h = phash2_digits(h, o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
            break;
        case SUB_REF: /* the three 32-bit words of the reference's external form */
            h = mix1(h, (uint32_t)(o[1] & 0x3FFFF), HCONST_7);
            h = mix2(h, (uint32_t)(o[1] >> 18), (uint32_t)(o[1] >> 50), HCONST_8);
            break;
        case SUB_FLOAT: {
            uint64_t bits = double_bits_positive_zero(t);
            h = mix2(h, (uint32_t)bits, (uint32_t)(bits >> 32), HCONST_12);
            break;
        }
        default:
            break;
        }
    }
    *hash = h;
    return next;
}

uint32_t term_map_hash(term_t key, uint32_t level_group)
{
    uint32_t hash = 0;
    if (level_group > 0)
        hash = mix2(hash, level_group, 1, HCONST_22);
    hash ^= INTERNAL_HASH_SALT;
    if (is_immed(key)) /* the common case, without a stack */
        return mix2(hash, (uint32_t)key, (uint32_t)(key >> 32), HCONST);
    struct hash_stack s;
    hash_stack_init(&s);
    term_t t = key;
    for (;;) {
        while (t != THE_NON_VALUE)
            t = ihash_step(&hash, t, &s);
        if (s.len == 0)
            break;
        struct hash_item it = s.items[--s.len];
        if (it.kind == ITEM_CDR)
            hash = const_hash(hash, HCONST_18);
        else
            t = it.term;
    }
    hash_stack_dispose(&s);
    return hash;
}
