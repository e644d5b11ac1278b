/*
 * bif_re.c: the BIFs of OTP's `re` module over zvm's engine (vm/re.h): version/0, compile/1,2,
 * run/2,3, internal_run/4 and inspect/2. Stock re.erl runs unmodified on them: its replace/3,4
 * and split/2,3 call run/3 and compile/2, and its grun/3 (used when internal_run/4 is called
 * from Erlang) calls internal_run/4.
 *
 * Where OTP's NIF traps to Erlang (re:grun/3 for `global`, re:urun/3 and re:ucompile/2 for
 * unicode chardata), these BIFs do the same work in C with the same results: the global loop
 * below is re.erl's loopexec/8, including its retry after an empty match.
 *
 * A compiled pattern is {re_pattern, Captures, Unicode, UseCRLF, Bin} as in OTP; Bin holds
 * "ZRE" 1, the compile options (4 bytes, little-endian) and the pattern's bytes. run/3
 * recompiles it through a small cache of programs keyed by those bytes.
 */
#include "vm/atom.h"
#include "vm/bif.h"
#include "vm/binary.h"
#include "vm/re.h"
#include "vm/rt.h"

#define MP_MAGIC_LEN 4
static const uint8_t mp_magic[MP_MAGIC_LEN] = {'Z', 'R', 'E', 1};

/* --- bytes of terms ----------------------------------------------------------------------- */

/* Appends a bitstring's whole bytes; false when it has trailing bits. */
static bool put_binary(struct textbuf *out, term_t t)
{
    struct bitview v = bitview_of(t);
    if (v.bits % 8)
        return false;
    size_t n = (size_t)(v.bits / 8);
    size_t at = out->len;
    for (size_t i = 0; i < n; i++)
        textbuf_putc(out, 0);
    copy_bits((uint8_t *)out->data + at, 0, v.base, v.bit_offset, v.bits);
    return true;
}

