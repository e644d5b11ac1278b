/* copy.c: deep term copies (see copy.h). */
#include "vm/copy.h"

#include <string.h>

#include "vm/binary.h"

static term_t copy(struct builder *b, term_t t, int depth);

static term_t copy_list(struct builder *b, term_t t, int depth)
{
    term_t head = NIL, *tail = &head;
    for (; is_list(t); t = CDR(t)) {
        term_t *c = build_alloc(b, 2);
        c[0] = copy(b, CAR(t), depth + 1);
        c[1] = NIL;
        *tail = make_list(c);
        tail = &c[1];
    }
    *tail = copy(b, t, depth + 1);
    return head;
}

static term_t copy(struct builder *b, term_t t, int depth)
{
    if (is_immed(t) || depth > 100000)
        return t;
    if (is_list(t))
        return copy_list(b, t, depth);
    term_t *o = boxed_ptr(t);
    uint64_t arity = header_arity(o[0]);
    switch (header_subtag(o[0])) {
    case SUB_REFC_BIN: {
        struct offheap_bin *ob = (struct offheap_bin *)(uintptr_t)o[2];
        term_t *n = build_alloc(b, REFC_WORDS);
        memcpy(n, o, REFC_WORDS * sizeof(term_t));
        ob->refc++;
        b->link_refc(b, n);
        return make_boxed(n);
    }
    case SUB_SUB_BIN: {
        term_t orig = copy(b, o[3], depth + 1);
        term_t *n = build_alloc(b, 4);
        n[0] = o[0];
        n[1] = o[1];
        n[2] = o[2];
        n[3] = orig;
        return make_boxed(n);
    }
    case SUB_MATCH_CTX: {
        /* A match context escaping is its remaining bits, as a sub-binary. */
        term_t orig = copy(b, o[1], depth + 1);
        term_t *n = build_alloc(b, 4);
        n[0] = make_header(3, SUB_SUB_BIN);
        n[1] = (uint64_t)small_val(o[3]) - (uint64_t)small_val(o[2]);
        n[2] = (uint64_t)small_val(o[2]);
        n[3] = orig;
        return make_boxed(n);
    }
    default: {
        term_t *n = build_alloc(b, 1 + arity);
        memcpy(n, o, (1 + arity) * sizeof(term_t));
        for (uint64_t i = term_raw_words(o[0]); i < arity; i++)
            n[1 + i] = copy(b, o[1 + i], depth + 1);
        return make_boxed(n);
    }
    }
}

term_t copy_term(struct builder *b, term_t t)
{
    return copy(b, t, 0);
}
