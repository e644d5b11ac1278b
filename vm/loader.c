/* loader.c: .beam files into threaded code (see loader.h). */
#include "vm/loader.h"

#include <string.h>

#include "vm/atom.h"
#include "vm/etf.h"
#include "vm/inflate.h"
#include "vm/interp.h"
#include "vm/platform.h"

/* --- chunks -------------------------------------------------------------------------------- */

struct chunk {
    const uint8_t *data;
    uint32_t size;
};

struct import {
    term_t module, function;
    uint32_t arity;
};

enum operand_kind {
    OPK_U,    /* unsigned literal */
    OPK_I,    /* integer term (small or literal bignum) */
    OPK_A,    /* atom or nil term */
    OPK_X,    /* x register */
    OPK_Y,    /* y register */
    OPK_F,    /* label */
    OPK_H,    /* character */
    OPK_FR,   /* float register */
    OPK_LIT,  /* literal term */
    OPK_LIST, /* list: value = count, items at list_at */
    OPK_ALLOC /* allocation list: value = heap words */
};

struct operand {
    enum operand_kind kind;
    uint64_t value;
    term_t term;
    uint32_t list_at;
};

struct label_patch {
    uint32_t code_at;
    uint32_t label;
};

struct ld {
    const uint8_t *file;
    size_t file_len;
    struct textbuf *err;
    struct module *mod;
    struct chunk atoms, codechunk, strt, impt, expt, litt, funt, line, type, attr, cinf;
    term_t *atom_tab; /* 1-based */
    uint32_t n_atoms;
    struct import *imports;
    uint32_t n_imports;
    term_t *literals;
    uint32_t n_literals;
    uint32_t n_types;
    uint32_t n_labels;
    uint32_t *label_at; /* code index + 1; 0 = not defined */
    struct label_patch *patches;
    uint32_t n_patches, cap_patches;
    uint32_t *catch_ids, *catch_labels;
    uint32_t n_catches, cap_catches;
    /* line table */
    uint32_t *line_items; /* per line index: line number */
    uint32_t *line_files; /* per line index: file index */
    uint32_t n_line_items;
    /* emitted code */
    uintptr_t *code;
    uint32_t n_code, cap_code;
    /* operand decoding */
    const uint8_t *p, *end;
    struct operand ops[8];
    struct operand *list;
    uint32_t n_list, cap_list;
    uint32_t cap_funcs, cap_lines;
};

