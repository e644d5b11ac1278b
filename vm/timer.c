/* timer.c: see timer.h. */
#include "vm/timer.h"

#include "vm/copy.h"
#include "vm/idmap.h"
#include "vm/rt.h"

static struct timer **heap;
static size_t n_heap, cap_heap;
static struct idmap by_ref;

static void place(size_t i, struct timer *t)
{
    heap[i] = t;
    t->heap_index = i;
}

static void sift_up(size_t i)
{
    struct timer *t = heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap[parent]->deadline <= t->deadline)
            break;
        place(i, heap[parent]);
        i = parent;
    }
    place(i, t);
}

static void sift_down(size_t i)
{
    struct timer *t = heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n_heap)
            break;
        if (c + 1 < n_heap && heap[c + 1]->deadline < heap[c]->deadline)
            c++;
        if (heap[c]->deadline >= t->deadline)
            break;
        place(i, heap[c]);
        i = c;
    }
    place(i, t);
}

static void insert(struct timer *t)
{
    if (n_heap == cap_heap) {
        cap_heap = cap_heap ? cap_heap * 2 : 16;
        heap = rt_realloc(heap, cap_heap * sizeof *heap);
    }
    heap[n_heap] = t;
    t->heap_index = n_heap++;
    sift_up(t->heap_index);
}

static void unlink_timer(struct timer *t)
{
    size_t i = t->heap_index;
    struct timer *last = heap[--n_heap];
    if (last != t) {
        place(i, last);
        sift_up(i);
        sift_down(last->heap_index);
    }
    if (t->ref_id)
        idmap_remove(&by_ref, t->ref_id);
}

struct timer *timer_start_receive(uint64_t owner_pid_index, uint64_t deadline)
{
    struct timer *t = rt_zalloc(sizeof *t);
    t->kind = TIMER_RECEIVE;
    t->owner = owner_pid_index;
    t->deadline = deadline;
    t->dest = t->msg = NIL;
    lit_area_init(&t->area);
    insert(t);
    return t;
}

struct timer *timer_start_message(enum timer_kind kind, uint64_t ref_id, term_t dest, term_t msg,
                                  uint64_t deadline)
{
    struct timer *t = rt_zalloc(sizeof *t);
    t->kind = kind;
    t->ref_id = ref_id;
    t->deadline = deadline;
    lit_area_init(&t->area);
    t->dest = dest; /* a pid or an atom: immediates, nothing to copy */
    t->msg = copy_term(&t->area.builder, msg);
    insert(t);
    idmap_put(&by_ref, ref_id, t);
    return t;
}

struct timer *timer_find(uint64_t ref_id)
{
    return idmap_get(&by_ref, ref_id);
}

void timer_free(struct timer *t)
{
    lit_area_dispose(&t->area);
    rt_free(t);
}

void timer_cancel(struct timer *t)
{
    unlink_timer(t);
    timer_free(t);
}

uint64_t timer_next_deadline(void)
{
    return n_heap ? heap[0]->deadline : UINT64_MAX;
}

struct timer *timer_pop_due(uint64_t now)
{
    if (!n_heap || heap[0]->deadline > now)
        return NULL;
    struct timer *t = heap[0];
    unlink_timer(t);
    return t;
}

void timer_cancel_for(term_t pid)
{
    /* Collect first: cancelling reorders the heap under a running index. */
    size_t n = 0;
    for (size_t i = 0; i < n_heap; i++)
        if (heap[i]->kind != TIMER_RECEIVE && heap[i]->dest == pid)
            n++;
    if (!n)
        return;
    struct timer **doomed = rt_alloc(n * sizeof *doomed);
    n = 0;
    for (size_t i = 0; i < n_heap; i++)
        if (heap[i]->kind != TIMER_RECEIVE && heap[i]->dest == pid)
            doomed[n++] = heap[i];
    for (size_t i = 0; i < n; i++)
        timer_cancel(doomed[i]);
    rt_free(doomed);
}
