/*
 * re_exec.c: the backtracking matcher of the regular-expression engine.
 *
 * One position and one program counter; every alternative not taken is an entry on an explicit
 * stack (a heap array that grows to a bound), as are the capture slots to restore when
 * backtracking passes their SAVE and the barriers of lookarounds and atomic groups. A failure
 * pops entries until one resumes the match. The work is counted in steps (choice points made
 * and resumed, start positions tried) against the match limit, so that catastrophic patterns
 * end with RE_ERR_MATCHLIMIT instead of running for ever.
 *
 * Single-character items under a quantifier (OP_REPEAT) are matched in a loop that leaves one
 * stack entry for the whole run, which gives characters back one at a time on backtracking:
 * `.*` over a megabyte costs one entry, not a million.
 */
#include "vm/re_prog.h"
#include "vm/rt.h"

#define DEFAULT_STACK_LIMIT (4u << 20) /* entries of 16 bytes: 64 MB */

enum bt_kind {
    BT_CHOICE, /* resume at pc with position a */
    BT_SLOT,   /* restore slot pc to a */
    BT_GREEDY, /* give back one char of a repeat: continue at pc; a: lowest position, b: now */
    BT_LAZY, /* take one more char of a lazy repeat (its OP_REPEAT at pc): a: position, b: count */
    BT_LOOK, /* lookaround barrier: pc: continuation, a: position, b: previous barrier */
    BT_ATOMIC, /* atomic barrier: b: previous barrier */
};

struct bt {
    uint8_t kind;
    uint8_t flags; /* BT_LOOK: LK_* */
    uint16_t pad;
    uint32_t pc;
    int32_t a, b;
};

struct matcher {
    const struct re_prog *prog;
    const uint8_t *s;
    int32_t len;
    int32_t start_offset;
    bool utf, ucp;
    uint32_t nl;
    bool bsr_anycrlf;
    uint32_t xopts;
    int32_t *slots;
    struct bt *stack;
    size_t sp, cap, stack_limit;
    uint64_t steps, limit;
    int32_t barrier;
};

/* --- subject characters ------------------------------------------------------------------- */

static inline uint32_t char_at(const struct matcher *m, int32_t pos, int32_t *next)
{
    uint32_t c = m->s[pos];
    if (!m->utf || c < 0x80) {
        *next = pos + 1;
        return c;
    }
    unsigned extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    c &= 0x3Fu >> extra;
    int32_t p = pos + 1;
    for (unsigned i = 0; i < extra && p < m->len; i++)
        c = c << 6 | (m->s[p++] & 0x3F);
    *next = p;
    return c;
}

static inline int32_t prev_pos(const struct matcher *m, int32_t pos)
{
    pos--;
    if (m->utf)
        while (pos > 0 && (m->s[pos] & 0xC0) == 0x80)
            pos--;
    return pos;
}

static inline uint32_t char_before(const struct matcher *m, int32_t pos)
{
    int32_t next;
    return char_at(m, prev_pos(m, pos), &next);
}

/* The length of the newline that starts at pos, or 0. */
static int32_t newline_at(const struct matcher *m, int32_t pos)
{
    if (pos >= m->len)
        return 0;
    uint8_t c = m->s[pos];
    switch (m->nl) {
    case RE_NL_CR:
        return c == '\r';
    case RE_NL_CRLF:
        return c == '\r' && pos + 1 < m->len && m->s[pos + 1] == '\n' ? 2 : 0;
    case RE_NL_ANYCRLF:
        if (c == '\r')
            return pos + 1 < m->len && m->s[pos + 1] == '\n' ? 2 : 1;
        return c == '\n';
    case RE_NL_ANY: {
        if (c == '\r')
            return pos + 1 < m->len && m->s[pos + 1] == '\n' ? 2 : 1;
        if (c >= 0x0A && c <= 0x0D)
            return 1;
        int32_t next;
        uint32_t u = char_at(m, pos, &next);
        if (u == 0x85 || u == 0x2028 || u == 0x2029)
            return next - pos;
        return 0;
    }
    default:
        return c == '\n';
    }
}