static struct module *fail(struct ld *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct module *fail(struct ld *ld, const char *fmt, ...)
{
    if (ld->err->len == 0) {
        va_list ap;
        va_start(ap, fmt);
        textbuf_vprintf(ld->err, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int find_chunks(struct ld *ld)
{
    const uint8_t *f = ld->file;
    if (ld->file_len < 12 || memcmp(f, "FOR1", 4) != 0 || memcmp(f + 8, "BEAM", 4) != 0) {
        fail(ld, "not a BEAM file (no FOR1/BEAM header)");
        return -1;
    }
    uint64_t form = be32(f + 4);
    if (form + 8 > ld->file_len || form < 4) {
        fail(ld, "truncated BEAM file: the header says %lu bytes, the file has %zu",
             (unsigned long)(form + 8), ld->file_len);
        return -1;
    }
    const uint8_t *p = f + 12, *end = f + 8 + form;
    while (p < end) {
        if (end - p < 8) {
            fail(ld, "truncated chunk header at byte %ld", (long)(p - f));
            return -1;
        }
        uint32_t size = be32(p + 4);
        if ((uint64_t)size > (uint64_t)(end - p - 8)) {
            fail(ld, "chunk %.*s at byte %ld is truncated", 4, (const char *)p, (long)(p - f));
            return -1;
        }
        struct chunk c = {p + 8, size};
        struct {
            const char *id;
            struct chunk *slot;
        } known[] = {{"AtU8", &ld->atoms}, {"Atom", &ld->atoms}, {"Code", &ld->codechunk},
                     {"StrT", &ld->strt},  {"ImpT", &ld->impt},  {"ExpT", &ld->expt},
                     {"LitT", &ld->litt},  {"FunT", &ld->funt},  {"Line", &ld->line},
                     {"Type", &ld->type},  {"Attr", &ld->attr},  {"CInf", &ld->cinf}};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
            if (memcmp(p, known[i].id, 4) == 0) {
                if (known[i].slot->data) {
                    fail(ld, "chunk %s appears twice", known[i].id);
                    return -1;
                }
                *known[i].slot = c;
            }
        }
        p += 8 + (((uint64_t)size + 3) & ~(uint64_t)3);
    }
    const char *missing = !ld->atoms.data       ? "AtU8"
                          : !ld->codechunk.data ? "Code"
                          : !ld->impt.data      ? "ImpT"
                          : !ld->expt.data      ? "ExpT"
                                                : NULL;
    if (missing) {
        fail(ld, "missing chunk %s", missing);
        return -1;
    }
    return 0;
}

/* --- compact term encoding ----------------------------------------------------------------- */

static int read_byte(struct ld *ld, uint8_t *b)
{
    if (ld->p >= ld->end) {
        fail(ld, "truncated code at byte %ld of the Code chunk",
             (long)(ld->p - ld->codechunk.data));
        return -1;
    }
    *b = *ld->p++;
    return 0;
}

/*
 * Reads the value of a compact term whose first byte is `b`. Small values go to *v; values of
 * more than 8 bytes (only legal for integers) are built as a literal bignum into *big.
 */
static int read_value(struct ld *ld, uint8_t b, bool is_signed, uint64_t *v, term_t *big)
{
    *big = THE_NON_VALUE;
    if (!(b & 0x08)) {
        *v = b >> 4;
        return 0;
    }
    if (!(b & 0x10)) {
        uint8_t lo;
        if (read_byte(ld, &lo))
            return -1;
        *v = ((uint64_t)(b >> 5) << 8) | lo;
        return 0;
    }
    uint64_t n = (uint64_t)(b >> 5) + 2;
    if (n == 9) { /* the length itself follows as an unsigned compact term */
        uint8_t lb;
        term_t lbig;
        if (read_byte(ld, &lb) || read_value(ld, lb, false, &n, &lbig))
            return -1;
        if (lbig != THE_NON_VALUE || n > 1u << 20) {
            fail(ld, "integer operand too large");
            return -1;
        }
        n += 9;
    }
    if ((uint64_t)(ld->end - ld->p) < n) {
        fail(ld, "truncated integer operand in the Code chunk");
        return -1;
    }
    const uint8_t *s = ld->p;
    ld->p += n;
    if (n <= 8) {
        uint64_t x = (s[0] & 0x80) && is_signed ? ~(uint64_t)0 : 0;
        for (uint64_t i = 0; i < n; i++)
            x = x << 8 | s[i];
        *v = x;
        return 0;
    }
    if (!is_signed) {
        fail(ld, "operand value of %lu bytes", (unsigned long)n);
        return -1;
    }
    /* Two's complement big-endian -> sign and magnitude digits. */
    bool neg = (s[0] & 0x80) != 0;
    size_t nd = (size_t)(n + 7) / 8;
    uint64_t *d = rt_scratch_zalloc(nd * 8);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t byte = s[n - 1 - i];
        d[i / 8] |= (uint64_t)byte << (8 * (i % 8));
    }
    if (neg) { /* magnitude = ~x + 1, over n bytes */
        unsigned carry = 1;
        for (size_t i = 0; i < nd; i++) {
            uint64_t mask = (i + 1) * 8 <= n ? ~(uint64_t)0 : ((uint64_t)1 << (8 * (n % 8))) - 1;
            uint64_t x = (~d[i] & mask) + carry;
            carry = carry && x == 0 && mask != 0 ? 1 : 0;
            d[i] = x & mask;
        }
    }
    *big = build_bignum(&ld->mod->lits.builder, d, nd, neg);
    rt_scratch_free(d);
    return 0;
}

static int read_operand(struct ld *ld, struct operand *op, bool allow_list);

static int read_u(struct ld *ld, uint64_t *v)
{
    uint8_t b;
    term_t big;
    if (read_byte(ld, &b) || read_value(ld, b, false, v, &big))
        return -1;
    if ((b & 7) != 0) {
        fail(ld, "an unsigned operand was expected");
        return -1;
    }
    return 0;
}

static int push_list_item(struct ld *ld, const struct operand *op)
{
    if (ld->n_list == ld->cap_list) {
        ld->cap_list = ld->cap_list ? ld->cap_list * 2 : 64;
        ld->list = rt_scratch_realloc(ld->list, sizeof *ld->list * ld->cap_list);
    }
    ld->list[ld->n_list++] = *op;
    return 0;
}

static int read_operand(struct ld *ld, struct operand *op, bool allow_list)
{
    uint8_t b;
    uint64_t v;
    term_t big;
    if (read_byte(ld, &b) || read_value(ld, b, (b & 7) == 1, &v, &big))
        return -1;
    op->value = v;
    op->term = THE_NON_VALUE;
    switch (b & 7) {
    case 0:
        op->kind = OPK_U;
        return 0;
    case 1:
        op->kind = OPK_I;
        if (big != THE_NON_VALUE)
            op->term = big;
        else
            op->term = build_int64(&ld->mod->lits.builder, (int64_t)v);
        return 0;
    case 2:
        op->kind = OPK_A;
        if (v == 0) {
            op->term = NIL;
            return 0;
        }
        if (v > ld->n_atoms) {
            fail(ld, "atom index %lu out of range (the module has %u atoms)", (unsigned long)v,
                 ld->n_atoms);
            return -1;
        }
        op->term = ld->atom_tab[v];
        return 0;
    case 3:
        op->kind = OPK_X;
        if (v >= MAX_X_REGS) {
            fail(ld, "x register %lu out of range", (unsigned long)v);
            return -1;
        }
        return 0;
    case 4:
        op->kind = OPK_Y;
        if (v >= MAX_Y_REGS) {
            fail(ld, "y register %lu out of range", (unsigned long)v);
            return -1;
        }
        return 0;
    case 5:
        op->kind = OPK_F;
        if (v > ld->n_labels) {
            fail(ld, "label %lu out of range (the module has %u labels)", (unsigned long)v,
                 ld->n_labels);
            return -1;
        }
        return 0;
    case 6:
        op->kind = OPK_H;
        return 0;
    }
    /* extended */
    switch (v) {
    case 1: { /* list */
        uint64_t n;
        if (read_u(ld, &n))
            return -1;
        if (!allow_list) {
            fail(ld, "nested list operand");
            return -1;
        }
        if (n > (uint64_t)(ld->end - ld->p)) {
            fail(ld, "list operand longer than the code");
            return -1;
        }
        op->kind = OPK_LIST;
        op->value = n;
        op->list_at = ld->n_list;
        for (uint64_t i = 0; i < n; i++) {
            struct operand item;
            if (read_operand(ld, &item, false))
                return -1;
            push_list_item(ld, &item);
        }
        return 0;
    }
    case 2: /* float register */
        if (read_u(ld, &op->value))
            return -1;
        if (op->value >= MAX_F_REGS) {
            fail(ld, "float register %lu out of range", (unsigned long)op->value);
            return -1;
        }
        op->kind = OPK_FR;
        return 0;
    case 3: { /* allocation list */
        uint64_t n, words = 0;
        if (read_u(ld, &n))
            return -1;
        if (n > 16) {
            fail(ld, "allocation list too long");
            return -1;
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t type, count;
            if (read_u(ld, &type) || read_u(ld, &count))
                return -1;
            if (type > 2 || count > (1u << 24)) {
                fail(ld, "bad allocation list entry");
                return -1;
            }
            words += type == 0 ? count : type == 1 ? count * FLOAT_WORDS : count * 4;
        }
        op->kind = OPK_ALLOC;
        op->value = words;
        return 0;
    }
    case 4: /* literal */
        if (read_u(ld, &v))
            return -1;
        if (v >= ld->n_literals) {
            fail(ld, "literal index %lu out of range", (unsigned long)v);
            return -1;
        }
        op->kind = OPK_LIT;
        op->term = ld->literals[v];
        return 0;
    case 5: { /* type-tagged register */
        struct operand reg;
        uint64_t type;
        if (read_operand(ld, &reg, false) || read_u(ld, &type))
            return -1;
        if (reg.kind != OPK_X && reg.kind != OPK_Y) {
            fail(ld, "type-tagged operand is not a register");
            return -1;
        }
        if (ld->type.data && type >= ld->n_types) {
            fail(ld, "type index %lu out of range", (unsigned long)type);
            return -1;
        }
        *op = reg;
        return 0;
    }
    default:
        fail(ld, "unsupported extended operand tag %lu", (unsigned long)v);
        return -1;
    }
}

/* --- emitting ------------------------------------------------------------------------------ */

static void emit(struct ld *ld, uintptr_t w)
{
    if (ld->n_code == ld->cap_code) {
        ld->cap_code = ld->cap_code ? ld->cap_code * 2 : 1024;
        ld->code = rt_scratch_realloc(ld->code, sizeof *ld->code * ld->cap_code);
    }
    ld->code[ld->n_code++] = w;
}

static void emit_label(struct ld *ld, uint64_t label)
{
    if (label == 0) {
        emit(ld, 0);
        return;
    }
    if (ld->n_patches == ld->cap_patches) {
        ld->cap_patches = ld->cap_patches ? ld->cap_patches * 2 : 256;
        ld->patches = rt_scratch_realloc(ld->patches, sizeof *ld->patches * ld->cap_patches);
    }
    ld->patches[ld->n_patches].code_at = ld->n_code;
    ld->patches[ld->n_patches].label = (uint32_t)label;
    ld->n_patches++;
    emit(ld, 0);
}

static int emit_operand(struct ld *ld, const struct operand *op)
{
    switch (op->kind) {
    case OPK_U:
    case OPK_H:
    case OPK_FR:
    case OPK_ALLOC:
        emit(ld, (uintptr_t)op->value);
        return 0;
    case OPK_I:
    case OPK_A:
    case OPK_LIT:
        emit(ld, op->term);
        return 0;
    case OPK_X:
        emit(ld, (uintptr_t)op->value << 3);
        return 0;
    case OPK_Y:
        emit(ld, (uintptr_t)op->value << 3 | 4);
        return 0;
    case OPK_F:
        emit_label(ld, op->value);
        return 0;
    case OPK_LIST:
        emit(ld, (uintptr_t)op->value);
        for (uint64_t i = 0; i < op->value; i++)
            if (emit_operand(ld, &ld->list[op->list_at + i]))
                return -1;
        return 0;
    }
    return -1;
}

static bool is_reg(const struct operand *op)
{
    return op->kind == OPK_X || op->kind == OPK_Y;
}

static bool is_src(const struct operand *op)
{
    return is_reg(op) || op->kind == OPK_I || op->kind == OPK_A || op->kind == OPK_LIT;
}

static const struct import *import_of(struct ld *ld, const struct operand *op)
{
    if (op->kind != OPK_U || op->value >= ld->n_imports) {
        fail(ld, "import index out of range");
        return NULL;
    }
    return &ld->imports[op->value];
}

static int emit_bif(struct ld *ld, const struct operand *op)
{
    const struct import *im = import_of(ld, op);
    if (!im)
        return -1;
    struct export *e = export_get(im->module, im->function, im->arity);
    if (!e->bif) {
        size_t ml, fl;
        const char *m = atom_name(im->module, &ml), *f = atom_name(im->function, &fl);
        fail(ld, "BIF %.*s:%.*s/%u is not implemented", (int)ml, m, (int)fl, f, im->arity);
        return -1;
    }
    emit(ld, (uintptr_t)e);
    return 0;
}

static int emit_handler(struct ld *ld, unsigned op)
{
    uintptr_t a = interp_op_addr(op);
    if (!a) {
        unsigned arity;
        int dep;
        const char *name = opcode_name(op, &arity, &dep);
        fail(ld, "opcode %s/%u (%u) is not implemented", name ? name : "?", arity, op);
        return -1;
    }
    emit(ld, a);
    return 0;
}

/* Checks operand kinds for the common shapes before emitting. */
static int check_ops(struct ld *ld, unsigned op, const char *shape, unsigned n)
{
    for (unsigned i = 0; i < n && shape[i]; i++) {
        const struct operand *o = &ld->ops[i];
        bool ok = true;
        switch (shape[i]) {
        case 's':
            ok = is_src(o);
            break;
        case 'd':
            ok = is_reg(o);
            break;
        case 'f':
            ok = o->kind == OPK_F;
            break;
        case 'u':
            ok = o->kind == OPK_U || o->kind == OPK_ALLOC;
            break;
        case 'l':
            ok = o->kind == OPK_LIST;
            break;
        case 'r':
            ok = o->kind == OPK_FR;
            break;
        default:
            break;
        }
        if (!ok) {
            unsigned arity;
            int dep;
            const char *name = opcode_name(op, &arity, &dep);
            fail(ld, "operand %u of %s has the wrong kind", i + 1, name ? name : "?");
            return -1;
        }
    }
    return 0;
}

/* Operand shapes of the opcodes emitted one to one ('?' = any). */
static const char *shape_of(unsigned op)
{
    switch (op) {
    case OP_allocate:
    case OP_allocate_zero:
    case OP_test_heap:
    case OP_trim:
        return "uu";
    case OP_allocate_heap:
    case OP_allocate_heap_zero:
        return "u?u";
    case OP_deallocate:
        return "u";
    case OP_call:
    case OP_call_only:
        return "uf";
    case OP_call_last:
        return "ufu";
    case OP_move:
        return "sd";
    case OP_get_list:
        return "sdd";
    case OP_get_hd:
    case OP_get_tl:
        return "sd";
    case OP_get_tuple_element:
        return "sud";
    case OP_set_tuple_element:
        return "ssu";
    case OP_put_list:
        return "ssd";
    case OP_put_tuple2:
        return "dl";
    case OP_jump:
        return "f";
    case OP_is_lt:
    case OP_is_ge:
    case OP_is_eq:
    case OP_is_ne:
    case OP_is_eq_exact:
    case OP_is_ne_exact:
        return "fss";
    case OP_test_arity:
        return "fsu";
    case OP_is_tagged_tuple:
        return "fsus";
    case OP_select_val:
    case OP_select_tuple_arity:
        return "sfl";
    case OP_is_function2:
        return "fss";
    case OP_raise:
        return "ss";
    case OP_loop_rec:
        return "fd";
    case OP_loop_rec_end:
    case OP_wait:
    case OP_recv_mark:
    case OP_recv_set:
        return "f";
    case OP_wait_timeout:
        return "fs";
    case OP_recv_marker_reserve:
        return "d";
    case OP_recv_marker_bind:
        return "ss";
    case OP_recv_marker_clear:
    case OP_recv_marker_use:
        return "s";
    case OP_bs_start_match3:
        return "fsud";
    case OP_bs_start_match4:
        return "?usd";
    case OP_bs_get_position:
    case OP_bs_get_tail:
        return "sdu";
    case OP_bs_set_position:
        return "ss";
    case OP_bs_test_tail2:
    case OP_bs_test_unit:
        return "fsu";
    case OP_bs_skip_bits2:
        return "fssuu";
    case OP_bs_get_integer2:
    case OP_bs_get_float2:
    case OP_bs_get_binary2:
        return "fsusuud";
    case OP_bs_get_utf8:
    case OP_bs_get_utf16:
    case OP_bs_get_utf32:
        return "fsuud";
    case OP_bs_skip_utf8:
    case OP_bs_skip_utf16:
    case OP_bs_skip_utf32:
        return "fsuu";
    case OP_badmatch:
    case OP_case_end:
    case OP_try_case_end:
    case OP_badrecord:
        return "s";
    case OP_call_fun:
    case OP_apply:
        return "u";
    case OP_call_fun2:
        return "?us";
    case OP_apply_last:
        return "uu";
    case OP_catch_end:
    case OP_try_end:
    case OP_try_case:
        return "d";
    case OP_init_yregs:
        return "l";
    case OP_swap:
        return "dd";
    case OP_fmove:
    case OP_fconv:
        return "??";
    case OP_fadd:
    case OP_fsub:
    case OP_fmul:
    case OP_fdiv:
        return "frrr";
    case OP_fnegate:
        return "frr";
    default:
        return "";
    }
}

static int check_label_list(struct ld *ld, const struct operand *lst, bool arity_keys)
{
    if (lst->value % 2 != 0)
        return fail(ld, "select list of odd length"), -1;
    for (uint64_t i = 0; i < lst->value; i += 2) {
        const struct operand *k = &ld->list[lst->list_at + i];
        const struct operand *l = &ld->list[lst->list_at + i + 1];
        bool key_ok = arity_keys ? k->kind == OPK_U
                                 : (k->kind == OPK_I || k->kind == OPK_A || k->kind == OPK_LIT);
        if (!key_ok || l->kind != OPK_F)
            return fail(ld, "bad select list entry"), -1;
    }
    return 0;
}

static int add_func(struct ld *ld, term_t name, uint32_t arity)
{
    struct module *m = ld->mod;
    if (m->n_funcs == ld->cap_funcs) {
        ld->cap_funcs = ld->cap_funcs ? ld->cap_funcs * 2 : 64;
        m->funcs = rt_realloc(m->funcs, sizeof *m->funcs * ld->cap_funcs);
    }
    m->funcs[m->n_funcs].start = ld->n_code;
    m->funcs[m->n_funcs].name = name;
    m->funcs[m->n_funcs].arity = arity;
    m->n_funcs++;
    return 0;
}

static int add_line(struct ld *ld, uint64_t index)
{
    if (index == 0 || !ld->line_items)
        return 0;
    if (index >= ld->n_line_items)
        return fail(ld, "line index %lu out of range", (unsigned long)index), -1;
    struct module *m = ld->mod;
    if (m->n_lines == ld->cap_lines) {
        ld->cap_lines = ld->cap_lines ? ld->cap_lines * 2 : 256;
        m->lines = rt_realloc(m->lines, sizeof *m->lines * ld->cap_lines);
    }
    if (m->n_lines && m->lines[m->n_lines - 1].code == ld->n_code)
        m->n_lines--; /* two line instructions in a row: the later one describes the code */
    m->lines[m->n_lines].code = ld->n_code;
    m->lines[m->n_lines].line = ld->line_items[index];
    m->lines[m->n_lines].file = ld->line_files[index];
    m->n_lines++;
    return 0;
}

static int add_catch(struct ld *ld, uint64_t label, uint32_t *id)
{
    if (label == 0)
        return fail(ld, "try/catch without a label"), -1;
    if (ld->n_catches == ld->cap_catches) {
        ld->cap_catches = ld->cap_catches ? ld->cap_catches * 2 : 64;
        ld->catch_ids = rt_scratch_realloc(ld->catch_ids, sizeof *ld->catch_ids * ld->cap_catches);
        ld->catch_labels =
            rt_scratch_realloc(ld->catch_labels, sizeof *ld->catch_labels * ld->cap_catches);
    }
    *id = catch_table_add(NULL);
    ld->catch_ids[ld->n_catches] = *id;
    ld->catch_labels[ld->n_catches] = (uint32_t)label;
    ld->n_catches++;
    return 0;
}

/* bs_create_bin and field flags: zvm's flag bits. */
enum { BSF_LITTLE = 2, BSF_SIGNED = 4, BSF_NATIVE = 16 };

static int64_t flags_of(struct ld *ld, const struct operand *o)
{
    if (o->kind == OPK_U)
        return (int64_t)(o->value & (BSF_LITTLE | BSF_SIGNED | BSF_NATIVE));
    if ((o->kind == OPK_A || o->kind == OPK_LIT) && (is_nil(o->term) || is_list(o->term))) {
        int64_t f = 0;
        for (term_t l = o->term; is_list(l); l = CDR(l)) {
            size_t n;
            const char *s = is_atom(CAR(l)) ? atom_name(CAR(l), &n) : "";
            if (is_atom(CAR(l)) && n == 6 && memcmp(s, "little", 6) == 0)
                f |= BSF_LITTLE;
            else if (is_atom(CAR(l)) && n == 6 && memcmp(s, "signed", 6) == 0)
                f |= BSF_SIGNED;
            else if (is_atom(CAR(l)) && n == 6 && memcmp(s, "native", 6) == 0)
                f |= BSF_NATIVE;
        }
        return f;
    }
    fail(ld, "bad binary segment flags");
    return -1;
}

/*
 * bs_create_bin Fail Alloc Live Unit Dst {list of segments: Type Seg Unit Flags Src Size}.
 * Emitted as: handler, fail, alloc, live, unit, dst, count, then per segment 4 words:
 * type atom, unit | flags << 8, src, size; a string segment's src is a pointer into StrT.
 */
static int emit_bs_create_bin(struct ld *ld)
{
    struct operand *o = ld->ops;
    if (o[0].kind != OPK_F || o[4].kind > OPK_LIT || !is_reg(&o[4]) || o[5].kind != OPK_LIST ||
        o[5].value % 6 != 0)
        return fail(ld, "bad bs_create_bin operands"), -1;
    if (emit_handler(ld, OP_bs_create_bin))
        return -1;
    emit_label(ld, o[0].value);
    emit(ld, o[1].kind == OPK_ALLOC || o[1].kind == OPK_U ? (uintptr_t)o[1].value : 0);
    emit(ld, (uintptr_t)o[2].value);
    emit(ld, (uintptr_t)o[3].value);
    emit_operand(ld, &o[4]);
    uint64_t nseg = o[5].value / 6;
    emit(ld, (uintptr_t)nseg);
    for (uint64_t s = 0; s < nseg; s++) {
        struct operand *seg = &ld->list[o[5].list_at + s * 6];
        if (seg[0].kind != OPK_A || !is_atom(seg[0].term) || seg[2].kind != OPK_U)
            return fail(ld, "bad bs_create_bin segment"), -1;
        int64_t flags = flags_of(ld, &seg[3]);
        if (flags < 0)
            return -1;
        emit(ld, seg[0].term);
        emit(ld, (uintptr_t)(seg[2].value | (uint64_t)flags << 8));
        size_t tn;
        const char *tname = atom_name(seg[0].term, &tn);
        if (tn == 6 && memcmp(tname, "string", 6) == 0) {
            if (seg[4].kind != OPK_U || seg[5].kind != OPK_I || !is_small(seg[5].term) ||
                small_val(seg[5].term) < 0 ||
                seg[4].value + (uint64_t)small_val(seg[5].term) > ld->strt.size)
                return fail(ld, "string segment outside the StrT chunk"), -1;
            emit(ld, (uintptr_t)(ld->mod->strings + seg[4].value));
            emit(ld, seg[5].term);
            continue;
        }
        if (!is_src(&seg[4]) || !(is_src(&seg[5]) || seg[5].kind == OPK_U))
            return fail(ld, "bad bs_create_bin segment operand"), -1;
        emit_operand(ld, &seg[4]);
        if (seg[5].kind == OPK_U)
            emit(ld, make_small((sterm_t)seg[5].value));
        else
            emit_operand(ld, &seg[5]);
    }
    return 0;
}

static int emit_instruction(struct ld *ld, unsigned op, unsigned arity)
{
    struct operand *o = ld->ops;
    switch (op) {
    case OP_label:
        if (o[0].kind != OPK_U || o[0].value == 0 || o[0].value >= ld->n_labels)
            return fail(ld, "bad label number"), -1;
        if (ld->label_at[o[0].value])
            return fail(ld, "label %lu defined twice", (unsigned long)o[0].value), -1;
        ld->label_at[o[0].value] = ld->n_code + 1;
        return 0;
    case OP_line:
        return o[0].kind == OPK_U ? add_line(ld, o[0].value) : (fail(ld, "bad line operand"), -1);
    case OP_func_info:
        if (o[0].kind != OPK_A || o[1].kind != OPK_A || o[2].kind != OPK_U || o[2].value > 255)
            return fail(ld, "bad func_info operands"), -1;
        add_func(ld, o[1].term, (uint32_t)o[2].value);
        if (emit_handler(ld, OP_func_info))
            return -1;
        emit(ld, o[0].term);
        emit(ld, o[1].term);
        emit(ld, (uintptr_t)o[2].value);
        return 0;
    case OP_on_load:
        ld->mod->on_load = (const uintptr_t *)(uintptr_t)(ld->n_code + 1);
        return 0;
    case OP_call_ext:
    case OP_call_ext_only:
    case OP_call_ext_last: {
        const struct import *im = import_of(ld, &o[1]);
        if (!im || o[0].kind != OPK_U || o[0].value != im->arity)
            return fail(ld, "bad external call"), -1;
        if (emit_handler(ld, op))
            return -1;
        emit(ld, (uintptr_t)im->arity);
        emit(ld, (uintptr_t)export_get(im->module, im->function, im->arity));
        if (op == OP_call_ext_last) {
            if (o[2].kind != OPK_U)
                return fail(ld, "bad call_ext_last"), -1;
            emit(ld, (uintptr_t)o[2].value);
        }
        return 0;
    }
    case OP_bif0:
        if (!is_reg(&o[1]) || emit_handler(ld, op) || emit_bif(ld, &o[0]))
            return fail(ld, "bad bif0"), -1;
        return emit_operand(ld, &o[1]);
    case OP_bif1:
    case OP_bif2:
    case OP_gc_bif1:
    case OP_gc_bif2:
    case OP_gc_bif3: {
        unsigned nargs = op == OP_bif1 || op == OP_gc_bif1   ? 1
                         : op == OP_bif2 || op == OP_gc_bif2 ? 2
                                                             : 3;
        unsigned first = op == OP_bif1 || op == OP_bif2 ? 2 : 3; /* gc_bif has Live */
        if (o[0].kind != OPK_F || !is_reg(&o[first + nargs]))
            return fail(ld, "bad bif operands"), -1;
        for (unsigned i = 0; i < nargs; i++)
            if (!is_src(&o[first + i]))
                return fail(ld, "bad bif argument"), -1;
        if (emit_handler(ld, op))
            return -1;
        emit_label(ld, o[0].value);
        if (emit_bif(ld, &o[first - 1]))
            return -1;
        for (unsigned i = 0; i < nargs; i++)
            emit_operand(ld, &o[first + i]);
        return emit_operand(ld, &o[first + nargs]);
    }
    case OP_make_fun3: {
        if (o[0].kind != OPK_U || o[0].value >= ld->mod->n_funs || !is_reg(&o[1]) ||
            o[2].kind != OPK_LIST)
            return fail(ld, "bad make_fun3"), -1;
        struct fun_entry *fe = &ld->mod->funs[o[0].value];
        if (o[2].value != fe->num_free)
            return fail(ld, "make_fun3: free variable count does not match FunT"), -1;
        if (emit_handler(ld, op))
            return -1;
        emit(ld, (uintptr_t)fe);
        emit_operand(ld, &o[1]);
        return emit_operand(ld, &o[2]);
    }
    case OP_try:
    case OP_catch: {
        uint32_t id;
        if (o[0].kind != OPK_Y || o[1].kind != OPK_F || add_catch(ld, o[1].value, &id))
            return fail(ld, "bad try/catch"), -1;
        if (emit_handler(ld, op))
            return -1;
        emit_operand(ld, &o[0]);
        emit(ld, make_catch(id));
        return 0;
    }
    case OP_select_val:
    case OP_select_tuple_arity:
        if (check_ops(ld, op, "sfl", 3) || check_label_list(ld, &o[2], op == OP_select_tuple_arity))
            return -1;
        break;
    case OP_bs_create_bin:
        return emit_bs_create_bin(ld);
    case OP_bs_match_string: {
        /* Fail Ctx Bits Offset -> handler, fail, ctx, bits, pointer into StrT */
        if (o[0].kind != OPK_F || !is_reg(&o[1]) || o[2].kind != OPK_U || o[3].kind != OPK_U ||
            o[3].value + (o[2].value + 7) / 8 > ld->strt.size)
            return fail(ld, "bad bs_match_string"), -1;
        if (emit_handler(ld, op))
            return -1;
        emit_label(ld, o[0].value);
        emit_operand(ld, &o[1]);
        emit(ld, (uintptr_t)o[2].value);
        emit(ld, (uintptr_t)(ld->mod->strings + o[3].value));
        return 0;
    }
    case OP_fmove:
        if (is_src(&o[0]) && o[1].kind == OPK_FR) {
            if (emit_handler(ld, OP_i_fmove_to_fr))
                return -1;
        } else if (o[0].kind == OPK_FR && is_reg(&o[1])) {
            if (emit_handler(ld, OP_i_fmove_from_fr))
                return -1;
        } else if (o[0].kind == OPK_FR && o[1].kind == OPK_FR) {
            if (emit_handler(ld, OP_i_fmove_fr))
                return -1;
        } else {
            return fail(ld, "bad fmove operands"), -1;
        }
        emit_operand(ld, &o[0]);
        return emit_operand(ld, &o[1]);
    case OP_fconv:
        if (!is_src(&o[0]) || o[1].kind != OPK_FR || emit_handler(ld, OP_i_fconv))
            return fail(ld, "bad fconv operands"), -1;
        emit_operand(ld, &o[0]);
        return emit_operand(ld, &o[1]);
    case OP_int_code_end:
        return 0;
    default:
        if (check_ops(ld, op, shape_of(op), arity))
            return -1;
        break;
    }
    if (emit_handler(ld, op))
        return -1;
    for (unsigned i = 0; i < arity; i++)
        if (emit_operand(ld, &o[i]))
            return -1;
    return 0;
}

/* --- tables -------------------------------------------------------------------------------- */

static int read_atoms(struct ld *ld)
{
    struct chunk c = ld->atoms;
    if (c.size < 4)
        return fail(ld, "truncated atom chunk"), -1;
    int32_t count = (int32_t)be32(c.data);
    bool compact = count < 0; /* OTP 26+: lengths in compact encoding */
    uint64_t n = compact ? (uint64_t)(-(int64_t)count) : (uint64_t)count;
    if (n > c.size)
        return fail(ld, "atom count %lu larger than the atom chunk", (unsigned long)n), -1;
    ld->atom_tab = rt_scratch_zalloc(sizeof(term_t) * (n + 1));
    ld->n_atoms = (uint32_t)n;
    ld->p = c.data + 4;
    ld->end = c.data + c.size;
    bool utf8 = memcmp(ld->atoms.data - 8, "AtU8", 4) == 0;
    for (uint64_t i = 1; i <= n; i++) {
        uint64_t len;
        if (compact) {
            if (read_u(ld, &len))
                return -1;
        } else {
            uint8_t b;
            if (read_byte(ld, &b))
                return fail(ld, "truncated atom table"), -1;
            len = b;
        }
        if (len > (uint64_t)(ld->end - ld->p))
            return fail(ld, "truncated atom table"), -1;
        term_t a = THE_NON_VALUE;
        if (utf8) {
            a = atom_intern((const char *)ld->p, len);
        } else {
            bool ascii = true;
            for (uint64_t k = 0; k < len; k++)
                ascii = ascii && ld->p[k] < 0x80;
            if (ascii)
                a = atom_intern((const char *)ld->p, len);
        }
        if (a == THE_NON_VALUE)
            return fail(ld, "atom %lu is not a valid atom name", (unsigned long)i), -1;
        ld->atom_tab[i] = a;
        ld->p += len;
    }
    return 0;
}

static int read_imports(struct ld *ld)
{
    struct chunk c = ld->impt;
    if (c.size < 4)
        return fail(ld, "truncated import chunk"), -1;
    uint32_t n = be32(c.data);
    if ((uint64_t)n * 12 > c.size - 4)
        return fail(ld, "import chunk shorter than its %u entries", n), -1;
    ld->imports = rt_scratch_alloc(sizeof *ld->imports * (n ? n : 1));
    ld->n_imports = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = c.data + 4 + 12 * i;
        uint32_t m = be32(e), f = be32(e + 4), a = be32(e + 8);
        if (m == 0 || m > ld->n_atoms || f == 0 || f > ld->n_atoms || a > 255)
            return fail(ld, "import %u refers to a bad atom or arity", i), -1;
        ld->imports[i].module = ld->atom_tab[m];
        ld->imports[i].function = ld->atom_tab[f];
        ld->imports[i].arity = a;
    }
    return 0;
}

static int read_literals(struct ld *ld)
{
    struct chunk c = ld->litt;
    if (!c.data)
        return 0;
    if (c.size < 4)
        return fail(ld, "truncated literal chunk"), -1;
    uint32_t raw_size = be32(c.data);
    const uint8_t *raw = c.data + 4;
    uint8_t *buf = NULL;
    size_t size = c.size - 4;
    if (raw_size != 0) {
        /* zlib cannot expand more than ~1032:1; refuse sizes this chunk cannot produce. */
        if ((uint64_t)raw_size > (uint64_t)size * 1032 + 64)
            return fail(ld, "literal chunk claims an impossible size"), -1;
        buf = rt_scratch_alloc(raw_size);
        if (zvm_inflate(raw, size, buf, raw_size) != 0) {
            rt_scratch_free(buf);
            return fail(ld, "literal chunk: bad compressed data"), -1;
        }
        raw = buf;
        size = raw_size;
    }
    int rc = -1;
    if (size < 4) {
        fail(ld, "truncated literal table");
        goto out;
    }
    uint32_t n = be32(raw);
    if (n > size / 5) {
        fail(ld, "literal count %u larger than the literal table", n);
        goto out;
    }
    ld->literals = rt_scratch_alloc(sizeof(term_t) * (n ? n : 1));
    ld->n_literals = n;
    size_t at = 4;
    for (uint32_t i = 0; i < n; i++) {
        if (size - at < 4) {
            fail(ld, "truncated literal %u", i);
            goto out;
        }
        uint32_t len = be32(raw + at);
        at += 4;
        if (len > size - at) {
            fail(ld, "truncated literal %u", i);
            goto out;
        }
        struct textbuf why;
        textbuf_init(&why);
        size_t used;
        term_t t = etf_decode(&ld->mod->lits.builder, raw + at, len, &used, &why);
        if (t == THE_NON_VALUE || used != len) {
            fail(ld, "literal %u: %s", i, why.len ? why.data : "trailing bytes");
            textbuf_dispose(&why);
            goto out;
        }
        textbuf_dispose(&why);
        ld->literals[i] = t;
        at += len;
    }
    rc = 0;
out:
    rt_scratch_free(buf);
    return rc;
}

static int read_funs(struct ld *ld)
{
    struct chunk c = ld->funt;
    if (!c.data)
        return 0;
    if (c.size < 4)
        return fail(ld, "truncated fun chunk"), -1;
    uint32_t n = be32(c.data);
    if ((uint64_t)n * 24 > c.size - 4)
        return fail(ld, "fun chunk shorter than its %u entries", n), -1;
    ld->mod->funs = rt_zalloc(sizeof(struct fun_entry) * (n ? n : 1));
    ld->mod->n_funs = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = c.data + 4 + 24 * i;
        uint32_t f = be32(e), a = be32(e + 4), label = be32(e + 8), index = be32(e + 12),
                 nfree = be32(e + 16), uniq = be32(e + 20);
        if (f == 0 || f > ld->n_atoms || a > 255 || nfree > a || label == 0 ||
            label >= ld->n_labels)
            return fail(ld, "fun %u is malformed", i), -1;
        struct fun_entry *fe = &ld->mod->funs[i];
        fe->module = ld->mod;
        fe->function = ld->atom_tab[f];
        fe->arity = a;
        fe->num_free = nfree;
        fe->index = i;
        fe->old_index = index;
        fe->old_uniq = uniq;
        fe->addr = (const uintptr_t *)(uintptr_t)label; /* resolved after the code */
    }
    return 0;
}

