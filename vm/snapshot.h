/*
 * snapshot.h: the loaded state of the VM, made once when the image is built and mapped back at
 * the start of every instance, so an instance starts with every module of its image already
 * loaded instead of reading and transforming .beam files (LING's image builder did the same).
 *
 * What is saved: the atom table, the export table, every loaded module (threaded code, literals,
 * fun entries, line tables) and the catch table: the state loading creates, and nothing a
 * process creates. How: while the snapshot is made, every allocation of the core (rt_alloc)
 * comes from an arena at the address the platform reserved for it (zplat_snapshot_reserve); the
 * tables' roots go in a header at the arena's start and the platform writes the arena out. At
 * start the platform maps that file at the same address (zplat_snapshot_map), so every pointer in
 * it is valid as it stands and adoption is a few assignments.
 *
 * A snapshot holds code addresses (instruction handlers, BIFs, the literal allocator), so it is
 * valid only for the binary that made it, loaded at the same address: the header records the
 * binary's build id and two code addresses, and a snapshot that does not match is refused with
 * a reason (the instance then loads its modules from files as without one).
 *
 * After adoption the snapshot's memory is never given back: rt_free() ignores pointers into it
 * and rt_realloc() copies out of it. Pages of the mapping an instance only reads stay shared with
 * every other instance through the page cache; the first write to one copies it.
 */
#ifndef ZVM_SNAPSHOT_H
#define ZVM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct textbuf;

/*
 * Makes the snapshot when the platform asks for one (zplat_snapshot_reserve() gives an arena):
 * starts the tables in the arena, loads the modules named after -zvm-snapshot-first in `argv`
 * and then every other module the image has (zplat_code_each), and has the platform save the
 * arena. Modules that fail to load are named on the console's error stream
 * and left out (they would fail the same way when called). Returns 1 when the platform asked for
 * no snapshot (boot normally), else the exit status: 0 saved, 2 failed (reason printed).
 */
int snapshot_make_if_asked(int argc, char **argv);

/*
 * Adopts the snapshot the platform mapped, if any: on success the atom, export, module and catch
 * tables are the snapshot's and it returns true. Returns false when there is none, and when it
 * is refused (the reason is printed on the console's error stream); the caller then starts the
 * tables empty (atom_table_init, export_table_init).
 */
bool snapshot_adopt_if_present(void);

/* --- for rt.c: the allocator's view of the arena ------------------------------------------- */

/* True while a snapshot is being made: rt_alloc() allocates in the arena. */
extern bool snapshot_building;
/* The adopted (or building) arena's bounds; both NULL when there is none. */
extern const uint8_t *snapshot_lo, *snapshot_hi;

void *snapshot_arena_alloc(size_t bytes);
void *snapshot_arena_realloc(void *p, size_t bytes);
void snapshot_arena_free(void *p);
/* The size asked for when block `p` (inside the arena) was allocated. */
size_t snapshot_block_size(const void *p);

static inline bool snapshot_holds(const void *p)
{
    return (const uint8_t *)p >= snapshot_lo && (const uint8_t *)p < snapshot_hi;
}

#endif
