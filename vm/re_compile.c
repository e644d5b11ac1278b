/*
 * re_compile.c: PCRE syntax to a program for re_exec.c.
 *
 * Two passes. A recursive-descent parser builds a tree of nodes (an array with child/sibling
 * indices); its recursion is bounded by PCRE's nesting limit of 250 parentheses, so a pattern
 * cannot exhaust the C stack. Then the tree is emitted as instructions: counted repeats are
 * unrolled (bounded by the program-size limit), loops whose body can match empty get a loop
 * register that stops an iteration that consumed nothing (PCRE's rule), and a lookbehind whose
 * branches have different fixed lengths becomes one lookbehind per branch.
 *
 * Error messages are PCRE's texts; offsets are where PCRE 8.44 reports them for the common
 * cases (tests/erlang/t_re.erl compares them with erl's).
 */
#include "vm/re_prog.h"
#include "vm/rt.h"

#define MAX_NEST      250
#define MAX_CODE      (1u << 20) /* instructions: "regular expression is too large" above */
#define MAX_NAME      32
#define MAX_REPEAT    65535
#define MAX_CLASSPROP 12

enum ntype {
    N_EMPTY,
    N_CHAR,    /* a: code point; flags & 1: caseless */
    N_ANY,     /* flags & 1: dotall */
    N_CLASS,   /* a: class index */
    N_CAT,     /* children in order */
    N_ALT,     /* children: branches */
    N_GROUP,   /* a: capture number, 0 for none; child */
    N_REPEAT,  /* a: min, b: max (-1 none), flags: RF_*; child */
    N_ASSERT,  /* a: enum re_assert */
    N_LOOK,    /* flags: LK_*; child; b: pattern offset of its ')' (for errors) */
    N_ATOMIC,  /* child */
    N_BACKREF, /* a: group; flags & 1: caseless */
    N_COND,    /* a: group; children: yes, then no (optional) */
    N_NLSEQ,   /* flags & 1: CR/LF/CRLF only */
    N_KEEP,
    N_FAIL,
};

struct node {
    uint8_t type;
    uint8_t flags;
    int32_t a, b;
    int32_t child, last, next;
};

struct pending_ref {
    int32_t node;
    uint8_t *name; /* NULL: numbered */
    size_t len;
    size_t offset;
};

struct parser {
    const uint8_t *pat;
    size_t len, pos;
    uint32_t opts; /* pattern-wide options (the (*...) settings included) */
    bool utf, ucp;
    struct node *nodes;
    size_t nnodes, capnodes;
    struct re_class *classes;
    unsigned nclasses, capclasses;
    unsigned ncap;
    unsigned total_groups; /* capturing groups in the whole pattern (a first scan) */
    bool has_cr_or_lf;     /* a literal CR or LF appears (PCRE_HASCRORLF) */
    struct re_name *names;
    unsigned nnames, capnames;
    struct pending_ref *refs;
    unsigned nrefs, caprefs;
    unsigned depth;
    struct re_error *err;
    bool failed;
    /* Emission */
    struct re_inst *code;
    unsigned ncode, capcode;
    unsigned nslots;
};

static bool fail_at(struct parser *ps, const char *msg, size_t offset)
{
    if (!ps->failed) {
        ps->failed = true;
        ps->err->message = msg;
        ps->err->offset = offset;
    }
    return false;
}

static int32_t new_node(struct parser *ps, enum ntype t)
{
    if (ps->nnodes == ps->capnodes) {
        ps->capnodes = ps->capnodes ? ps->capnodes * 2 : 64;
        ps->nodes = rt_realloc(ps->nodes, ps->capnodes * sizeof *ps->nodes);
    }
    struct node *n = &ps->nodes[ps->nnodes];
    *n = (struct node){.type = (uint8_t)t, .child = -1, .last = -1, .next = -1};
    return (int32_t)ps->nnodes++;
}

static void add_child(struct parser *ps, int32_t parent, int32_t child)
{
    struct node *p = &ps->nodes[parent];
    if (p->last < 0)
        p->child = child;
    else
        ps->nodes[p->last].next = child;
    ps->nodes[parent].last = child;
}

/* --- pattern reading ---------------------------------------------------------------------- */

static bool at_end(struct parser *ps)
{
    return ps->pos >= ps->len;
}

static int peek(struct parser *ps, size_t ahead)
{
    return ps->pos + ahead < ps->len ? ps->pat[ps->pos + ahead] : -1;
}