static int read_lines(struct ld *ld)
{
    struct chunk c = ld->line;
    if (!c.data)
        return 0;
    if (c.size < 20)
        return fail(ld, "truncated line chunk"), -1;
    uint32_t version = be32(c.data), n_items = be32(c.data + 12), n_names = be32(c.data + 16);
    if (version != 0)
        return fail(ld, "line chunk version %u is not supported", version), -1;
    if (n_items > c.size || n_names > c.size)
        return fail(ld, "line chunk counts larger than the chunk"), -1;
    ld->line_items = rt_scratch_zalloc(sizeof(uint32_t) * (n_items + 1));
    ld->line_files = rt_scratch_zalloc(sizeof(uint32_t) * (n_items + 1));
    ld->n_line_items = n_items + 1; /* index 0 means "no line" */
    ld->p = c.data + 20;
    ld->end = c.data + c.size;
    uint32_t file = 0, i = 1;
    while (i <= n_items) {
        uint8_t b;
        uint64_t v;
        term_t big;
        if (read_byte(ld, &b) || read_value(ld, b, false, &v, &big) || big != THE_NON_VALUE)
            return fail(ld, "truncated line table"), -1;
        if ((b & 7) == 1) {
            ld->line_items[i] = (uint32_t)v;
            ld->line_files[i] = file;
            i++;
        } else if ((b & 7) == 2) {
            if (v > n_names)
                return fail(ld, "line table names file %lu of %u", (unsigned long)v, n_names), -1;
            file = (uint32_t)v; /* 0: the module's own source file */
        } else {
            return fail(ld, "bad line table item"), -1;
        }
    }
    struct module *m = ld->mod;
    m->files = rt_alloc(sizeof(term_t) * (n_names ? n_names : 1));
    m->n_files = n_names;
    for (uint32_t k = 0; k < n_names; k++) {
        if (ld->end - ld->p < 2)
            return fail(ld, "truncated file names"), -1;
        size_t len = (size_t)ld->p[0] << 8 | ld->p[1];
        ld->p += 2;
        if ((size_t)(ld->end - ld->p) < len)
            return fail(ld, "truncated file names"), -1;
        m->files[k] = build_string(&m->lits.builder, (const char *)ld->p, len);
        ld->p += len;
    }
    return 0;
}

