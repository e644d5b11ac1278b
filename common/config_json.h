/*
 * config_json: strict reading of one JSON document for the configuration (config.c).
 *
 * jsmn (JSMN_STRICT) tokenizes; this layer adds what jsmn leaves out and walks the tokens in
 * document order with a cursor, checking every byte between tokens against the JSON grammar, so
 * what jsmn tolerates ({"a" "b"}, [1 2], trailing commas, several top-level values, `tru`,
 * `01`, raw control characters in strings, NUL bytes, invalid UTF-8) is rejected here.
 *
 * Contract:
 * - cj_open checks the whole input (UTF-8, no NUL, jsmn tokenization) and returns the root
 *   value; cj_close frees what cj_open allocated and is safe on a failed or closed document.
 * - Values are read in document order. Scalars are consumed when an iterator returns them; a
 *   container returned by an iterator must be walked to its end (cj_*_begin, then cj_*_next
 *   until it returns 0) before the enclosing iterator's next call. Any error stops the walk.
 * - Iterators keep the key path of the value being read ("proxy.listen", "guest.command[2]").
 * - Every failure writes one message to the document's err buffer,
 *     FILE:LINE:COLUMN: KEY.PATH: what is wrong
 *   and returns -1. LINE and COLUMN are 1-based; COLUMN counts characters (UTF-8 code points),
 *   a tab counting as one. The root's path is written "(top level)".
 */
#ifndef ZERG_CONFIG_JSON_H
#define ZERG_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inputs larger than this are refused (a configuration file is a few KiB). */
#define CJ_MAX_INPUT (1024 * 1024)
#define CJ_MAX_PATH  256
/* Objects and arrays nest at most this deep (the schema needs 3). */
#define CJ_MAX_DEPTH 32

enum cj_type { CJ_OBJECT, CJ_ARRAY, CJ_STRING, CJ_NUMBER, CJ_TRUE, CJ_FALSE, CJ_NULL };

struct cj_value {
    enum cj_type type;
    int tok;      /* jsmn token index */
    size_t start; /* offset of the value's first byte (the quote of a string) */
    size_t end;   /* offset just past the value */
};

struct cj_iter {
    int tok;          /* the container */
    size_t pos;       /* cursor in the text */
    size_t prev_end;  /* end of the value returned last (0: none yet) */
    size_t path_base; /* length of the container's own path */
    int index;        /* members or elements returned so far */
};

struct cj_doc {
    const char *text;
    size_t len;
    const char *filename; /* for messages */
    void *toks;           /* jsmntok_t[], private to config_json.c */
    int ntok;
    int next_tok; /* the walking cursor */
    char path[CJ_MAX_PATH];
    size_t pathlen;
    char *err;
    size_t errlen;
};

/* Checks and tokenizes text; *root is the top-level value (an object, or it fails). */
int cj_open(struct cj_doc *d, const char *text, size_t len, const char *filename, char *err,
            size_t errlen, struct cj_value *root);
/* After the root has been walked: nothing but whitespace may follow it. */
int cj_finish(struct cj_doc *d, const struct cj_value *root);
void cj_close(struct cj_doc *d);

int cj_object_begin(struct cj_doc *d, const struct cj_value *obj, struct cj_iter *it);
/* 1: a member (key decoded into *key, NUL-terminated, malloc'd; *key_off its quote's offset;
 * its value in *v); 0: end of the object; -1: error. The path now ends in ".key". */
int cj_object_next(struct cj_doc *d, struct cj_iter *it, char **key, size_t *key_off,
                   struct cj_value *v);
int cj_array_begin(struct cj_doc *d, const struct cj_value *arr, struct cj_iter *it);
/* 1: an element in *v (the path ends in "[i]"); 0: end; -1: error. */
int cj_array_next(struct cj_doc *d, struct cj_iter *it, struct cj_value *v);

/* Decodes a string value (escapes, surrogate pairs) into a malloc'd NUL-terminated UTF-8
 * string; \u0000 and raw control characters are refused. */
int cj_string(struct cj_doc *d, const struct cj_value *v, char **out, size_t *outlen);
/* An integer in [min, max]: no fraction, no exponent, no sign unless negative. */
int cj_u32(struct cj_doc *d, const struct cj_value *v, uint32_t min, uint32_t max, uint32_t *out);

/* 1-based line and column (in characters) of byte offset off. */
void cj_line_col(const struct cj_doc *d, size_t off, unsigned *line, unsigned *col);
/* "an object", "a string", ... for messages. */
const char *cj_type_name(enum cj_type t);

/* Writes the error message at byte offset off with the current path; returns -1. */
int cj_fail(struct cj_doc *d, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with an explicit key path (cross-field checks made after the walk). */
int cj_fail_path(struct cj_doc *d, size_t off, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies s into buf for a message: non-printable bytes as \xHH, cut with "..." if long. */
const char *cj_printable(const char *s, size_t n, char *buf, size_t buflen);

#endif