/* Whether a newline ends just before pos. */
static bool newline_before(const struct matcher *m, int32_t pos)
{
    if (pos <= 0)
        return false;
    uint8_t c = m->s[pos - 1];
    switch (m->nl) {
    case RE_NL_CR:
        return c == '\r';
    case RE_NL_CRLF:
        return c == '\n' && pos >= 2 && m->s[pos - 2] == '\r';
    case RE_NL_ANYCRLF:
        return c == '\n' || (c == '\r' && !(pos < m->len && m->s[pos] == '\n'));
    case RE_NL_ANY: {
        if (c == '\r')
            return !(pos < m->len && m->s[pos] == '\n');
        if (c >= 0x0A && c <= 0x0D)
            return true;
        uint32_t u = char_before(m, pos);
        return u == 0x85 || u == 0x2028 || u == 0x2029;
    }
    default:
        return c == '\n';
    }
}

/* item_match() for the mandatory iterations of OP_REPEAT (PCRE's min loop, see word_escape). */
static bool item_match_min(const struct matcher *m, const struct re_inst *in, int32_t pos,
                           int32_t *next);

/* Matches one single-character instruction at pos; *next is the position after it. */
static bool item_match(const struct matcher *m, const struct re_inst *in, int32_t pos,
                       int32_t *next)
{
    if (pos >= m->len)
        return false;
    uint32_t c = char_at(m, pos, next);
    switch (in->op) {
    case OP_CHAR:
        return c == (uint32_t)in->x;
    case OP_CHARI:
        return re_fold(c, m->utf) == (uint32_t)in->x;
    case OP_ANY:
        return newline_at(m, pos) == 0;
    case OP_ALLANY:
        return true;
    case OP_CLASS:
        return re_class_match(&m->prog->classes[in->x], c, m->utf, m->ucp);
    default:
        return false;
    }
}

static bool item_match_min(const struct matcher *m, const struct re_inst *in, int32_t pos,
                           int32_t *next)
{
    if (in->op == OP_CLASS && m->utf && !m->ucp && m->prog->classes[in->x].word_escape &&
        pos < m->len) {
        uint32_t c = char_at(m, pos, next);
        if (c >= 128 && c <= 255)
            return m->prog->classes[in->x].word_escape == 2;
    }
    return item_match(m, in, pos, next);
}

static bool assert_ok(const struct matcher *m, enum re_assert kind, int32_t pos)
{
    bool notbol = m->xopts & RE_X_NOTBOL, noteol = m->xopts & RE_X_NOTEOL;
    switch (kind) {
    case AS_BOL:
        return pos == 0 && !notbol;
    case AS_MBOL:
        if (pos == 0)
            return !notbol;
        return pos < m->len && newline_before(m, pos);
    case AS_EOL: {
        if (noteol)
            return false;
        int32_t nl = newline_at(m, pos);
        return pos == m->len || (nl && pos + nl == m->len);
    }
    case AS_EOL_ONLY:
        return pos == m->len && !noteol;
    case AS_MEOL:
        if (pos == m->len)
            return !noteol;
        return newline_at(m, pos) > 0;
    case AS_BEGIN:
        return pos == 0;
    case AS_END:
        return pos == m->len;
    case AS_ENDZ: {
        int32_t nl = newline_at(m, pos);
        return pos == m->len || (nl && pos + nl == m->len);
    }
    case AS_START:
        return pos == m->start_offset;
    case AS_WORDB:
    case AS_NWORDB: {
        bool before = pos > 0 && re_is_word(char_before(m, pos), m->ucp);
        int32_t next;
        bool after = pos < m->len && re_is_word(char_at(m, pos, &next), m->ucp);
        return (before != after) == (kind == AS_WORDB);
    }
    }
    return false;
}

/* --- the stack ---------------------------------------------------------------------------- */

static bool push(struct matcher *m, struct bt e)
{
    if (m->sp == m->cap) {
        if (m->cap >= m->stack_limit)
            return false;
        size_t cap = m->cap ? m->cap * 2 : 256;
        if (cap > m->stack_limit)
            cap = m->stack_limit;
        m->stack = rt_realloc(m->stack, cap * sizeof *m->stack);
        m->cap = cap;
    }
    m->stack[m->sp++] = e;
    return true;
}