/* Decodes one character of the pattern (a UTF-8 sequence in UTF mode, already validated). */
static uint32_t next_char(struct parser *ps)
{
    uint32_t c = ps->pat[ps->pos++];
    if (!ps->utf || c < 0xC0)
        return c;
    unsigned extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    c &= 0x3Fu >> extra;
    while (extra-- && ps->pos < ps->len)
        c = c << 6 | (ps->pat[ps->pos++] & 0x3F);
    return c;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static bool is_word_byte(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}
static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* In extended mode: skips white space and # comments. */
static void skip_extended(struct parser *ps, uint32_t opts)
{
    if (!(opts & RE_EXTENDED))
        return;
    while (!at_end(ps)) {
        int c = peek(ps, 0);
        if (c == ' ' || (c >= 9 && c <= 13)) {
            ps->pos++;
        } else if (c == '#') {
            while (!at_end(ps) && peek(ps, 0) != '\n')
                ps->pos++;
        } else {
            break;
        }
    }
}

/* --- classes ------------------------------------------------------------------------------ */

static struct re_class *new_class(struct parser *ps, unsigned *index)
{
    if (ps->nclasses == ps->capclasses) {
        ps->capclasses = ps->capclasses ? ps->capclasses * 2 : 8;
        ps->classes = rt_realloc(ps->classes, ps->capclasses * sizeof *ps->classes);
    }
    *index = ps->nclasses;
    struct re_class *cl = &ps->classes[ps->nclasses++];
    *cl = (struct re_class){0};
    return cl;
}

static void class_add_range(struct re_class *cl, uint32_t lo, uint32_t hi)
{
    for (uint32_t c = lo; c <= hi && c < 256; c++)
        cl->bits[c >> 5] |= 1u << (c & 31);
    if (hi < 256)
        return;
    if (lo < 256)
        lo = 256;
    cl->ranges = rt_realloc(cl->ranges, (cl->nranges + 1) * 2 * sizeof(uint32_t));
    cl->ranges[2 * cl->nranges] = lo;
    cl->ranges[2 * cl->nranges + 1] = hi;
    cl->nranges++;
}

/* Sorts and merges the ranges above 255 (binary search at match time needs them disjoint). */
static void class_finish(struct re_class *cl)
{
    uint32_t *r = cl->ranges;
    unsigned n = cl->nranges;
    for (unsigned i = 1; i < n; i++) {
        uint32_t lo = r[2 * i], hi = r[2 * i + 1];
        unsigned j = i;
        while (j > 0 && r[2 * (j - 1)] > lo) {
            r[2 * j] = r[2 * (j - 1)];
            r[2 * j + 1] = r[2 * (j - 1) + 1];
            j--;
        }
        r[2 * j] = lo;
        r[2 * j + 1] = hi;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (k > 0 && r[2 * i] <= r[2 * (k - 1) + 1] + 1) {
            if (r[2 * i + 1] > r[2 * (k - 1) + 1])
                r[2 * (k - 1) + 1] = r[2 * i + 1];
        } else {
            r[2 * k] = r[2 * i];
            r[2 * k + 1] = r[2 * i + 1];
            k++;
        }
    }
    cl->nranges = k;
}

/* Adds a property test: ASCII goes to the bitmap, the rest is tested at match time. */
static bool class_add_prop(struct parser *ps, struct re_class *cl, enum re_prop prop, bool neg)
{
    for (uint32_t c = 0; c < 128; c++)
        if (re_prop_test(prop, c, ps->ucp) != neg)
            cl->bits[c >> 5] |= 1u << (c & 31);
    for (unsigned i = 0; i < cl->nprops; i++)
        if (cl->props[i] == (uint8_t)(prop << 1 | neg))
            return true;
    if (cl->nprops == MAX_CLASSPROP)
        return fail_at(ps, "regular expression is too complicated", ps->pos);
    cl->props[cl->nprops++] = (uint8_t)(prop << 1 | neg);
    return true;
}

/* --- escapes ------------------------------------------------------------------------------ */

enum esc_kind { ESC_CHAR, ESC_PROP, ESC_OTHER };

struct escape {
    enum esc_kind kind;
    uint32_t c;        /* ESC_CHAR */
    enum re_prop prop; /* ESC_PROP */
    bool neg;
    int letter; /* ESC_OTHER: the escape letter (b, B, A, z, Z, G, R, N, K, digits, g, k, Q, E) */
};

static bool parse_prop_name(struct parser *ps, struct escape *e)
{
    /* After \p or \P: a letter, or {Name} with an optional ^. */
    size_t start = ps->pos;
    char name[16];
    size_t n = 0;
    if (at_end(ps))
        return fail_at(ps, "malformed \\P or \\p sequence", ps->pos);
    if (peek(ps, 0) == '{') {
        ps->pos++;
        if (peek(ps, 0) == '^') {
            e->neg = !e->neg;
            ps->pos++;
        }
        while (!at_end(ps) && peek(ps, 0) != '}') {
            if (n < sizeof name - 1)
                name[n++] = (char)peek(ps, 0);
            ps->pos++;
        }
        if (at_end(ps))
            return fail_at(ps, "malformed \\P or \\p sequence", ps->pos);
        ps->pos++;
    } else {
        name[n++] = (char)ps->pat[ps->pos++];
    }
    name[n] = 0;
    static const struct {
        const char *name;
        enum re_prop prop;
    } props[] = {
        {"Any", PR_ANY}, {"L", PR_L},     {"Lu", PR_LU},   {"Ll", PR_LL}, {"N", PR_N},
        {"Nd", PR_ND},   {"P", PR_P},     {"S", PR_S},     {"Z", PR_Z},   {"Xan", PR_XAN},
        {"Xsp", PR_XSP}, {"Xps", PR_XSP}, {"Xwd", PR_XWD},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        if (rt_streq(name, props[i].name)) {
            e->kind = ESC_PROP;
            e->prop = props[i].prop;
            return true;
        }
    }
    (void)start;
    return fail_at(ps, "unknown property name after \\P or \\p", ps->pos - 1);
}

/*
 * Reads an escape after the backslash (ps->pos is on the letter). `in_class` changes \b and
 * what is allowed. Backreference-like escapes (digits that are references, \g, \k) come back
 * as ESC_OTHER for the caller.
 */
static bool parse_escape(struct parser *ps, struct escape *e, bool in_class)
{
    *e = (struct escape){.kind = ESC_CHAR};
    if (at_end(ps))
        return fail_at(ps, "\\ at end of pattern", ps->len);
    size_t at = ps->pos;
    int c = ps->pat[ps->pos];
    if (c >= 0x80) {
        e->c = next_char(ps);
        return true;
    }
    ps->pos++;
    switch (c) {
    case 'd':
    case 'D':
        *e = (struct escape){.kind = ESC_PROP, .prop = PR_DIGIT, .neg = c == 'D'};
        return true;
    case 's':
    case 'S':
        *e = (struct escape){.kind = ESC_PROP, .prop = PR_SPACE, .neg = c == 'S'};
        return true;
    case 'w':
    case 'W':
        *e = (struct escape){.kind = ESC_PROP, .prop = PR_WORD, .neg = c == 'W'};
        return true;
    case 'h':
    case 'H':
        *e = (struct escape){.kind = ESC_PROP, .prop = PR_HSPACE, .neg = c == 'H'};
        return true;
    case 'v':
    case 'V':
        *e = (struct escape){.kind = ESC_PROP, .prop = PR_VSPACE, .neg = c == 'V'};
        return true;
    case 'p':
    case 'P':
        e->neg = c == 'P';
        return parse_prop_name(ps, e);
    case 'n':
        e->c = '\n';
        return true;
    case 'r':
        e->c = '\r';
        return true;
    case 't':
        e->c = '\t';
        return true;
    case 'f':
        e->c = '\f';
        return true;
    case 'e':
        e->c = 27;
        return true;
    case 'a':
        e->c = 7;
        return true;
    case 'c': {
        if (at_end(ps))
            return fail_at(ps, "\\c at end of pattern", ps->pos);
        int x = ps->pat[ps->pos];
        if (x >= 0x80)
            return fail_at(ps, "\\c must be followed by an ASCII character", ps->pos);
        ps->pos++;
        if (x >= 'a' && x <= 'z')
            x -= 32;
        e->c = (uint32_t)(x ^ 0x40);
        return true;
    }
    case 'x': {
        uint32_t v = 0;
        if (peek(ps, 0) == '{') {
            size_t p = ps->pos + 1;
            unsigned digits = 0;
            bool big = false;
            while (p < ps->len && hex_value(ps->pat[p]) >= 0) {
                v = v * 16 + (uint32_t)hex_value(ps->pat[p]);
                if (v > 0x10FFFF)
                    big = true, v = 0x110000;
                p++;
                digits++;
            }
            if (p < ps->len && ps->pat[p] == '}' && digits > 0) {
                ps->pos = p + 1;
                if (big || (!ps->utf && v > 255))
                    return fail_at(ps, "character value in \\x{} or \\o{} is too large",
                                   ps->pos - 1);
                if (ps->utf && v >= 0xD800 && v <= 0xDFFF)
                    return fail_at(ps, "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)",
                                   ps->pos - 1);
                e->c = v;
                return true;
            }
            if (digits == 0 && p < ps->len && ps->pat[p] == '}')
                return fail_at(ps, "digits missing in \\x{} or \\o{}", p);
            return fail_at(ps, "non-hex character in \\x{} (closing brace missing?)", p);
        }
        for (int i = 0; i < 2 && hex_value(peek(ps, 0)) >= 0; i++)
            v = v * 16 + (uint32_t)hex_value(ps->pat[ps->pos++]);
        e->c = v;
        return true;
    }
    case 'o': {
        if (peek(ps, 0) != '{')
            return fail_at(ps, "missing opening brace after \\o", ps->pos - 1);
        size_t p = ps->pos + 1;
        uint32_t v = 0;
        bool big = false;
        while (p < ps->len && ps->pat[p] >= '0' && ps->pat[p] <= '7') {
            v = v * 8 + (uint32_t)(ps->pat[p] - '0');
            if (v > 0x10FFFF)
                big = true, v = 0x110000;
            p++;
        }
        if (p == ps->pos + 1)
            return fail_at(ps, "digits missing in \\x{} or \\o{}", p);
        if (p >= ps->len || ps->pat[p] != '}')
            return fail_at(ps, "non-octal character in \\o{} (closing brace missing?)", p);
        ps->pos = p + 1;
        if (big || (!ps->utf && v > 255))
            return fail_at(ps, "character value in \\x{} or \\o{} is too large", ps->pos - 1);
        e->c = v;
        return true;
    }
    case '0': {
        uint32_t v = 0;
        for (int i = 0; i < 2 && peek(ps, 0) >= '0' && peek(ps, 0) <= '7'; i++)
            v = v * 8 + (uint32_t)(ps->pat[ps->pos++] - '0');
        e->c = v;
        return true;
    }
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        if (!in_class) {
            /* A reference when below 10 or when that many groups were opened so far. */
            size_t p = at;
            uint32_t v = 0;
            while (p < ps->len && is_digit(ps->pat[p]) && v < 100000)
                v = v * 10 + (uint32_t)(ps->pat[p++] - '0');
            if (v < 8 || v <= ps->ncap) {
                ps->pos = at;
                e->kind = ESC_OTHER;
                e->letter = '1';
                return true;
            }
        }
        if (c >= '8') {
            e->c = (uint32_t)c; /* \8 and \9 are the literal digits */
            return true;
        }
        uint32_t v = (uint32_t)(c - '0');
        for (int i = 0; i < 2 && peek(ps, 0) >= '0' && peek(ps, 0) <= '7'; i++)
            v = v * 8 + (uint32_t)(ps->pat[ps->pos++] - '0');
        if (!ps->utf && v > 255)
            return fail_at(ps, "octal value is greater than \\377 in 8-bit non-UTF-8 mode",
                           ps->pos - 1);
        e->c = v;
        return true;
    }
    case 'b':
        if (in_class) {
            e->c = 8;
            return true;
        }
        break;
    case 'L':
    case 'l':
    case 'U':
    case 'u':
        return fail_at(ps, "PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u", ps->pos - 1);
    case 'N':
        if (peek(ps, 0) == '{')
            return fail_at(ps, "PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u", ps->pos);
        if (in_class)
            return fail_at(ps, "\\N is not supported in a class", ps->pos);
        break;
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
    case 'R':
    case 'K':
    case 'g':
    case 'k':
    case 'Q':
    case 'E':
    case 'X':
    case 'C':
        break;
    default:
        e->c = (uint32_t)c; /* any other escaped character is itself */
        return true;
    }
    if (in_class) {
        if (c == 'R' || c == 'X')
            return fail_at(ps, "invalid escape sequence in character class", ps->pos);
        e->c = (uint32_t)c; /* \B, \A, ... in a class: the letter, as PCRE 8 */
        return true;
    }
    e->kind = ESC_OTHER;
    e->letter = c;
    return true;
}

/* --- character classes -------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum re_prop prop;
} posix_classes[] = {
    {"alpha", PR_ALPHA}, {"lower", PR_LOWER},   {"upper", PR_UPPER}, {"alnum", PR_ALNUM},
    {"ascii", PR_ASCII}, {"blank", PR_BLANK},   {"cntrl", PR_CNTRL}, {"digit", PR_DIGIT},
    {"graph", PR_GRAPH}, {"print", PR_PRINT},   {"punct", PR_PUNCT}, {"space", PR_POSIX_SPACE},
    {"word", PR_WORD},   {"xdigit", PR_XDIGIT},
};

/* At "[:" (or "[." "[="): the POSIX item's end, or 0 when this is not one. */
static size_t posix_end(struct parser *ps, size_t p)
{
    int term = ps->pat[p + 1];
    for (size_t q = p + 2; q + 1 < ps->len; q++) {
        if (ps->pat[q] == '\\' || ps->pat[q] == '[' || ps->pat[q] == ']')
            return ps->pat[q] == term && ps->pat[q + 1] == ']' ? q : 0;
        if (ps->pat[q] == term && ps->pat[q + 1] == ']')
            return q;
    }
    return 0;
}

static void class_add_char(struct parser *ps, struct re_class *cl, uint32_t lo, uint32_t hi,
                           bool caseless)
{
    if ((lo <= '\r' && hi >= '\r') || (lo <= '\n' && hi >= '\n'))
        ps->has_cr_or_lf = true;
    class_add_range(cl, lo, hi);
    if (!caseless)
        return;
    /* The other cases of every character of the range, as PCRE adds them. */
    uint32_t top = hi;
    if (!ps->utf && top > 255)
        top = 255;
    if (top - lo > 0x30000)
        top = lo + 0x30000;
    for (uint32_t c = lo; c <= top; c++) {
        uint32_t o[3];
        unsigned n = re_other_cases(c, ps->utf, o);
        for (unsigned i = 0; i < n; i++)
            if (o[i] < lo || o[i] > hi)
                class_add_range(cl, o[i], o[i]);
        if (c == UINT32_MAX)
            break;
    }
}

