/* snapshot.c: making and adopting the snapshot of the loaded state (see snapshot.h). */
#include "vm/snapshot.h"

#include <string.h>

#include "vm/atom.h"
#include "vm/interp.h"
#include "vm/loader.h"
#include "vm/module.h"
#include "vm/platform.h"
#include "vm/rt.h"
#include "vm/zvm.h"

#define SNAPSHOT_MAGIC "ZVMSNAP"
/* Bump when the header or any saved structure (struct module, export, atom entry, lit_area,
 * the threaded code's operand encodings) changes shape: the build id catches a rebuilt binary,
 * this catches a snapshot file kept across versions that happen to share nothing else. */
#define SNAPSHOT_VERSION 1u
#define BUILD_ID_MAX     64

struct snapshot_header {
    char magic[8];
    uint32_t version;
    uint32_t build_id_len;
    uint8_t build_id[BUILD_ID_MAX];
    uintptr_t base;     /* the arena's address when it was made */
    uint64_t bytes;     /* bytes of the arena in use: the snapshot's size */
    uintptr_t main_at;  /* where zvm_main was: the binary is loaded at the same address */
    uintptr_t op_at;    /* an instruction handler's address, likewise */
    uint32_t n_modules; /* loaded into it */
    uint32_t n_failed;  /* that failed to load and were left out */
    struct atom_table_saved atoms;
    struct module_tables_saved tables;
};

bool snapshot_building;
const uint8_t *snapshot_lo, *snapshot_hi;

/* --- the arena: power-of-two blocks with free lists, while the snapshot is made ------------ */

/*
 * Each block starts with a 16-byte header (its size class and the size asked for), so blocks
 * stay 16-byte aligned as zplat_alloc() promises. Freed blocks go on their class's list and are
 * reused: the loader's temporary buffers would otherwise fill the snapshot with garbage.
 */
#define ARENA_CLASSES (16 + 8 * 33) /* up to 2^41-byte blocks */

struct block_header {
    uint32_t size_class;
    uint32_t unused;
    uint64_t asked;
};

static struct {
    uint8_t *top, *end;
    size_t live; /* bytes asked for by blocks not freed: what the snapshot holds */
    void *free_list[ARENA_CLASSES];
} arena;

static struct block_header *block_of(const void *p)
{
    return (struct block_header *)((uintptr_t)p - sizeof(struct block_header));
}

/*
 * Size classes: 16-byte steps up to 256 bytes, then eight steps per power of two, so a block
 * wastes at most an eighth of itself (the snapshot file is the arena, waste included).
 */
static unsigned size_class(size_t total)
{
    if (total <= 256)
        return (unsigned)((total + 15) / 16); /* 1..16 */
    unsigned log = 8;
    while (((size_t)2 << log) < total)
        log++;
    /* total is in (2^log, 2^(log+1)]: step 2^(log-3) */
    size_t step = (size_t)1 << (log - 3);
    return 16 + (log - 8) * 8 + (unsigned)((total - ((size_t)1 << log) + step - 1) / step);
}

static size_t class_size(unsigned c)
{
    if (c <= 16)
        return (size_t)c * 16;
    unsigned log = 8 + (c - 17) / 8, k = (c - 17) % 8 + 1;
    return ((size_t)1 << log) + k * ((size_t)1 << (log - 3));
}

void *snapshot_arena_alloc(size_t bytes)
{
    if (bytes > ((size_t)1 << 40))
        zplat_panic("zvm: snapshot arena: allocation too large");
    unsigned c = size_class(sizeof(struct block_header) + (bytes ? bytes : 1));
    if (c >= ARENA_CLASSES)
        zplat_panic("zvm: snapshot arena: allocation too large");
    struct block_header *b = arena.free_list[c];
    if (b) {
        arena.free_list[c] = *(void **)(b + 1);
    } else {
        size_t size = class_size(c);
        if ((size_t)(arena.end - arena.top) < size)
            zplat_panic("zvm: snapshot arena exhausted");
        b = (struct block_header *)arena.top;
        arena.top += size;
    }
    b->size_class = c;
    b->asked = bytes;
    arena.live += bytes;
    return b + 1;
}

void snapshot_arena_free(void *p)
{
    if (!snapshot_building)
        return; /* an adopted snapshot's memory is never given back */
    struct block_header *b = block_of(p);
    arena.live -= b->asked;
    /* Freed blocks are part of the file: cleared, so that the same image gives the same
     * snapshot byte for byte (the loader's temporaries held stack addresses). */
    memset(p, 0, class_size(b->size_class) - sizeof *b);
    *(void **)p = arena.free_list[b->size_class];
    arena.free_list[b->size_class] = b;
}

size_t snapshot_block_size(const void *p)
{
    return block_of(p)->asked;
}

void *snapshot_arena_realloc(void *p, size_t bytes)
{
    struct block_header *b = block_of(p);
    size_t room = class_size(b->size_class) - sizeof *b;
    if (snapshot_building && room >= bytes && bytes >= room - room / 4) {
        arena.live = arena.live - b->asked + bytes;
        b->asked = bytes;
        return p; /* fits without wasting more than a quarter: keep it */
    }
    void *q = rt_alloc(bytes); /* the arena while building, the platform after adoption */
    memcpy(q, p, b->asked < bytes ? b->asked : bytes);
    snapshot_arena_free(p);
    return q;
}