static int read_types(struct ld *ld)
{
    struct chunk c = ld->type;
    if (!c.data)
        return 0;
    if (c.size < 8)
        return fail(ld, "truncated type chunk"), -1;
    uint32_t version = be32(c.data);
    if (version < 1 || version > 3)
        return fail(ld, "type chunk version %u is not supported", version), -1;
    ld->n_types = be32(c.data + 4);
    return 0;
}

static term_t read_etf_chunk(struct ld *ld, struct chunk c, const char *what)
{
    if (!c.data)
        return NIL;
    struct textbuf why;
    textbuf_init(&why);
    size_t used;
    term_t t = etf_decode(&ld->mod->lits.builder, c.data, c.size, &used, &why);
    if (t == THE_NON_VALUE)
        fail(ld, "%s chunk: %s", what, why.data ? why.data : "bad term");
    textbuf_dispose(&why);
    return t;
}

static int read_code(struct ld *ld)
{
    struct chunk c = ld->codechunk;
    if (c.size < 20)
        return fail(ld, "truncated code chunk"), -1;
    uint32_t header = be32(c.data), iset = be32(c.data + 4), max_op = be32(c.data + 8);
    uint32_t labels = be32(c.data + 12);
    if (header < 16 || (uint64_t)header + 4 > c.size)
        return fail(ld, "bad code chunk header"), -1;
    if (iset != 0)
        return fail(ld, "instruction set %u is not supported", iset), -1;
    if (max_op > ZVM_OPCODE_GENERIC_MAX)
        return fail(ld, "the module needs opcodes up to %u: compiled by a newer OTP", max_op), -1;
    if (labels > c.size * 2 + 1)
        return fail(ld, "label count %u larger than the code", labels), -1;
    ld->n_labels = labels;
    ld->label_at = rt_scratch_zalloc(sizeof(uint32_t) * (labels + 1));
    return 0;
}

