/*
 * re_chars.c: character properties and case folding for the regular-expression engine.
 *
 * Without `ucp`, \d \s \w and the POSIX classes are PCRE's default ("C" locale) tables: ASCII
 * only. With `ucp` they follow Unicode general categories (vm/re_ucd.c). Caseless matching
 * folds ASCII only in byte mode (PCRE's tables) and by Unicode simple case folding in UTF-8
 * mode, as PCRE built with Unicode property support does.
 */
#include "vm/re_prog.h"
#include "vm/re_ucd.h"
#include "vm/rt.h"

static int category(uint32_t c)
{
    unsigned lo = 0, hi = re_ucd_ncats;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (c < re_ucd_cats[mid].lo)
            hi = mid;
        else if (c > re_ucd_cats[mid].hi)
            lo = mid + 1;
        else
            return (int)re_ucd_cats[mid].cat;
    }
    return UC_Cn;
}

static bool cat_letter(int k)
{
    return k == UC_Ll || k == UC_Lm || k == UC_Lo || k == UC_Lt || k == UC_Lu;
}
static bool cat_number(int k)
{
    return k == UC_Nd || k == UC_Nl || k == UC_No;
}
static bool cat_punct(int k)
{
    return k >= UC_Pc && k <= UC_Ps;
}
static bool cat_symbol(int k)
{
    return k >= UC_Sc && k <= UC_So;
}
static bool cat_separator(int k)
{
    return k >= UC_Zl && k <= UC_Zs;
}
static bool cat_other(int k)
{
    return k >= UC_Cc && k <= UC_Cs;
}

/*
 * OTP builds PCRE with ISO 8859-1 character tables (erts/emulator/pcre's Latin-1 table): below
 * 256, these are the classes of the "C" library's Latin-1 locale. Without ucp they decide \d
 * \s \w and the POSIX classes for every code point below 256 (above it nothing matches them).
 */
static bool l1_upper(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}
static bool l1_lower(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || c == 0xAA || c == 0xB5 || c == 0xBA ||
           (c >= 0xDF && c <= 0xFF && c != 0xF7);
}
static bool l1_alpha(uint32_t c)
{
    return l1_upper(c) || l1_lower(c);
}
static bool l1_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}
static bool l1_space(uint32_t c)
{
    return (c >= 9 && c <= 13) || c == ' ';
}
static bool l1_graph(uint32_t c)
{
    return (c > 32 && c < 127) || (c >= 0xA0 && c <= 0xFF);
}
static bool l1_punct(uint32_t c)
{
    return l1_graph(c) && !l1_alpha(c) && !l1_digit(c);
}

/* A POSIX class or escape by the Latin-1 tables. */
static bool table_test(enum re_prop prop, uint32_t c)
{
    if (c > 0xFF)
        return false;
    switch (prop) {
    case PR_DIGIT:
        return l1_digit(c);
    case PR_SPACE:
    case PR_POSIX_SPACE:
        return l1_space(c);
    case PR_WORD:
        return l1_alpha(c) || l1_digit(c) || c == '_';
    case PR_ALPHA:
        return l1_alpha(c);
    case PR_LOWER:
        return l1_lower(c);
    case PR_UPPER:
        return l1_upper(c);
    case PR_ALNUM:
        return l1_alpha(c) || l1_digit(c);
    case PR_ASCII:
        return true; /* PCRE maps [:ascii:] to print|cntrl: every byte */
    case PR_BLANK:
        return c == ' ' || c == '\t';
    case PR_CNTRL:
        return c < 32 || (c >= 127 && c < 0xA0);
    case PR_GRAPH:
        return l1_graph(c);
    case PR_PRINT:
        return c == ' ' || l1_graph(c);
    case PR_PUNCT:
        return l1_punct(c);
    case PR_XDIGIT:
        return l1_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    default:
        return false;
    }
}

