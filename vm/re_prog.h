/*
 * re_prog.h: the compiled form of a regular expression, shared by its compiler (re_compile.c)
 * and its matcher (re_exec.c), and the character properties both use (re_chars.c). Not part of
 * the engine's interface (vm/re.h).
 *
 * A program is an array of instructions for a backtracking machine: the matcher keeps one
 * position and one program counter, and an explicit stack of choice points, saved capture
 * slots and barriers (lookaround and atomic groups). Slots 0 .. 2*ncap+1 are the capture
 * offsets (ovector); slots after them are loop registers (the position an iteration of a
 * loop that can match empty started at).
 */
#ifndef ZVM_RE_PROG_H
#define ZVM_RE_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/re.h"

enum re_op {
    OP_CHAR,       /* x: code point */
    OP_CHARI,      /* x: case-folded code point; the subject's char is folded too */
    OP_ANY,        /* any char but a newline (by the newline convention) */
    OP_ALLANY,     /* any char */
    OP_CLASS,      /* x: class index */
    OP_REPEAT,     /* the next instruction (one char wide) repeated x..y times (y < 0: no
                    * limit), flags RF_*; continues after the item */
    OP_SPLIT,      /* try x; on failure y */
    OP_JMP,        /* x */
    OP_SAVE,       /* slot x = position */
    OP_ASSERT,     /* flags: enum re_assert */
    OP_BACKREF,    /* x: group; flags & 1: caseless */
    OP_LOOK,       /* lookaround starts: flags LK_*, x: char count behind, body follows */
    OP_LOOK_END,   /* the body of the innermost lookaround matched */
    OP_ATOMIC,     /* an atomic group's body follows */
    OP_ATOMIC_END, /* it matched: its choice points are dropped */
    OP_LOOP_MARK,  /* slot x = position (an iteration starts) */
    OP_LOOP_CHECK, /* when slot x == position (the iteration matched empty), jump to y */
    OP_COND,       /* group x set: next; else jump to y */
    OP_NLSEQ,      /* \R: CRLF or one newline char (flags & 1: only CR, LF, CRLF) */
    OP_KEEP,       /* \K: slot 0 = position */
    OP_FAIL,
    OP_MATCH,
};

enum { RF_LAZY = 1, RF_POSSESSIVE = 2 };
enum { LK_BEHIND = 1, LK_NEG = 2 };

enum re_assert {
    AS_BOL,      /* ^ */
    AS_MBOL,     /* ^ multiline */
    AS_EOL,      /* $ */
    AS_EOL_ONLY, /* $ with dollar_endonly */
    AS_MEOL,     /* $ multiline */
    AS_BEGIN,    /* \A */
    AS_END,      /* \z */
    AS_ENDZ,     /* \Z */
    AS_START,    /* \G */
    AS_WORDB,    /* \b */
    AS_NWORDB,   /* \B */
};

struct re_inst {
    uint8_t op;
    uint8_t flags;
    uint16_t pad;
    int32_t x;
    int32_t y;
};

/* Character property tests a class can hold beyond its explicit characters. */
enum re_prop {
    PR_DIGIT,  /* \d */
    PR_SPACE,  /* \s */
    PR_WORD,   /* \w */
    PR_HSPACE, /* \h */
    PR_VSPACE, /* \v */
    PR_ALPHA,
    PR_LOWER,
    PR_UPPER,
    PR_ALNUM,
    PR_ASCII,
    PR_BLANK,
    PR_CNTRL,
    PR_GRAPH,
    PR_PRINT,
    PR_PUNCT,
    PR_XDIGIT,
    PR_POSIX_SPACE, /* [:space:] */
    PR_ANY,         /* \p{Any} */
    PR_L,           /* \p{L} and the categories: letters */
    PR_LU,
    PR_LL,
    PR_N, /* numbers */
    PR_ND,
    PR_P,   /* punctuation */
    PR_S,   /* symbols */
    PR_Z,   /* separators */
    PR_XAN, /* \p{Xan}: letters and numbers */
    PR_XSP, /* \p{Xsp}, \p{Xps}: separators and white space */
    PR_XWD, /* \p{Xwd}: letters, numbers, underscore */
};

struct re_class {
    uint32_t bits[8]; /* code points 0..255 */
    uint32_t *ranges; /* pairs [lo, hi] of code points >= 256 */
    uint32_t nranges;
    uint8_t props[12]; /* (prop << 1 | negated) tests, for every code point >= 128 */
    uint8_t nprops;
    bool negated;
    bool caseless;
    /*
     * 1 for a lone \w, 2 for \W: in UTF-8 mode without ucp, PCRE 8.44 matches the mandatory
     * part of a repeat of these (the first n of \w{n,m}, \w+) by ASCII rules, where Latin-1
     * letters are not word characters, and the rest by its Latin-1 tables. zvm does the same.
     */
    uint8_t word_escape;
};

struct re_name {
    uint8_t *name;
    size_t len;
    unsigned group;
};

struct re_prog {
    uint32_t options;
    unsigned ncap;
    unsigned nslots;
    struct re_inst *code;
    unsigned ncode;
    struct re_class *classes;
    unsigned nclasses;
    struct re_name *names;
    unsigned nnames;
    bool start_anchored; /* every match starts where the search starts (\A, ^, \G first) */
    bool has_cr_or_lf;   /* the pattern names CR or LF: the CRLF start rule does not apply */
};

/* Character properties (re_chars.c). `ucp`: Unicode properties; else OTP's Latin-1 tables. */
bool re_is_digit(uint32_t c, bool ucp);
bool re_is_space(uint32_t c, bool ucp);
bool re_is_word(uint32_t c, bool ucp);
bool re_is_hspace(uint32_t c);
bool re_is_vspace(uint32_t c);
bool re_prop_test(enum re_prop prop, uint32_t c, bool ucp);
/* Simple case folding: Unicode's when `utf`, else ASCII only (PCRE's default tables). */
uint32_t re_fold(uint32_t c, bool utf);
/* The other-case characters of c besides c (at most 3 written to out). */
unsigned re_other_cases(uint32_t c, bool utf, uint32_t out[3]);
bool re_class_match(const struct re_class *cl, uint32_t c, bool utf, bool ucp);

#endif
