/*
 * atom.h: the VM's atom table. Atoms are interned once and never freed (as in BEAM); the
 * built-in atoms of vm/atoms.tab occupy the first indices, so ATOM_<id> constants (term.h) are
 * valid before anything else runs. Names are UTF-8, at most 255 characters.
 */
#ifndef ZVM_ATOM_H
#define ZVM_ATOM_H

#include <stddef.h>
#include <stdint.h>

#include "vm/term.h"

#define ATOM_MAX_CHARS 255

/* Creates the table with the built-in atoms. Idempotent. */
void atom_table_init(void);
/* Frees the table (tests only: atoms stay valid until then). */
void atom_table_dispose(void);

/*
 * The atom named by `len` bytes of UTF-8 `name`, created if new. Returns THE_NON_VALUE when the
 * name is longer than ATOM_MAX_CHARS characters or not valid UTF-8 (the caller raises the error).
 */
term_t atom_intern(const char *name, size_t len);
/* The atom if it exists, else THE_NON_VALUE (list_to_existing_atom). */
term_t atom_lookup(const char *name, size_t len);
/* An atom's name: bytes and length (not NUL-terminated... but it is, for convenience). */
const char *atom_name(term_t atom, size_t *len);
/* Number of atoms in the table. */
uint32_t atom_count(void);
/* Compares two atoms by name as term order does (bytewise on UTF-8 = by code point). */
int atom_compare(term_t a, term_t b);

/*
 * The table's roots, for vm/snapshot.c: saved into a snapshot's header when it is made, adopted
 * from it at start (instead of atom_table_init()). `entries` is the table's private array.
 */
struct atom_table_saved {
    void *entries;
    uint32_t n_atoms, cap_atoms;
    uint32_t *slots;
    uint32_t n_slots;
};
void atom_table_save(struct atom_table_saved *out);
void atom_table_adopt(const struct atom_table_saved *saved);

#endif