bool re_is_hspace(uint32_t c)
{
    return c == 0x09 || c == 0x20 || c == 0xA0 || c == 0x1680 || c == 0x180E ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool re_is_vspace(uint32_t c)
{
    return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool re_is_digit(uint32_t c, bool ucp)
{
    return re_prop_test(PR_DIGIT, c, ucp);
}

bool re_is_space(uint32_t c, bool ucp)
{
    return re_prop_test(PR_SPACE, c, ucp);
}

bool re_is_word(uint32_t c, bool ucp)
{
    return re_prop_test(PR_WORD, c, ucp);
}

/* PCRE's graph/print rules under ucp: not separators, not "other" (but most Cf are). */
static bool ucp_graph(uint32_t c, bool print)
{
    int k = category(c);
    if (print ? (k == UC_Zl || k == UC_Zp) : cat_separator(k))
        return false;
    if (!cat_other(k))
        return true;
    return k == UC_Cf && c != 0x061C && (print || c != 0x180E) && (c < 0x2066 || c > 0x2069);
}

bool re_prop_test(enum re_prop prop, uint32_t c, bool ucp)
{
    int k;
    switch (prop) {
    case PR_HSPACE:
        return re_is_hspace(c);
    case PR_VSPACE:
        return re_is_vspace(c);
    case PR_ANY:
        return true;
    case PR_L:
        return cat_letter(category(c));
    case PR_LU:
        return category(c) == UC_Lu;
    case PR_LL:
        return category(c) == UC_Ll;
    case PR_N:
        return cat_number(category(c));
    case PR_ND:
        return category(c) == UC_Nd;
    case PR_P:
        return cat_punct(category(c));
    case PR_S:
        return cat_symbol(category(c));
    case PR_Z:
        return cat_separator(category(c));
    case PR_XAN:
        k = category(c);
        return cat_letter(k) || cat_number(k);
    case PR_XSP:
        return cat_separator(category(c)) || re_is_hspace(c) || re_is_vspace(c);
    case PR_XWD:
        k = category(c);
        return cat_letter(k) || cat_number(k) || c == '_';
    default:
        break;
    }
    if (!ucp)
        return table_test(prop, c);
    /* ucp: PCRE's substitutes (\p{Nd}, \p{Xps}, \p{Xwd}, \p{L}, \h ...). */
    switch (prop) {
    case PR_DIGIT:
        return category(c) == UC_Nd;
    case PR_SPACE:
    case PR_POSIX_SPACE:
        return re_prop_test(PR_XSP, c, true);
    case PR_WORD:
        return re_prop_test(PR_XWD, c, true);
    case PR_ALPHA:
        return cat_letter(category(c));
    case PR_LOWER:
        return category(c) == UC_Ll;
    case PR_UPPER:
        return category(c) == UC_Lu;
    case PR_ALNUM:
        return re_prop_test(PR_XAN, c, true);
    case PR_BLANK:
        return re_is_hspace(c);
    case PR_GRAPH:
        return ucp_graph(c, false);
    case PR_PRINT:
        return ucp_graph(c, true);
    case PR_PUNCT:
        k = category(c);
        return cat_punct(k) || (c < 128 && cat_symbol(k));
    default:
        return table_test(prop, c);
    }
}

/* --- case folding ------------------------------------------------------------------------- */

uint32_t re_fold(uint32_t c, bool utf)
{
    if (c < 128 || (!utf && c <= 0xFF))
        return l1_upper(c) ? c + 32 : c; /* PCRE's Latin-1 lower-case table */
    if (!utf)
        return c;
    unsigned lo = 0, hi = re_ucd_nfolds;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (re_ucd_folds[mid].cp == c)
            return re_ucd_folds[mid].to;
        if (re_ucd_folds[mid].cp < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return c;
}

/*
 * The fold table inverted (sorted by folded value), built on first use: the characters that
 * fold to one value are its other cases. It lives as long as the VM (one allocation).
 */
struct unfold {
    uint32_t to, cp;
};
static struct unfold *unfold_tab;
static unsigned unfold_n;

static void unfold_build(void)
{
    unsigned n = re_ucd_nfolds + 26;
    struct unfold *t = rt_alloc(n * sizeof *t);
    unsigned k = 0;
    for (uint32_t c = 'A'; c <= 'Z'; c++)
        t[k++] = (struct unfold){c + 32, c};
    for (unsigned i = 0; i < re_ucd_nfolds; i++)
        t[k++] = (struct unfold){re_ucd_folds[i].to, re_ucd_folds[i].cp};
    /* Insertion sort by (to, cp): the table is nearly sorted already. */
    for (unsigned i = 1; i < k; i++) {
        struct unfold v = t[i];
        unsigned j = i;
        while (j > 0 && (t[j - 1].to > v.to || (t[j - 1].to == v.to && t[j - 1].cp > v.cp))) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = v;
    }
    unfold_n = k;
    unfold_tab = t;
}

unsigned re_other_cases(uint32_t c, bool utf, uint32_t out[3])
{
    unsigned n = 0;
    if (!utf) {
        /* PCRE's Latin-1 flip-case table: the letters with a case partner below 256. */
        if (l1_upper(c))
            out[n++] = c + 32;
        else if (c <= 0xFF && c != 0xDF && c != 0xFF && l1_lower(c) && l1_upper(c - 32))
            out[n++] = c - 32;
        return n;
    }
    if (!unfold_tab)
        unfold_build();
    uint32_t f = re_fold(c, true);
    if (f != c)
        out[n++] = f;
    unsigned lo = 0, hi = unfold_n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (unfold_tab[mid].to < f)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < unfold_n && unfold_tab[lo].to == f && n < 3; lo++)
        if (unfold_tab[lo].cp != c)
            out[n++] = unfold_tab[lo].cp;
    return n;
}

/* --- classes ------------------------------------------------------------------------------ */

static bool class_has(const struct re_class *cl, uint32_t c, bool ucp)
{
    if (c < 256) {
        if (cl->bits[c >> 5] & (1u << (c & 31)))
            return true;
    } else {
        unsigned lo = 0, hi = cl->nranges;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (c < cl->ranges[2 * mid])
                hi = mid;
            else if (c > cl->ranges[2 * mid + 1])
                lo = mid + 1;
            else
                return true;
        }
    }
    if (c >= 128)
        for (unsigned i = 0; i < cl->nprops; i++)
            if (re_prop_test((enum re_prop)(cl->props[i] >> 1), c, ucp) != (cl->props[i] & 1))
                return true;
    return false;
}

bool re_class_match(const struct re_class *cl, uint32_t c, bool utf, bool ucp)
{
    bool in = class_has(cl, c, ucp);
    if (!in && cl->caseless) {
        uint32_t o[3];
        unsigned n = re_other_cases(c, utf, o);
        for (unsigned i = 0; i < n && !in; i++)
            in = class_has(cl, o[i], ucp);
    }
    return in != cl->negated;
}