/* Drops the choice points above the barrier at `b` and the barrier, keeping slot restores. */
static void cut_to(struct matcher *m, size_t b)
{
    size_t k = b;
    for (size_t i = b + 1; i < m->sp; i++)
        if (m->stack[i].kind == BT_SLOT)
            m->stack[k++] = m->stack[i];
    m->sp = k;
}

/* --- one attempt -------------------------------------------------------------------------- */

enum { R_MATCH = 1, R_FAIL = 0 };

static int run(struct matcher *m, int32_t start)
{
    const struct re_inst *code = m->prog->code;
    uint32_t pc = 0;
    int32_t pos = start;
    m->sp = 0;
    m->barrier = -1;
    if (++m->steps > m->limit) /* PCRE's first match() call counts too */
        return RE_ERR_MATCHLIMIT;
    for (unsigned i = 0; i < m->prog->nslots; i++)
        m->slots[i] = -1;

    for (;;) {
        const struct re_inst *in = &code[pc];
        int32_t next;
        switch ((enum re_op)in->op) {
        case OP_CHAR:
        case OP_CHARI:
        case OP_ANY:
        case OP_ALLANY:
        case OP_CLASS:
            if (!item_match(m, in, pos, &next))
                goto fail;
            pos = next;
            pc++;
            continue;
        case OP_REPEAT: {
            const struct re_inst *item = &code[pc + 1];
            int32_t min = in->x, max = in->y, count = 0;
            if (in->flags & RF_LAZY) {
                while (count < min) {
                    if (!item_match_min(m, item, pos, &next))
                        goto fail;
                    pos = next;
                    count++;
                }
                if (max < 0 || count < max) {
                    if (++m->steps > m->limit)
                        return RE_ERR_MATCHLIMIT;
                    if (!push(m, (struct bt){.kind = BT_LAZY, .pc = pc, .a = pos, .b = count}))
                        return RE_ERR_RECURSIONLIMIT;
                }
                pc += 2;
                continue;
            }
            int32_t minpos = min == 0 ? pos : -1;
            while (count < min) {
                if (!item_match_min(m, item, pos, &next))
                    goto fail;
                pos = next;
                if (++count == min)
                    minpos = pos;
            }
            while ((max < 0 || count < max) && item_match(m, item, pos, &next)) {
                pos = next;
                if (++count == min)
                    minpos = pos;
            }
            if (count < min)
                goto fail;
            if (!(in->flags & RF_POSSESSIVE) && pos > minpos) {
                if (++m->steps > m->limit)
                    return RE_ERR_MATCHLIMIT;
                if (!push(m, (struct bt){.kind = BT_GREEDY, .pc = pc + 2, .a = minpos, .b = pos}))
                    return RE_ERR_RECURSIONLIMIT;
            }
            pc += 2;
            continue;
        }
        case OP_SPLIT:
            if (++m->steps > m->limit)
                return RE_ERR_MATCHLIMIT;
            if (!push(m, (struct bt){.kind = BT_CHOICE, .pc = (uint32_t)in->y, .a = pos}))
                return RE_ERR_RECURSIONLIMIT;
            pc = (uint32_t)in->x;
            continue;
        case OP_JMP:
            pc = (uint32_t)in->x;
            continue;
        case OP_SAVE:
        case OP_LOOP_MARK:
            if (!push(m, (struct bt){.kind = BT_SLOT, .pc = (uint32_t)in->x, .a = m->slots[in->x]}))
                return RE_ERR_RECURSIONLIMIT;
            m->slots[in->x] = pos;
            pc++;
            continue;
        case OP_KEEP:
            if (!push(m, (struct bt){.kind = BT_SLOT, .pc = 0, .a = m->slots[0]}))
                return RE_ERR_RECURSIONLIMIT;
            m->slots[0] = pos;
            pc++;
            continue;
        case OP_LOOP_CHECK:
            pc = m->slots[in->x] == pos ? (uint32_t)in->y : pc + 1;
            continue;
        case OP_ASSERT:
            if (!assert_ok(m, (enum re_assert)in->flags, pos))
                goto fail;
            pc++;
            continue;
        case OP_COND:
            pc = m->slots[2 * in->x] >= 0 ? pc + 1 : (uint32_t)in->y;
            continue;
        case OP_BACKREF: {
            int32_t s = m->slots[2 * in->x], e = m->slots[2 * in->x + 1];
            if (s < 0 || e < s)
                goto fail;
            if (!(in->flags & 1)) {
                if (e - s > m->len - pos || !rt_memeq(m->s + s, m->s + pos, (size_t)(e - s)))
                    goto fail;
                pos += e - s;
            } else {
                int32_t p = pos;
                while (s < e) {
                    int32_t n1, n2;
                    if (p >= m->len)
                        goto fail;
                    uint32_t a = char_at(m, s, &n1), b = char_at(m, p, &n2);
                    if (a != b && re_fold(a, m->utf) != re_fold(b, m->utf))
                        goto fail;
                    s = n1;
                    p = n2;
                }
                pos = p;
            }
            pc++;
            continue;
        }
        case OP_NLSEQ: {
            if (pos >= m->len)
                goto fail;
            uint32_t c = char_at(m, pos, &next);
            if (c == '\r') {
                pos = pos + 1 < m->len && m->s[pos + 1] == '\n' ? pos + 2 : pos + 1;
            } else if (c == '\n' || (!m->bsr_anycrlf && (c == 0x0B || c == 0x0C || c == 0x85 ||
                                                         c == 0x2028 || c == 0x2029))) {
                pos = next;
            } else {
                goto fail;
            }
            pc++;
            continue;
        }
        case OP_LOOK: {
            if (!push(m, (struct bt){.kind = BT_LOOK,
                                     .flags = in->flags,
                                     .pc = (uint32_t)in->y,
                                     .a = pos,
                                     .b = m->barrier}))
                return RE_ERR_RECURSIONLIMIT;
            m->barrier = (int32_t)(m->sp - 1);
            if (in->flags & LK_BEHIND) {
                for (int32_t i = 0; i < in->x; i++) {
                    if (pos <= 0)
                        goto fail;
                    pos = prev_pos(m, pos);
                }
            }
            pc++;
            continue;
        }
        case OP_LOOK_END: {
            size_t b = (size_t)m->barrier;
            struct bt t = m->stack[b];
            if (t.flags & LK_NEG) {
                /* The body matched: the negative assertion fails. Undo the body. */
                while (m->sp > b + 1) {
                    struct bt *e = &m->stack[--m->sp];
                    if (e->kind == BT_SLOT)
                        m->slots[e->pc] = e->a;
                }
                m->sp = b;
                m->barrier = t.b;
                goto fail;
            }
            cut_to(m, b);
            m->barrier = t.b;
            pos = t.a;
            pc++;
            continue;
        }
        case OP_ATOMIC:
            if (!push(m, (struct bt){.kind = BT_ATOMIC, .a = pos, .b = m->barrier}))
                return RE_ERR_RECURSIONLIMIT;
            m->barrier = (int32_t)(m->sp - 1);
            pc++;
            continue;
        case OP_ATOMIC_END: {
            size_t b = (size_t)m->barrier;
            int32_t prev = m->stack[b].b;
            cut_to(m, b);
            m->barrier = prev;
            pc++;
            continue;
        }
        case OP_FAIL:
            goto fail;
        case OP_MATCH: {
            int32_t mstart = m->slots[0];
            if (pos == mstart &&
                ((m->xopts & RE_X_NOTEMPTY) ||
                 ((m->xopts & RE_X_NOTEMPTY_ATSTART) && mstart == m->start_offset)))
                goto fail;
            return R_MATCH;
        }
        }
    fail:
        for (;;) {
            if (m->sp == 0)
                return R_FAIL;
            struct bt *t = &m->stack[--m->sp];
            switch ((enum bt_kind)t->kind) {
            case BT_SLOT:
                m->slots[t->pc] = t->a;
                continue;
            case BT_CHOICE:
                if (++m->steps > m->limit)
                    return RE_ERR_MATCHLIMIT;
                pc = t->pc;
                pos = t->a;
                break;
            case BT_GREEDY: {
                if (++m->steps > m->limit)
                    return RE_ERR_MATCHLIMIT;
                int32_t p = prev_pos(m, t->b);
                if (p > t->a) {
                    t->b = p;
                    m->sp++;
                }
                pc = t->pc;
                pos = p;
                break;
            }
            case BT_LAZY: {
                const struct re_inst *rep = &code[t->pc];
                int32_t np;
                if (!item_match(m, &code[t->pc + 1], t->a, &np))
                    continue;
                if (++m->steps > m->limit)
                    return RE_ERR_MATCHLIMIT;
                int32_t count = t->b + 1;
                if (rep->y < 0 || count < rep->y) {
                    t->a = np;
                    t->b = count;
                    m->sp++;
                }
                pc = t->pc + 2;
                pos = np;
                break;
            }
            case BT_LOOK:
                m->barrier = t->b;
                if (t->flags & LK_NEG) {
                    /* The body failed: the negative assertion holds. */
                    pos = t->a;
                    pc = t->pc;
                    break;
                }
                continue;
            case BT_ATOMIC:
                m->barrier = t->b;
                continue;
            }
            break;
        }
    }
}

