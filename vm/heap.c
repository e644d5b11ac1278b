/* heap.c: term construction through a builder, and literal areas (see heap.h). */
#include "vm/heap.h"

#include <string.h>

#include "vm/rt.h"

struct lit_block {
    struct lit_block *next;
    size_t used, cap;
    term_t words[];
};

#define LIT_BLOCK_WORDS 4096

static term_t *lit_alloc(struct builder *b, size_t words)
{
    struct lit_area *a = (struct lit_area *)b;
    struct lit_block *blk = a->blocks;
    if (!blk || blk->cap - blk->used < words) {
        size_t cap = words > LIT_BLOCK_WORDS ? words : LIT_BLOCK_WORDS;
        blk = rt_alloc(sizeof *blk + cap * sizeof(term_t));
        blk->used = 0;
        blk->cap = cap;
        blk->next = a->blocks;
        a->blocks = blk;
    }
    term_t *p = blk->words + blk->used;
    blk->used += words;
    return p;
}

static void lit_link_refc(struct builder *b, term_t *obj)
{
    struct lit_area *a = (struct lit_area *)b;
    obj[4] = (term_t)(uintptr_t)a->refcs;
    a->refcs = obj;
}

void lit_area_init(struct lit_area *a)
{
    a->builder.alloc = lit_alloc;
    a->builder.link_refc = lit_link_refc;
    a->blocks = NULL;
    a->refcs = NULL;
}

void lit_area_dispose(struct lit_area *a)
{
    for (term_t *r = a->refcs; r; r = (term_t *)(uintptr_t)r[4])
        offheap_bin_release((struct offheap_bin *)(uintptr_t)r[2]);
    a->refcs = NULL;
    while (a->blocks) {
        struct lit_block *next = a->blocks->next;
        rt_free(a->blocks);
        a->blocks = next;
    }
}

struct offheap_bin *offheap_bin_new_cap(uint64_t size, uint64_t capacity)
{
    if (capacity < size)
        capacity = size;
    struct offheap_bin *ob = rt_alloc(sizeof *ob + (capacity ? capacity : 1));
    ob->refc = 1;
    ob->size = size;
    ob->capacity = capacity;
    return ob;
}

struct offheap_bin *offheap_bin_new(uint64_t size)
{
    return offheap_bin_new_cap(size, size);
}

term_t build_refc_view(struct builder *b, struct offheap_bin *ob, uint64_t size)
{
    term_t *obj = build_alloc(b, REFC_WORDS);
    obj[0] = make_header(REFC_WORDS - 1, SUB_REFC_BIN);
    obj[1] = size;
    obj[2] = (term_t)(uintptr_t)ob;
    obj[3] = (term_t)(uintptr_t)ob->data;
    obj[4] = 0;
    ob->refc++;
    b->link_refc(b, obj);
    return make_boxed(obj);
}

void offheap_bin_release(struct offheap_bin *ob)
{
    if (ob && --ob->refc == 0)
        rt_free(ob);
}

term_t build_binary(struct builder *b, const uint8_t *bytes, uint64_t size, uint8_t **data)
{
    uint8_t *dst;
    term_t *obj;
    if (size <= HEAP_BIN_MAX) {
        uint64_t w = bytes_to_words(size);
        obj = build_alloc(b, 2 + w);
        obj[0] = make_header(1 + w, SUB_HEAP_BIN);
        obj[1] = size;
        if (w)
            obj[1 + w] = 0; /* padding bytes are defined */
        dst = (uint8_t *)(obj + 2);
    } else {
        struct offheap_bin *ob = offheap_bin_new(size);
        obj = build_alloc(b, REFC_WORDS);
        obj[0] = make_header(REFC_WORDS - 1, SUB_REFC_BIN);
        obj[1] = size;
        obj[2] = (term_t)(uintptr_t)ob;
        obj[3] = (term_t)(uintptr_t)ob->data;
        obj[4] = 0;
        b->link_refc(b, obj);
        dst = ob->data;
    }
    if (bytes && size)
        memcpy(dst, bytes, size);
    if (data)
        *data = dst;
    return make_boxed(obj);
}

term_t build_float(struct builder *b, double d)
{
    term_t *obj = build_alloc(b, FLOAT_WORDS);
    obj[0] = make_header(1, SUB_FLOAT);
    obj[1] = double_bits(d);
    return make_boxed(obj);
}

term_t build_tuple(struct builder *b, uint64_t arity, term_t **elems)
{
    term_t *obj = build_alloc(b, 1 + arity);
    obj[0] = make_header(arity, SUB_TUPLE);
    for (uint64_t i = 1; i <= arity; i++)
        obj[i] = NIL;
    *elems = obj + 1;
    return make_boxed(obj);
}

term_t build_cons(struct builder *b, term_t head, term_t tail)
{
    term_t *c = build_alloc(b, CONS_WORDS);
    c[0] = head;
    c[1] = tail;
    return make_list(c);
}

term_t build_bignum(struct builder *b, const uint64_t *digits, size_t n, bool neg)
{
    while (n && digits[n - 1] == 0)
        n--;
    if (n == 0)
        return make_small(0);
    if (n == 1 && digits[0] <= (uint64_t)MAX_SMALL)
        return make_small(neg ? -(sterm_t)digits[0] : (sterm_t)digits[0]);
    if (n == 1 && neg && digits[0] == (uint64_t)MAX_SMALL + 1)
        return make_small(MIN_SMALL);
    term_t *obj = build_alloc(b, 1 + n);
    obj[0] = make_header(n, neg ? SUB_BIG_NEG : SUB_BIG_POS);
    memcpy(obj + 1, digits, n * sizeof(uint64_t));
    return make_boxed(obj);
}

term_t build_int64(struct builder *b, int64_t v)
{
    if (fits_small(v))
        return make_small(v);
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return build_bignum(b, &mag, 1, v < 0);
}

term_t build_uint64(struct builder *b, uint64_t v)
{
    if (v <= (uint64_t)MAX_SMALL)
        return make_small((sterm_t)v);
    return build_bignum(b, &v, 1, false);
}

term_t build_string(struct builder *b, const char *s, size_t len)
{
    term_t l = NIL;
    for (size_t i = len; i > 0; i--)
        l = build_cons(b, make_small((unsigned char)s[i - 1]), l);
    return l;
}
