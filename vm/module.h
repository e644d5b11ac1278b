/*
 * module.h: loaded modules, the export table and fun entries.
 *
 * Code is an array of words: each instruction is its handler's address followed by pre-decoded
 * operands (see loader.c for the operand encodings, interp.c for their use).
 *
 * Every MFA that is ever called or exported has one struct export, created on first mention and
 * never freed. `addr` is where a call jumps: the function's code when its module is loaded, else
 * the export's own two-word stub, which runs a BIF (i_call_bif) or loads the module on demand and
 * raises undef when that fails (i_call_undefined).
 */
#ifndef ZVM_MODULE_H
#define ZVM_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/term.h"

struct process;
typedef term_t (*bif_fn)(struct process *p, term_t *args);

struct export
{
    term_t module, function;
    uint32_t arity;
    const uintptr_t *addr; /* what a call jumps to */
    bif_fn bif;            /* C implementation, or NULL */
    uintptr_t stub[2];     /* i_call_bif or i_call_undefined, then this export */
    uint64_t calls;        /* BIF calls counted for -zvm-coverage */
    struct export *next;   /* hash chain */
};

struct module;
struct fun_entry {
    struct module *module;
    term_t function; /* the lambda's generated name */
    uint32_t arity;  /* including the free variables */
    uint32_t num_free;
    uint32_t index, old_index;
    uint32_t old_uniq;
    const uintptr_t *addr;
};

/* One function of a module, for stack traces and module_info(functions). */
struct func_rec {
    uint32_t start; /* code index of its func_info instruction */
    term_t name;
    uint32_t arity;
};

/* A line instruction's position: the code index it precedes, and its location. */
struct line_rec {
    uint32_t code;
    uint32_t line;
    uint32_t file; /* index into the module's file names */
};

struct module {
    term_t name;
    uintptr_t *code;
    size_t code_words;
    struct lit_area lits;
    struct fun_entry *funs;
    uint32_t n_funs;
    struct func_rec *funcs;
    uint32_t n_funcs;
    struct line_rec *lines;
    uint32_t n_lines;
    term_t *files;   /* file names of the Line chunk (1-based there) as Erlang strings */
    term_t own_file; /* "<module>.erl": what line file index 0 means */
    uint32_t n_files;
    term_t exports_list;      /* [{F, A}] literal, for module_info(exports) */
    term_t attributes;        /* Attr chunk (a literal list) or [] */
    term_t compile_info;      /* CInf chunk (a literal list) or [] */
    uint8_t md5[16];          /* zeros: zvm does not compute the module's MD5 yet */
    uint8_t *strings;         /* copy of StrT (bs_match_string and string segments) */
    struct export **exp;      /* exported functions, with ...*/
    const uintptr_t **exp_at; /* ... their entry points, applied by module_register() */
    uint32_t n_exp;
    const uintptr_t *on_load; /* or NULL */
    struct module *next;
};

/* The export for M:F/A, created when new (with the undefined stub). */
struct export *export_get(term_t module, term_t function, uint32_t arity);
/* The export if it exists, else NULL. */
struct export *export_find(term_t module, term_t function, uint32_t arity);
/* Registers every BIF of vm/bifs.tab; called once at boot after atom_table_init(). */
void export_table_init(void);
void export_table_dispose(void);
/* Appends "zvm-coverage: bif M:F/A COUNT" lines for every BIF that ran. */
struct textbuf;
void export_coverage(struct textbuf *out);

/* Appends "zvm-coverage: module NAME" for every loaded module (the image's training run). */
void module_coverage(struct textbuf *out);

/* The loaded module named `name`, or NULL. */
struct module *module_find(term_t name);
/* Adds a module loaded by the loader and points its exports' calls at its code. */
void module_register(struct module *m);
/* Frees one module's memory (not registered ones: they live until module_table_dispose). */
void module_free(struct module *m);
void module_table_dispose(void);

/*
 * Finds the module and function containing code address `pc`, and the location of the last line
 * instruction before it. Returns the function (and *mod), or NULL when pc is in no module.
 * *line is 0 and *file NIL when the module has no line information there.
 */
const struct func_rec *module_locate(const uintptr_t *pc, struct module **mod, uint32_t *line,
                                     term_t *file);

/*
 * The catch table: a try/catch label's code address, found by the index in a catch term.
 * Entries are added by the loader.
 */
uint32_t catch_table_add(const uintptr_t *addr);
const uintptr_t *catch_table_get(uint32_t index);
void catch_table_set(uint32_t index, const uintptr_t *addr);

/*
 * The roots of the export, module and catch tables, for vm/snapshot.c: saved into a snapshot's
 * header when it is made, adopted from it at start (instead of export_table_init()).
 */
struct module_tables_saved {
    struct export **export_slots;
    struct module *modules;
    struct module **module_slots;
    uint32_t n_module_slots, n_modules;
    const uintptr_t **catches;
    uint32_t n_catches, cap_catches;
};
void module_tables_save(struct module_tables_saved *out);
void module_tables_adopt(const struct module_tables_saved *saved);

#endif