int re_exec(const struct re_prog *prog, const uint8_t *subject, size_t len, size_t start,
            uint32_t xoptions, uint64_t match_limit, uint64_t stack_limit, int *ovector)
{
    if (len > INT32_MAX || start > len)
        return RE_ERR_BADOFFSET;
    struct matcher m = {
        .prog = prog,
        .s = subject,
        .len = (int32_t)len,
        .start_offset = (int32_t)start,
        .utf = (prog->options & RE_UTF8) != 0,
        .ucp = (prog->options & RE_UCP) != 0,
        .nl = (xoptions & RE_NL_MASK) ? (xoptions & RE_NL_MASK) : (prog->options & RE_NL_MASK),
        .xopts = xoptions,
        .limit = match_limit,
        .stack_limit = stack_limit ? stack_limit : DEFAULT_STACK_LIMIT,
    };
    m.bsr_anycrlf = (xoptions & (RE_BSR_ANYCRLF | RE_BSR_UNICODE))
                        ? (xoptions & RE_BSR_ANYCRLF) != 0
                        : (prog->options & RE_BSR_ANYCRLF) != 0;
    if (m.utf && start < len && (subject[start] & 0xC0) == 0x80)
        return RE_ERR_BADUTF8_OFFSET;
    m.slots = rt_alloc(prog->nslots * sizeof *m.slots);
    bool anchored =
        (xoptions & RE_X_ANCHORED) || (prog->options & RE_ANCHORED) || prog->start_anchored;
    /* firstline: the match must start before the first newline at or after `start`. */
    int32_t limit_start = m.len;
    if (prog->options & RE_FIRSTLINE) {
        for (int32_t p = (int32_t)start; p < m.len; p++)
            if (newline_at(&m, p)) {
                limit_start = p;
                break;
            }
    }
    /* With a two-character newline convention, no match starts between CR and LF unless the
     * pattern itself names CR or LF (pcre_exec's rule). */
    bool skip_lf =
        !prog->has_cr_or_lf && (m.nl == RE_NL_CRLF || m.nl == RE_NL_ANY || m.nl == RE_NL_ANYCRLF);
    int rc = R_FAIL;
    int32_t s = (int32_t)start;
    for (;;) {
        if (s > limit_start)
            break;
        /* The budget is per start position, as PCRE resets its count of match() calls. */
        m.steps = 0;
        rc = run(&m, s);
        if (rc != R_FAIL || anchored || s >= m.len)
            break;
        int32_t next;
        char_at(&m, s, &next);
        if (skip_lf && next < m.len && m.s[next - 1] == '\r' && m.s[next] == '\n')
            next++;
        s = next;
    }
    int result;
    if (rc == R_MATCH) {
        result = 1;
        for (unsigned g = 0; g <= prog->ncap; g++) {
            ovector[2 * g] = m.slots[2 * g];
            ovector[2 * g + 1] = m.slots[2 * g + 1];
            if (m.slots[2 * g] >= 0)
                result = (int)g + 1;
            else
                ovector[2 * g + 1] = -1;
        }
    } else {
        result = rc == R_FAIL ? RE_NOMATCH : rc;
    }
    rt_free(m.slots);
    rt_free(m.stack);
    return result;
}