static int32_t parse_class(struct parser *ps, uint32_t opts)
{
    /* ps->pos is just after '['. */
    unsigned idx;
    struct re_class *cl = new_class(ps, &idx);
    bool caseless = (opts & RE_CASELESS) != 0;
    if (peek(ps, 0) == '^') {
        cl->negated = true;
        ps->pos++;
    }
    bool first = true;
    for (;;) {
        if (at_end(ps)) {
            fail_at(ps, "missing terminating ] for character class", ps->len);
            return -1;
        }
        int c = peek(ps, 0);
        if (c == ']' && !first) {
            ps->pos++;
            break;
        }
        first = false;
        if (c == '[' && (peek(ps, 1) == ':' || peek(ps, 1) == '.' || peek(ps, 1) == '=')) {
            size_t end = posix_end(ps, ps->pos);
            if (end) {
                if (peek(ps, 1) != ':') {
                    fail_at(ps, "POSIX collating elements are not supported", ps->pos);
                    return -1;
                }
                size_t s = ps->pos + 2;
                bool neg = false;
                if (ps->pat[s] == '^') {
                    neg = true;
                    s++;
                }
                size_t n = end - s;
                int found = -1;
                for (size_t i = 0; i < sizeof posix_classes / sizeof posix_classes[0]; i++)
                    if (rt_strlen(posix_classes[i].name) == n &&
                        rt_memeq(posix_classes[i].name, ps->pat + s, n))
                        found = (int)i;
                if (found < 0) {
                    fail_at(ps, "unknown POSIX class name", s);
                    return -1;
                }
                enum re_prop pr = posix_classes[found].prop;
                if (caseless && (pr == PR_UPPER || pr == PR_LOWER))
                    pr = PR_ALPHA;
                if (!class_add_prop(ps, cl, pr, neg))
                    return -1;
                ps->pos = end + 2;
                continue;
            }
        }
        uint32_t lo;
        if (c == '\\') {
            ps->pos++;
            if (peek(ps, 0) == 'Q') {
                /* \Q...\E inside a class: literal characters. */
                ps->pos++;
                while (!at_end(ps) && !(peek(ps, 0) == '\\' && peek(ps, 1) == 'E')) {
                    uint32_t q = next_char(ps);
                    class_add_char(ps, cl, q, q, caseless);
                }
                if (!at_end(ps))
                    ps->pos += 2;
                continue;
            }
            if (peek(ps, 0) == 'E') {
                ps->pos++;
                continue;
            }
            struct escape e;
            if (!parse_escape(ps, &e, true))
                return -1;
            if (e.kind == ESC_PROP) {
                if (!class_add_prop(ps, cl, e.prop, e.neg))
                    return -1;
                if (peek(ps, 0) == '-' && peek(ps, 1) != ']' && peek(ps, 1) >= 0) {
                    /* [\d-z]: the '-' is a literal. */
                }
                continue;
            }
            lo = e.c;
        } else {
            lo = next_char(ps);
        }
        /* A range? */
        if (peek(ps, 0) == '-' && peek(ps, 1) != ']' && peek(ps, 1) >= 0) {
            size_t save = ps->pos;
            ps->pos++;
            uint32_t hi;
            if (peek(ps, 0) == '\\') {
                ps->pos++;
                struct escape e;
                if (!parse_escape(ps, &e, true))
                    return -1;
                if (e.kind != ESC_CHAR) {
                    fail_at(ps, "invalid range in character class", ps->pos - 1);
                    return -1;
                }
                hi = e.c;
            } else if (peek(ps, 0) == '[' && peek(ps, 1) == ':' && posix_end(ps, ps->pos)) {
                fail_at(ps, "invalid range in character class", ps->pos + 1);
                return -1;
            } else {
                hi = next_char(ps);
            }
            (void)save;
            if (hi < lo) {
                fail_at(ps, "range out of order in character class", ps->pos - 1);
                return -1;
            }
            class_add_char(ps, cl, lo, hi, caseless);
            continue;
        }
        class_add_char(ps, cl, lo, lo, caseless);
    }
    /* Caseless membership for the property tests is checked at match time. */
    ps->classes[idx].caseless = caseless;
    class_finish(&ps->classes[idx]);
    int32_t n = new_node(ps, N_CLASS);
    ps->nodes[n].a = (int32_t)idx;
    return n;
}

static int32_t prop_node(struct parser *ps, enum re_prop prop, bool neg)
{
    unsigned idx;
    struct re_class *cl = new_class(ps, &idx);
    if (!class_add_prop(ps, cl, prop, neg))
        return -1;
    if (prop == PR_WORD)
        cl->word_escape = neg ? 2 : 1;
    int32_t n = new_node(ps, N_CLASS);
    ps->nodes[n].a = (int32_t)idx;
    return n;
}

/* --- names and references ----------------------------------------------------------------- */

/* Reads a group name up to `term`; returns false on error (offsets as PCRE's). */
static bool parse_name(struct parser *ps, int term, size_t *start, size_t *len)
{
    *start = ps->pos;
    if (is_digit(peek(ps, 0)))
        return fail_at(ps, "group name must start with a non-digit", ps->pos);
    while (!at_end(ps) && is_word_byte(peek(ps, 0)))
        ps->pos++;
    *len = ps->pos - *start;
    if (*len > MAX_NAME)
        return fail_at(ps, "subpattern name is too long (maximum 32 characters)", ps->pos);
    if (at_end(ps) || peek(ps, 0) != term) {
        if (*len == 0 && !at_end(ps))
            return fail_at(ps, "subpattern name expected", ps->pos);
        return fail_at(ps, "syntax error in subpattern name (missing terminator)", ps->pos);
    }
    if (*len == 0)
        return fail_at(ps, "subpattern name expected", ps->pos);
    ps->pos++;
    return true;
}

static bool add_name(struct parser *ps, size_t start, size_t len, unsigned group, bool dupnames)
{
    for (unsigned i = 0; i < ps->nnames; i++) {
        struct re_name *nm = &ps->names[i];
        if (nm->len == len && rt_memeq(nm->name, ps->pat + start, len)) {
            if (nm->group == group)
                return true;
            if (!dupnames)
                return fail_at(ps, "two named subpatterns have the same name", ps->pos - 1);
        }
    }
    if (ps->nnames == ps->capnames) {
        ps->capnames = ps->capnames ? ps->capnames * 2 : 4;
        ps->names = rt_realloc(ps->names, ps->capnames * sizeof *ps->names);
    }
    struct re_name *nm = &ps->names[ps->nnames++];
    nm->name = rt_alloc(len + 1);
    for (size_t i = 0; i < len; i++)
        nm->name[i] = ps->pat[start + i];
    nm->name[len] = 0;
    nm->len = len;
    nm->group = group;
    return true;
}

static int32_t ref_node(struct parser *ps, const uint8_t *name, size_t len, int32_t number,
                        size_t offset, uint32_t opts)
{
    int32_t n = new_node(ps, N_BACKREF);
    ps->nodes[n].a = number;
    ps->nodes[n].flags = (opts & RE_CASELESS) ? 1 : 0;
    if (ps->nrefs == ps->caprefs) {
        ps->caprefs = ps->caprefs ? ps->caprefs * 2 : 4;
        ps->refs = rt_realloc(ps->refs, ps->caprefs * sizeof *ps->refs);
    }
    struct pending_ref *r = &ps->refs[ps->nrefs++];
    r->node = n;
    r->name = NULL;
    r->len = len;
    r->offset = offset;
    if (name) {
        r->name = rt_alloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            r->name[i] = name[i];
    }
    return n;
}

/* After \g: {n}, {-n}, {name}, n, -n, +n (recursion: unsupported), <name>, 'name'. */
static int32_t parse_g_ref(struct parser *ps, uint32_t opts)
{
    int c = peek(ps, 0);
    if (c == '<' || c == '\'')
        return fail_at(ps, "recursion (\\g<...>) is not supported by zvm", ps->pos), -1;
    bool brace = c == '{';
    if (brace)
        ps->pos++;
    bool neg = false;
    if (peek(ps, 0) == '-' || peek(ps, 0) == '+') {
        neg = peek(ps, 0) == '-';
        ps->pos++;
    }
    if (is_digit(peek(ps, 0))) {
        int32_t v = 0;
        while (is_digit(peek(ps, 0))) {
            v = v * 10 + (ps->pat[ps->pos++] - '0');
            if (v > 65535) {
                fail_at(ps, "number is too big", ps->pos);
                return -1;
            }
        }
        if (brace) {
            if (peek(ps, 0) != '}') {
                fail_at(ps,
                        "\\g is not followed by a braced, angle-bracketed, or quoted "
                        "name/number or by a plain number",
                        ps->pos);
                return -1;
            }
            ps->pos++;
        }
        if (v == 0) {
            fail_at(ps, "a numbered reference must not be zero", ps->pos - 1);
            return -1;
        }
        if (neg) {
            v = (int32_t)ps->ncap + 1 - v;
            if (v <= 0) {
                fail_at(ps, "reference to non-existent subpattern", ps->pos - 1);
                return -1;
            }
        }
        return ref_node(ps, NULL, 0, v, ps->pos, opts);
    }
    if (brace && !neg) {
        size_t s, n;
        if (!parse_name(ps, '}', &s, &n))
            return -1;
        return ref_node(ps, ps->pat + s, n, 0, ps->pos - 1, opts);
    }
    if (at_end(ps))
        fail_at(ps, "a numbered reference must not be zero", ps->pos - 1);
    else
        fail_at(ps,
                "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by "
                "a plain number",
                ps->pos);
    return -1;
}

