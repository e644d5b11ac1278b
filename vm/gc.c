/*
 * gc.c: the process heap and its precise copying collector (Cheney).
 *
 * Everything reachable from the roots (live x registers, stack, process fields) that lives in the
 * heap or a fragment is copied into a new heap; anything else (literals, atoms) is left in place.
 * A moved cons cell's head becomes THE_NON_VALUE and its tail the new cell; a moved boxed
 * object's header becomes the boxed pointer to its copy (headers never have the boxed tag, so
 * the two cannot be confused). Refc binaries not reached are released.
 */
#include <string.h>

#include "vm/platform.h"
#include "vm/process.h"
#include "vm/rt.h"

#define MIN_HEAP_WORDS  233
#define MIN_STACK_WORDS 256

static term_t *proc_builder_alloc(struct builder *b, size_t words)
{
    struct process *p = (struct process *)b;
    if ((size_t)(p->hend - p->htop) >= words)
        return proc_heap_take(p, words);
    struct heap_frag *f = p->frags;
    if (!f || f->cap - f->used < words) {
        size_t cap = words > 1024 ? words : 1024;
        f = rt_alloc(sizeof *f + cap * sizeof(term_t));
        f->cap = cap;
        f->used = 0;
        f->next = p->frags;
        p->frags = f;
        p->frag_words += cap;
    }
    term_t *w = f->words + f->used;
    f->used += words;
    return w;
}

#define MIN_VHEAP_BYTES (1u << 20)

static void proc_link_refc(struct builder *b, term_t *obj)
{
    struct process *p = (struct process *)b;
    obj[4] = (term_t)(uintptr_t)p->refcs;
    p->refcs = obj;
    p->vheap_bytes += obj[1];
}

/* One register file for all processes: only one runs at a time (sched.c saves what is live). */
static term_t shared_x[MAX_X_REGS];
static double shared_f[MAX_F_REGS];

void process_init(struct process *p, uint64_t id, size_t heap_words)
{
    memset(p, 0, sizeof *p);
    p->x = shared_x;
    p->f = shared_f;
    p->builder.alloc = proc_builder_alloc;
    p->builder.link_refc = proc_link_refc;
    p->heap_words = heap_words > MIN_HEAP_WORDS ? heap_words : MIN_HEAP_WORDS;
    p->heap = rt_alloc(p->heap_words * sizeof(term_t));
    p->htop = p->heap;
    p->hend = p->heap + p->heap_words;
    p->heap_phys_words = p->heap_words;
    size_t sw = MIN_STACK_WORDS;
    p->stack = rt_alloc(sw * sizeof(term_t));
    p->stack_end = p->stack + sw;
    p->E = p->stack_end;
    p->id = id;
    p->dict = NIL;
    p->exc_class = p->exc_reason = p->exc_trace = NIL;
    p->exc_top = NIL;
    p->exc_args = THE_NON_VALUE;
    p->vheap_limit = MIN_VHEAP_BYTES;
    p->exit_reason = NIL;
    p->marker_ref[0] = p->marker_ref[1] = NIL;
    p->pending_exit = THE_NON_VALUE;
    p->group_leader = make_pid(id);
    p->reg_name = NIL;
    p->initial_call = NIL;
}

static void release_refcs(term_t *chain)
{
    while (chain) {
        term_t *next = (term_t *)(uintptr_t)chain[4];
        offheap_bin_release((struct offheap_bin *)(uintptr_t)chain[2]);
        chain = next;
    }
}

static void free_frags(struct process *p)
{
    while (p->frags) {
        struct heap_frag *next = p->frags->next;
        rt_free(p->frags);
        p->frags = next;
    }
    p->frag_words = 0;
}

void process_dispose(struct process *p)
{
    if (!p->heap)
        return;
    release_refcs(p->refcs);
    p->refcs = NULL;
    free_frags(p);
    rt_free(p->heap);
    rt_free(p->spare);
    p->spare = NULL;
    rt_free(p->stack);
    rt_free(p->msgs);
    p->msgs = NULL;
    rt_free(p->saved_x);
    p->saved_x = NULL;
    p->n_saved = p->cap_saved = 0;
    p->n_msgs = p->cap_msgs = p->save = 0;
    p->heap = p->htop = p->hend = NULL;
    p->stack = p->stack_end = p->E = NULL;
}

