/* module.c: the export table, loaded modules, code-address lookup and catch table. */
#include "vm/module.h"

#include "build/gen/vm/bifs.h"
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/interp.h"
#include "vm/rt.h"

#define EXPORT_SLOTS 16384
/* Allocated (not static) so that a snapshot holds it: see vm/snapshot.h. */
static struct export **export_slots;
static struct module *modules;

static uint32_t export_hash(term_t m, term_t f, uint32_t a)
{
    uint64_t h = (m * 0x9E3779B97F4A7C15ull) ^ (f * 0xC2B2AE3D27D4EB4Full) ^ a;
    return (uint32_t)(h ^ (h >> 29)) & (EXPORT_SLOTS - 1);
}

struct export *export_find(term_t module, term_t function, uint32_t arity)
{
    if (!export_slots)
        return NULL;
    for (struct export *e = export_slots[export_hash(module, function, arity)]; e; e = e->next)
        if (e->module == module && e->function == function && e->arity == arity)
            return e;
    return NULL;
}

struct export *export_get(term_t module, term_t function, uint32_t arity)
{
    if (!export_slots)
        export_table_init();
    struct export *e = export_find(module, function, arity);
    if (e)
        return e;
    e = rt_zalloc(sizeof *e);
    e->module = module;
    e->function = function;
    e->arity = arity;
    e->stub[0] = interp_op_addr(OP_i_call_undefined);
    e->stub[1] = (uintptr_t)e;
    e->addr = e->stub;
    uint32_t h = export_hash(module, function, arity);
    e->next = export_slots[h];
    export_slots[h] = e;
    return e;
}

void export_table_init(void)
{
    if (export_slots)
        return;
    export_slots = rt_zalloc(sizeof *export_slots * EXPORT_SLOTS);
    static const struct {
        const char *m, *f;
        uint32_t a;
        bif_fn fn;
    } bifs[] = {
#define BIF_ROW(m, f, a, fn) {m, f, a, fn},
        ZVM_BIF_LIST(BIF_ROW)
#undef BIF_ROW
    };
    for (size_t i = 0; i < sizeof bifs / sizeof bifs[0]; i++) {
        term_t m = atom_intern(bifs[i].m, rt_strlen(bifs[i].m));
        term_t f = atom_intern(bifs[i].f, rt_strlen(bifs[i].f));
        struct export *e = export_get(m, f, bifs[i].a);
        e->bif = bifs[i].fn;
        e->stub[0] = interp_op_addr(OP_i_call_bif);
        e->addr = e->stub;
    }
}

void export_coverage(struct textbuf *out)
{
    unsigned n = 0;
    for (size_t i = 0; export_slots && i < EXPORT_SLOTS; i++)
        for (struct export *e = export_slots[i]; e; e = e->next)
            n += e->bif && e->calls;
    textbuf_printf(out, "zvm-coverage: %u BIFs executed\n", n);
    for (size_t i = 0; export_slots && i < EXPORT_SLOTS; i++) {
        for (struct export *e = export_slots[i]; e; e = e->next) {
            if (!e->bif || !e->calls)
                continue;
            size_t ml, fl;
            const char *m = atom_name(e->module, &ml), *f = atom_name(e->function, &fl);
            textbuf_printf(out, "zvm-coverage: bif %.*s:%.*s/%u %lu\n", (int)ml, m, (int)fl, f,
                           e->arity, (unsigned long)e->calls);
        }
    }
}

void module_coverage(struct textbuf *out)
{
    for (struct module *m = modules; m; m = m->next) {
        size_t len;
        const char *name = atom_name(m->name, &len);
        textbuf_printf(out, "zvm-coverage: module %.*s\n", (int)len, name);
    }
}

void export_table_dispose(void)
{
    if (!export_slots)
        return;
    for (size_t i = 0; i < EXPORT_SLOTS; i++) {
        while (export_slots[i]) {
            struct export *next = export_slots[i]->next;
            rt_free(export_slots[i]);
            export_slots[i] = next;
        }
    }
    rt_free(export_slots);
    export_slots = NULL;
}

/*
 * Modules by name: open addressing on the atom's index, at most half full. A list walk touched
 * every module for each lookup (code:ensure_loaded, function_exported, calls to not yet loaded
 * modules): with a snapshot's two hundred modules that was a fifth of an instance's start.
 */
static struct module **module_slots;
static uint32_t n_module_slots, n_modules;

/* Puts `m` in its slot; a module of the same name (an older version) gives its slot up. Returns
 * whether the slot was a new one. */
static bool module_slots_put(struct module *m)
{
    uint32_t j = atom_index(m->name) & (n_module_slots - 1);
    while (module_slots[j] && module_slots[j]->name != m->name)
        j = (j + 1) & (n_module_slots - 1);
    bool fresh = !module_slots[j];
    module_slots[j] = m;
    return fresh;
}