/* --- the grammar -------------------------------------------------------------------------- */

static int32_t parse_alt(struct parser *ps, uint32_t *opts, bool reset_numbers);

static bool parse_option_letters(struct parser *ps, uint32_t *opts)
{
    bool off = false;
    for (;;) {
        int c = peek(ps, 0);
        uint32_t bit = 0;
        switch (c) {
        case 'i':
            bit = RE_CASELESS;
            break;
        case 'm':
            bit = RE_MULTILINE;
            break;
        case 's':
            bit = RE_DOTALL;
            break;
        case 'x':
            bit = RE_EXTENDED;
            break;
        case 'U':
            bit = RE_UNGREEDY;
            break;
        case 'J':
            bit = RE_DUPNAMES;
            if (!off)
                ps->opts |= RE_DUPNAMES; /* the name table allows duplicates from now on */
            break;
        case 'X':
            bit = 0;
            break;
        case '-':
            if (off)
                return fail_at(ps, "unrecognized character after (? or (?-", ps->pos);
            off = true;
            ps->pos++;
            continue;
        case ')':
        case ':':
            return true;
        default:
            return fail_at(ps, "unrecognized character after (? or (?-", ps->pos);
        }
        ps->pos++;
        if (off)
            *opts &= ~bit;
        else
            *opts |= bit;
    }
}

/* Finishes a group opened before `open`: expects ')' and wraps the body. */
static bool close_group(struct parser *ps)
{
    if (at_end(ps) || peek(ps, 0) != ')')
        return fail_at(ps, "missing )", ps->len);
    ps->pos++;
    return true;
}

static int32_t wrap(struct parser *ps, enum ntype t, int32_t body)
{
    int32_t n = new_node(ps, t);
    add_child(ps, n, body);
    return n;
}

/* A group after '(' (ps->pos is past the parenthesis). *opts may change: (?i) at this level. */
static int32_t parse_group(struct parser *ps, uint32_t *opts, bool *is_option_setting)
{
    *is_option_setting = false;
    size_t open = ps->pos - 1;
    if (++ps->depth > MAX_NEST) {
        fail_at(ps, "parentheses are too deeply nested", ps->pos);
        return -1;
    }
    int32_t result = -1;
    uint32_t inner = *opts;
    if (peek(ps, 0) == '*' && peek(ps, 1) >= 'A' && peek(ps, 1) <= 'Z') {
        /* Verbs: only (*FAIL)/(*F) are supported; the start-of-pattern settings were read. */
        size_t s = ps->pos + 1, e = s;
        while (e < ps->len && ps->pat[e] != ')')
            e++;
        if (e < ps->len && ((e - s == 4 && rt_memeq(ps->pat + s, "FAIL", 4)) ||
                            (e - s == 1 && ps->pat[s] == 'F'))) {
            ps->pos = e + 1;
            result = new_node(ps, N_FAIL);
        } else {
            fail_at(ps, "(*VERB) not recognized or malformed", e < ps->len ? e : ps->len);
        }
        ps->depth--;
        return result;
    }
    if (peek(ps, 0) != '?') {
        /* A capturing group (or not, with no_auto_capture). */
        unsigned num = 0;
        if (!(ps->opts & RE_NO_AUTO_CAPTURE))
            num = ++ps->ncap;
        int32_t body = parse_alt(ps, &inner, false);
        if (body < 0 || !close_group(ps))
            return -1;
        result = wrap(ps, N_GROUP, body);
        ps->nodes[result].a = (int32_t)num;
        ps->depth--;
        return result;
    }
    ps->pos++;
    int c = peek(ps, 0);
    switch (c) {
    case '#':
        while (!at_end(ps) && peek(ps, 0) != ')')
            ps->pos++;
        if (at_end(ps)) {
            fail_at(ps, "missing ) after comment", ps->len);
            return -1;
        }
        ps->pos++;
        ps->depth--;
        *is_option_setting = true; /* nothing to quantify */
        return new_node(ps, N_EMPTY);
    case ':':
    case '|':
    case '>':
    case '=':
    case '!': {
        ps->pos++;
        int32_t body = parse_alt(ps, &inner, c == '|');
        if (body < 0 || !close_group(ps))
            return -1;
        if (c == ':' || c == '|') {
            result = wrap(ps, N_GROUP, body);
        } else if (c == '>') {
            result = wrap(ps, N_ATOMIC, body);
        } else {
            result = wrap(ps, N_LOOK, body);
            ps->nodes[result].flags = c == '!' ? LK_NEG : 0;
        }
        break;
    }
    case '<':
        if (peek(ps, 1) == '=' || peek(ps, 1) == '!') {
            bool neg = peek(ps, 1) == '!';
            ps->pos += 2;
            int32_t body = parse_alt(ps, &inner, false);
            if (body < 0)
                return -1;
            size_t close = ps->pos;
            if (!close_group(ps))
                return -1;
            result = wrap(ps, N_LOOK, body);
            ps->nodes[result].flags = (uint8_t)(LK_BEHIND | (neg ? LK_NEG : 0));
            ps->nodes[result].b = (int32_t)close;
            break;
        }
        if (!is_word_byte(peek(ps, 1))) {
            ps->pos++;
            fail_at(ps, "unrecognized character after (?<", ps->pos);
            return -1;
        }
        /* (?<name>...) */
        __attribute__((fallthrough));
    case '\'':
    case 'P': {
        int term = c == '\'' ? '\'' : '>';
        if (c == 'P') {
            int d = peek(ps, 1);
            if (d == '=') {
                ps->pos += 2;
                size_t s, n;
                if (!parse_name(ps, ')', &s, &n))
                    return -1;
                ps->depth--;
                return ref_node(ps, ps->pat + s, n, 0, ps->pos - 1, inner);
            }
            if (d == '>') {
                fail_at(ps, "recursion ((?P>name)) is not supported by zvm", ps->pos + 1);
                return -1;
            }
            if (d != '<') {
                fail_at(ps, "unrecognized character after (?P", ps->pos + 1);
                return -1;
            }
            ps->pos++;
        }
        ps->pos++;
        size_t s, n;
        if (!parse_name(ps, term, &s, &n))
            return -1;
        unsigned num = ++ps->ncap;
        if (!add_name(ps, s, n, num, (ps->opts & RE_DUPNAMES) || (inner & RE_DUPNAMES)))
            return -1;
        int32_t body = parse_alt(ps, &inner, false);
        if (body < 0 || !close_group(ps))
            return -1;
        result = wrap(ps, N_GROUP, body);
        ps->nodes[result].a = (int32_t)num;
        break;
    }
    case '(': {
        /* Conditional group: (?(n)...), (?(<name>)...), (?('name')...), (?(?=...)...). */
        ps->pos++;
        int32_t cond = new_node(ps, N_COND);
        int32_t look = -1;
        if (peek(ps, 0) == '?' &&
            (peek(ps, 1) == '=' || peek(ps, 1) == '!' || peek(ps, 1) == '<')) {
            /* The assertion is parsed as a group of its own (ps->pos is on its '?'). */
            bool dummy;
            uint32_t o2 = inner;
            look = parse_group(ps, &o2, &dummy);
            if (look < 0)
                return -1;
            if (ps->nodes[look].type != N_LOOK) {
                fail_at(ps, "assertion expected after (?( or (?(?C)", ps->pos);
                return -1;
            }
        } else if (is_digit(peek(ps, 0)) || peek(ps, 0) == '+' || peek(ps, 0) == '-') {
            bool rel = !is_digit(peek(ps, 0));
            bool neg = peek(ps, 0) == '-';
            if (rel)
                ps->pos++;
            int32_t v = 0;
            while (is_digit(peek(ps, 0)) && v < 100000)
                v = v * 10 + (ps->pat[ps->pos++] - '0');
            if (peek(ps, 0) != ')') {
                fail_at(ps, "malformed number or name after (?(", ps->pos);
                return -1;
            }
            ps->pos++;
            if (rel)
                v = neg ? (int32_t)ps->ncap + 1 - v : (int32_t)ps->ncap + v;
            if (v == 0 && !rel) {
                fail_at(ps, "invalid condition (?(0)", ps->pos - 2);
                return -1;
            }
            if (v <= 0 || (unsigned)v > ps->total_groups) {
                fail_at(ps, "reference to non-existent subpattern", ps->pos);
                return -1;
            }
            ps->nodes[cond].a = v;
            ref_node(ps, NULL, 0, v, ps->pos, inner);
            ps->nodes[ps->refs[ps->nrefs - 1].node].type = N_EMPTY; /* only checked */
        } else if (peek(ps, 0) == '<' || peek(ps, 0) == '\'') {
            int term = peek(ps, 0) == '<' ? '>' : '\'';
            ps->pos++;
            size_t s, n;
            if (!parse_name(ps, term, &s, &n))
                return -1;
            if (peek(ps, 0) != ')') {
                fail_at(ps, "malformed number or name after (?(", ps->pos);
                return -1;
            }
            ps->pos++;
            int32_t r = ref_node(ps, ps->pat + s, n, 0, ps->pos - 1, inner);
            ps->nodes[r].type = N_EMPTY;
            ps->nodes[cond].b = r; /* the group number is resolved through this node */
            ps->nodes[cond].flags = 1;
        } else {
            fail_at(ps, "malformed number or name after (?(", ps->pos);
            return -1;
        }
        int32_t body = parse_alt(ps, &inner, false);
        if (body < 0)
            return -1;
        size_t close = ps->pos;
        if (!close_group(ps))
            return -1;
        /* The body: one branch (yes) or two (yes|no). */
        int32_t yes = body, no = -1;
        if (ps->nodes[body].type == N_ALT) {
            yes = ps->nodes[body].child;
            no = ps->nodes[yes].next;
            if (ps->nodes[no].next >= 0) {
                fail_at(ps, "conditional group contains more than two branches", close);
                return -1;
            }
        }
        if (look >= 0) {
            /* (?(?=A)yes|no) as (?:(?=A)yes|(?!A)no). */
            int32_t alt = new_node(ps, N_ALT);
            int32_t b1 = new_node(ps, N_CAT);
            ps->nodes[yes].next = -1;
            add_child(ps, b1, look);
            add_child(ps, b1, yes);
            int32_t neglook = new_node(ps, N_LOOK);
            ps->nodes[neglook].flags = ps->nodes[look].flags ^ LK_NEG;
            ps->nodes[neglook].b = ps->nodes[look].b;
            ps->nodes[neglook].child = ps->nodes[look].child;
            ps->nodes[neglook].last = ps->nodes[look].last;
            int32_t b2 = new_node(ps, N_CAT);
            add_child(ps, b2, neglook);
            if (no >= 0)
                add_child(ps, b2, no);
            add_child(ps, alt, b1);
            add_child(ps, alt, b2);
            result = wrap(ps, N_GROUP, alt);
        } else {
            ps->nodes[yes].next = -1;
            add_child(ps, cond, yes);
            if (no >= 0)
                add_child(ps, cond, no);
            result = cond;
        }
        break;
    }
    case 'R':
    case '&':
    case '+':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        fail_at(ps, "recursion and subroutine calls are not supported by zvm", ps->pos);
        return -1;
    case 'C':
        fail_at(ps, "callouts are not supported by zvm", ps->pos);
        return -1;
    default: {
        if (c == '-' && is_digit(peek(ps, 1))) {
            fail_at(ps, "recursion and subroutine calls are not supported by zvm", ps->pos);
            return -1;
        }
        /* Option settings: (?imsx-imsx) for the rest of this group, (?imsx:...) scoped. */
        uint32_t o = *opts;
        if (!parse_option_letters(ps, &o))
            return -1;
        if (peek(ps, 0) == ')') {
            ps->pos++;
            *opts = o;
            *is_option_setting = true;
            ps->depth--;
            return new_node(ps, N_EMPTY);
        }
        ps->pos++; /* ':' */
        inner = o;
        int32_t body = parse_alt(ps, &inner, false);
        if (body < 0 || !close_group(ps))
            return -1;
        result = wrap(ps, N_GROUP, body);
        break;
    }
    }
    (void)open;
    ps->depth--;
    return result;
}