size_t proc_heap_used(const struct process *p)
{
    size_t n = (size_t)(p->htop - p->heap);
    for (const struct heap_frag *f = p->frags; f; f = f->next)
        n += f->used;
    return n;
}

void proc_ensure_stack(struct process *p, size_t words)
{
    if ((size_t)(p->E - p->stack) >= words)
        return;
    size_t used = (size_t)(p->stack_end - p->E);
    size_t size = (size_t)(p->stack_end - p->stack);
    size_t nsize = size * 2;
    while (nsize - used < words + 16)
        nsize *= 2;
    term_t *ns = rt_alloc(nsize * sizeof(term_t));
    memcpy(ns + nsize - used, p->E, used * sizeof(term_t));
    rt_free(p->stack);
    p->stack = ns;
    p->stack_end = ns + nsize;
    p->E = ns + nsize - used;
}

/* --- the collector ------------------------------------------------------------------------- */

struct gc {
    struct process *p;
    term_t *old_heap, *old_hend;
    term_t *to, *top;
    term_t *new_refcs;
};

static bool in_from(const struct gc *g, const term_t *ptr)
{
    if (ptr >= g->old_heap && ptr < g->old_hend)
        return true;
    for (const struct heap_frag *f = g->p->frags; f; f = f->next)
        if (ptr >= f->words && ptr < f->words + f->used)
            return true;
    return false;
}

static term_t copy_term(struct gc *g, term_t t)
{
    switch (primary_tag(t)) {
    case TAG_LIST: {
        term_t *c = list_ptr(t);
        if (!in_from(g, c))
            return t;
        if (c[0] == THE_NON_VALUE)
            return c[1];
        term_t *n = g->top;
        g->top += 2;
        n[0] = c[0];
        n[1] = c[1];
        term_t moved = make_list(n);
        c[0] = THE_NON_VALUE;
        c[1] = moved;
        return moved;
    }
    case TAG_BOXED: {
        term_t *o = boxed_ptr(t);
        if (!in_from(g, o))
            return t;
        term_t h = o[0];
        if (primary_tag(h) == TAG_BOXED)
            return h; /* already moved */
        size_t words = 1 + header_arity(h);
        term_t *n = g->top;
        g->top += words;
        memcpy(n, o, words * sizeof(term_t));
        if (header_subtag(h) == SUB_REFC_BIN) {
            n[4] = (term_t)(uintptr_t)g->new_refcs;
            g->new_refcs = n;
        }
        term_t moved = make_boxed(n);
        o[0] = moved;
        return moved;
    }
    default:
        return t;
    }
}

static void copy_root(struct gc *g, term_t *slot)
{
    term_t t = *slot;
    if (t != THE_NON_VALUE && (is_list(t) || is_boxed(t)))
        *slot = copy_term(g, t);
}

static void scan(struct gc *g)
{
    term_t *s = g->to;
    while (s < g->top) {
        term_t w = *s;
        if (is_header(w)) {
            uint64_t arity = header_arity(w);
            uint64_t raw = term_raw_words(w);
            for (uint64_t i = raw; i < arity; i++)
                copy_root(g, &s[1 + i]);
            s += 1 + arity;
        } else {
            copy_root(g, &s[0]);
            copy_root(g, &s[1]);
            s += 2;
        }
    }
}

