/*
 * Unit tests of the regular-expression engine (vm/re.h): matches and captures, PCRE's error
 * texts, the bounds that keep hostile patterns from hanging or overflowing (step budget,
 * backtrack stack, nesting, program size), and random patterns and subjects that must never
 * crash the sanitizer build or return offsets outside the subject.
 */
#include <string.h>

#include "unit.h"
#include "vm/re.h"

/* Compiles and runs; returns re_exec's result and fills ov (room for 20 groups). */
static int match(const char *pat, uint32_t copts, const char *subj, size_t start, uint32_t xopts,
                 int *ov)
{
    struct re_error err;
    struct re_prog *p = re_compile((const uint8_t *)pat, strlen(pat), copts, &err);
    if (!p)
        return -1000;
    CU_ASSERT(re_capture_count(p) < 20);
    int rc = re_exec(p, (const uint8_t *)subj, strlen(subj), start, xopts, RE_DEFAULT_MATCH_LIMIT,
                     0, ov);
    re_prog_free(p);
    return rc;
}

static void test_matches_and_captures(void)
{
    int ov[42];
    CU_ASSERT_EQUAL(match("b", 0, "abc", 0, 0, ov), 1);
    CU_ASSERT(ov[0] == 1 && ov[1] == 2);
    CU_ASSERT_EQUAL(match("(a)|(b)", 0, "b", 0, 0, ov), 3);
    CU_ASSERT(ov[2] == -1 && ov[4] == 0 && ov[5] == 1);
    /* Trailing unset groups are not counted, as pcre_exec. */
    CU_ASSERT_EQUAL(match("(a)|(b)", 0, "a", 0, 0, ov), 2);
    CU_ASSERT_EQUAL(match("^(\\w+)\\s(\\w+)$", 0, "hello world", 0, 0, ov), 3);
    CU_ASSERT(ov[4] == 6 && ov[5] == 11);
    CU_ASSERT_EQUAL(match("(?<=a)b", 0, "ab", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(match("(?<!a)b", 0, "ab", 0, 0, ov), RE_NOMATCH);
    CU_ASSERT_EQUAL(match("(?>a+)a", 0, "aaa", 0, 0, ov), RE_NOMATCH);
    CU_ASSERT_EQUAL(match("(a+)\\1", 0, "aaaa", 0, 0, ov), 2);
    CU_ASSERT(ov[0] == 0 && ov[1] == 4 && ov[3] == 2);
    CU_ASSERT_EQUAL(match("a*?b", RE_UNGREEDY, "aab", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(match("HELLO", RE_CASELESS, "xhello", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(ov[0], 1);
    CU_ASSERT_EQUAL(match("^b", RE_MULTILINE, "a\nb", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(match("^b", 0, "a\nb", 0, 0, ov), RE_NOMATCH);
    CU_ASSERT_EQUAL(match("a", 0, "ba", 0, RE_X_ANCHORED, ov), RE_NOMATCH);
    CU_ASSERT_EQUAL(match("a*", 0, "b", 0, RE_X_NOTEMPTY, ov), RE_NOMATCH);
    /* UTF-8: positions are bytes, a dot is a character. */
    CU_ASSERT_EQUAL(match("^.$", RE_UTF8, "\xc3\xa9", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(match("^.$", 0, "\xc3\xa9", 0, 0, ov), RE_NOMATCH);
    CU_ASSERT_EQUAL(match("\xc3\xa9", RE_UTF8 | RE_CASELESS, "\xc3\x89", 0, 0, ov), 1);
    CU_ASSERT_EQUAL(match("a", RE_UTF8, "\xc3\xa9", 1, 0, ov), RE_ERR_BADUTF8_OFFSET);
    CU_ASSERT_EQUAL(match("a", 0, "abc", 4, 0, ov), RE_ERR_BADOFFSET);
}

static void expect_error(const char *pat, const char *msg, size_t offset)
{
    struct re_error err = {0};
    struct re_prog *p = re_compile((const uint8_t *)pat, strlen(pat), 0, &err);
    CU_ASSERT_PTR_NULL(p);
    re_prog_free(p);
    CU_ASSERT_STRING_EQUAL(err.message ? err.message : "", msg);
    CU_ASSERT_EQUAL(err.offset, offset);
}

static void test_pcre_errors(void)
{
    expect_error("(", "missing )", 1);
    expect_error(")", "unmatched parentheses", 0);
    expect_error("a**", "nothing to repeat", 2);
    expect_error("[a", "missing terminating ] for character class", 2);
    expect_error("a{2,1}", "numbers out of order in {} quantifier", 5);
    expect_error("(?<=a+)b", "lookbehind assertion is not fixed length", 6);
    expect_error("\\2", "reference to non-existent subpattern", 2);
    expect_error("[z-a]", "range out of order in character class", 3);
}

static void test_bounds(void)
{
    int ov[42];
    struct re_error err;
    /* A catastrophic pattern ends at the budget, quickly. */
    const char *cat = "(a+)+$";
    struct re_prog *p = re_compile((const uint8_t *)cat, strlen(cat), 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    char s[64];
    memset(s, 'a', 40);
    s[40] = 'b';
    CU_ASSERT_EQUAL(re_exec(p, (const uint8_t *)s, 41, 0, 0, 100000, 0, ov), RE_ERR_MATCHLIMIT);
    CU_ASSERT_EQUAL(re_exec(p, (const uint8_t *)s, 41, 0, 0, 0, 0, ov), RE_ERR_MATCHLIMIT);
    re_prog_free(p);
    /* The backtrack stack has a bound: a long run of group iterations hits it. */
    const char *grp = "(a|b)*c";
    p = re_compile((const uint8_t *)grp, strlen(grp), 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    static char big[20000];
    memset(big, 'a', sizeof big);
    CU_ASSERT_EQUAL(re_exec(p, (const uint8_t *)big, sizeof big, 0, RE_X_ANCHORED,
                            RE_DEFAULT_MATCH_LIMIT, 1000, ov),
                    RE_ERR_RECURSIONLIMIT);
    re_prog_free(p);
    /* Nesting and size limits are compile errors, not crashes. */
    static char deep[2000];
    for (int i = 0; i < 600; i++) {
        deep[i] = '(';
        deep[600 + i] = ')';
    }
    deep[1200] = 0;
    p = re_compile((const uint8_t *)deep, strlen(deep), 0, &err);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_STRING_EQUAL(err.message, "parentheses are too deeply nested");
    const char *huge = "((a{65535}){65535}){65535}";
    p = re_compile((const uint8_t *)huge, strlen(huge), 0, &err);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_STRING_EQUAL(err.message, "regular expression is too large");
}

static void test_utf8_check(void)
{
    CU_ASSERT_TRUE(re_utf8_check((const uint8_t *)"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10));
    CU_ASSERT_FALSE(re_utf8_check((const uint8_t *)"\xc3", 1));             /* truncated */
    CU_ASSERT_FALSE(re_utf8_check((const uint8_t *)"\xc0\x80", 2));         /* overlong */
    CU_ASSERT_FALSE(re_utf8_check((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    CU_ASSERT_FALSE(re_utf8_check((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > 0x10FFFF */
    CU_ASSERT_FALSE(re_utf8_check((const uint8_t *)"\xff", 1));
}

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFFFF;
}

/*
 * Random patterns over PCRE's metacharacters and random subjects: whatever compiles runs
 * within a small budget, and every offset it reports lies inside the subject. ASan/UBSan
 * check the rest.
 */
static void test_random_patterns(void)
{
    static const char *pieces[] = {
        "a",         "b",      "\xc3\xa9", ".",      "*",     "+",    "?",    "{2}",
        "{1,3}",     "{,",     "(",        ")",      "(?:",   "(?=",  "(?!",  "(?<=",
        "(?<!",      "(?>",    "(?<n>",    "\\k<n>", "|",     "[",    "]",    "[^",
        "-",         "\\d",    "\\w",      "\\s",    "\\b",   "^",    "$",    "\\1",
        "\\2",       "(?i)",   "(?m)",     "(?s)",   "(?x)",  "\\",   "\\x{", "}",
        "[:alpha:]", "\\p{L}", "\\Q",      "\\E",    "(?(1)", "\\R",  "\\K",  "#",
        "*?",        "++",     "(*FAIL)",  "\\G",    "\\z",   "\x80", "\xff",
    };
    const size_t npieces = sizeof pieces / sizeof pieces[0];
    static const uint32_t optsets[] = {0,
                                       RE_CASELESS | RE_MULTILINE,
                                       RE_UTF8,
                                       RE_UTF8 | RE_UCP,
                                       RE_EXTENDED | RE_DOTALL,
                                       RE_UNGREEDY | RE_NL_ANY};
    uint32_t seed = 12345;
    unsigned compiled = 0, ran = 0, bad_offsets = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char pat[256];
        size_t n = 0;
        int parts = (int)(rnd(&seed) % 12) + 1;
        for (int i = 0; i < parts; i++) {
            const char *pc = pieces[rnd(&seed) % npieces];
            size_t l = strlen(pc);
            if (n + l >= sizeof pat)
                break;
            memcpy(pat + n, pc, l);
            n += l;
        }
        uint32_t opts = optsets[rnd(&seed) % (sizeof optsets / sizeof optsets[0])];
        struct re_error err;
        struct re_prog *p = re_compile((const uint8_t *)pat, n, opts, &err);
        if (!p) {
            CU_ASSERT_PTR_NOT_NULL(err.message);
            CU_ASSERT(err.offset <= n);
            continue;
        }
        compiled++;
        int ov[2 * 64];
        unsigned ncap = re_capture_count(p);
        if (ncap >= 64) {
            re_prog_free(p);
            continue;
        }
        for (int k = 0; k < 4; k++) {
            char subj[40];
            size_t sl = rnd(&seed) % sizeof subj;
            static const char alphabet[] = "aab\n\r \xc3\xa9"
                                           "1_-";
            for (size_t i = 0; i < sl; i++)
                subj[i] = alphabet[rnd(&seed) % (sizeof alphabet - 1)];
            if ((re_options(p) & RE_UTF8) && !re_utf8_check((const uint8_t *)subj, sl))
                continue;
            size_t start = sl ? rnd(&seed) % (sl + 1) : 0;
            if ((re_options(p) & RE_UTF8) && start < sl && ((uint8_t)subj[start] & 0xC0) == 0x80)
                start = 0;
            uint32_t x = (rnd(&seed) & 1) ? RE_X_NOTEMPTY : 0;
            int rc = re_exec(p, (const uint8_t *)subj, sl, start, x, 20000, 4096, ov);
            ran++;
            for (int g = 0; g < rc; g++)
                if (ov[2 * g] >= 0 &&
                    (ov[2 * g] > (int)sl || ov[2 * g + 1] > (int)sl || ov[2 * g + 1] < 0))
                    bad_offsets++;
        }
        re_prog_free(p);
    }
    CU_ASSERT_EQUAL(bad_offsets, 0);
    CU_ASSERT(compiled > 2000); /* the generator does reach the matcher */
    CU_ASSERT(ran > 5000);
}

void unit_register_vm_re(void)
{
    UNIT_SUITE("vm_re", UNIT_TEST(test_matches_and_captures), UNIT_TEST(test_pcre_errors),
               UNIT_TEST(test_bounds), UNIT_TEST(test_utf8_check), UNIT_TEST(test_random_patterns));
}
