/*
 * term.h: the representation of Erlang terms in zvm (64-bit words, tagged as in BEAM).
 *
 * A term is one machine word. Its two low bits say what it is:
 *   00 header   first word of a boxed object on a heap (never a term value by itself)
 *   01 list     pointer to a cons cell: two words, head then tail
 *   10 boxed    pointer to a header-led object (tuple, bignum, float, binary, fun, map, ref)
 *   11 immediate, refined by the next bits:
 *        ..0011 pid (index << 4)        ..0111 port (index << 4)
 *        ..1111 small integer (value << 4, 60-bit signed)
 *        ..001011 atom (index << 6)      ..011011 catch (index << 6)    111011 nil
 * A header is (arity << 6) | (subtag << 2): arity counts the words that follow it.
 *
 * Object layouts (words after the header):
 *   tuple      elements
 *   bignum     little-endian 64-bit magnitude digits (sign in the subtag)
 *   float      the IEEE double's bits
 *   heap bin   byte size, then the bytes (padded to a word)
 *   refc bin   byte size, struct offheap_bin *, byte pointer, next refc on the same heap
 *   sub bin    bit size, bit offset into the original, original (heap or refc bin term)
 *   match ctx  original binary term, current bit position, end bit position
 *   closure    struct fun_entry *, free variables
 *   export     struct export *
 *   ref        the reference's 64-bit id
 *   map        keys tuple term, values (a flat map of at most 32 pairs: keys sorted in term order)
 *   hashmap    pair count, bitmap of the 16 slots in use, then one child per slot in use (the
 *              root of a hash trie of more than 32 pairs; layout and order in vm/map.h)
 *   hamt node  bitmap, then one child per slot in use (inside a hashmap only, never a value)
 * Words that are not terms (raw) are listed per subtag in term_raw_words() so the GC is precise.
 *
 * THE_NON_VALUE (0) marks "no term" in registers and C return values; it is never stored in a
 * live term.
 */
#ifndef ZVM_TERM_H
#define ZVM_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "build/gen/vm/atoms.h"

_Static_assert(sizeof(void *) == 8, "zvm's term layout needs 64-bit words");

typedef uint64_t term_t;
typedef int64_t sterm_t;

#define THE_NON_VALUE ((term_t)0)

#define TAG_PRIMARY_MASK 0x3u
#define TAG_HEADER       0x0u
#define TAG_LIST         0x1u
#define TAG_BOXED        0x2u
#define TAG_IMMED        0x3u

#define TAG_IMMED1_MASK 0xFu
#define TAG_PID         0x3u
#define TAG_PORT        0x7u
#define TAG_IMMED2      0xBu
#define TAG_SMALL       0xFu
#define TAG_IMMED2_MASK 0x3Fu
#define TAG_ATOM        0x0Bu
#define TAG_CATCH       0x1Bu
#define TAG_NIL         0x3Bu

#define NIL ((term_t)TAG_NIL)

enum subtag {
    SUB_TUPLE = 0,
    SUB_BIG_POS = 1,
    SUB_BIG_NEG = 2,
    SUB_FLOAT = 3,
    SUB_HEAP_BIN = 4,
    SUB_REFC_BIN = 5,
    SUB_SUB_BIN = 6,
    SUB_MATCH_CTX = 7,
    SUB_FUN = 8,
    SUB_EXPORT = 9,
    SUB_REF = 10,
    SUB_MAP = 11,       /* flat map */
    SUB_HASHMAP = 12,   /* root of a hash trie map */
    SUB_HAMT_NODE = 13, /* inner node of a hash trie map */
};

#define SMALL_BITS 60
#define MAX_SMALL  ((sterm_t)((UINT64_C(1) << (SMALL_BITS - 1)) - 1))
#define MIN_SMALL  (-MAX_SMALL - 1)