static int transform(struct ld *ld)
{
    struct chunk c = ld->codechunk;
    ld->p = c.data + 4 + be32(c.data);
    ld->end = c.data + c.size;
    /* The threaded code takes about one word per byte of the chunk (an opcode byte becomes its
     * handler word, most operands one byte each): size the buffer once rather than doubling and
     * copying it (realloc's copies were a tenth of loading's time). */
    if (!ld->code) {
        ld->cap_code = c.size + c.size / 4 + 64;
        ld->code = rt_scratch_alloc(sizeof *ld->code * ld->cap_code);
    }
    for (;;) {
        uint8_t opb;
        if (read_byte(ld, &opb))
            return fail(ld, "code ends without int_code_end"), -1;
        unsigned arity;
        int dep;
        const char *name = opcode_name(opb, &arity, &dep);
        if (!name || opb > ZVM_OPCODE_GENERIC_MAX)
            return fail(ld, "unknown opcode %u", opb), -1;
        if (dep)
            return fail(ld, "opcode %s/%u (%u) is deprecated: recompile the module", name, arity,
                        opb),
                   -1;
        ld->n_list = 0;
        for (unsigned i = 0; i < arity; i++)
            if (read_operand(ld, &ld->ops[i], true))
                return -1;
        if (emit_instruction(ld, opb, arity))
            return -1;
        if (opb == OP_int_code_end)
            break;
    }
    return 0;
}

