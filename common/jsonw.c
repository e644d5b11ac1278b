/* jsonw: see jsonw.h. */
#include "jsonw.h"

#include <event2/buffer.h>
#include <math.h>
#include <string.h>

void jsonw_init(struct jsonw *w, struct evbuffer *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

/* Emits the separator a new value needs at the current position. */
static void before_value(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        evbuffer_add(w->out, ",", 1);
    w->need_comma[w->depth] = true;
}

static void open(struct jsonw *w, char c)
{
    before_value(w);
    if (w->depth >= JSONW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    evbuffer_add(w->out, &c, 1);
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jsonw *w, char c)
{
    if (w->depth == 0) {
        w->failed = true;
        return;
    }
    evbuffer_add(w->out, &c, 1);
    w->depth--;
}

void jsonw_object_begin(struct jsonw *w)
{
    open(w, '{');
}
void jsonw_object_end(struct jsonw *w)
{
    close_(w, '}');
}
void jsonw_array_begin(struct jsonw *w)
{
    open(w, '[');
}
void jsonw_array_end(struct jsonw *w)
{
    close_(w, ']');
}

static void write_escaped(struct jsonw *w, const char *s, size_t n)
{
    evbuffer_add(w->out, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            memcpy(ubuf, "\\u00", 4);
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            ubuf[6] = 0;
            esc = ubuf;
        }
        if (esc) {
            if (run)
                evbuffer_add(w->out, s + i - run, run);
            run = 0;
            evbuffer_add(w->out, esc, strlen(esc));
        } else {
            run++;
        }
    }
    if (run)
        evbuffer_add(w->out, s + n - run, run);
    evbuffer_add(w->out, "\"", 1);
}

void jsonw_key(struct jsonw *w, const char *key)
{
    before_value(w);
    write_escaped(w, key, strlen(key));
    evbuffer_add(w->out, ":", 1);
    w->after_key = true;
}

void jsonw_stringn(struct jsonw *w, const char *s, size_t n)
{
    before_value(w);
    write_escaped(w, s, n);
}

void jsonw_string(struct jsonw *w, const char *s)
{
    if (!s) {
        jsonw_null(w);
        return;
    }
    jsonw_stringn(w, s, strlen(s));
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
    before_value(w);
    evbuffer_add_printf(w->out, "%llu", (unsigned long long)v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
    before_value(w);
    evbuffer_add_printf(w->out, "%lld", (long long)v);
}

void jsonw_double(struct jsonw *w, double v)
{
    before_value(w);
    if (!isfinite(v))
        evbuffer_add(w->out, "null", 4);
    else
        evbuffer_add_printf(w->out, "%.9g", v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    before_value(w);
    evbuffer_add(w->out, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w)
{
    before_value(w);
    evbuffer_add(w->out, "null", 4);
}

void jsonw_kv_str(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}
void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
    jsonw_key(w, key);
    jsonw_u64(w, v);
}
void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_i64(w, v);
}
void jsonw_kv_double(struct jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}
void jsonw_kv_bool(struct jsonw *w, const char *key, bool v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}

int jsonw_ok(const struct jsonw *w)
{
    return !w->failed && w->depth == 0;
}