void proc_gc(struct process *p, size_t need, unsigned live)
{
    /*
     * Sizing: the to-space must hold everything in use (an upper bound on what is live), so it
     * is at least used + need. It reuses the previous from-space (the spare) when that is big
     * enough, so a steady process maps no memory. After the copy the heap's logical end is set
     * to three times the live data plus the need: a process with little live data collects often
     * and cheaply instead of growing (BEAM shrinks its new heap the same way).
     */
    size_t bound = proc_heap_used(p) + need + MIN_HEAP_WORDS;
    term_t *to;
    size_t phys;
    if (p->spare && p->spare_words >= bound) {
        to = p->spare;
        phys = p->spare_words;
    } else {
        rt_free(p->spare);
        phys = bound + bound / 2;
        to = rt_alloc(phys * sizeof(term_t));
    }
    p->spare = NULL;
    struct gc g = {p, p->heap, p->htop, to, to, NULL};
    for (unsigned i = 0; i < live; i++)
        copy_root(&g, &p->x[i]);
    for (term_t *s = p->E; s < p->stack_end; s++)
        if (!is_header(*s)) /* continuation pointers look like headers: not terms */
            copy_root(&g, s);
    copy_root(&g, &p->dict);
    copy_root(&g, &p->exc_class);
    copy_root(&g, &p->exc_reason);
    copy_root(&g, &p->exc_trace);
    copy_root(&g, &p->exit_reason);
    for (uint32_t i = 0; i < p->n_msgs; i++)
        copy_root(&g, &p->msgs[i]);
    copy_root(&g, &p->exc_top);
    copy_root(&g, &p->exc_args);
    copy_root(&g, &p->pending_exit);
    copy_root(&g, &p->initial_call);
    copy_root(&g, &p->marker_ref[0]);
    copy_root(&g, &p->marker_ref[1]);
    for (unsigned i = 0; i < p->n_saved; i++)
        copy_root(&g, &p->saved_x[i]);
    scan(&g);
    /* Refc binaries left behind are garbage. */
    for (term_t *r = p->refcs; r;) {
        term_t *next = (term_t *)(uintptr_t)r[4];
        if (primary_tag(r[0]) != TAG_BOXED)
            offheap_bin_release((struct offheap_bin *)(uintptr_t)r[2]);
        r = next;
    }
    p->refcs = g.new_refcs;
    p->vheap_bytes = 0;
    for (term_t *r = p->refcs; r; r = (term_t *)(uintptr_t)r[4])
        p->vheap_bytes += r[1];
    p->vheap_limit = p->vheap_bytes * 2 > MIN_VHEAP_BYTES ? p->vheap_bytes * 2 : MIN_VHEAP_BYTES;
    free_frags(p);
    p->spare = p->heap;
    p->spare_words = p->heap_phys_words;
    size_t live_words = (size_t)(g.top - g.to);
    size_t logical = live_words * 3 + need + 4 * MIN_HEAP_WORDS;
    if (logical > phys)
        logical = phys;
    p->heap = g.to;
    p->htop = g.top;
    p->hend = g.to + logical;
    p->heap_words = logical;
    p->heap_phys_words = phys;
    p->gcs++;
}

void proc_ensure_heap(struct process *p, size_t need, unsigned live)
{
    if (p->vheap_bytes > p->vheap_limit) {
        proc_gc(p, need, live);
        return;
    }
    if ((size_t)(p->hend - p->htop) >= need && !p->frags)
        return;
    if ((size_t)(p->hend - p->htop) >= need && p->frag_words < p->heap_words)
        return;
    proc_gc(p, need, live);
}

void proc_mailbox_push(struct process *p, term_t msg)
{
    if (p->n_msgs == p->cap_msgs) {
        p->cap_msgs = p->cap_msgs ? p->cap_msgs * 2 : 8;
        p->msgs = rt_realloc(p->msgs, sizeof *p->msgs * p->cap_msgs);
    }
    p->msgs[p->n_msgs++] = msg;
}

void proc_mailbox_remove_at(struct process *p, uint32_t at)
{
    if (at >= p->n_msgs)
        return;
    memmove(&p->msgs[at], &p->msgs[at + 1], sizeof *p->msgs * (p->n_msgs - at - 1));
    p->n_msgs--;
    if (p->save > at)
        p->save--;
    for (int m = 0; m < 2; m++)
        if (p->marker_pos[m] > at)
            p->marker_pos[m]--;
}

void proc_mailbox_remove(struct process *p)
{
    proc_mailbox_remove_at(p, p->save);
    p->save = 0;
}