static bool is_quantifier_start(struct parser *ps, int32_t *min, int32_t *max, size_t *after)
{
    int c = peek(ps, 0);
    if (c == '*' || c == '+' || c == '?') {
        *min = c == '+' ? 1 : 0;
        *max = c == '?' ? 1 : -1;
        *after = ps->pos + 1;
        return true;
    }
    if (c != '{')
        return false;
    /* {n}, {n,}, {n,m}: anything else is literal text. */
    size_t p = ps->pos + 1;
    if (p >= ps->len || !is_digit(ps->pat[p]))
        return false;
    size_t q = p;
    while (q < ps->len && is_digit(ps->pat[q]))
        q++;
    if (q >= ps->len)
        return false;
    if (ps->pat[q] == '}') {
        *after = q + 1;
    } else if (ps->pat[q] == ',') {
        size_t r = q + 1;
        while (r < ps->len && is_digit(ps->pat[r]))
            r++;
        if (r >= ps->len || ps->pat[r] != '}')
            return false;
        *after = r + 1;
    } else {
        return false;
    }
    *min = *max = 0; /* read by parse_quantifier */
    return true;
}

/* Reads a {n,m} (known to be well formed); false with an error when a number is too big. */
static bool read_braces(struct parser *ps, int32_t *min, int32_t *max)
{
    size_t p = ps->pos + 1;
    int64_t a = 0, b = -1;
    while (is_digit(ps->pat[p])) {
        a = a * 10 + (ps->pat[p++] - '0');
        if (a > MAX_REPEAT) {
            while (is_digit(ps->pat[p]) || ps->pat[p] == ',')
                p++;
            return fail_at(ps, "number too big in {} quantifier", p);
        }
    }
    if (ps->pat[p] == '}') {
        b = a;
    } else {
        p++;
        if (is_digit(ps->pat[p])) {
            b = 0;
            while (is_digit(ps->pat[p])) {
                b = b * 10 + (ps->pat[p++] - '0');
                if (b > MAX_REPEAT) {
                    while (is_digit(ps->pat[p]))
                        p++;
                    return fail_at(ps, "number too big in {} quantifier", p);
                }
            }
            if (b < a)
                return fail_at(ps, "numbers out of order in {} quantifier", p);
        }
    }
    *min = (int32_t)a;
    *max = (int32_t)b;
    return true;
}

static bool quantifiable(struct parser *ps, int32_t atom)
{
    struct node *n = &ps->nodes[atom];
    if (n->type == N_ASSERT || n->type == N_KEEP)
        return false;
    return true;
}

static int32_t parse_branch(struct parser *ps, uint32_t *opts)
{
    int32_t cat = new_node(ps, N_CAT);
    for (;;) {
        skip_extended(ps, *opts);
        if (at_end(ps) || peek(ps, 0) == '|' || peek(ps, 0) == ')')
            return cat;
        size_t atom_start = ps->pos;
        int c = peek(ps, 0);
        int32_t atom = -1;
        bool no_quant = false; /* an option setting: a quantifier after it has nothing */
        switch (c) {
        case '(': {
            ps->pos++;
            atom = parse_group(ps, opts, &no_quant);
            break;
        }
        case '[':
            ps->pos++;
            if (peek(ps, 0) == ':' || peek(ps, 0) == '.' || peek(ps, 0) == '=') {
                /* A POSIX class outside a class: [:alpha:] */
                size_t end = posix_end(ps, ps->pos - 1);
                if (end) {
                    fail_at(ps,
                            peek(ps, 0) == ':'
                                ? "POSIX named classes are supported only within a class"
                                : "POSIX collating elements are not supported",
                            atom_start);
                    return -1;
                }
            }
            atom = parse_class(ps, *opts);
            break;
        case '*':
        case '+':
        case '?':
            fail_at(ps, "nothing to repeat", ps->pos);
            return -1;
        case '{': {
            int32_t a, b;
            size_t after;
            if (is_quantifier_start(ps, &a, &b, &after)) {
                fail_at(ps, "nothing to repeat", after - 1);
                return -1;
            }
            ps->pos++;
            atom = new_node(ps, N_CHAR);
            ps->nodes[atom].a = '{';
            break;
        }
        case '.':
            ps->pos++;
            atom = new_node(ps, N_ANY);
            ps->nodes[atom].flags = (*opts & RE_DOTALL) ? 1 : 0;
            break;
        case '^':
            ps->pos++;
            atom = new_node(ps, N_ASSERT);
            ps->nodes[atom].a = (*opts & RE_MULTILINE) ? AS_MBOL : AS_BOL;
            break;
        case '$':
            ps->pos++;
            atom = new_node(ps, N_ASSERT);
            ps->nodes[atom].a = (*opts & RE_MULTILINE)           ? AS_MEOL
                                : (ps->opts & RE_DOLLAR_ENDONLY) ? AS_EOL_ONLY
                                                                 : AS_EOL;
            break;
        case '\\': {
            ps->pos++;
            if (peek(ps, 0) == 'Q') {
                /* \Q...\E: literal text, each character an atom of its own. */
                ps->pos++;
                while (!at_end(ps) && !(peek(ps, 0) == '\\' && peek(ps, 1) == 'E')) {
                    size_t before = ps->pos;
                    uint32_t q = next_char(ps);
                    int32_t ch = new_node(ps, N_CHAR);
                    ps->nodes[ch].a = (int32_t)q;
                    ps->nodes[ch].flags = (*opts & RE_CASELESS) ? 1 : 0;
                    /* A quantifier after \E applies to the last character only. */
                    if (!at_end(ps) && !(peek(ps, 0) == '\\' && peek(ps, 1) == 'E')) {
                        add_child(ps, cat, ch);
                        continue;
                    }
                    (void)before;
                    atom = ch;
                }
                if (!at_end(ps))
                    ps->pos += 2;
                if (atom < 0)
                    continue;
                break;
            }
            struct escape e;
            if (!parse_escape(ps, &e, false))
                return -1;
            if (e.kind == ESC_CHAR) {
                atom = new_node(ps, N_CHAR);
                ps->nodes[atom].a = (int32_t)e.c;
                ps->nodes[atom].flags = (*opts & RE_CASELESS) ? 1 : 0;
            } else if (e.kind == ESC_PROP) {
                atom = prop_node(ps, e.prop, e.neg);
            } else {
                switch (e.letter) {
                case 'b':
                case 'B':
                case 'A':
                case 'z':
                case 'Z':
                case 'G':
                    atom = new_node(ps, N_ASSERT);
                    ps->nodes[atom].a = e.letter == 'b'   ? AS_WORDB
                                        : e.letter == 'B' ? AS_NWORDB
                                        : e.letter == 'A' ? AS_BEGIN
                                        : e.letter == 'z' ? AS_END
                                        : e.letter == 'Z' ? AS_ENDZ
                                                          : AS_START;
                    break;
                case 'R':
                    atom = new_node(ps, N_NLSEQ);
                    ps->nodes[atom].flags = (ps->opts & RE_BSR_ANYCRLF) ? 1 : 0;
                    break;
                case 'N':
                    atom = new_node(ps, N_ANY);
                    break;
                case 'C':
                    atom = new_node(ps, N_ANY);
                    ps->nodes[atom].flags = 1;
                    break;
                case 'X':
                    fail_at(ps, "\\X is not supported by zvm", ps->pos);
                    return -1;
                case 'K':
                    atom = new_node(ps, N_KEEP);
                    break;
                case 'E':
                    continue;
                case '1': {
                    int32_t v = 0;
                    while (is_digit(peek(ps, 0)) && v < 100000)
                        v = v * 10 + (ps->pat[ps->pos++] - '0');
                    atom = ref_node(ps, NULL, 0, v, ps->pos, *opts);
                    break;
                }
                case 'g':
                    atom = parse_g_ref(ps, *opts);
                    break;
                case 'k': {
                    int open = peek(ps, 0);
                    int term = open == '<' ? '>' : open == '\'' ? '\'' : open == '{' ? '}' : 0;
                    if (!term) {
                        fail_at(ps,
                                "\\k is not followed by a braced, angle-bracketed, or quoted name",
                                ps->pos);
                        return -1;
                    }
                    ps->pos++;
                    size_t s, n;
                    if (!parse_name(ps, term, &s, &n))
                        return -1;
                    atom = ref_node(ps, ps->pat + s, n, 0, ps->pos - 1, *opts);
                    break;
                }
                default:
                    fail_at(ps, "unrecognized character follows \\", ps->pos);
                    return -1;
                }
            }
            break;
        }
        default: {
            uint32_t ch = next_char(ps);
            atom = new_node(ps, N_CHAR);
            ps->nodes[atom].a = (int32_t)ch;
            ps->nodes[atom].flags = (*opts & RE_CASELESS) ? 1 : 0;
            break;
        }
        }
        if (atom < 0)
            return -1;
        /* Quantifiers (possibly several: a{2}{3} is an error as in PCRE, a?? is lazy). */
        skip_extended(ps, *opts);
        int32_t min, max;
        size_t after;
        if (!is_quantifier_start(ps, &min, &max, &after)) {
            add_child(ps, cat, atom);
            continue;
        }
        if (no_quant || !quantifiable(ps, atom)) {
            if (no_quant && ps->nodes[atom].type == N_EMPTY) {
                fail_at(ps, "nothing to repeat", after - 1);
                return -1;
            }
            if (ps->nodes[atom].type == N_ASSERT || ps->nodes[atom].type == N_KEEP) {
                fail_at(ps, "nothing to repeat", after - 1);
                return -1;
            }
        }
        if (peek(ps, 0) == '{') {
            if (!read_braces(ps, &min, &max))
                return -1;
        }
        ps->pos = after;
        uint8_t flags = 0;
        bool lazy_default = (*opts & RE_UNGREEDY) != 0;
        if (peek(ps, 0) == '?') {
            ps->pos++;
            lazy_default = !lazy_default;
        } else if (peek(ps, 0) == '+') {
            ps->pos++;
            flags = RF_POSSESSIVE;
            lazy_default = false;
        }
        if (lazy_default)
            flags |= RF_LAZY;
        int32_t min2, max2;
        size_t after2;
        skip_extended(ps, *opts);
        if (is_quantifier_start(ps, &min2, &max2, &after2)) {
            fail_at(ps, "nothing to repeat", after2 - 1);
            return -1;
        }
        int32_t rep;
        if (ps->nodes[atom].type == N_LOOK) {
            /* A repeated assertion: at most once (PCRE treats {0,n} as optional). */
            if (min > 1)
                min = 1;
            if (max < 0 || max > 1)
                max = 1;
        }
        rep = wrap(ps, N_REPEAT, atom);
        ps->nodes[rep].a = min;
        ps->nodes[rep].b = max;
        ps->nodes[rep].flags = flags;
        add_child(ps, cat, rep);
        (void)atom_start;
    }
}

