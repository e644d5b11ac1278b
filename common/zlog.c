/* zlog: see zlog.h. Lines are assembled in a stack buffer and written with one write(2). */
#include "zlog.h"
#include "zclock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum zlog_level min_level = ZLOG_INFO;
static uint64_t start_ns;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void zlog_set_level(enum zlog_level level)
{
    min_level = level;
}

int zlog_level_parse(const char *name, enum zlog_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum zlog_level)i;
            return 0;
        }
    }
    return -1;
}

int zlog_enabled(enum zlog_level level)
{
    return level >= min_level;
}

static void append(struct zlog_line *l, const char *s, size_t n)
{
    /* Keep one byte for the newline added by zlog_end. */
    size_t room = sizeof l->buf - 1 - l->len;
    if (n > room) {
        n = room;
        l->truncated = 1;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void appendf(struct zlog_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void appendf(struct zlog_line *l, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    append(l, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void zlog_begin(struct zlog_line *l, enum zlog_level level, const char *event)
{
    if (!start_ns)
        start_ns = zclock_now_ns();
    l->len = 0;
    l->truncated = 0;
    uint64_t ns = zclock_now_ns() - start_ns;
    appendf(l, "ts=%llu.%06llu level=%s event=", (unsigned long long)(ns / 1000000000u),
            (unsigned long long)(ns % 1000000000u / 1000u), level_names[level]);
    append(l, event, strlen(event));
}

void zlog_kv_strn(struct zlog_line *l, const char *key, const char *value, size_t len)
{
    int plain = len > 0;
    for (size_t i = 0; i < len && plain; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
            plain = 0;
    }
    append(l, " ", 1);
    append(l, key, strlen(key));
    append(l, "=", 1);
    if (plain) {
        append(l, value, len);
        return;
    }
    append(l, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            append(l, esc, 2);
        } else if (c < ' ' || c == 0x7f) {
            appendf(l, "\\x%02x", c);
        } else {
            append(l, (const char *)&c, 1);
        }
    }
    append(l, "\"", 1);
}

void zlog_kv_str(struct zlog_line *l, const char *key, const char *value)
{
    zlog_kv_strn(l, key, value ? value : "", value ? strlen(value) : 0);
}

void zlog_kv_u64(struct zlog_line *l, const char *key, uint64_t value)
{
    appendf(l, " %s=%llu", key, (unsigned long long)value);
}

void zlog_kv_i64(struct zlog_line *l, const char *key, int64_t value)
{
    appendf(l, " %s=%lld", key, (long long)value);
}

void zlog_kv_ms(struct zlog_line *l, const char *key, uint64_t ns)
{
    appendf(l, " %s=%llu.%03llu", key, (unsigned long long)(ns / 1000000u),
            (unsigned long long)(ns % 1000000u / 1000u));
}

void zlog_end(struct zlog_line *l)
{
    if (l->truncated) {
        /* Mark the cut so a reader knows the line is incomplete. */
        static const char mark[] = " truncated=1";
        if (l->len > sizeof l->buf - sizeof mark)
            l->len = sizeof l->buf - sizeof mark;
        memcpy(l->buf + l->len, mark, sizeof mark - 1);
        l->len += sizeof mark - 1;
    }
    l->buf[l->len++] = '\n';
    size_t off = 0;
    while (off < l->len) {
        ssize_t r = write(STDERR_FILENO, l->buf + off, l->len - off);
        if (r <= 0)
            break;
        off += (size_t)r;
    }
}

void zlog_msg(enum zlog_level level, const char *event, const char *fmt, ...)
{
    if (!zlog_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct zlog_line l;
    zlog_begin(&l, level, event);
    zlog_kv_str(&l, "msg", msg);
    zlog_end(&l);
}