/* --- primary ------------------------------------------------------------------------------- */
static inline unsigned primary_tag(term_t t)
{
    return (unsigned)(t & TAG_PRIMARY_MASK);
}
static inline bool is_list(term_t t)
{
    return primary_tag(t) == TAG_LIST;
}
static inline bool is_boxed(term_t t)
{
    return primary_tag(t) == TAG_BOXED;
}
static inline bool is_immed(term_t t)
{
    return primary_tag(t) == TAG_IMMED;
}
static inline term_t *list_ptr(term_t t)
{
    return (term_t *)(uintptr_t)(t - TAG_LIST);
}
static inline term_t *boxed_ptr(term_t t)
{
    return (term_t *)(uintptr_t)(t - TAG_BOXED);
}
static inline term_t make_list(const term_t *cell)
{
    return (term_t)(uintptr_t)cell + TAG_LIST;
}
static inline term_t make_boxed(const term_t *obj)
{
    return (term_t)(uintptr_t)obj + TAG_BOXED;
}
#define CAR(cell_term) (list_ptr(cell_term)[0])
#define CDR(cell_term) (list_ptr(cell_term)[1])

/* --- immediates ---------------------------------------------------------------------------- */
static inline bool is_small(term_t t)
{
    return (t & TAG_IMMED1_MASK) == TAG_SMALL;
}
static inline sterm_t small_val(term_t t)
{
    return (sterm_t)t >> 4;
}
static inline term_t make_small(sterm_t v)
{
    return ((term_t)v << 4) | TAG_SMALL;
}
static inline bool fits_small(sterm_t v)
{
    return v >= MIN_SMALL && v <= MAX_SMALL;
}
static inline bool is_atom(term_t t)
{
    return (t & TAG_IMMED2_MASK) == TAG_ATOM;
}
static inline uint32_t atom_index(term_t t)
{
    return (uint32_t)(t >> 6);
}
static inline term_t make_atom(uint32_t index)
{
    return ((term_t)index << 6) | TAG_ATOM;
}
static inline bool is_nil(term_t t)
{
    return t == NIL;
}
static inline bool is_catch(term_t t)
{
    return (t & TAG_IMMED2_MASK) == TAG_CATCH;
}
static inline uint32_t catch_index(term_t t)
{
    return (uint32_t)(t >> 6);
}
static inline term_t make_catch(uint32_t index)
{
    return ((term_t)index << 6) | TAG_CATCH;
}
static inline bool is_pid(term_t t)
{
    return (t & TAG_IMMED1_MASK) == TAG_PID;
}
static inline bool is_port(term_t t)
{
    return (t & TAG_IMMED1_MASK) == TAG_PORT;
}
static inline term_t make_pid(uint64_t index)
{
    return (index << 4) | TAG_PID;
}
static inline term_t make_port(uint64_t index)
{
    return (index << 4) | TAG_PORT;
}
static inline uint64_t pid_index(term_t t)
{
    return t >> 4;
}

#define ATOM_CONST(idx, id, text) ATOM_##id = make_atom_const(idx),
#define make_atom_const(i)        (((term_t)(i) << 6) | TAG_ATOM)
enum { ZVM_ATOM_LIST(ATOM_CONST) ATOM_LIST_END_ };
#undef ATOM_CONST

static inline term_t make_bool(bool b)
{
    return b ? ATOM_true : ATOM_false;
}