static int32_t parse_alt(struct parser *ps, uint32_t *opts, bool reset_numbers)
{
    unsigned base = ps->ncap, top = ps->ncap;
    int32_t first = parse_branch(ps, opts);
    if (first < 0)
        return -1;
    if (peek(ps, 0) != '|')
        return first;
    int32_t alt = new_node(ps, N_ALT);
    add_child(ps, alt, first);
    while (peek(ps, 0) == '|') {
        ps->pos++;
        if (reset_numbers) {
            if (ps->ncap > top)
                top = ps->ncap;
            ps->ncap = base;
        }
        int32_t b = parse_branch(ps, opts);
        if (b < 0)
            return -1;
        add_child(ps, alt, b);
    }
    if (reset_numbers && top > ps->ncap)
        ps->ncap = top;
    return alt;
}

/* --- analysis ----------------------------------------------------------------------------- */

/* Whether a node can match the empty string (loops over it need a loop register). */
static bool can_be_empty(struct parser *ps, int32_t n)
{
    struct node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_CHAR:
    case N_ANY:
    case N_CLASS:
    case N_NLSEQ:
        return false;
    case N_FAIL:
        return false;
    case N_CAT:
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next)
            if (!can_be_empty(ps, c))
                return false;
        return true;
    case N_ALT:
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next)
            if (can_be_empty(ps, c))
                return true;
        return false;
    case N_GROUP:
    case N_ATOMIC:
        return can_be_empty(ps, nd->child);
    case N_REPEAT:
        return nd->a == 0 || can_be_empty(ps, nd->child);
    default:
        return true;
    }
}

/* Length in characters when fixed, else -1. */
static int64_t fixed_length(struct parser *ps, int32_t n)
{
    struct node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_CHAR:
    case N_ANY:
    case N_CLASS:
        return 1;
    case N_EMPTY:
    case N_ASSERT:
    case N_LOOK:
    case N_KEEP:
    case N_FAIL:
        return 0;
    case N_CAT: {
        int64_t sum = 0;
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next) {
            int64_t l = fixed_length(ps, c);
            if (l < 0)
                return -1;
            sum += l;
        }
        return sum;
    }
    case N_ALT: {
        int64_t len = -2;
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next) {
            int64_t l = fixed_length(ps, c);
            if (l < 0 || (len != -2 && l != len))
                return -1;
            len = l;
        }
        return len < 0 ? 0 : len;
    }
    case N_GROUP:
    case N_ATOMIC:
        return fixed_length(ps, nd->child);
    case N_REPEAT: {
        if (nd->a != nd->b)
            return -1;
        int64_t l = fixed_length(ps, nd->child);
        return l < 0 ? -1 : l * nd->a;
    }
    default:
        return -1;
    }
}

/* --- emission ----------------------------------------------------------------------------- */

static unsigned emit(struct parser *ps, enum re_op op, uint8_t flags, int32_t x, int32_t y)
{
    if (ps->ncode >= MAX_CODE) {
        fail_at(ps, "regular expression is too large", ps->len);
        return ps->ncode ? ps->ncode - 1 : 0;
    }
    if (ps->ncode == ps->capcode) {
        ps->capcode = ps->capcode ? ps->capcode * 2 : 64;
        ps->code = rt_realloc(ps->code, ps->capcode * sizeof *ps->code);
    }
    ps->code[ps->ncode] = (struct re_inst){.op = (uint8_t)op, .flags = flags, .x = x, .y = y};
    return ps->ncode++;
}

static bool single_char(struct parser *ps, int32_t n)
{
    uint8_t t = ps->nodes[n].type;
    return t == N_CHAR || t == N_ANY || t == N_CLASS;
}

static void gen(struct parser *ps, int32_t n);

static void gen_char_item(struct parser *ps, int32_t n)
{
    struct node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_CHAR: {
        uint32_t c = (uint32_t)nd->a;
        uint32_t o[3];
        if (c == '\r' || c == '\n')
            ps->has_cr_or_lf = true;
        if ((nd->flags & 1) && re_other_cases(c, ps->utf, o) > 0)
            emit(ps, OP_CHARI, 0, (int32_t)re_fold(c, ps->utf), 0);
        else
            emit(ps, OP_CHAR, 0, (int32_t)c, 0);
        break;
    }
    case N_ANY:
        emit(ps, (nd->flags & 1) ? OP_ALLANY : OP_ANY, 0, 0, 0);
        break;
    case N_CLASS:
        emit(ps, OP_CLASS, 0, nd->a, 0);
        break;
    }
}

