/*
 * gc.c: the process heap and its generational copying collector (as BEAM's, see docs/vm.md
 * "Heap").
 *
 * Two generations. A minor collection copies what is live of the young heap and its fragments:
 * objects below the high-water mark (they survived the previous collection) are promoted to the
 * old heap, the others go to a new young heap, whose top becomes the next high-water mark. The
 * old heap is left alone: Erlang terms only point to older ones, and nothing zvm writes in
 * place stores a pointer into an object older than itself (set_tuple_element writes into the
 * tuple setelement/3 has just built, the process dictionary is rebuilt, binary appends write
 * bytes off the heap, match contexts hold small integers), so no old object points into the
 * young heap and the roots are enough. A major collection (fullsweep) copies both generations
 * into a new young heap, below its high-water mark, and frees the old heap; it runs when the old
 * heap cannot take the mature data, after fullsweep_after minor ones, when the old generation's
 * refc binaries pass their limit, and for erlang:garbage_collect/0,1 and hibernate.
 *
 * Copying is Cheney's, over both destinations. A moved cons cell's head becomes THE_NON_VALUE
 * and its tail the new cell; a moved boxed object's header becomes the boxed pointer to its copy
 * (headers never have the boxed tag, so the two cannot be confused). Anything outside the
 * from-spaces (literals, the old heap in a minor collection) stays where it is. Refc binaries
 * are chained per generation; those not reached are released.
 */
#include <string.h>

#include "vm/platform.h"
#include "vm/process.h"
#include "vm/rt.h"

#define MIN_HEAP_WORDS  233 /* OTP's default min_heap_size */
#define MIN_STACK_WORDS 256
/* Free room a young heap gets beyond what its live data and stack ask for. */
#define YOUNG_ROOM_WORDS (4 * MIN_HEAP_WORDS)
/* A spare to-space up to this size is kept even when far larger than needed. */
#define SPARE_KEEP_WORDS (64 * 1024)
#define FULLSWEEP_AFTER  65535 /* OTP's default */

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
    proc_set_min_heap_size(p, heap_words);
    p->heap_words = p->min_heap_words;
    p->heap = rt_alloc(p->heap_words * sizeof(term_t));
    p->htop = p->high_water = p->heap;
    p->fullsweep_after = FULLSWEEP_AFTER;
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
    p->vheap_limit = p->old_vheap_limit = MIN_VHEAP_BYTES;
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
    release_refcs(p->old_refcs);
    p->refcs = p->old_refcs = NULL;
    free_frags(p);
    rt_free(p->heap);
    rt_free(p->old_heap);
    p->old_heap = p->old_htop = p->old_hend = NULL;
    rt_free(p->spare);
    p->spare = NULL;
    rt_free(p->stack);
    rt_free(p->msgs);
    p->msgs = NULL;
    rt_free(p->saved_x);
    p->saved_x = NULL;
    p->n_saved = p->cap_saved = 0;
    p->n_msgs = p->cap_msgs = p->save = 0;
    p->heap = p->htop = p->hend = p->high_water = NULL;
    p->stack = p->stack_end = p->E = NULL;
}

