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

static bool ascii_alpha(uint32_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static bool ascii_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
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
    if (c < 128 || !ucp)
        return ascii_digit(c);
    return category(c) == UC_Nd;
}

bool re_is_space(uint32_t c, bool ucp)
{
    if (c < 128 || !ucp)
        return (c >= 9 && c <= 13) || c == ' ';
    return cat_separator(category(c)) || re_is_hspace(c) || re_is_vspace(c);
}

bool re_is_word(uint32_t c, bool ucp)
{
    if (c < 128 || !ucp)
        return ascii_alpha(c) || ascii_digit(c) || c == '_';
    int k = category(c);
    return cat_letter(k) || cat_number(k);
}

bool re_prop_test(enum re_prop prop, uint32_t c, bool ucp)
{
    bool ascii = c < 128 || !ucp;
    switch (prop) {
    case PR_DIGIT:
        return re_is_digit(c, ucp);
    case PR_SPACE:
    case PR_POSIX_SPACE:
        return re_is_space(c, ucp);
    case PR_WORD:
        return re_is_word(c, ucp);
    case PR_HSPACE:
        return re_is_hspace(c);
    case PR_VSPACE:
        return re_is_vspace(c);
    case PR_ALPHA:
        return ascii ? ascii_alpha(c) : cat_letter(category(c));
    case PR_LOWER:
        return ascii ? (c >= 'a' && c <= 'z') : category(c) == UC_Ll;
    case PR_UPPER:
        return ascii ? (c >= 'A' && c <= 'Z') : category(c) == UC_Lu;
    case PR_ALNUM:
        if (ascii)
            return ascii_alpha(c) || ascii_digit(c);
        return cat_letter(category(c)) || cat_number(category(c));
    case PR_ASCII:
        return c < 128;
    case PR_BLANK:
        return ascii ? (c == ' ' || c == '\t') : re_is_hspace(c);
    case PR_CNTRL:
        return ascii ? (c < 32 || c == 127) : category(c) == UC_Cc;
    case PR_GRAPH:
        if (ascii)
            return c > 32 && c < 127;
        return !cat_separator(category(c)) && !cat_other(category(c));
    case PR_PRINT:
        if (ascii)
            return c >= 32 && c < 127;
        return category(c) == UC_Zs || (!cat_separator(category(c)) && !cat_other(category(c)));
    case PR_PUNCT:
        if (c < 128)
            return c > 32 && c < 127 && !ascii_alpha(c) && !ascii_digit(c);
        return ucp && cat_punct(category(c));
    case PR_XDIGIT:
        return ascii_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
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
    }
    return false;
}

/* --- case folding ------------------------------------------------------------------------- */

uint32_t re_fold(uint32_t c, bool utf)
{
    if (c < 128)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
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
        if (c < 128 && ascii_alpha(c))
            out[n++] = c ^ 0x20;
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