static void gen_repeat(struct parser *ps, int32_t n)
{
    struct node *nd = &ps->nodes[n];
    int32_t min = nd->a, max = nd->b, body = nd->child;
    uint8_t flags = nd->flags;
    bool lazy = flags & RF_LAZY;
    if (single_char(ps, body)) {
        emit(ps, OP_REPEAT, flags, min, max);
        gen_char_item(ps, body);
        return;
    }
    unsigned atomic = 0;
    if (flags & RF_POSSESSIVE)
        atomic = emit(ps, OP_ATOMIC, 0, 0, 0);
    (void)atomic;
    for (int32_t i = 0; i < min && !ps->failed; i++)
        gen(ps, body);
    if (max < 0) {
        bool empty = can_be_empty(ps, body);
        unsigned reg = ps->nslots;
        if (empty)
            ps->nslots++;
        unsigned l0 = emit(ps, OP_SPLIT, 0, 0, 0);
        unsigned l1 = ps->ncode;
        if (empty)
            emit(ps, OP_LOOP_MARK, 0, (int32_t)reg, 0);
        gen(ps, body);
        unsigned check = 0;
        if (empty)
            check = emit(ps, OP_LOOP_CHECK, 0, (int32_t)reg, 0);
        emit(ps, OP_JMP, 0, (int32_t)l0, 0);
        unsigned end = ps->ncode;
        if (ps->failed)
            return;
        ps->code[l0].x = (int32_t)(lazy ? end : l1);
        ps->code[l0].y = (int32_t)(lazy ? l1 : end);
        if (empty)
            ps->code[check].y = (int32_t)end;
    } else if (max > min) {
        unsigned nsplit = (unsigned)(max - min);
        unsigned *splits = rt_alloc(nsplit * sizeof *splits);
        for (unsigned i = 0; i < nsplit && !ps->failed; i++) {
            splits[i] = emit(ps, OP_SPLIT, 0, 0, 0);
            ps->code[splits[i]].x = (int32_t)ps->ncode; /* provisional: the body */
            gen(ps, body);
        }
        unsigned end = ps->ncode;
        if (!ps->failed) {
            for (unsigned i = 0; i < nsplit; i++) {
                int32_t into = (int32_t)splits[i] + 1;
                ps->code[splits[i]].x = lazy ? (int32_t)end : into;
                ps->code[splits[i]].y = lazy ? into : (int32_t)end;
            }
        }
        rt_free(splits);
    }
    if (flags & RF_POSSESSIVE)
        emit(ps, OP_ATOMIC_END, 0, 0, 0);
}

/* A lookaround (behind: `len` characters back) around `body`. */
static void gen_look(struct parser *ps, int32_t body, uint8_t flags, int64_t len)
{
    unsigned look = emit(ps, OP_LOOK, flags, (int32_t)len, 0);
    gen(ps, body);
    emit(ps, OP_LOOK_END, 0, 0, 0);
    if (!ps->failed)
        ps->code[look].y = (int32_t)ps->ncode; /* where a negative one continues */
}

static void gen(struct parser *ps, int32_t n)
{
    if (ps->failed)
        return;
    struct node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_EMPTY:
        break;
    case N_CHAR:
    case N_ANY:
    case N_CLASS:
        gen_char_item(ps, n);
        break;
    case N_CAT:
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next)
            gen(ps, c);
        break;
    case N_ALT: {
        unsigned njumps = 0, cap = 8;
        unsigned *jumps = rt_alloc(cap * sizeof *jumps);
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next) {
            if (ps->nodes[c].next >= 0) {
                unsigned split = emit(ps, OP_SPLIT, 0, 0, 0);
                gen(ps, c);
                if (njumps == cap) {
                    cap *= 2;
                    jumps = rt_realloc(jumps, cap * sizeof *jumps);
                }
                jumps[njumps++] = emit(ps, OP_JMP, 0, 0, 0);
                if (!ps->failed) {
                    ps->code[split].x = (int32_t)split + 1;
                    ps->code[split].y = (int32_t)ps->ncode;
                }
            } else {
                gen(ps, c);
            }
        }
        if (!ps->failed)
            for (unsigned i = 0; i < njumps; i++)
                ps->code[jumps[i]].x = (int32_t)ps->ncode;
        rt_free(jumps);
        break;
    }
    case N_GROUP:
        if (nd->a > 0)
            emit(ps, OP_SAVE, 0, 2 * nd->a, 0);
        gen(ps, nd->child);
        if (nd->a > 0)
            emit(ps, OP_SAVE, 0, 2 * nd->a + 1, 0);
        break;
    case N_REPEAT:
        gen_repeat(ps, n);
        break;
    case N_ASSERT:
        emit(ps, OP_ASSERT, (uint8_t)nd->a, 0, 0);
        break;
    case N_LOOK:
        if (nd->flags & LK_BEHIND) {
            int64_t len = fixed_length(ps, nd->child);
            if (len >= 0) {
                gen_look(ps, nd->child, nd->flags, len);
                break;
            }
            /* Branches of different fixed lengths: one lookbehind each. */
            int32_t body = nd->child;
            if (ps->nodes[body].type == N_GROUP && ps->nodes[body].a == 0)
                body = ps->nodes[body].child;
            if (ps->nodes[body].type != N_ALT) {
                fail_at(ps, "lookbehind assertion is not fixed length", (size_t)nd->b);
                return;
            }
            for (int32_t c = ps->nodes[body].child; c >= 0; c = ps->nodes[c].next)
                if (fixed_length(ps, c) < 0) {
                    fail_at(ps, "lookbehind assertion is not fixed length", (size_t)nd->b);
                    return;
                }
            if (nd->flags & LK_NEG) {
                /* (?<!a|bc) = (?<!a)(?<!bc) */
                for (int32_t c = ps->nodes[body].child; c >= 0; c = ps->nodes[c].next)
                    gen_look(ps, c, nd->flags, fixed_length(ps, c));
            } else {
                /* (?<=a|bc) = (?:(?<=a)|(?<=bc)) */
                unsigned jumps[64], nj = 0;
                for (int32_t c = ps->nodes[body].child; c >= 0; c = ps->nodes[c].next) {
                    if (ps->nodes[c].next >= 0) {
                        unsigned split = emit(ps, OP_SPLIT, 0, 0, 0);
                        gen_look(ps, c, nd->flags, fixed_length(ps, c));
                        unsigned j = emit(ps, OP_JMP, 0, 0, 0);
                        if (nj < 64)
                            jumps[nj++] = j;
                        else
                            fail_at(ps, "regular expression is too complicated", (size_t)nd->b);
                        if (!ps->failed) {
                            ps->code[split].x = (int32_t)split + 1;
                            ps->code[split].y = (int32_t)ps->ncode;
                        }
                    } else {
                        gen_look(ps, c, nd->flags, fixed_length(ps, c));
                    }
                }
                if (!ps->failed)
                    for (unsigned i = 0; i < nj; i++)
                        ps->code[jumps[i]].x = (int32_t)ps->ncode;
            }
        } else {
            gen_look(ps, nd->child, nd->flags, 0);
        }
        break;
    case N_ATOMIC:
        emit(ps, OP_ATOMIC, 0, 0, 0);
        gen(ps, nd->child);
        emit(ps, OP_ATOMIC_END, 0, 0, 0);
        break;
    case N_BACKREF:
        emit(ps, OP_BACKREF, nd->flags, nd->a, 0);
        break;
    case N_COND: {
        int32_t group = nd->a;
        if (nd->flags & 1)
            group = ps->nodes[nd->b].a;
        unsigned cond = emit(ps, OP_COND, 0, group, 0);
        int32_t yes = nd->child;
        int32_t no = yes >= 0 ? ps->nodes[yes].next : -1;
        gen(ps, yes);
        unsigned j = emit(ps, OP_JMP, 0, 0, 0);
        if (!ps->failed)
            ps->code[cond].y = (int32_t)ps->ncode;
        if (no >= 0)
            gen(ps, no);
        if (!ps->failed)
            ps->code[j].x = (int32_t)ps->ncode;
        break;
    }
    case N_NLSEQ:
        emit(ps, OP_NLSEQ, nd->flags, 0, 0);
        break;
    case N_KEEP:
        emit(ps, OP_KEEP, 0, 0, 0);
        break;
    case N_FAIL:
        emit(ps, OP_FAIL, 0, 0, 0);
        break;
    }
}

/* Resolves named references and checks numbered ones against the group count. */
static bool resolve_refs(struct parser *ps)
{
    for (unsigned i = 0; i < ps->nrefs; i++) {
        struct pending_ref *r = &ps->refs[i];
        struct node *n = &ps->nodes[r->node];
        if (r->name) {
            int32_t g = -1;
            for (unsigned k = 0; k < ps->nnames; k++)
                if (ps->names[k].len == r->len && rt_memeq(ps->names[k].name, r->name, r->len))
                    if (g < 0 || (int32_t)ps->names[k].group < g)
                        g = (int32_t)ps->names[k].group;
            if (g < 0)
                return fail_at(ps, "reference to non-existent subpattern", r->offset);
            n->a = g;
        } else if (n->a > (int32_t)ps->ncap || n->a <= 0) {
            return fail_at(ps, "reference to non-existent subpattern", r->offset);
        }
    }
    return true;
}

static void sort_names(struct parser *ps)
{
    for (unsigned i = 1; i < ps->nnames; i++) {
        struct re_name v = ps->names[i];
        unsigned j = i;
        while (j > 0) {
            struct re_name *u = &ps->names[j - 1];
            size_t m = u->len < v.len ? u->len : v.len;
            int cmp = 0;
            for (size_t k = 0; k < m && !cmp; k++)
                cmp = (int)u->name[k] - (int)v.name[k];
            if (!cmp)
                cmp = u->len < v.len ? -1 : u->len > v.len ? 1 : (int)u->group - (int)v.group;
            if (cmp <= 0)
                break;
            ps->names[j] = *u;
            j--;
        }
        ps->names[j] = v;
    }
}

