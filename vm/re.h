/*
 * re.h: zvm's regular-expression engine, the machinery behind the `re` BIFs (vm/bif_re.c).
 *
 * re_compile() turns a pattern in PCRE syntax (the subset docs/vm.md lists) into a program;
 * re_exec() runs a program over a subject with a backtracking matcher whose backtrack stack is
 * an explicit heap array (never the C stack) and whose work is bounded by a step budget, so no
 * pattern can hang the VM or overflow the stack: past the budget it returns RE_ERR_MATCHLIMIT,
 * as PCRE returns PCRE_ERROR_MATCHLIMIT.
 *
 * Positions are byte offsets into the subject, as in PCRE, also in UTF-8 mode (where the
 * subject must be valid UTF-8: re_utf8_check()). Errors of compilation carry PCRE's message
 * text and a byte offset into the pattern close to where PCRE reports it.
 *
 * The engine is freestanding: it allocates through rt_alloc() and calls nothing else.
 */
#ifndef ZVM_RE_H
#define ZVM_RE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compile options (PCRE's meanings). */
enum {
    RE_CASELESS = 1u << 0,
    RE_MULTILINE = 1u << 1,
    RE_DOTALL = 1u << 2,
    RE_EXTENDED = 1u << 3,
    RE_ANCHORED = 1u << 4,
    RE_DOLLAR_ENDONLY = 1u << 5,
    RE_UNGREEDY = 1u << 6,
    RE_UTF8 = 1u << 7,
    RE_UCP = 1u << 8,
    RE_NO_AUTO_CAPTURE = 1u << 9,
    RE_DUPNAMES = 1u << 10,
    RE_FIRSTLINE = 1u << 11,
    RE_NEVER_UTF = 1u << 12,
    RE_NO_START_OPTIMIZE = 1u << 13,
    RE_BSR_ANYCRLF = 1u << 14,
    RE_BSR_UNICODE = 1u << 15,
    /* Newline convention: one of these in RE_NL_MASK (0: the default, LF). */
    RE_NL_CR = 1u << 16,
    RE_NL_LF = 2u << 16,
    RE_NL_CRLF = 3u << 16,
    RE_NL_ANYCRLF = 4u << 16,
    RE_NL_ANY = 5u << 16,
    RE_NL_MASK = 7u << 16,
};

/* Execution options. */
enum {
    RE_X_NOTBOL = 1u << 0,
    RE_X_NOTEOL = 1u << 1,
    RE_X_NOTEMPTY = 1u << 2,
    RE_X_NOTEMPTY_ATSTART = 1u << 3,
    RE_X_ANCHORED = 1u << 4,
    /* RE_NL_* and RE_BSR_* bits may also be given: they override the pattern's. */
};

/* re_exec() results below zero. */
enum {
    RE_NOMATCH = -1,
    RE_ERR_MATCHLIMIT = -8,
    RE_ERR_RECURSIONLIMIT = -21, /* the backtrack stack outgrew its bound */
    RE_ERR_BADOFFSET = -24,
    RE_ERR_BADUTF8_OFFSET = -11,
};

#define RE_DEFAULT_MATCH_LIMIT 10000000u

struct re_prog;

struct re_error {
    const char *message; /* PCRE's text for the error */
    size_t offset;       /* byte offset in the pattern */
};

/*
 * Compiles `len` bytes of `pattern` (it may contain NUL bytes) with RE_* options. Returns the
 * program, or NULL with *err filled in. A program is released with re_prog_free().
 */
struct re_prog *re_compile(const uint8_t *pattern, size_t len, uint32_t options,
                           struct re_error *err);
void re_prog_free(struct re_prog *prog);

/* Capturing groups (not counting the whole match). */
unsigned re_capture_count(const struct re_prog *prog);
/* The options the program was compiled with, including those set by (*UTF8), (*CR)... */
uint32_t re_options(const struct re_prog *prog);
/* Named groups, sorted by name (byte order), as PCRE's name table: entry `i` of re_name_count. */
unsigned re_name_count(const struct re_prog *prog);
const uint8_t *re_name_at(const struct re_prog *prog, unsigned i, size_t *len, unsigned *group);

/*
 * Matches `prog` against subject[0..len) starting at byte `start`. `ovector` has room for
 * 2 * (re_capture_count() + 1) ints: pairs of start and end offsets, -1 for unset groups.
 * Returns the number of pairs set (the highest set group + 1, as pcre_exec), or a negative
 * RE_* code. `match_limit` bounds the steps (choice points made and resumed) of each start
 * position, as PCRE's match_limit bounds its match() calls (RE_DEFAULT_MATCH_LIMIT is PCRE's
 * default). `stack_limit` bounds the backtrack stack's entries (0: the default).
 */
int re_exec(const struct re_prog *prog, const uint8_t *subject, size_t len, size_t start,
            uint32_t xoptions, uint64_t match_limit, uint64_t stack_limit, int *ovector);

/* True when `s` is valid UTF-8 as PCRE requires (no surrogates, no overlongs, <= 0x10FFFF). */
bool re_utf8_check(const uint8_t *s, size_t len);

/* PCRE's version string, the one OTP 25 reports from re:version(). */
#define RE_VERSION_STRING "8.44 2020-02-12"

#endif