/* --- making ----------------------------------------------------------------------------------- */

struct make_state {
    uint32_t loaded, failed;
};

static void load_one(void *ctx, const char *name, size_t len)
{
    struct make_state *st = ctx;
    term_t mod = atom_intern(name, len);
    if (mod == THE_NON_VALUE || module_find(mod))
        return; /* an odd file name, or one found earlier in the code path */
    struct textbuf err;
    textbuf_init(&err);
    if (load_module_by_name(mod, &err)) {
        st->loaded++;
    } else {
        st->failed++;
        rt_eprintf("zvm: snapshot: %.*s left out: %s\n", (int)len, name,
                   err.len ? err.data : "not found");
    }
    textbuf_dispose(&err);
}

static int own_build_id(struct snapshot_header *h)
{
    const uint8_t *id;
    size_t len;
    if (zplat_build_id(&id, &len) != 0 || len == 0 || len > BUILD_ID_MAX)
        return -1;
    memcpy(h->build_id, id, len);
    h->build_id_len = (uint32_t)len;
    return 0;
}

/*
 * Loads the modules named after -zvm-snapshot-first (up to the next flag) before all others:
 * the ones an instance uses, found by the image's training run. The arena is filled in order,
 * so they end up together at its start, and the pages an instance touches are dense there
 * (each page fault maps its neighbours too: scattered, they made the resident set bigger).
 */
static void load_first(struct make_state *st, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!rt_streq(argv[i], "-zvm-snapshot-first"))
            continue;
        while (i + 1 < argc && argv[i + 1][0] != '-') {
            const char *name = argv[++i];
            load_one(st, name, rt_strlen(name));
        }
    }
}

int snapshot_make_if_asked(int argc, char **argv)
{
    size_t cap;
    uint8_t *base = zplat_snapshot_reserve(&cap);
    if (!base)
        return 1;
    arena.top = base;
    arena.end = base + cap;
    snapshot_lo = base;
    snapshot_hi = base + cap;
    snapshot_building = true;
    struct snapshot_header *h = snapshot_arena_alloc(sizeof *h);
    memset(h, 0, sizeof *h);
    memcpy(h->magic, SNAPSHOT_MAGIC, sizeof SNAPSHOT_MAGIC);
    h->version = SNAPSHOT_VERSION;
    if (own_build_id(h) != 0) {
        rt_eprintf("zvm: snapshot: this binary has no build id (link with --build-id)\n");
        return 2;
    }
    if ((void *)h != (void *)(base + sizeof(struct block_header)))
        zplat_panic("zvm: snapshot header is not the arena's first block");
    atom_table_init();
    export_table_init();
    struct make_state st = {0, 0};
    load_first(&st, argc, argv);
    zplat_code_each(load_one, &st);
    h->base = (uintptr_t)base;
    h->main_at = (uintptr_t)&zvm_main;
    h->op_at = interp_op_addr(OP_i_call_bif);
    h->n_modules = st.loaded;
    h->n_failed = st.failed;
    atom_table_save(&h->atoms);
    module_tables_save(&h->tables);
    h->bytes = (uint64_t)(arena.top - base);
    snapshot_building = false;
    if (zplat_snapshot_save(base, (size_t)h->bytes) != 0)
        return 2; /* the platform said why */
    rt_eprintf("zvm: snapshot: %u modules, %u atoms, %lu KiB (%lu KiB in live blocks)%s\n",
               st.loaded, atom_count(), (unsigned long)(h->bytes / 1024),
               (unsigned long)(arena.live / 1024), st.failed ? " (some left out, above)" : "");
    return 0;
}

/* --- adopting --------------------------------------------------------------------------------- */

/* Why `h` (mapped at `at`, `len` bytes) cannot be adopted by this binary, or NULL. */
static const char *refusal(const struct snapshot_header *h, const uint8_t *at, size_t len)
{
    const uint8_t *id;
    size_t id_len;
    if (len < sizeof(struct block_header) + sizeof *h ||
        memcmp(h->magic, SNAPSHOT_MAGIC, sizeof SNAPSHOT_MAGIC) != 0)
        return "not a zvm snapshot";
    if (h->version != SNAPSHOT_VERSION)
        return "made by another version of zvm";
    if (zplat_build_id(&id, &id_len) != 0 || id_len != h->build_id_len ||
        memcmp(id, h->build_id, id_len) != 0)
        return "made by another zvm binary (rebuild the image)";
    if (h->base != (uintptr_t)at || h->bytes != len)
        return "mapped at another address or truncated";
    if (h->main_at != (uintptr_t)&zvm_main || h->op_at != interp_op_addr(OP_i_call_bif))
        return "this binary is loaded at another address (position-independent?)";
    return NULL;
}

bool snapshot_adopt_if_present(void)
{
    size_t len;
    const uint8_t *at = zplat_snapshot_map(&len);
    if (!at)
        return false;
    const struct snapshot_header *h = (const void *)(at + sizeof(struct block_header));
    const char *why = refusal(h, at, len);
    if (why) {
        rt_eprintf("zvm: snapshot refused: %s; loading modules from files\n", why);
        return false;
    }
    snapshot_lo = at;
    snapshot_hi = at + len;
    atom_table_adopt(&h->atoms);
    module_tables_adopt(&h->tables);
    return true;
}