/* (*UTF8), (*UTF), (*UCP), (*CR), (*LF), (*CRLF), (*ANYCRLF), (*ANY), (*BSR_...) at the start. */
static void read_start_settings(struct parser *ps)
{
    static const struct {
        const char *name;
        uint32_t set, clear;
    } items[] = {
        {"(*UTF8)", RE_UTF8, 0},
        {"(*UTF)", RE_UTF8, 0},
        {"(*UCP)", RE_UCP, 0},
        {"(*CR)", RE_NL_CR, RE_NL_MASK},
        {"(*LF)", RE_NL_LF, RE_NL_MASK},
        {"(*CRLF)", RE_NL_CRLF, RE_NL_MASK},
        {"(*ANYCRLF)", RE_NL_ANYCRLF, RE_NL_MASK},
        {"(*ANY)", RE_NL_ANY, RE_NL_MASK},
        {"(*BSR_ANYCRLF)", RE_BSR_ANYCRLF, RE_BSR_UNICODE},
        {"(*BSR_UNICODE)", RE_BSR_UNICODE, RE_BSR_ANYCRLF},
        {"(*NO_START_OPT)", RE_NO_START_OPTIMIZE, 0},
    };
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
            size_t n = rt_strlen(items[i].name);
            if (ps->len - ps->pos >= n && rt_memeq(ps->pat + ps->pos, items[i].name, n)) {
                ps->opts = (ps->opts & ~items[i].clear) | items[i].set;
                ps->pos += n;
                again = true;
            }
        }
    }
}

/* Whether single-character instruction `x` can match a character that `y` matches. */
static bool items_overlap(const struct parser *ps, const struct re_inst *x, const struct re_inst *y)
{
    if (x->op == OP_ANY || x->op == OP_ALLANY || y->op == OP_ANY || y->op == OP_ALLANY)
        return true;
    if (x->op == OP_CLASS && y->op == OP_CLASS)
        return true; /* not worth an exact answer */
    if (y->op == OP_CLASS) {
        const struct re_inst *t = x;
        x = y;
        y = t;
    }
    /* y is a character (exact or folded); the characters it matches: */
    uint32_t cs[4];
    unsigned n = 0;
    cs[n++] = (uint32_t)y->x;
    if (y->op == OP_CHARI)
        n += re_other_cases((uint32_t)y->x, ps->utf, cs + 1);
    for (unsigned i = 0; i < n; i++) {
        uint32_t c = cs[i];
        bool m = x->op == OP_CHAR    ? c == (uint32_t)x->x
                 : x->op == OP_CHARI ? re_fold(c, ps->utf) == (uint32_t)x->x
                                     : re_class_match(&ps->classes[x->x], c, ps->utf, ps->ucp);
        if (m)
            return true;
    }
    return false;
}

/*
 * PCRE's auto-possessification: a greedy repeat of one character item followed by an item
 * that cannot match the same character (or by the end of the pattern) never profits from
 * giving characters back, so it gives none: `[ab]*c` over a long run of a's is linear.
 */
static void auto_possessify(struct parser *ps)
{
    for (unsigned pc = 0; pc + 2 < ps->ncode; pc++) {
        struct re_inst *in = &ps->code[pc];
        if (in->op != OP_REPEAT || (in->flags & (RF_LAZY | RF_POSSESSIVE)))
            continue;
        unsigned next = pc + 2;
        while (next < ps->ncode && ps->code[next].op == OP_SAVE && ps->code[next].x != 1)
            next++;
        if (next >= ps->ncode)
            continue;
        const struct re_inst *y = &ps->code[next];
        if (y->op == OP_CHAR || y->op == OP_CHARI || y->op == OP_CLASS) {
            if (!items_overlap(ps, &ps->code[pc + 1], y))
                in->flags |= RF_POSSESSIVE;
        }
    }
}

static void parser_dispose(struct parser *ps)
{
    rt_free(ps->nodes);
    for (unsigned i = 0; i < ps->nrefs; i++)
        rt_free(ps->refs[i].name);
    rt_free(ps->refs);
    rt_free(ps->code);
    for (unsigned i = 0; i < ps->nclasses; i++)
        rt_free(ps->classes[i].ranges);
    rt_free(ps->classes);
    for (unsigned i = 0; i < ps->nnames; i++)
        rt_free(ps->names[i].name);
    rt_free(ps->names);
}

/* The first byte offset where `s` is not valid UTF-8, or len when it is. */
static size_t utf8_valid_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        unsigned n;
        uint32_t v;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            v = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            v = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            v = c & 0x07;
        } else {
            return i;
        }
        for (unsigned k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            v = v << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 2 && v < 0x800) || (n == 3 && (v < 0x10000 || v > 0x10FFFF)) ||
            (v >= 0xD800 && v <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

bool re_utf8_check(const uint8_t *s, size_t len)
{
    return utf8_valid_prefix(s, len) == len;
}

/* Capturing groups in the pattern, counted by a scan that skips escapes and classes. */
static unsigned count_groups(const struct parser *ps)
{
    unsigned n = 0;
    const uint8_t *p = ps->pat;
    for (size_t i = ps->pos; i < ps->len; i++) {
        if (p[i] == '\\') {
            i++;
        } else if (p[i] == '[') {
            i++;
            if (i < ps->len && p[i] == '^')
                i++;
            if (i < ps->len && p[i] == ']')
                i++;
            while (i < ps->len && p[i] != ']') {
                if (p[i] == '\\')
                    i++;
                i++;
            }
        } else if (p[i] == '(') {
            if ((i + 1 < ps->len && p[i + 1] == '*') ||
                (i >= 2 && p[i - 1] == '?' && p[i - 2] == '('))
                continue; /* a verb, or a condition: (?(1)... */
            if (i + 1 >= ps->len || p[i + 1] != '?') {
                if (!(ps->opts & RE_NO_AUTO_CAPTURE))
                    n++;
            } else if (i + 3 < ps->len &&
                       ((p[i + 2] == '<' && is_word_byte(p[i + 3])) || p[i + 2] == '\'' ||
                        (p[i + 2] == 'P' && p[i + 3] == '<'))) {
                n++;
            }
        }
    }
    return n;
}

static bool starts_anchored(struct parser *ps, int32_t n)
{
    struct node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_ASSERT:
        return nd->a == AS_BOL || nd->a == AS_BEGIN || nd->a == AS_START;
    case N_CAT:
        return nd->child >= 0 && starts_anchored(ps, nd->child);
    case N_GROUP:
    case N_ATOMIC:
        return starts_anchored(ps, nd->child);
    case N_ALT:
        for (int32_t c = nd->child; c >= 0; c = ps->nodes[c].next)
            if (!starts_anchored(ps, c))
                return false;
        return true;
    default:
        return false;
    }
}

struct re_prog *re_compile(const uint8_t *pattern, size_t len, uint32_t options,
                           struct re_error *err)
{
    struct parser ps = {.pat = pattern, .len = len, .opts = options, .err = err};
    read_start_settings(&ps);
    if ((ps.opts & RE_UTF8) && (options & RE_NEVER_UTF)) {
        fail_at(&ps, "setting UTF is disabled by the application", ps.pos);
        parser_dispose(&ps);
        return NULL;
    }
    ps.utf = (ps.opts & RE_UTF8) != 0;
    ps.ucp = (ps.opts & RE_UCP) != 0;
    if (ps.utf) {
        size_t bad = utf8_valid_prefix(pattern, len);
        if (bad < len) {
            fail_at(&ps, "invalid UTF-8 string", bad);
            parser_dispose(&ps);
            return NULL;
        }
    }
    ps.total_groups = count_groups(&ps);
    uint32_t opts = ps.opts;
    int32_t root = parse_alt(&ps, &opts, false);
    if (root >= 0 && !ps.failed && !at_end(&ps)) {
        /* parse_alt stops at an unmatched ')' */
        fail_at(&ps, "unmatched parentheses", ps.pos);
    }
    if (root >= 0 && !ps.failed)
        resolve_refs(&ps);
    ps.nslots = 2 * (ps.ncap + 1);
    if (root >= 0 && !ps.failed) {
        emit(&ps, OP_SAVE, 0, 0, 0);
        gen(&ps, root);
        emit(&ps, OP_SAVE, 0, 1, 0);
        emit(&ps, OP_MATCH, 0, 0, 0);
        if (!ps.failed && !(ps.opts & RE_NO_START_OPTIMIZE))
            auto_possessify(&ps);
    }
    if (ps.failed || root < 0) {
        if (!ps.failed)
            fail_at(&ps, "internal error: code overflow", ps.pos);
        parser_dispose(&ps);
        return NULL;
    }
    sort_names(&ps);
    struct re_prog *prog = rt_zalloc(sizeof *prog);
    prog->options = ps.opts;
    prog->ncap = ps.ncap;
    prog->nslots = ps.nslots;
    prog->code = ps.code;
    prog->ncode = ps.ncode;
    prog->classes = ps.classes;
    prog->nclasses = ps.nclasses;
    prog->names = ps.names;
    prog->nnames = ps.nnames;
    prog->start_anchored = starts_anchored(&ps, root);
    prog->has_cr_or_lf = ps.has_cr_or_lf;
    ps.code = NULL;
    ps.classes = NULL;
    ps.nclasses = 0;
    ps.names = NULL;
    ps.nnames = 0;
    parser_dispose(&ps);
    return prog;
}

void re_prog_free(struct re_prog *prog)
{
    if (!prog)
        return;
    rt_free(prog->code);
    for (unsigned i = 0; i < prog->nclasses; i++)
        rt_free(prog->classes[i].ranges);
    rt_free(prog->classes);
    for (unsigned i = 0; i < prog->nnames; i++)
        rt_free(prog->names[i].name);
    rt_free(prog->names);
    rt_free(prog);
}

unsigned re_capture_count(const struct re_prog *prog)
{
    return prog->ncap;
}

uint32_t re_options(const struct re_prog *prog)
{
    return prog->options;
}

unsigned re_name_count(const struct re_prog *prog)
{
    return prog->nnames;
}

const uint8_t *re_name_at(const struct re_prog *prog, unsigned i, size_t *len, unsigned *group)
{
    *len = prog->names[i].len;
    *group = prog->names[i].group;
    return prog->names[i].name;
}