struct module *module_find(term_t name)
{
    if (!module_slots || !is_atom(name))
        return NULL;
    for (uint32_t j = atom_index(name) & (n_module_slots - 1); module_slots[j];
         j = (j + 1) & (n_module_slots - 1))
        if (module_slots[j]->name == name)
            return module_slots[j];
    return NULL;
}

void module_register(struct module *m)
{
    /* A new version: what the old one exported and this one does not is undefined again. */
    struct module *old = module_find(m->name);
    for (uint32_t i = 0; old && i < old->n_exp; i++)
        if (!old->exp[i]->bif)
            old->exp[i]->addr = old->exp[i]->stub;
    for (uint32_t i = 0; i < m->n_exp; i++)
        if (!m->exp[i]->bif)
            m->exp[i]->addr = m->exp_at[i];
    /* The newest version is first in the list (module_locate still finds the code of older
     * ones that running processes may be in) and the one in the name table. */
    m->next = modules;
    modules = m;
    if (2 * (n_modules + 1) > n_module_slots) {
        rt_free(module_slots);
        n_module_slots = n_module_slots ? 2 * n_module_slots : 512;
        module_slots = rt_zalloc(sizeof *module_slots * n_module_slots);
        n_modules = 0;
        for (struct module *k = modules; k; k = k->next)
            if (!module_find(k->name) && module_slots_put(k))
                n_modules++;
    } else if (module_slots_put(m)) {
        n_modules++;
    }
}

void module_free(struct module *m)
{
    if (!m)
        return;
    lit_area_dispose(&m->lits);
    rt_free(m->code);
    rt_free(m->funs);
    rt_free(m->funcs);
    rt_free(m->lines);
    rt_free(m->files);
    rt_free(m->strings);
    rt_free(m->exp);
    rt_free(m->exp_at);
    rt_free(m);
}

void module_table_dispose(void)
{
    while (modules) {
        struct module *next = modules->next;
        module_free(modules);
        modules = next;
    }
    rt_free(module_slots);
    module_slots = NULL;
    n_module_slots = n_modules = 0;
}

const struct func_rec *module_locate(const uintptr_t *pc, struct module **mod, uint32_t *line,
                                     term_t *file)
{
    for (struct module *m = modules; m; m = m->next) {
        if (pc < m->code || pc >= m->code + m->code_words)
            continue;
        uint32_t off = (uint32_t)(pc - m->code);
        const struct func_rec *f = NULL;
        uint32_t lo = 0, hi = m->n_funcs;
        while (lo < hi) { /* last function starting at or before off */
            uint32_t mid = (lo + hi) / 2;
            if (m->funcs[mid].start <= off) {
                f = &m->funcs[mid];
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        *mod = m;
        *line = 0;
        *file = NIL;
        lo = 0;
        hi = m->n_lines;
        const struct line_rec *l = NULL;
        while (lo < hi) { /* last line record strictly before off */
            uint32_t mid = (lo + hi) / 2;
            if (m->lines[mid].code < off) {
                l = &m->lines[mid];
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (l && f && l->code >= f->start && l->line) {
            *line = l->line;
            if (l->file == 0)
                *file = m->own_file; /* index 0: "<module>.erl", as BEAM reports it */
            else if (l->file - 1 < m->n_files)
                *file = m->files[l->file - 1];
        }
        return f;
    }
    return NULL;
}

static const uintptr_t **catches;
static uint32_t n_catches, cap_catches;

uint32_t catch_table_add(const uintptr_t *addr)
{
    if (n_catches == cap_catches) {
        cap_catches = cap_catches ? cap_catches * 2 : 1024;
        catches = rt_realloc(catches, sizeof *catches * cap_catches);
    }
    catches[n_catches] = addr;
    return n_catches++;
}

const uintptr_t *catch_table_get(uint32_t index)
{
    return index < n_catches ? catches[index] : NULL;
}

void catch_table_set(uint32_t index, const uintptr_t *addr)
{
    if (index < n_catches)
        catches[index] = addr;
}

void module_tables_save(struct module_tables_saved *out)
{
    out->export_slots = export_slots;
    out->modules = modules;
    out->module_slots = module_slots;
    out->n_module_slots = n_module_slots;
    out->n_modules = n_modules;
    out->catches = catches;
    out->n_catches = n_catches;
    out->cap_catches = cap_catches;
}

void module_tables_adopt(const struct module_tables_saved *saved)
{
    export_slots = saved->export_slots;
    modules = saved->modules;
    module_slots = saved->module_slots;
    n_module_slots = saved->n_module_slots;
    n_modules = saved->n_modules;
    catches = saved->catches;
    n_catches = saved->n_catches;
    cap_catches = saved->cap_catches;
}
