/*
 * zlog: structured log lines, one event per line, in logfmt (key=value, space separated),
 * written to stderr (systemd's journal or the terminal).
 *
 *   ts=12.345678 level=info event=instance id=42 state=ready boot_ms=3.1
 *
 * `ts` is seconds of the monotonic clock since the process started. Values with spaces, quotes
 * or control characters are quoted and escaped by zlog_kv_str, so a line always stays one line
 * and a guest cannot forge fields. Contract: callers build a line with zlog_begin, add fields,
 * and finish it with zlog_end; nothing is written before zlog_end, so lines never interleave.
 */
#ifndef ZERG_ZLOG_H
#define ZERG_ZLOG_H

#include <stddef.h>
#include <stdint.h>

enum zlog_level { ZLOG_DEBUG, ZLOG_INFO, ZLOG_WARN, ZLOG_ERROR };

struct zlog_line {
    char buf[2048];
    size_t len;
    int truncated;
};

/* Lines below this level are dropped. Default ZLOG_INFO. */
void zlog_set_level(enum zlog_level level);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int zlog_level_parse(const char *name, enum zlog_level *out);
int zlog_enabled(enum zlog_level level);

void zlog_begin(struct zlog_line *l, enum zlog_level level, const char *event);
void zlog_kv_str(struct zlog_line *l, const char *key, const char *value);
void zlog_kv_strn(struct zlog_line *l, const char *key, const char *value, size_t len);
void zlog_kv_u64(struct zlog_line *l, const char *key, uint64_t value);
void zlog_kv_i64(struct zlog_line *l, const char *key, int64_t value);
/* Milliseconds with microsecond precision, from a nanosecond duration. */
void zlog_kv_ms(struct zlog_line *l, const char *key, uint64_t ns);
void zlog_end(struct zlog_line *l);

/* One-shot helper: event with a free-text message. */
void zlog_msg(enum zlog_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