static int resolve(struct ld *ld)
{
    struct module *m = ld->mod;
    /* The code leaves the scratch buffer sized by transform() for a block of its own size;
     * labels are resolved after this, so the code may move. */
    m->code = rt_alloc(sizeof *ld->code * (ld->n_code ? ld->n_code : 1));
    memcpy(m->code, ld->code, sizeof *ld->code * ld->n_code);
    m->code_words = ld->n_code;
    rt_scratch_free(ld->code);
    ld->code = NULL;
    for (uint32_t i = 0; i < ld->n_patches; i++) {
        uint32_t at = ld->label_at[ld->patches[i].label];
        if (!at)
            return fail(ld, "label %u is used but never defined", ld->patches[i].label), -1;
        m->code[ld->patches[i].code_at] = (uintptr_t)(m->code + at - 1);
    }
    for (uint32_t i = 0; i < m->n_funs; i++) {
        uint32_t at = ld->label_at[(uintptr_t)m->funs[i].addr];
        if (!at)
            return fail(ld, "fun %u has an undefined label", i), -1;
        m->funs[i].addr = m->code + at - 1;
    }
    if (m->on_load)
        m->on_load = m->code + ((uintptr_t)m->on_load - 1);
    return 0;
}

static void register_exports(struct ld *ld)
{
    /* Caller validated every entry in check_exports(). */
    struct module *m = ld->mod;
    for (uint32_t i = 0; i < ld->n_catches; i++)
        catch_table_set(ld->catch_ids[i], m->code + ld->label_at[ld->catch_labels[i]] - 1);
    uint32_t n = be32(ld->expt.data);
    m->exp = rt_alloc(sizeof *m->exp * (n ? n : 1));
    m->exp_at = rt_alloc(sizeof *m->exp_at * (n ? n : 1));
    m->n_exp = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = ld->expt.data + 4 + 12 * i;
        m->exp[i] = export_get(m->name, ld->atom_tab[be32(e)], be32(e + 4));
        m->exp_at[i] = m->code + ld->label_at[be32(e + 8)] - 1;
    }
}

