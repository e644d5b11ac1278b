/* idmap.c: see idmap.h. */
#include "vm/idmap.h"

#include "vm/rt.h"

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33; /* fmix64: ids are sequential, spread them */
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

void idmap_init(struct idmap *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
}

void idmap_dispose(struct idmap *m)
{
    rt_free(m->slots);
    idmap_init(m);
}

void *idmap_get(const struct idmap *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slots[i].value)
            return NULL;
        if (m->slots[i].key == key)
            return m->slots[i].value;
    }
}

static void grow(struct idmap *m)
{
    struct idmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->cap = old_cap ? old_cap * 2 : 16;
    m->slots = rt_zalloc(m->cap * sizeof *m->slots);
    m->n = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].value)
            idmap_put(m, old[i].key, old[i].value);
    rt_free(old);
}

void idmap_put(struct idmap *m, uint64_t key, void *value)
{
    if ((m->n + 1) * 4 > m->cap * 3)
        grow(m);
    size_t i = slot_of(key, m->cap);
    for (; m->slots[i].value; i = (i + 1) & (m->cap - 1))
        if (m->slots[i].key == key) {
            m->slots[i].value = value;
            return;
        }
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->n++;
}

void *idmap_remove(struct idmap *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1, i = slot_of(key, m->cap);
    for (; m->slots[i].value; i = (i + 1) & mask)
        if (m->slots[i].key == key)
            break;
    if (!m->slots[i].value)
        return NULL;
    void *v = m->slots[i].value;
    /* Backward-shift: move later entries of the probe run into the hole when that keeps them
     * reachable from their home slot. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j].value; j = (j + 1) & mask) {
        size_t home = slot_of(m->slots[j].key, m->cap);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].value = NULL;
    m->n--;
    return v;
}