size_t proc_heap_used(const struct process *p)
{
    size_t n = (size_t)(p->htop - p->heap) + (size_t)(p->old_htop - p->old_heap);
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

size_t proc_heap_size_at_least(size_t words)
{
    /* OTP's sequence: Fibonacci plus one from 12 and 38 up to 833026 words, then 20% steps. */
    size_t a = 12, b = 38;
    if (words <= a)
        return a;
    for (unsigned i = 2; b < words; i++) {
        size_t n = i <= 22 ? a + b + 1 : b + b / 5;
        a = b;
        b = n;
    }
    return b;
}

size_t proc_set_min_heap_size(struct process *p, size_t words)
{
    size_t old = p->min_heap_words;
    p->min_heap_words = proc_heap_size_at_least(words > MIN_HEAP_WORDS ? words : MIN_HEAP_WORDS);
    return old;
}

size_t proc_total_heap_words(const struct process *p)
{
    return p->heap_words + (size_t)(p->old_hend - p->old_heap) + p->frag_words;
}

size_t proc_heap_memory_words(const struct process *p)
{
    return p->heap_phys_words + p->spare_words + (size_t)(p->old_hend - p->old_heap) +
           p->frag_words;
}

enum gc_dest { DEST_NONE, DEST_YOUNG, DEST_OLD };

struct gc {
    struct process *p;
    bool major;
    term_t *young, *young_top;       /* the young from-space */
    term_t *high_water;              /* [young, high_water) goes to `mature_dest` */
    enum gc_dest mature_dest;        /* DEST_OLD in a minor collection, DEST_YOUNG in a major one */
    term_t *old, *old_end;           /* the old heap: left alone (minor) or from-space (major) */
    const term_t *frag_lo, *frag_hi; /* bounds of all fragments (a quick test before the walk) */
    term_t *to, *top;                /* the young to-space */
    term_t *otop;                    /* where promoted objects go (minor) */
    term_t *new_refcs;               /* young refc binaries copied so far */
    uint64_t new_vheap;              /* their bytes */
};

static bool in_frags(const struct gc *g, const term_t *ptr)
{
    if (ptr < g->frag_lo || ptr >= g->frag_hi)
        return false;
    for (const struct heap_frag *f = g->p->frags; f; f = f->next)
        if (ptr >= f->words && ptr < f->words + f->used)
            return true;
    return false;
}

static inline enum gc_dest dest_of(const struct gc *g, const term_t *ptr)
{
    if (ptr >= g->young && ptr < g->young_top)
        return ptr < g->high_water ? g->mature_dest : DEST_YOUNG;
    if (ptr >= g->old && ptr < g->old_end)
        return g->major ? DEST_YOUNG : DEST_NONE;
    return in_frags(g, ptr) ? DEST_YOUNG : DEST_NONE;
}

static term_t *dest_alloc(struct gc *g, enum gc_dest d, size_t words)
{
    term_t **top = d == DEST_OLD ? &g->otop : &g->top;
    term_t *n = *top;
    *top += words;
    return n;
}

static term_t copy_term(struct gc *g, term_t t)
{
    if (primary_tag(t) == TAG_LIST) {
        term_t *c = list_ptr(t);
        enum gc_dest d = dest_of(g, c);
        if (d == DEST_NONE)
            return t;
        if (c[0] == THE_NON_VALUE)
            return c[1]; /* already moved */
        term_t *n = dest_alloc(g, d, 2);
        n[0] = c[0];
        n[1] = c[1];
        term_t moved = make_list(n);
        c[0] = THE_NON_VALUE;
        c[1] = moved;
        return moved;
    }
    term_t *o = boxed_ptr(t);
    enum gc_dest d = dest_of(g, o);
    if (d == DEST_NONE)
        return t;
    term_t h = o[0];
    if (primary_tag(h) == TAG_BOXED)
        return h; /* already moved */
    size_t words = 1 + header_arity(h);
    term_t *n = dest_alloc(g, d, words);
    memcpy(n, o, words * sizeof(term_t));
    if (header_subtag(h) == SUB_REFC_BIN) {
        if (d == DEST_OLD) {
            n[4] = (term_t)(uintptr_t)g->p->old_refcs;
            g->p->old_refcs = n;
            g->p->old_vheap_bytes += n[1];
        } else {
            n[4] = (term_t)(uintptr_t)g->new_refcs;
            g->new_refcs = n;
            g->new_vheap += n[1];
        }
    }
    term_t moved = make_boxed(n);
    o[0] = moved;
    return moved;
}

static inline void copy_root(struct gc *g, term_t *slot)
{
    term_t t = *slot;
    if (t != THE_NON_VALUE && (is_list(t) || is_boxed(t)))
        *slot = copy_term(g, t);
}

/* Scans the objects in [s, *end) (end may move as objects are copied); returns where it ends. */
static term_t *scan_area(struct gc *g, term_t *s, term_t *const *end)
{
    while (s < *end) {
        term_t w = *s;
        if (is_header(w)) {
            uint64_t arity = header_arity(w);
            for (uint64_t i = term_raw_words(w); i < arity; i++)
                copy_root(g, &s[1 + i]);
            s += 1 + arity;
        } else {
            copy_root(g, &s[0]);
            copy_root(g, &s[1]);
            s += 2;
        }
    }
    return s;
}

/* Calls fn on every root of the process: live x registers, the stack, its own term fields, the
 * message queue, the registers saved while suspended. */
static void for_each_root(struct process *p, unsigned live, void (*fn)(void *, term_t *), void *ctx)
{
    for (unsigned i = 0; i < live; i++)
        fn(ctx, &p->x[i]);
    for (term_t *s = p->E; s < p->stack_end; s++)
        if (!is_header(*s)) /* continuation pointers look like headers: not terms */
            fn(ctx, s);
    term_t *fields[] = {&p->dict,         &p->exc_class,     &p->exc_reason,   &p->exc_trace,
                        &p->exit_reason,  &p->exc_top,       &p->exc_args,     &p->pending_exit,
                        &p->initial_call, &p->marker_ref[0], &p->marker_ref[1]};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        fn(ctx, fields[i]);
    for (uint32_t i = 0; i < p->n_msgs; i++)
        fn(ctx, &p->msgs[i]);
    for (unsigned i = 0; i < p->n_saved; i++)
        fn(ctx, &p->saved_x[i]);
}

static void copy_root_cb(void *g, term_t *slot)
{
    copy_root(g, slot);
}

static size_t frags_used(const struct process *p)
{
    size_t n = 0;
    for (const struct heap_frag *f = p->frags; f; f = f->next)
        n += f->used;
    return n;
}

/* Releases the refc binaries of `chain` that were not copied (their header is not forwarded). */
static void release_unreached(term_t *chain)
{
    for (term_t *r = chain; r;) {
        term_t *next = (term_t *)(uintptr_t)r[4];
        if (primary_tag(r[0]) != TAG_BOXED)
            offheap_bin_release((struct offheap_bin *)(uintptr_t)r[2]);
        r = next;
    }
}

/*
 * The young heap's logical size after a collection that left `live` young words: room for three
 * times the live data and the stack (whose frames are roots every minor collection scans), at
 * least min_heap_size, rounded up to one of OTP's heap sizes.
 */
static size_t young_size_for(const struct process *p, size_t live, size_t need)
{
    size_t stack = (size_t)(p->stack_end - p->E);
    size_t want = live + need + 2 * (live + stack) + YOUNG_ROOM_WORDS;
    if (want < p->min_heap_words)
        want = p->min_heap_words;
    return proc_heap_size_at_least(want);
}

/* A to-space of at least `words`: the spare if it fits and is not far too big, else new. */
static term_t *take_to_space(struct process *p, size_t words, size_t *phys)
{
    if (p->spare && p->spare_words >= words &&
        (p->spare_words <= 4 * words || p->spare_words <= SPARE_KEEP_WORDS)) {
        term_t *to = p->spare;
        *phys = p->spare_words;
        p->spare = NULL;
        p->spare_words = 0;
        return to;
    }
    rt_free(p->spare);
    p->spare = NULL;
    p->spare_words = 0;
    *phys = words + words / 2; /* slack, so that the next collections can reuse it */
    return rt_alloc(*phys * sizeof(term_t));
}

/*
 * One collection: minor (promote the mature live data, copy the rest of the live young data)
 * unless `major`, fullsweep_after or the old heap's limits ask for a major one. `exact` nonzero
 * (hibernate): a major collection into a new young heap of exactly that many words.
 */
static void collect(struct process *p, size_t need, unsigned live, bool major, size_t exact)
{
    size_t mature = (size_t)(p->high_water - p->heap);
    if (!major && (p->gcs >= p->fullsweep_after || p->old_vheap_bytes > p->old_vheap_limit))
        major = true;
    if (!major && mature > 0 && !p->old_heap) {
        /* The first promotion: an old heap with as much room again for later ones. */
        size_t sz = proc_heap_size_at_least(2 * mature + MIN_HEAP_WORDS);
        p->old_heap = p->old_htop = rt_alloc(sz * sizeof(term_t));
        p->old_hend = p->old_heap + sz;
    }
    if (!major && (size_t)(p->old_hend - p->old_htop) < mature)
        major = true; /* the old heap is full: collect it too */

    size_t young_used = (size_t)(p->htop - p->heap);
    size_t fused = frags_used(p);
    size_t old_used = (size_t)(p->old_htop - p->old_heap);
    /* An upper bound on what the young to-space receives, and the room asked for after it. */
    size_t bound = fused + need + (major ? young_used + old_used : young_used - mature);
    size_t phys = exact;
    term_t *to;
    if (exact) {
        rt_free(p->spare);
        p->spare = NULL;
        p->spare_words = 0;
        to = rt_alloc(exact * sizeof(term_t));
    } else {
        to = take_to_space(p, bound + young_size_for(p, 0, 0), &phys);
    }

    struct gc g = {
        .p = p,
        .major = major,
        .young = p->heap,
        .young_top = p->htop,
        .high_water = p->high_water,
        .mature_dest = major ? DEST_YOUNG : DEST_OLD,
        .old = p->old_heap,
        .old_end = major ? p->old_htop : p->old_hend,
        .to = to,
        .top = to,
        .otop = p->old_htop,
    };
    g.frag_lo = g.frag_hi = NULL;
    for (const struct heap_frag *f = p->frags; f; f = f->next) {
        if (!g.frag_lo || f->words < g.frag_lo)
            g.frag_lo = f->words;
        if (f->words + f->used > g.frag_hi)
            g.frag_hi = f->words + f->used;
    }
    term_t *promoted = p->old_htop;

    for_each_root(p, live, copy_root_cb, &g);
    /* Cheney: scan the copies (young and promoted) until neither area grows. */
    term_t *ys = g.to, *os = promoted;
    while (ys < g.top || os < g.otop) {
        ys = scan_area(&g, ys, &g.top);
        os = scan_area(&g, os, &g.otop);
    }

    release_unreached(p->refcs);
    p->refcs = g.new_refcs;
    p->vheap_bytes = g.new_vheap;
    p->vheap_limit = p->vheap_bytes * 2 > MIN_VHEAP_BYTES ? p->vheap_bytes * 2 : MIN_VHEAP_BYTES;
    free_frags(p);
    p->spare = p->heap;
    p->spare_words = p->heap_phys_words;

    size_t young_live = (size_t)(g.top - g.to);
    if (major) {
        release_unreached(p->old_refcs);
        p->old_refcs = NULL;
        p->old_vheap_bytes = 0;
        /* Everything live is now mature: the binaries it holds may all be promoted. */
        uint64_t limit = p->vheap_bytes * 2;
        p->old_vheap_limit = limit > MIN_VHEAP_BYTES ? limit : MIN_VHEAP_BYTES;
        rt_free(p->old_heap);
        p->old_heap = p->old_htop = p->old_hend = NULL;
        p->gcs = 0;
        p->major_gcs++;
    } else {
        p->old_htop = g.otop;
        p->gcs++;
    }
    /* Major: all the live data sits below the high-water mark, so it is left out of the sizing
     * (the next minor collection promotes it). */
    size_t logical = (major ? young_live : 0) + young_size_for(p, major ? 0 : young_live, need);
    if (logical < young_live + need)
        logical = young_live + need;
    if (logical > phys || exact)
        logical = phys;
    p->heap = g.to;
    p->htop = g.top;
    p->high_water = g.top;
    p->hend = g.to + logical;
    p->heap_words = logical;
    p->heap_phys_words = phys;
}

void proc_gc(struct process *p, size_t need, unsigned live)
{
    collect(p, need, live, true, 0);
}

void proc_gc_hibernate(struct process *p, unsigned live)
{
    /* As BEAM's hibernate: one major collection, then the live data moved into a heap of its
     * own size, with no spare and no old heap. */
    collect(p, 0, live, true, 0);
    size_t used = (size_t)(p->htop - p->heap);
    collect(p, 0, live, true, used ? used : 1);
    rt_free(p->spare);
    p->spare = NULL;
    p->spare_words = 0;
}

void proc_ensure_heap(struct process *p, size_t need, unsigned live)
{
    if (p->vheap_bytes <= p->vheap_limit && (size_t)(p->hend - p->htop) >= need &&
        (!p->frags || p->frag_words < p->heap_words))
        return;
    collect(p, need, live, false, 0);
}

/* --- invariants (tests) -------------------------------------------------------------------- */

static bool in_range(const term_t *ptr, const term_t *lo, const term_t *hi)
{
    return ptr >= lo && ptr < hi;
}

static bool in_any_frag(const struct process *p, const term_t *ptr)
{
    for (const struct heap_frag *f = p->frags; f; f = f->next)
        if (in_range(ptr, f->words, f->words + f->used))
            return true;
    return false;
}

static bool in_young(const struct process *p, const term_t *ptr)
{
    return in_range(ptr, p->heap, p->htop) || in_any_frag(p, ptr);
}

struct check {
    const struct process *p;
    const char *err;
};

/* One term word found in an object of the old heap (from_old) or elsewhere. */
static void check_word(struct check *c, term_t t, bool from_old)
{
    if (c->err || t == THE_NON_VALUE || is_immed(t))
        return;
    const struct process *p = c->p;
    const term_t *ptr = is_list(t) ? list_ptr(t) : boxed_ptr(t);
    bool old = in_range(ptr, p->old_heap, p->old_htop);
    bool young = !old && in_young(p, ptr);
    if (from_old && young)
        c->err = "a pointer from the old heap into the young one";
    else if (!old && !young &&
             (in_range(ptr, p->old_htop, p->old_hend) || in_range(ptr, p->htop, p->hend) ||
              in_range(ptr, p->spare, p->spare + p->spare_words)))
        c->err = "a pointer to free heap space";
    else if ((old || young) && is_list(t) && ptr[0] == THE_NON_VALUE)
        c->err = "a pointer to a forwarded cons cell";
    else if ((old || young) && is_boxed(t) && !is_header(ptr[0]))
        c->err = "a boxed pointer to a word that is not a header";
}

/* Checks every object of [s, end), which holds objects back to back (a heap's used part). */
static void check_area(struct check *c, const term_t *s, const term_t *end, bool old)
{
    while (s < end && !c->err) {
        term_t w = *s;
        if (is_header(w)) {
            uint64_t arity = header_arity(w);
            for (uint64_t i = term_raw_words(w); i < arity; i++)
                check_word(c, s[1 + i], old);
            s += 1 + arity;
        } else {
            check_word(c, s[0], old);
            check_word(c, s[1], old);
            s += 2;
        }
    }
    if (s != end && !c->err)
        c->err = "an object running past its heap's top";
}

static void check_root_cb(void *c, term_t *slot)
{
    check_word(c, *slot, false);
}

static const char *check_chain(term_t *chain, const term_t *lo, const term_t *hi,
                               const struct process *p, bool young, uint64_t bytes)
{
    uint64_t sum = 0;
    for (term_t *r = chain; r; r = (term_t *)(uintptr_t)r[4]) {
        bool inside = young ? in_young(p, r) : in_range(r, lo, hi);
        if (!inside)
            return "a refc binary chained in the wrong generation";
        if (r[0] != make_header(REFC_WORDS - 1, SUB_REFC_BIN))
            return "a refc chain entry that is not a refc binary";
        sum += r[1];
    }
    return sum == bytes ? NULL : "a virtual binary heap count that is not its chain's";
}

const char *proc_heap_check(struct process *p, unsigned live)
{
    struct check c = {p, NULL};
    if (!(p->heap <= p->high_water && p->high_water <= p->htop && p->htop <= p->hend &&
          p->old_htop <= p->old_hend && p->heap_words == (size_t)(p->hend - p->heap) &&
          p->heap_words <= p->heap_phys_words))
        return "heap pointers out of order";
    for_each_root(p, live, check_root_cb, &c);
    check_area(&c, p->old_heap, p->old_htop, true);
    check_area(&c, p->heap, p->htop, false);
    for (const struct heap_frag *f = p->frags; f; f = f->next)
        check_area(&c, f->words, f->words + f->used, false);
    if (!c.err)
        c.err = check_chain(p->refcs, NULL, NULL, p, true, p->vheap_bytes);
    if (!c.err)
        c.err = check_chain(p->old_refcs, p->old_heap, p->old_htop, p, false, p->old_vheap_bytes);
    return c.err;
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