static int check_exports(struct ld *ld)
{
    struct chunk c = ld->expt;
    if (c.size < 4)
        return fail(ld, "truncated export chunk"), -1;
    uint32_t n = be32(c.data);
    if ((uint64_t)n * 12 > c.size - 4)
        return fail(ld, "export chunk shorter than its %u entries", n), -1;
    /* module_info(exports) lists them in code order, as erl does for a freshly loaded module
     * (its export table takes them in the order the code defines them); the chunk's own order
     * is not that one. The corpus runner runs a module's cases in this order, on both VMs. */
    uint32_t *order = rt_scratch_alloc(sizeof *order * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = c.data + 4 + 12 * i;
        uint32_t f = be32(e), a = be32(e + 4), label = be32(e + 8);
        if (f == 0 || f > ld->n_atoms || a > 255 || label == 0 || label >= ld->n_labels ||
            !ld->label_at[label]) {
            rt_scratch_free(order);
            return fail(ld, "export %u is malformed", i), -1;
        }
        uint32_t k = i; /* insertion sort by code position: a module has few exports */
        while (k > 0 &&
               ld->label_at[be32(c.data + 4 + 12 * order[k - 1] + 8)] > ld->label_at[label]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    term_t list = NIL;
    for (uint32_t i = n; i > 0; i--) {
        const uint8_t *e = c.data + 4 + 12 * order[i - 1];
        term_t *el;
        term_t fa = build_tuple(&ld->mod->lits.builder, 2, &el);
        el[0] = ld->atom_tab[be32(e)];
        el[1] = make_small(be32(e + 4));
        list = build_cons(&ld->mod->lits.builder, fa, list);
    }
    rt_scratch_free(order);
    ld->mod->exports_list = list;
    return 0;
}

static void ld_dispose(struct ld *ld)
{
    rt_scratch_free(ld->atom_tab);
    rt_scratch_free(ld->imports);
    rt_scratch_free(ld->literals);
    rt_scratch_free(ld->label_at);
    rt_scratch_free(ld->patches);
    rt_scratch_free(ld->catch_ids);
    rt_scratch_free(ld->catch_labels);
    rt_scratch_free(ld->line_items);
    rt_scratch_free(ld->line_files);
    rt_scratch_free(ld->code);
    rt_scratch_free(ld->list);
}

struct module *load_module_unregistered(const uint8_t *bytes, size_t len, term_t expected,
                                        struct textbuf *err)
{
    struct ld ld;
    memset(&ld, 0, sizeof ld);
    ld.file = bytes;
    ld.file_len = len;
    ld.err = err;
    ld.mod = rt_zalloc(sizeof *ld.mod);
    lit_area_init(&ld.mod->lits);
    ld.mod->attributes = NIL;
    ld.mod->compile_info = NIL;
    ld.mod->exports_list = NIL;
    struct module *result = NULL;
    if (find_chunks(&ld) || read_atoms(&ld))
        goto out;
    if (ld.n_atoms == 0) {
        fail(&ld, "the atom table is empty (no module name)");
        goto out;
    }
    ld.mod->name = ld.atom_tab[1];
    {
        size_t n;
        const char *name = atom_name(ld.mod->name, &n);
        char buf[ATOM_MAX_CHARS * 4 + 8];
        memcpy(buf, name, n);
        memcpy(buf + n, ".erl", 4);
        ld.mod->own_file = build_string(&ld.mod->lits.builder, buf, n + 4);
    }
    if (expected != THE_NON_VALUE && expected != ld.mod->name) {
        size_t a, b;
        const char *x = atom_name(ld.mod->name, &a), *y = atom_name(expected, &b);
        fail(&ld, "the file holds module %.*s, not %.*s", (int)a, x, (int)b, y);
        goto out;
    }
    if (ld.strt.data) {
        ld.mod->strings = rt_alloc(ld.strt.size ? ld.strt.size : 1);
        memcpy(ld.mod->strings, ld.strt.data, ld.strt.size);
    }
    if (read_imports(&ld) || read_code(&ld) || read_literals(&ld) || read_funs(&ld) ||
        read_lines(&ld) || read_types(&ld))
        goto out;
    ld.mod->attributes = read_etf_chunk(&ld, ld.attr, "Attr");
    ld.mod->compile_info = read_etf_chunk(&ld, ld.cinf, "CInf");
    if (ld.mod->attributes == THE_NON_VALUE || ld.mod->compile_info == THE_NON_VALUE)
        goto out;
    if (transform(&ld) || check_exports(&ld) || resolve(&ld))
        goto out;
    register_exports(&ld);
    result = ld.mod;
    ld.mod = NULL;
out:
    module_free(ld.mod);
    ld_dispose(&ld);
    return result;
}

struct module *load_module(const uint8_t *bytes, size_t len, term_t expected, struct textbuf *err)
{
    struct module *m = load_module_unregistered(bytes, len, expected, err);
    if (m)
        module_register(m);
    return m;
}

struct module *load_module_by_name(term_t name, struct textbuf *err)
{
    struct module *m = module_find(name);
    if (m)
        return m;
    size_t n;
    const char *s = atom_name(name, &n);
    const uint8_t *bytes;
    size_t len;
    if (zplat_code_find(s, n, &bytes, &len) != 0)
        return NULL; /* no such module: err stays empty */
    m = load_module(bytes, len, name, err);
    zplat_code_release(bytes, len);
    return m;
}
