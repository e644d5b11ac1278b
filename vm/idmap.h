/*
 * idmap.h: a hash table from 64-bit ids (pids, reference ids, atom indices) to pointers, for the
 * scheduler's tables: processes by pid, monitors and timers by reference, names by atom.
 * Open addressing with linear probing and backward-shift deletion; grows at 3/4 full, never
 * shrinks. _init/_dispose pair; the table owns only its slot array, not the pointers.
 */
#ifndef ZVM_IDMAP_H
#define ZVM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap_slot {
    uint64_t key;
    void *value; /* NULL: empty slot */
};

struct idmap {
    struct idmap_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

void idmap_init(struct idmap *m);
void idmap_dispose(struct idmap *m);
/* The value stored for `key`, or NULL. */
void *idmap_get(const struct idmap *m, uint64_t key);
/* Stores `value` (not NULL) for `key`, replacing any previous value. */
void idmap_put(struct idmap *m, uint64_t key, void *value);
/* Removes `key`; returns its value or NULL when absent. */
void *idmap_remove(struct idmap *m, uint64_t key);

#endif