static void put_utf8(struct textbuf *out, uint32_t c)
{
    if (c < 0x80) {
        textbuf_putc(out, (char)c);
    } else if (c < 0x800) {
        textbuf_putc(out, (char)(0xC0 | c >> 6));
        textbuf_putc(out, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        textbuf_putc(out, (char)(0xE0 | c >> 12));
        textbuf_putc(out, (char)(0x80 | ((c >> 6) & 0x3F)));
        textbuf_putc(out, (char)(0x80 | (c & 0x3F)));
    } else {
        textbuf_putc(out, (char)(0xF0 | c >> 18));
        textbuf_putc(out, (char)(0x80 | ((c >> 12) & 0x3F)));
        textbuf_putc(out, (char)(0x80 | ((c >> 6) & 0x3F)));
        textbuf_putc(out, (char)(0x80 | (c & 0x3F)));
    }
}

/*
 * iodata (unicode false: bytes 0..255) or chardata (unicode true: code points, binaries taken
 * as UTF-8) to bytes. Iterative over the list spine, recursive over nesting to a bound.
 */
static bool collect_data(term_t t, bool unicode, struct textbuf *out, int depth)
{
    if (depth > 10000)
        return false;
    for (;;) {
        if (is_nil(t))
            return true;
        if (is_bitstring(t))
            return put_binary(out, t);
        if (!is_list(t))
            return false;
        term_t h = CAR(t);
        if (is_small(h)) {
            sterm_t v = small_val(h);
            if (!unicode) {
                if (v < 0 || v > 255)
                    return false;
                textbuf_putc(out, (char)v);
            } else {
                if (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    return false;
                put_utf8(out, (uint32_t)v);
            }
        } else if (!collect_data(h, unicode, out, depth + 1)) {
            return false;
        }
        t = CDR(t);
    }
}

/* The bytes of a subject or pattern: a binary's own storage when aligned, else a copy. */
struct data {
    const uint8_t *p;
    size_t n;
    struct textbuf buf;
};

static bool data_get(term_t t, bool unicode, struct data *d)
{
    textbuf_init(&d->buf);
    if (is_binary_term(t)) {
        struct bitview v = bitview_of(t);
        if (v.bit_offset % 8 == 0) {
            d->p = v.base + v.bit_offset / 8;
            d->n = (size_t)(v.bits / 8);
            return true;
        }
    }
    if (!is_binary_term(t) && !is_list(t) && !is_nil(t))
        return false;
    if (!collect_data(t, unicode, &d->buf, 0))
        return false;
    d->p = (const uint8_t *)d->buf.data;
    d->n = d->buf.len;
    return true;
}

static void data_dispose(struct data *d)
{
    textbuf_dispose(&d->buf);
}

/* --- options ------------------------------------------------------------------------------ */

enum {
    PF_COMPILE_OPT = 1,
    PF_EXEC_OPT = 2,
    PF_UNICODE = 4,
    PF_OFFSET = 8,
    PF_CAPTURE = 16,
    PF_GLOBAL = 32,
    PF_REPORT_ERRORS = 64,
    PF_MATCH_LIMIT = 128,
    PF_MATCH_LIMIT_REC = 256,
};

struct options {
    uint32_t copts, xopts, flags;
    int64_t offset;
    int64_t match_limit, match_limit_rec;
    term_t cap_values, cap_type;
    term_t global_type; /* the return type re.erl's process_parameters/6 settles on */
};

static bool small_int(term_t t, int64_t *v)
{
    if (!is_small(t) || small_val(t) < 0 || small_val(t) > INT32_MAX)
        return false;
    *v = small_val(t);
    return true;
}

/* OTP's parse_options(): the same options in the same places, anything else is badarg. */
static bool parse_options(term_t list, struct options *o)
{
    *o = (struct options){.cap_type = ATOM_index, .global_type = ATOM_index};
    term_t cur_type = ATOM_index;
    for (; is_list(list); list = CDR(list)) {
        term_t item = CAR(list);
        if (is_tuple(item)) {
            term_t *e = tuple_elems(item);
            uint64_t n = tuple_arity(item);
            if (n == 3 && e[0] == ATOM_capture) {
                o->cap_values = e[1];
                o->cap_type = e[2];
                cur_type = e[2];
                o->global_type = cur_type;
                o->flags |= PF_CAPTURE | PF_EXEC_OPT;
                continue;
            }
            if (n != 2 || !is_atom(e[0]))
                return false;
            if (e[0] == ATOM_capture) {
                o->cap_values = e[1];
                o->cap_type = ATOM_index;
                o->global_type = cur_type;
                o->flags |= PF_CAPTURE | PF_EXEC_OPT;
            } else if (e[0] == ATOM_offset) {
                if (!small_int(e[1], &o->offset))
                    return false;
                o->flags |= PF_EXEC_OPT | PF_OFFSET;
            } else if (e[0] == ATOM_match_limit) {
                if (!small_int(e[1], &o->match_limit))
                    return false;
                o->flags |= PF_EXEC_OPT | PF_MATCH_LIMIT;
            } else if (e[0] == ATOM_match_limit_recursion) {
                if (!small_int(e[1], &o->match_limit_rec))
                    return false;
                o->flags |= PF_EXEC_OPT | PF_MATCH_LIMIT_REC;
            } else if (e[0] == ATOM_newline) {
                uint32_t nl = e[1] == ATOM_cr        ? RE_NL_CR
                              : e[1] == ATOM_crlf    ? RE_NL_CRLF
                              : e[1] == ATOM_lf      ? RE_NL_LF
                              : e[1] == ATOM_anycrlf ? RE_NL_ANYCRLF
                              : e[1] == ATOM_any     ? RE_NL_ANY
                                                     : 0;
                if (!nl)
                    return false;
                /* OTP ORs the bits of several newline options; the last one wins here. */
                o->copts = (o->copts & ~(uint32_t)RE_NL_MASK) | nl;
                o->xopts = (o->xopts & ~(uint32_t)RE_NL_MASK) | nl;
            } else {
                return false;
            }
            continue;
        }
        if (!is_atom(item))
            return false;
        static const struct {
            term_t atom;
            uint32_t copt, xopt, flags;
        } table[] = {
            {ATOM_anchored, RE_ANCHORED, RE_X_ANCHORED, 0},
            {ATOM_notempty, 0, RE_X_NOTEMPTY, PF_EXEC_OPT},
            {ATOM_notempty_atstart, 0, RE_X_NOTEMPTY_ATSTART, PF_EXEC_OPT},
            {ATOM_notbol, 0, RE_X_NOTBOL, PF_EXEC_OPT},
            {ATOM_noteol, 0, RE_X_NOTEOL, PF_EXEC_OPT},
            {ATOM_no_start_optimize, RE_NO_START_OPTIMIZE, 0, PF_COMPILE_OPT},
            {ATOM_caseless, RE_CASELESS, 0, PF_COMPILE_OPT},
            {ATOM_dollar_endonly, RE_DOLLAR_ENDONLY, 0, PF_COMPILE_OPT},
            {ATOM_dotall, RE_DOTALL, 0, PF_COMPILE_OPT},
            {ATOM_extended, RE_EXTENDED, 0, PF_COMPILE_OPT},
            {ATOM_firstline, RE_FIRSTLINE, 0, PF_COMPILE_OPT},
            {ATOM_multiline, RE_MULTILINE, 0, PF_COMPILE_OPT},
            {ATOM_no_auto_capture, RE_NO_AUTO_CAPTURE, 0, PF_COMPILE_OPT},
            {ATOM_dupnames, RE_DUPNAMES, 0, PF_COMPILE_OPT},
            {ATOM_ungreedy, RE_UNGREEDY, 0, PF_COMPILE_OPT},
            {ATOM_ucp, RE_UCP, 0, PF_COMPILE_OPT},
            {ATOM_never_utf, RE_NEVER_UTF, 0, PF_COMPILE_OPT},
            {ATOM_report_errors, 0, 0, PF_EXEC_OPT | PF_REPORT_ERRORS},
            {ATOM_unicode, RE_UTF8, 0, PF_COMPILE_OPT | PF_UNICODE},
            {ATOM_global, 0, 0, PF_EXEC_OPT | PF_GLOBAL},
            {ATOM_bsr_anycrlf, RE_BSR_ANYCRLF, RE_BSR_ANYCRLF, 0},
            {ATOM_bsr_unicode, RE_BSR_UNICODE, RE_BSR_UNICODE, 0},
        };
        size_t i = 0;
        for (; i < sizeof table / sizeof table[0]; i++)
            if (table[i].atom == item)
                break;
        if (i == sizeof table / sizeof table[0])
            return false;
        o->copts |= table[i].copt;
        o->xopts |= table[i].xopt;
        o->flags |= table[i].flags;
    }
    return is_nil(list);
}

/* --- compiled patterns -------------------------------------------------------------------- */

/*
 * A few programs by the bytes of their pattern binary, most recent first: global matching and
 * replace/split run one compiled pattern many times. Programs live until evicted.
 */
#define CACHE_SIZE 8
struct cache_entry {
    uint8_t *key;
    size_t len;
    struct re_prog *prog;
};
static struct cache_entry cache[CACHE_SIZE];

static struct re_prog *cache_find(const uint8_t *key, size_t len)
{
    for (unsigned i = 0; i < CACHE_SIZE; i++) {
        if (cache[i].prog && cache[i].len == len && rt_memeq(cache[i].key, key, len)) {
            struct cache_entry hit = cache[i];
            for (unsigned j = i; j > 0; j--)
                cache[j] = cache[j - 1];
            cache[0] = hit;
            return hit.prog;
        }
    }
    return NULL;
}

static void cache_put(const uint8_t *key, size_t len, struct re_prog *prog)
{
    struct cache_entry *last = &cache[CACHE_SIZE - 1];
    if (last->prog) {
        re_prog_free(last->prog);
        rt_free(last->key);
    }
    for (unsigned j = CACHE_SIZE - 1; j > 0; j--)
        cache[j] = cache[j - 1];
    cache[0].key = rt_alloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        cache[0].key[i] = key[i];
    cache[0].len = len;
    cache[0].prog = prog;
}

/* The program of a pattern binary's bytes (magic, options, source), or NULL if malformed. */
static struct re_prog *prog_of_bytes(const uint8_t *b, size_t n)
{
    if (n < MP_MAGIC_LEN + 4 || !rt_memeq(b, mp_magic, MP_MAGIC_LEN))
        return NULL;
    struct re_prog *prog = cache_find(b, n);
    if (prog)
        return prog;
    uint32_t copts =
        (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    struct re_error err;
    prog = re_compile(b + 8, n - 8, copts, &err);
    if (!prog)
        return NULL;
    cache_put(b, n, prog);
    return prog;
}

/* Compiles pattern bytes into a program owned by the cache; NULL with *err on error. */
static struct re_prog *compile_cached(const uint8_t *pat, size_t n, uint32_t copts,
                                      struct re_error *err, struct textbuf *key)
{
    textbuf_put(key, mp_magic, MP_MAGIC_LEN);
    for (int i = 0; i < 4; i++)
        textbuf_putc(key, (char)(copts >> (8 * i)));
    textbuf_put(key, pat, n);
    struct re_prog *prog = cache_find((const uint8_t *)key->data, key->len);
    if (prog)
        return prog;
    prog = re_compile(pat, n, copts, err);
    if (prog)
        cache_put((const uint8_t *)key->data, key->len, prog);
    return prog;
}

static bool use_crlf(const struct re_prog *prog)
{
    uint32_t nl = re_options(prog) & RE_NL_MASK;
    return nl == RE_NL_ANY || nl == RE_NL_CRLF || nl == RE_NL_ANYCRLF;
}

/* {re_pattern, N, Unicode, UseCRLF, Bin} */
static term_t build_mp(struct process *p, const struct re_prog *prog, bool unicode,
                       const struct textbuf *key)
{
    term_t bin = build_binary(&p->builder, (const uint8_t *)key->data, key->len, NULL);
    term_t *e;
    term_t mp = build_tuple(&p->builder, 5, &e);
    e[0] = ATOM_re_pattern;
    e[1] = make_small((sterm_t)re_capture_count(prog));
    e[2] = make_small(unicode ? 1 : 0);
    e[3] = make_small(use_crlf(prog) ? 1 : 0);
    e[4] = bin;
    return mp;
}

/* {ErrString, Offset}: the message as a list of bytes. */
static term_t build_compile_error(struct process *p, const struct re_error *err)
{
    term_t *e;
    term_t t = build_tuple(&p->builder, 2, &e);
    e[0] = build_string(&p->builder, err->message, rt_strlen(err->message));
    e[1] = make_small((sterm_t)err->offset);
    return t;
}

static term_t tuple2(struct process *p, term_t a, term_t b)
{
    term_t *e;
    term_t t = build_tuple(&p->builder, 2, &e);
    e[0] = a;
    e[1] = b;
    return t;
}

/* A {re_pattern, ...} tuple's program, or NULL when it is not one of ours. */
static struct re_prog *prog_of_mp(term_t mp)
{
    if (!is_tuple(mp) || tuple_arity(mp) != 5)
        return NULL;
    term_t *e = tuple_elems(mp);
    if (e[0] != ATOM_re_pattern || !is_small(e[1]) || !is_small(e[2]) || !is_small(e[3]) ||
        !is_binary_term(e[4]))
        return NULL;
    struct data d;
    if (!data_get(e[4], false, &d))
        return NULL;
    struct re_prog *prog = prog_of_bytes(d.p, d.n);
    data_dispose(&d);
    return prog;
}

/* --- version/0, compile/1,2, inspect/2 ---------------------------------------------------- */

term_t bif_re_version_0(struct process *p, term_t *args)
{
    (void)args;
    return build_binary(&p->builder, (const uint8_t *)RE_VERSION_STRING,
                        rt_strlen(RE_VERSION_STRING), NULL);
}

static term_t re_compile_bif(struct process *p, term_t pattern, term_t options)
{
    struct options o;
    if (!parse_options(options, &o) || (o.flags & PF_EXEC_OPT))
        return bif_badarg(p);
    bool unicode = (o.flags & PF_UNICODE) != 0;
    struct data d;
    /* A non-binary pattern with `unicode` is chardata (OTP's re:ucompile/2). */
    if (!data_get(pattern, unicode && !is_binary_term(pattern), &d)) {
        data_dispose(&d);
        return bif_badarg(p);
    }
    struct re_error err;
    struct textbuf key;
    textbuf_init(&key);
    struct re_prog *prog = compile_cached(d.p, d.n, o.copts, &err, &key);
    term_t r = prog ? tuple2(p, ATOM_ok, build_mp(p, prog, unicode, &key))
                    : tuple2(p, ATOM_error, build_compile_error(p, &err));
    textbuf_dispose(&key);
    data_dispose(&d);
    return r;
}

term_t bif_re_compile_1(struct process *p, term_t *args)
{
    return re_compile_bif(p, args[0], NIL);
}

term_t bif_re_compile_2(struct process *p, term_t *args)
{
    return re_compile_bif(p, args[0], args[1]);
}

term_t bif_re_inspect_2(struct process *p, term_t *args)
{
    struct re_prog *prog = prog_of_mp(args[0]);
    if (!prog || args[1] != ATOM_namelist)
        return bif_badarg(p);
    unsigned n = re_name_count(prog);
    term_t list = NIL;
    /* Names are sorted; equal neighbours (dupnames) are listed once. */
    for (unsigned i = n; i-- > 0;) {
        size_t len, plen;
        unsigned g, pg;
        const uint8_t *name = re_name_at(prog, i, &len, &g);
        if (i > 0) {
            const uint8_t *prev = re_name_at(prog, i - 1, &plen, &pg);
            if (plen == len && rt_memeq(prev, name, len))
                continue;
        }
        list = build_cons(&p->builder, build_binary(&p->builder, name, len, NULL), list);
    }
    return tuple2(p, ATOM_namelist, list);
}

/* --- capture specifications --------------------------------------------------------------- */

enum ret_type { RET_INDEX, RET_LIST, RET_BINARY, RET_NONE };

/*
 * OTP's ReturnInfo: which groups to return. num == 0: all, -1: all but the first, > 0: the
 * groups in v[] (a value below -1 starts a run of -v groups of one duplicated name: the first
 * that is set is returned).
 */
struct capture {
    enum ret_type type;
    int num;
    int *v;
    int cap;
};

static void capture_push(struct capture *c, int v)
{
    if (c->num == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->v = rt_realloc(c->v, (size_t)c->cap * sizeof *c->v);
    }
    c->v[c->num++] = v;
}

/* The group(s) of a name; dupnames gives a run. */
static void capture_name(struct capture *c, const struct re_prog *prog, const uint8_t *name,
                         size_t len)
{
    unsigned n = re_name_count(prog), first = n, count = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l;
        unsigned g;
        const uint8_t *nm = re_name_at(prog, i, &l, &g);
        if (l == len && rt_memeq(nm, name, len)) {
            if (first == n)
                first = i;
            count++;
        }
    }
    if (count == 0) {
        capture_push(c, -1);
    } else if (count == 1 || !(re_options(prog) & RE_DUPNAMES)) {
        size_t l;
        unsigned g;
        re_name_at(prog, first, &l, &g);
        capture_push(c, (int)g);
    } else {
        capture_push(c, -(int)count);
        for (unsigned i = 0; i < count; i++) {
            size_t l;
            unsigned g;
            re_name_at(prog, first + i, &l, &g);
            capture_push(c, (int)g);
        }
    }
}

/* OTP's build_capture(); false for badarg. */
static bool capture_build(struct capture *c, term_t values, term_t type, const struct re_prog *prog)
{
    *c = (struct capture){0};
    if (type == ATOM_index)
        c->type = RET_INDEX;
    else if (type == ATOM_list)
        c->type = RET_LIST;
    else if (type == ATOM_binary)
        c->type = RET_BINARY;
    else
        return false;
    if (values == ATOM_all) {
        c->num = 0;
    } else if (values == ATOM_none || is_nil(values)) {
        c->type = RET_NONE;
    } else if (values == ATOM_all_but_first) {
        c->num = -1;
    } else if (values == ATOM_first) {
        capture_push(c, 0);
    } else if (values == ATOM_all_names) {
        unsigned n = re_name_count(prog);
        if (n == 0) {
            c->type = RET_NONE;
            return true;
        }
        for (unsigned i = 0; i < n; i++) {
            size_t len, plen;
            unsigned g, pg;
            const uint8_t *name = re_name_at(prog, i, &len, &g);
            if (i > 0 && (re_options(prog) & RE_DUPNAMES)) {
                const uint8_t *prev = re_name_at(prog, i - 1, &plen, &pg);
                if (plen == len && rt_memeq(prev, name, len))
                    continue;
            }
            capture_name(c, prog, name, len);
        }
    } else if (is_list(values)) {
        for (; is_list(values); values = CDR(values)) {
            term_t v = CAR(values);
            if (is_small(v)) {
                if (small_val(v) < 0 || small_val(v) > INT32_MAX)
                    return false;
                capture_push(c, (int)small_val(v));
            } else if (is_atom(v)) {
                size_t len;
                const char *name = atom_name(v, &len);
                capture_name(c, prog, (const uint8_t *)name, len);
            } else if (is_binary_term(v) || is_list(v) || is_nil(v)) {
                struct data d;
                if (!data_get(v, false, &d)) {
                    data_dispose(&d);
                    return false;
                }
                capture_name(c, prog, d.p, d.n);
                data_dispose(&d);
            } else {
                return false;
            }
        }
        if (!is_nil(values))
            return false;
    } else {
        return false;
    }
    return true;
}

static void capture_dispose(struct capture *c)
{
    rt_free(c->v);
}

/* --- results ------------------------------------------------------------------------------ */

struct subject {
    const uint8_t *p;
    size_t n;
    bool unicode;
};

/* One captured part as its type says: {Start, Length}, a list or a binary. */
static term_t build_part(struct process *p, const struct subject *s, enum ret_type type, int start,
                         int end)
{
    if (type == RET_INDEX)
        return tuple2(p, make_small(start), make_small(start < 0 ? 0 : end - start));
    if (start < 0 || end <= start) {
        if (type == RET_BINARY)
            return build_binary(&p->builder, NULL, 0, NULL);
        return NIL;
    }
    const uint8_t *b = s->p + start;
    size_t len = (size_t)(end - start);
    if (type == RET_BINARY)
        return build_binary(&p->builder, b, len, NULL);
    if (!s->unicode)
        return build_string(&p->builder, (const char *)b, len);
    /* Code points of the UTF-8 part (valid: the subject was checked). */
    uint32_t *cps = rt_alloc(len * sizeof *cps);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = b[i];
        unsigned extra = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        if (extra)
            c &= 0x3Fu >> extra;
        i++;
        for (unsigned k = 0; k < extra && i < len; k++)
            c = c << 6 | (b[i++] & 0x3F);
        cps[n++] = c;
    }
    term_t list = NIL;
    while (n-- > 0)
        list = build_cons(&p->builder, make_small(cps[n]), list);
    rt_free(cps);
    return list;
}

/* OTP's build_exec_return() for a match (rc > 0): the list of captured parts. */
static term_t build_captured(struct process *p, const struct subject *s, const struct capture *c,
                             int rc, const int *ov)
{
    term_t list = NIL;
    if (c->num <= 0) {
        for (int i = rc - 1; i >= -c->num; i--)
            list =
                build_cons(&p->builder, build_part(p, s, c->type, ov[2 * i], ov[2 * i + 1]), list);
        return list;
    }
    /* Chosen groups, in order, collected first (dupname runs pick one). */
    term_t *parts = rt_alloc((size_t)c->num * sizeof *parts);
    int n = 0;
    for (int i = 0; i < c->num; i++) {
        int x = c->v[i];
        if (x < -1) {
            int end = i - x + 1;
            for (int j = i + 1; j < c->num && j < end; j++) {
                if (ov[2 * c->v[j]] >= 0) {
                    x = c->v[j];
                    break;
                }
            }
            i = end - 1;
        }
        if (x >= 0 && x < rc)
            parts[n++] = build_part(p, s, c->type, ov[2 * x], ov[2 * x + 1]);
        else
            parts[n++] = build_part(p, s, c->type, -1, -1);
    }
    while (n-- > 0)
        list = build_cons(&p->builder, parts[n], list);
    rt_free(parts);
    return list;
}

/* --- run ---------------------------------------------------------------------------------- */

struct exec_ctx {
    const struct re_prog *prog;
    const struct subject *s;
    uint32_t xopts;
    uint64_t match_limit, stack_limit;
    int *ov;
};

static int exec_at(struct exec_ctx *x, size_t offset, uint32_t extra)
{
    return re_exec(x->prog, x->s->p, x->s->n, offset, x->xopts | extra, x->match_limit,
                   x->stack_limit, x->ov);
}

static term_t limit_error(struct process *p, int rc)
{
    return tuple2(p, ATOM_error,
                  rc == RE_ERR_RECURSIONLIMIT ? ATOM_match_limit_recursion : ATOM_match_limit);
}

/* re.erl's forward/5: past one character (a CRLF pair when the pattern's newline has one). */
static size_t forward(const struct subject *s, size_t a, bool crlf)
{
    if (crlf && a + 1 < s->n && s->p[a] == '\r' && s->p[a + 1] == '\n')
        return a + 2;
    if (s->unicode && a < s->n) {
        uint8_t c = s->p[a];
        if ((c & 0xE0) == 0xC0)
            return a + 2;
        if ((c & 0xF0) == 0xE0)
            return a + 3;
        if ((c & 0xF8) == 0xF0)
            return a + 4;
    }
    return a + 1;
}

/* Appends one match's selected (start, end) pairs (as build_captured picks them) to acc. */
static void record_match(struct textbuf *acc, const struct capture *cap, int rc, const int *ov)
{
    int n = cap->num <= 0 ? rc : 0;
    if (cap->num > 0)
        for (int i = 0; i < cap->num; i++, n++)
            if (cap->v[i] < -1)
                i += -cap->v[i];
    textbuf_put(acc, &n, sizeof n);
    if (cap->num <= 0) {
        textbuf_put(acc, ov, (size_t)rc * 2 * sizeof(int));
        return;
    }
    for (int i = 0; i < cap->num; i++) {
        int g = cap->v[i];
        if (g < -1) {
            int end = i - g + 1;
            for (int j = i + 1; j < cap->num && j < end; j++)
                if (ov[2 * cap->v[j]] >= 0) {
                    g = cap->v[j];
                    break;
                }
            i = end - 1;
        }
        int pair[2] = {-1, -1};
        if (g >= 0 && g < rc) {
            pair[0] = ov[2 * g];
            pair[1] = ov[2 * g + 1];
        }
        textbuf_put(acc, pair, sizeof pair);
    }
}

/*
 * re:run/3 with `global`: re.erl's grun/3 (process_parameters, loopexec, postprocess). The
 * iterations capture with `cap` as index pairs; the selection and conversion come after.
 */
static term_t run_global(struct process *p, struct exec_ctx *x, const struct options *o, bool crlf)
{
    /* The capture the iterations use and what is returned of it (re.erl's SelectReturn). */
    enum { SEL_ALL, SEL_STRIPFIRST, SEL_NONE } select = SEL_ALL;
    term_t values = ATOM_all;
    bool prepend0 = false;
    term_t type = ATOM_index;
    if (o->flags & PF_CAPTURE) {
        type = o->global_type;
        term_t v = o->cap_values;
        if (v == ATOM_all) {
            values = ATOM_all;
        } else if (v == ATOM_all_names) {
            if (re_name_count(x->prog) == 0) {
                values = ATOM_first;
                select = SEL_NONE;
            } else {
                values = ATOM_all_names;
                prepend0 = true;
                select = SEL_STRIPFIRST;
            }
        } else if (v == ATOM_first) {
            values = ATOM_first;
        } else if (v == ATOM_all_but_first) {
            values = ATOM_all;
            select = SEL_STRIPFIRST;
        } else if (v == ATOM_none || is_nil(v)) {
            values = ATOM_first;
            select = SEL_NONE;
        } else if (is_list(v)) {
            values = v;
            prepend0 = true;
            select = SEL_STRIPFIRST;
        } else {
            return bif_badarg(p);
        }
    }
    enum ret_type rtype = type == ATOM_index    ? RET_INDEX
                          : type == ATOM_list   ? RET_LIST
                          : type == ATOM_binary ? RET_BINARY
                                                : RET_NONE;
    if (rtype == RET_NONE)
        return bif_error(p, ATOM_function_clause); /* re.erl's postprocess/5 has no clause */
    struct capture cap;
    if (!capture_build(&cap, values, ATOM_index, x->prog)) {
        capture_dispose(&cap);
        return bif_badarg(p);
    }
    if (prepend0) {
        /* [0 | List]: group 0 first. */
        capture_push(&cap, 0);
        for (int i = cap.num - 1; i > 0; i--)
            cap.v[i] = cap.v[i - 1];
        cap.v[0] = 0;
    }
    if (cap.type == RET_NONE) {
        /* {capture, first} was substituted above: never none here. */
        cap.type = RET_INDEX;
    }
    struct textbuf acc; /* per match: an int count, then that many (start, end) pairs */
    textbuf_init(&acc);
    unsigned nmatches = 0;
    term_t result = THE_NON_VALUE;
    size_t xpos = (size_t)o->offset;
    while (xpos <= x->s->n) {
        int rc = exec_at(x, xpos, 0);
        if (rc == RE_ERR_MATCHLIMIT || rc == RE_ERR_RECURSIONLIMIT) {
            if (o->flags & PF_REPORT_ERRORS) {
                result = limit_error(p, rc);
                goto done;
            }
            break;
        }
        if (rc < 0)
            break;
        record_match(&acc, &cap, rc, x->ov);
        nmatches++;
        size_t a = (size_t)x->ov[0], b = (size_t)(x->ov[1] - x->ov[0]);
        if (b > 0) {
            xpos = a + b;
            continue;
        }
        /* An empty match: retry at the same start, anchored and not empty (re.erl). */
        size_t next = forward(x->s, a, crlf);
        int rc2 = exec_at(x, xpos, RE_X_NOTEMPTY_ATSTART | RE_X_ANCHORED);
        if (rc2 > 0) {
            record_match(&acc, &cap, rc2, x->ov);
            nmatches++;
            if (x->ov[1] > x->ov[0])
                next = a + (size_t)(x->ov[1] - x->ov[0]);
        }
        xpos = next;
    }
    if (nmatches == 0) {
        result = ATOM_nomatch;
        goto done;
    }
    if (select == SEL_NONE) {
        result = ATOM_match;
        goto done;
    }
    {
        /* Build [[Part]] in order: walk the records into an array of their offsets first. */
        size_t *at = rt_alloc(nmatches * sizeof *at);
        size_t off = 0;
        for (unsigned i = 0; i < nmatches; i++) {
            at[i] = off;
            int n;
            for (size_t k = 0; k < sizeof n; k++)
                ((char *)&n)[k] = acc.data[off + k];
            off += sizeof n + (size_t)n * 2 * sizeof(int);
        }
        term_t list = NIL;
        for (unsigned i = nmatches; i-- > 0;) {
            int n;
            const char *rec = acc.data + at[i];
            for (size_t k = 0; k < sizeof n; k++)
                ((char *)&n)[k] = rec[k];
            const char *pr = rec + sizeof n;
            term_t parts = NIL;
            int lo = select == SEL_STRIPFIRST ? 1 : 0;
            for (int j = n - 1; j >= lo; j--) {
                int st, en;
                for (size_t k = 0; k < sizeof st; k++) {
                    ((char *)&st)[k] = pr[(size_t)(2 * j) * sizeof(int) + k];
                    ((char *)&en)[k] = pr[(size_t)(2 * j + 1) * sizeof(int) + k];
                }
                term_t part;
                if (rtype == RET_INDEX)
                    part = build_part(p, x->s, RET_INDEX, st, en);
                else if (st < 0 || (rtype == RET_LIST && en == st))
                    part = rtype == RET_BINARY ? build_binary(&p->builder, NULL, 0, NULL) : NIL;
                else
                    part = build_part(p, x->s, rtype, st, en);
                parts = build_cons(&p->builder, part, parts);
            }
            list = build_cons(&p->builder, parts, list);
        }
        rt_free(at);
        result = tuple2(p, ATOM_match, list);
    }
done:
    textbuf_dispose(&acc);
    capture_dispose(&cap);
    return result;
}

static term_t re_run_bif(struct process *p, term_t subject, term_t re, term_t options, bool first)
{
    struct options o;
    if (!parse_options(options, &o))
        return bif_badarg(p);
    struct re_prog *prog;
    bool unicode;
    term_t result = THE_NON_VALUE;
    struct textbuf key;
    textbuf_init(&key);
    if (!is_tuple(re) || tuple_arity(re) != 5) {
        if (!is_binary_term(re) && !is_list(re) && !is_nil(re)) {
            textbuf_dispose(&key);
            return bif_badarg(p);
        }
        unicode = (o.flags & PF_UNICODE) != 0;
        struct data d;
        if (!data_get(re, unicode && !is_binary_term(re), &d)) {
            data_dispose(&d);
            textbuf_dispose(&key);
            return bif_badarg(p);
        }
        struct re_error err;
        prog = compile_cached(d.p, d.n, o.copts, &err, &key);
        data_dispose(&d);
        if (!prog) {
            textbuf_dispose(&key);
            if (o.flags & PF_REPORT_ERRORS)
                return tuple2(p, ATOM_error, tuple2(p, ATOM_compile, build_compile_error(p, &err)));
            return bif_badarg(p);
        }
    } else {
        if (o.flags & PF_COMPILE_OPT) {
            textbuf_dispose(&key);
            return bif_badarg(p);
        }
        prog = prog_of_mp(re);
        if (!prog) {
            textbuf_dispose(&key);
            return bif_badarg(p);
        }
        unicode = tuple_elems(re)[2] != make_small(0);
    }
    textbuf_dispose(&key);
    /* The subject: chardata when unicode and not a binary (OTP's re:urun/3). */
    struct data sd;
    if (!data_get(subject, unicode && !is_binary_term(subject), &sd)) {
        data_dispose(&sd);
        return bif_badarg(p);
    }
    struct subject s = {.p = sd.p, .n = sd.n, .unicode = unicode};
    bool utf = (re_options(prog) & RE_UTF8) != 0;
    if (utf && first && !re_utf8_check(s.p, s.n)) {
        data_dispose(&sd);
        return bif_badarg(p);
    }
    int *ov = rt_alloc((re_capture_count(prog) + 1) * 2 * sizeof(int));
    struct exec_ctx x = {
        .prog = prog,
        .s = &s,
        .xopts = o.xopts,
        .match_limit =
            (o.flags & PF_MATCH_LIMIT) ? (uint64_t)o.match_limit : RE_DEFAULT_MATCH_LIMIT,
        .stack_limit = (o.flags & PF_MATCH_LIMIT_REC) ? (uint64_t)o.match_limit_rec + 1 : 0,
        .ov = ov,
    };
    if (o.flags & PF_GLOBAL) {
        bool crlf = is_tuple(re) ? tuple_elems(re)[3] != make_small(0) : use_crlf(prog);
        if ((size_t)o.offset > s.n)
            result = ATOM_nomatch;
        else
            result = run_global(p, &x, &o, crlf);
        goto out;
    }
    struct capture cap = {.type = RET_INDEX};
    if ((o.flags & PF_CAPTURE) && !capture_build(&cap, o.cap_values, o.cap_type, prog)) {
        capture_dispose(&cap);
        result = bif_badarg(p);
        goto out;
    }
    if ((size_t)o.offset > s.n) {
        capture_dispose(&cap);
        result = bif_badarg(p); /* OTP raises an internal error here */
        goto out;
    }
    int rc = exec_at(&x, (size_t)o.offset, 0);
    if (rc == RE_ERR_BADUTF8_OFFSET) {
        result = bif_badarg(p);
    } else if (rc == RE_ERR_MATCHLIMIT || rc == RE_ERR_RECURSIONLIMIT) {
        result = (o.flags & PF_REPORT_ERRORS) ? limit_error(p, rc) : ATOM_nomatch;
    } else if (rc < 0) {
        result = ATOM_nomatch;
    } else if (cap.type == RET_NONE) {
        result = ATOM_match;
    } else {
        result = tuple2(p, ATOM_match, build_captured(p, &s, &cap, rc, ov));
    }
    capture_dispose(&cap);
out:
    rt_free(ov);
    data_dispose(&sd);
    return result;
}

term_t bif_re_run_2(struct process *p, term_t *args)
{
    return re_run_bif(p, args[0], args[1], NIL, true);
}

term_t bif_re_run_3(struct process *p, term_t *args)
{
    return re_run_bif(p, args[0], args[1], args[2], true);
}

term_t bif_re_internal_run_4(struct process *p, term_t *args)
{
    if (args[3] != ATOM_true && args[3] != ATOM_false)
        return bif_badarg(p);
    return re_run_bif(p, args[0], args[1], args[2], args[3] == ATOM_true);
}
