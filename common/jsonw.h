/*
 * jsonw: a small streaming JSON writer into an evbuffer (for /instances and bench output).
 *
 * The writer tracks nesting and commas itself: callers open/close objects and arrays and add
 * keys and values in order. Strings are escaped per RFC 8259 (control characters as \u00XX,
 * bytes >= 0x80 passed through: callers give UTF-8 or escape first). Depth is bounded by
 * JSONW_MAX_DEPTH; deeper opens are ignored and flag the writer as failed (jsonw_ok() == 0).
 */
#ifndef ZERG_JSONW_H
#define ZERG_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define JSONW_MAX_DEPTH 16

struct jsonw {
    struct evbuffer *out;
    int depth;
    bool need_comma[JSONW_MAX_DEPTH + 1];
    bool after_key;
    bool failed;
};

void jsonw_init(struct jsonw *w, struct evbuffer *out);
void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_stringn(struct jsonw *w, const char *s, size_t n);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Shorthands for a key followed by a value. */
void jsonw_kv_str(struct jsonw *w, const char *key, const char *s);
void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_kv_double(struct jsonw *w, const char *key, double v);
void jsonw_kv_bool(struct jsonw *w, const char *key, bool v);
int jsonw_ok(const struct jsonw *w);

#endif