/* --- headers and boxed objects ------------------------------------------------------------- */
static inline term_t make_header(uint64_t arity, enum subtag sub)
{
    return (arity << 6) | ((term_t)sub << 2);
}
static inline bool is_header(term_t w)
{
    return primary_tag(w) == TAG_HEADER;
}
static inline enum subtag header_subtag(term_t h)
{
    return (enum subtag)((h >> 2) & 0xF);
}
static inline uint64_t header_arity(term_t h)
{
    return h >> 6;
}
static inline bool is_boxed_sub(term_t t, enum subtag sub)
{
    return is_boxed(t) && header_subtag(boxed_ptr(t)[0]) == sub;
}
static inline bool is_tuple(term_t t)
{
    return is_boxed_sub(t, SUB_TUPLE);
}
static inline uint64_t tuple_arity(term_t t)
{
    return header_arity(boxed_ptr(t)[0]);
}
/* Element i, 1-based as in element/2. */
static inline term_t *tuple_elems(term_t t)
{
    return boxed_ptr(t) + 1;
}
static inline bool is_float(term_t t)
{
    return is_boxed_sub(t, SUB_FLOAT);
}
static inline double float_val(term_t t)
{
    union {
        uint64_t u;
        double d;
    } v = {.u = boxed_ptr(t)[1]};
    return v.d;
}
static inline uint64_t double_bits(double d)
{
    union {
        double d;
        uint64_t u;
    } v = {.d = d};
    return v.u;
}
static inline bool is_bignum(term_t t)
{
    return is_boxed(t) && (header_subtag(boxed_ptr(t)[0]) == SUB_BIG_POS ||
                           header_subtag(boxed_ptr(t)[0]) == SUB_BIG_NEG);
}
static inline bool is_integer(term_t t)
{
    return is_small(t) || is_bignum(t);
}
static inline bool is_number(term_t t)
{
    return is_small(t) || is_bignum(t) || is_float(t);
}
static inline bool is_bitstring(term_t t)
{
    if (!is_boxed(t))
        return false;
    enum subtag s = header_subtag(boxed_ptr(t)[0]);
    return s == SUB_HEAP_BIN || s == SUB_REFC_BIN || s == SUB_SUB_BIN;
}
static inline bool is_fun(term_t t)
{
    return is_boxed(t) && (header_subtag(boxed_ptr(t)[0]) == SUB_FUN ||
                           header_subtag(boxed_ptr(t)[0]) == SUB_EXPORT);
}
static inline bool is_ref(term_t t)
{
    return is_boxed_sub(t, SUB_REF);
}
static inline bool is_map(term_t t)
{
    if (!is_boxed(t))
        return false;
    enum subtag s = header_subtag(boxed_ptr(t)[0]);
    return s == SUB_MAP || s == SUB_HASHMAP;
}
static inline bool is_flatmap(term_t t)
{
    return is_boxed_sub(t, SUB_MAP);
}
static inline bool is_hashmap(term_t t)
{
    return is_boxed_sub(t, SUB_HASHMAP);
}

/*
 * Maps: a flat map object is [header(1 + n), keys tuple, v1 .. vn]; a hashmap root is
 * [header(2 + c), n, bitmap, child1 .. childc] (vm/map.h). Both are maps; map_size is either's.
 */
static inline uint64_t map_size(term_t m)
{
    const term_t *o = boxed_ptr(m);
    return header_subtag(o[0]) == SUB_MAP ? header_arity(o[0]) - 1 : o[1];
}
static inline term_t flatmap_keys(term_t m)
{
    return boxed_ptr(m)[1];
}
static inline term_t *flatmap_values(term_t m)
{
    return boxed_ptr(m) + 2;
}

/*
 * How many words of a boxed object, right after the header, are raw data rather than terms.
 * The remaining words up to the arity are terms. Used by the GC and the literal copier.
 */
static inline uint64_t term_raw_words(term_t header)
{
    switch (header_subtag(header)) {
    case SUB_TUPLE:
    case SUB_MAP:
        return 0;
    case SUB_HASHMAP:
        return 2; /* pair count, bitmap; then the children */
    case SUB_HAMT_NODE:
        return 1; /* bitmap; then the children */
    case SUB_SUB_BIN:
        return 2; /* bit size, bit offset; then the original binary */
    case SUB_MATCH_CTX:
        return 0; /* original binary, then two small integers */
    case SUB_FUN:
        return 1; /* struct fun_entry *; then the free variables */
    default:
        return header_arity(header); /* all raw */
    }
}

/* --- numbers of words needed to build terms ------------------------------------------------ */
#define FLOAT_WORDS 2
#define CONS_WORDS  2
/* Bytes rounded up to words, for heap binaries. */
static inline uint64_t bytes_to_words(uint64_t bytes)
{
    return (bytes + 7) / 8;
}

#endif
