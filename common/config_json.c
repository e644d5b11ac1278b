/* config_json: see config_json.h. */
#include "config_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jsmn stays private to this file (JSMN_STATIC); parent links let an error name its key path. */
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#define JSMN_STATIC
#include <jsmn.h>

#define TOKS(d) ((jsmntok_t *)(d)->toks)

/* --- messages ------------------------------------------------------------------------------- */

void cj_line_col(const struct cj_doc *d, size_t off, unsigned *line, unsigned *col)
{
    size_t line_start = 0;
    unsigned l = 1, c = 1;
    if (off > d->len)
        off = d->len;
    for (size_t i = 0; i < off; i++) {
        if (d->text[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    }
    /* Columns count characters: continuation bytes of UTF-8 sequences are not counted. */
    for (size_t i = line_start; i < off; i++)
        if (((unsigned char)d->text[i] & 0xC0) != 0x80)
            c++;
    *line = l;
    *col = c;
}

static int vfail(struct cj_doc *d, size_t off, const char *path, const char *fmt, va_list ap)
{
    if (!d->err || d->errlen == 0)
        return -1;
    unsigned line, col;
    cj_line_col(d, off, &line, &col);
    int n = snprintf(d->err, d->errlen, "%s:%u:%u: %s: ", d->filename, line, col,
                     path[0] ? path : "(top level)");
    if (n >= 0 && (size_t)n < d->errlen)
        vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
    return -1;
}

int cj_fail(struct cj_doc *d, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, off, d->path, fmt, ap);
    va_end(ap);
    return -1;
}

int cj_fail_path(struct cj_doc *d, size_t off, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(d, off, path, fmt, ap);
    va_end(ap);
    return -1;
}

/* Length of the UTF-8 sequence led by byte b, 0 if b cannot lead one. */
static size_t utf8_seq_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

const char *cj_printable(const char *s, size_t n, char *buf, size_t buflen)
{
    size_t o = 0;
    if (buflen < 8) {
        if (buflen)
            buf[0] = '\0';
        return buf;
    }
    for (size_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        size_t seq = utf8_seq_len(b);
        size_t need = (seq <= 1 || i + seq > n) ? 4 : seq;
        if (o + need + 4 > buflen) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (b >= 0x20 && b < 0x7F) {
            buf[o++] = (char)b;
            i++;
        } else if (seq > 1 && i + seq <= n) {
            /* Multibyte characters are kept: the input was checked to be UTF-8. */
            memcpy(buf + o, s + i, seq);
            o += seq;
            i += seq;
        } else {
            snprintf(buf + o, 5, "\\x%02X", b);
            o += 4;
            i++;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* "'x'" for the byte at pos, or "end of input". */
static const char *found_at(const struct cj_doc *d, size_t pos, char *buf, size_t buflen)
{
    if (pos >= d->len)
        return "end of input";
    char c = d->text[pos];
    if (c == '"')
        return "a string";
    if (c == '-' || (c >= '0' && c <= '9'))
        return "a number";
    char one[16];
    size_t seq = utf8_seq_len((unsigned char)c);
    if (seq == 0 || pos + seq > d->len)
        seq = 1;
    snprintf(buf, buflen, "'%s'", cj_printable(d->text + pos, seq, one, sizeof one));
    return buf;
}

const char *cj_type_name(enum cj_type t)
{
    switch (t) {
    case CJ_OBJECT:
        return "an object";
    case CJ_ARRAY:
        return "an array";
    case CJ_STRING:
        return "a string";
    case CJ_NUMBER:
        return "a number";
    case CJ_TRUE:
    case CJ_FALSE:
        return "a boolean";
    case CJ_NULL:
        return "null";
    }
    return "a value";
}

/* --- key paths -------------------------------------------------------------------------------- */

static void path_append(struct cj_doc *d, const char *piece)
{
    size_t n = strlen(piece);
    if (d->pathlen + n >= sizeof d->path) {
        /* Paths this long come only from absurd nesting; mark the cut and keep the prefix. */
        n = sizeof d->path - 1 - d->pathlen;
    }
    memcpy(d->path + d->pathlen, piece, n);
    d->pathlen += n;
    d->path[d->pathlen] = '\0';
}

static void path_push_key(struct cj_doc *d, const char *key, size_t keylen)
{
    char shown[80];
    if (d->pathlen > 0)
        path_append(d, ".");
    path_append(d, keylen ? cj_printable(key, keylen, shown, sizeof shown) : "\"\"");
}

static void path_push_index(struct cj_doc *d, int index)
{
    char buf[24];
    snprintf(buf, sizeof buf, "[%d]", index);
    path_append(d, buf);
}

static void path_truncate(struct cj_doc *d, size_t len)
{
    d->pathlen = len;
    d->path[len] = '\0';
}

/* Sets d->path to the path of token t from jsmn's parent links (used when jsmn itself fails,
 * before any walk). The ancestors are collected first so the path is built root first. */
static void path_of_token(struct cj_doc *d, int t)
{
    const jsmntok_t *toks = TOKS(d);
    path_truncate(d, 0);
    if (t < 0)
        return;
    int depth = 0;
    for (int x = t; x != -1; x = toks[x].parent)
        depth++;
    int *chain = malloc((size_t)depth * sizeof *chain);
    if (!chain)
        return;
    int i = depth;
    for (int x = t; x != -1; x = toks[x].parent)
        chain[--i] = x;
    for (i = 1; i < depth; i++) {
        int x = chain[i], p = chain[i - 1];
        if (toks[p].type == JSMN_OBJECT) {
            path_push_key(d, d->text + toks[x].start, (size_t)(toks[x].end - toks[x].start));
        } else if (toks[p].type == JSMN_ARRAY) {
            int index = 0;
            for (int j = p + 1; j < x; j++)
                index += toks[j].parent == p;
            path_push_index(d, index);
        }
        /* A value's parent is its key string: the key already named it. */
    }
    free(chain);
}

/* --- input checks --------------------------------------------------------------------------- */

/* Offset of the first byte that is not part of valid UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t seq = utf8_seq_len(s[i]);
        if (seq == 0 || len - i < seq)
            return i;
        if (seq == 1) {
            i++;
            continue;
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        uint32_t cp = s[i] & (0x7F >> seq);
        for (size_t k = 1; k < seq; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min_cp[seq] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += seq;
    }
    return len;
}

/* The character a one-letter escape stands for, or -1. */
static int simple_escape(char e);

/* An escape that JSON does not have, at the backslash at off. */
static int fail_escape(struct cj_doc *d, size_t off)
{
    char shown[16];
    size_t seq = off + 1 < d->len ? utf8_seq_len((unsigned char)d->text[off + 1]) : 0;
    if (seq == 0 || off + 1 + seq > d->len)
        seq = off + 1 < d->len;
    cj_printable(d->text + off + 1, seq, shown, sizeof shown);
    return cj_fail(d, off,
                   "invalid escape '\\%s' (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                   shown);
}

/* Offset of the bracket that opens level CJ_MAX_DEPTH + 1, or len. Strings are skipped with
 * their escapes; an unterminated one ends the scan (jsmn reports it). */
static size_t too_deep_at(const char *text, size_t len)
{
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"') {
            for (i++; i < len && text[i] != '"'; i++)
                if (text[i] == '\\')
                    i++;
        } else if (c == '{' || c == '[') {
            if (++depth > CJ_MAX_DEPTH)
                return i;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return len;
}

/* Where jsmn stopped inside a string: the offending escape, or the string's start. */
static int fail_in_string(struct cj_doc *d, size_t quote)
{
    for (size_t i = quote + 1; i < d->len && d->text[i] != '"'; i++) {
        if (d->text[i] != '\\')
            continue;
        if (i + 1 >= d->len)
            break;
        char e = d->text[i + 1];
        if (e == 'u') {
            for (size_t k = i + 2; k < i + 6; k++) {
                char h = k < d->len ? d->text[k] : '\0';
                if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                    return cj_fail(d, i, "invalid \\u escape: four hex digits must follow");
            }
            i += 5;
        } else if (simple_escape(e) >= 0) {
            i++;
        } else {
            return fail_escape(d, i);
        }
    }
    return cj_fail(d, quote, "malformed string");
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_primitive_start(char c)
{
    return c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

/* Turns a jsmn failure into a message at the byte where it stopped, naming the key path of the
 * container jsmn was filling. */
static int fail_jsmn(struct cj_doc *d, int rc, const jsmn_parser *p)
{
    const jsmntok_t *toks = TOKS(d);
    size_t pos = p->pos;
    int sup = p->toksuper;
    char shown[32];

    /* The path of where jsmn was: a key still waiting for its value names itself; a key
     * whose value is complete leaves the error to its object; an array names the element. */
    if (sup >= 0 && toks[sup].type == JSMN_STRING && toks[sup].size > 0)
        path_of_token(d, toks[sup].parent);
    else
        path_of_token(d, sup);
    if (sup >= 0 && toks[sup].type == JSMN_ARRAY)
        path_push_index(d, toks[sup].size);

    if (rc == JSMN_ERROR_PART) {
        if (pos < d->len && d->text[pos] == '"')
            return cj_fail(d, pos, "unterminated string");
        if (pos < d->len)
            return cj_fail(d, pos, "unexpected end of input after this value");
        for (int i = (int)p->toknext - 1; i >= 0; i--) {
            if (toks[i].start != -1 && toks[i].end == -1) {
                unsigned line, col;
                cj_line_col(d, (size_t)toks[i].start, &line, &col);
                path_of_token(d, i);
                return cj_fail(d, d->len,
                               "unexpected end of input: the %s opened at %u:%u is not "
                               "closed",
                               toks[i].type == JSMN_OBJECT ? "object" : "array", line, col);
            }
        }
        return cj_fail(d, pos, "unexpected end of input");
    }
    if (rc != JSMN_ERROR_INVAL || pos >= d->len)
        return cj_fail(d, pos < d->len ? pos : d->len, "malformed JSON");

    char c = d->text[pos];
    if (c == '"')
        return fail_in_string(d, pos);
    if (c == '}' || c == ']')
        return cj_fail(d, pos, "unexpected '%c': it closes nothing open here", c);
    if (is_primitive_start(c) || c == '{' || c == '[') {
        if (is_primitive_start(c)) {
            for (size_t i = pos; i < d->len && !is_ws(d->text[i]) && !strchr(",]}", d->text[i]);
                 i++)
                if ((unsigned char)d->text[i] < 0x20 || (unsigned char)d->text[i] >= 0x7F)
                    return cj_fail(d, i, "unexpected %s in a literal",
                                   found_at(d, i, shown, sizeof shown));
        }
        /* jsmn refuses a value where a key belongs. */
        if (sup >= 0 && toks[sup].type == JSMN_STRING)
            return cj_fail(d, pos, "expected ',' or '}' after the member's value, found %s",
                           found_at(d, pos, shown, sizeof shown));
        size_t q = pos;
        while (q > 0 && is_ws(d->text[q - 1]))
            q--;
        if (q > 0 && d->text[q - 1] == '"') {
            /* Name the key just read (jsmn may have allocated a token for '{' after it). */
            int key = (int)p->toknext - 1;
            while (key >= 0 && (toks[key].type != JSMN_STRING || toks[key].start < 0))
                key--;
            path_of_token(d, key);
            return cj_fail(d, pos, "expected ':' after the key, found %s",
                           found_at(d, pos, shown, sizeof shown));
        }
        return cj_fail(d, pos, "expected a key (a quoted string), found %s",
                       found_at(d, pos, shown, sizeof shown));
    }
    if (c == '+')
        return cj_fail(d, pos, "unexpected '+': numbers have no leading plus sign");
    return cj_fail(d, pos, "unexpected %s", found_at(d, pos, shown, sizeof shown));
}

/* --- walking ---------------------------------------------------------------------------------- */

static void skip_ws(const struct cj_doc *d, size_t *pos)
{
    while (*pos < d->len && is_ws(d->text[*pos]))
        (*pos)++;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s, size_t n)
{
    size_t i = 0;
#define DIGIT(k) ((k) < n && s[k] >= '0' && s[k] <= '9')
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (DIGIT(i))
        while (DIGIT(i))
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        i++;
        if (!DIGIT(i))
            return false;
        while (DIGIT(i))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!DIGIT(i))
            return false;
        while (DIGIT(i))
            i++;
    }
#undef DIGIT
    return i == n;
}

/* "01", "-007": digits after a leading zero, which JSON forbids. */
static bool leading_zero(const char *s, size_t n)
{
    size_t i = n > 0 && s[0] == '-';
    return i + 1 < n && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

static int classify_primitive(struct cj_doc *d, struct cj_value *v)
{
    const char *s = d->text + v->start;
    size_t n = v->end - v->start;
    char shown[48];
    if (n == 4 && memcmp(s, "true", 4) == 0)
        v->type = CJ_TRUE;
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        v->type = CJ_FALSE;
    else if (n == 4 && memcmp(s, "null", 4) == 0)
        v->type = CJ_NULL;
    else if (json_number(s, n))
        v->type = CJ_NUMBER;
    else if (leading_zero(s, n))
        return cj_fail(d, v->start, "invalid number '%s': leading zeros are not allowed",
                       cj_printable(s, n, shown, sizeof shown));
    else
        return cj_fail(d, v->start, "invalid literal '%s' (expected true, false, null or a number)",
                       cj_printable(s, n, shown, sizeof shown));
    return 0;
}

/* Reads the value starting (after whitespace) at *pos: it must be the next token. Scalars are
 * consumed (*pos moves past them); a container's children are left to its iterator. */
static int read_value(struct cj_doc *d, size_t *pos, struct cj_value *v)
{
    const jsmntok_t *toks = TOKS(d);
    char shown[32];
    skip_ws(d, pos);
    bool ok = false;
    if (d->next_tok < d->ntok && *pos < d->len) {
        const jsmntok_t *t = &toks[d->next_tok];
        if (t->type == JSMN_STRING)
            ok = d->text[*pos] == '"' && (size_t)t->start == *pos + 1;
        else
            ok = (size_t)t->start == *pos;
    }
    if (!ok)
        return cj_fail(d, *pos, "expected a value, found %s",
                       found_at(d, *pos, shown, sizeof shown));
    const jsmntok_t *t = &toks[d->next_tok];
    v->tok = d->next_tok++;
    v->start = *pos;
    switch (t->type) {
    case JSMN_OBJECT:
        v->type = CJ_OBJECT;
        v->end = (size_t)t->end;
        return 0;
    case JSMN_ARRAY:
        v->type = CJ_ARRAY;
        v->end = (size_t)t->end;
        return 0;
    case JSMN_STRING:
        v->type = CJ_STRING;
        v->end = (size_t)t->end + 1;
        *pos = v->end;
        return 0;
    default:
        v->end = (size_t)t->end;
        *pos = v->end;
        return classify_primitive(d, v);
    }
}

static int container_begin(struct cj_doc *d, const struct cj_value *c, struct cj_iter *it)
{
    /* The container's children must be the next tokens, or the caller skipped a value. */
    if (d->next_tok != c->tok + 1)
        return cj_fail(d, c->start, "internal error: value read out of order");
    it->tok = c->tok;
    it->pos = c->start + 1;
    it->prev_end = 0;
    it->path_base = d->pathlen;
    it->index = 0;
    return 0;
}

int cj_object_begin(struct cj_doc *d, const struct cj_value *obj, struct cj_iter *it)
{
    if (obj->type != CJ_OBJECT)
        return cj_fail(d, obj->start, "expected an object, found %s", cj_type_name(obj->type));
    return container_begin(d, obj, it);
}

int cj_array_begin(struct cj_doc *d, const struct cj_value *arr, struct cj_iter *it)
{
    if (arr->type != CJ_ARRAY)
        return cj_fail(d, arr->start, "expected an array, found %s", cj_type_name(arr->type));
    return container_begin(d, arr, it);
}

/* Before the next member or element: the separator, or the closing bracket (returns 0 and
 * leaves the cursor after it). 1 when a member or element follows at it->pos. */
static int container_step(struct cj_doc *d, struct cj_iter *it, char close)
{
    const jsmntok_t *toks = TOKS(d);
    char shown[32];
    size_t pos = it->index ? it->prev_end : it->pos;
    path_truncate(d, it->path_base);
    skip_ws(d, &pos);
    if (it->index > 0 && pos < d->len && d->text[pos] == ',') {
        pos++;
        skip_ws(d, &pos);
        if (pos < d->len && d->text[pos] == close)
            return cj_fail(d, pos, "trailing comma before '%c'", close);
    } else if (pos < d->len && d->text[pos] == close) {
        if ((size_t)toks[it->tok].end != pos + 1)
            return cj_fail(d, pos, "internal error: unbalanced '%c'", close);
        it->pos = pos + 1;
        return 0;
    } else if (it->index > 0) {
        return cj_fail(d, pos, "expected ',' or '%c', found %s", close,
                       found_at(d, pos, shown, sizeof shown));
    }
    it->pos = pos;
    return 1;
}

int cj_object_next(struct cj_doc *d, struct cj_iter *it, char **key, size_t *key_off,
                   struct cj_value *v)
{
    const jsmntok_t *toks = TOKS(d);
    char shown[32];
    *key = NULL;
    int r = container_step(d, it, '}');
    if (r <= 0)
        return r;
    size_t pos = it->pos;
    if (pos >= d->len || d->text[pos] != '"' || d->next_tok >= d->ntok ||
        toks[d->next_tok].type != JSMN_STRING || (size_t)toks[d->next_tok].start != pos + 1)
        return cj_fail(d, pos, "expected a key (a quoted string), found %s",
                       found_at(d, pos, shown, sizeof shown));
    struct cj_value kv = {.type = CJ_STRING, .tok = d->next_tok, .start = pos};
    kv.end = (size_t)toks[kv.tok].end + 1;
    d->next_tok++;
    size_t keylen;
    if (cj_string(d, &kv, key, &keylen) < 0)
        return -1;
    path_push_key(d, *key, keylen);
    *key_off = pos;
    pos = kv.end;
    skip_ws(d, &pos);
    if (pos >= d->len || d->text[pos] != ':') {
        free(*key);
        *key = NULL;
        return cj_fail(d, pos, "expected ':' after the key, found %s",
                       found_at(d, pos, shown, sizeof shown));
    }
    pos++;
    if (read_value(d, &pos, v) < 0) {
        free(*key);
        *key = NULL;
        return -1;
    }
    it->prev_end = v->end;
    it->index++;
    return 1;
}

int cj_array_next(struct cj_doc *d, struct cj_iter *it, struct cj_value *v)
{
    int r = container_step(d, it, ']');
    if (r <= 0)
        return r;
    path_push_index(d, it->index);
    size_t pos = it->pos;
    if (read_value(d, &pos, v) < 0)
        return -1;
    it->prev_end = v->end;
    it->index++;
    return 1;
}

/* --- scalars ---------------------------------------------------------------------------------- */

static int simple_escape(char e)
{
    switch (e) {
    case '"':
    case '\\':
    case '/':
        return e;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    }
    return -1;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = x;
    return 0;
}

static size_t utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int cj_string(struct cj_doc *d, const struct cj_value *v, char **out, size_t *outlen)
{
    *out = NULL;
    if (v->type != CJ_STRING)
        return cj_fail(d, v->start, "expected a string, found %s", cj_type_name(v->type));
    size_t base = v->start + 1;
    const char *s = d->text + base;
    size_t n = v->end - v->start - 2;
    /* Decoding never lengthens: an escape of 6 bytes gives at most 3, a pair of 12 gives 4. */
    char *o = malloc(n + 1);
    if (!o)
        return cj_fail(d, v->start, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20) {
            free(o);
            return cj_fail(d, base + i, "raw control character U+%04X in a string (escape it)", c);
        }
        if (c != '\\') {
            o[k++] = (char)c;
            i++;
            continue;
        }
        char e = i + 1 < n ? s[i + 1] : '\0';
        int simple = simple_escape(e);
        if (simple >= 0) {
            o[k++] = (char)simple;
            i += 2;
            continue;
        }
        uint32_t cp, lo;
        if (e != 'u' || i + 6 > n || hex4(s + i + 2, &cp) < 0) {
            free(o);
            if (e == 'u')
                return cj_fail(d, base + i, "invalid \\u escape: four hex digits must follow");
            return fail_escape(d, base + i);
        }
        if (cp == 0) {
            free(o);
            return cj_fail(d, base + i, "\\u0000 is not allowed in a string");
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            free(o);
            return cj_fail(d, base + i, "lone low surrogate \\u%04X", cp);
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u' || hex4(s + i + 8, &lo) < 0 ||
                lo < 0xDC00 || lo > 0xDFFF) {
                free(o);
                return cj_fail(d, base + i,
                               "lone high surrogate \\u%04X (a \\uDC00-\\uDFFF must follow)", cp);
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 12;
        } else {
            i += 6;
        }
        k += utf8_put(o + k, cp);
    }
    o[k] = '\0';
    *out = o;
    if (outlen)
        *outlen = k;
    return 0;
}

int cj_u32(struct cj_doc *d, const struct cj_value *v, uint32_t min, uint32_t max, uint32_t *out)
{
    char shown[48];
    if (v->type != CJ_NUMBER)
        return cj_fail(d, v->start, "expected an integer, found %s", cj_type_name(v->type));
    const char *s = d->text + v->start;
    size_t n = v->end - v->start;
    cj_printable(s, n, shown, sizeof shown);
    if (memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n))
        return cj_fail(d, v->start, "expected an integer, found %s", shown);
    uint64_t x = 0;
    bool overflow = false;
    for (size_t i = s[0] == '-'; i < n; i++) {
        x = x * 10 + (uint64_t)(s[i] - '0');
        if (x > UINT32_MAX) {
            overflow = true;
            break;
        }
    }
    if (s[0] == '-' || overflow || x < min || x > max)
        return cj_fail(d, v->start, "%s is out of range %u..%u", shown, min, max);
    *out = (uint32_t)x;
    return 0;
}

/* --- the document ----------------------------------------------------------------------------- */

int cj_open(struct cj_doc *d, const char *text, size_t len, const char *filename, char *err,
            size_t errlen, struct cj_value *root)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    d->filename = filename ? filename : "<config>";
    d->err = err;
    d->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';

    if (len > CJ_MAX_INPUT)
        return cj_fail(d, 0, "input too large (%zu bytes, at most %d)", len, CJ_MAX_INPUT);
    const char *nul = memchr(text, '\0', len);
    size_t bad = utf8_invalid_at((const unsigned char *)text, nul ? (size_t)(nul - text) : len);
    if (nul && bad == (size_t)(nul - text))
        return cj_fail(d, bad, "NUL byte in the input");
    if (bad < len)
        return cj_fail(d, bad, "invalid UTF-8 (byte 0x%02X)", (unsigned char)text[bad]);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        return cj_fail(d, 0, "byte order mark not allowed (save the file as plain UTF-8)");

    /* jsmn closes a bracket by walking back through the open ones: quadratic in the depth.
     * A configuration is three levels deep; refuse absurd nesting before jsmn sees it. */
    size_t deep = too_deep_at(text, len);
    if (deep < len)
        return cj_fail(d, deep, "nested deeper than %d levels", CJ_MAX_DEPTH);

    /* Count the tokens first (jsmn without a token array), then fill them. When the count
     * fails, the filling pass still runs, to name the key path of the error: a document of len
     * bytes has at most len tokens, so the array is grown until jsmn stops asking. */
    jsmn_parser p;
    jsmn_init(&p);
    int r = jsmn_parse(&p, text, len, NULL, 0);
    unsigned cap = r >= 0 ? (unsigned)r + 1 : 64;
    for (;;) {
        jsmntok_t *t = realloc(d->toks, cap * sizeof *t);
        if (!t)
            return cj_fail(d, 0, "out of memory");
        d->toks = t;
        jsmn_init(&p);
        r = jsmn_parse(&p, text, len, t, cap);
        if (r != JSMN_ERROR_NOMEM || cap > len)
            break;
        cap *= 2;
    }
    if (r < 0)
        return fail_jsmn(d, r, &p);
    d->ntok = r;
    if (r == 0) {
        size_t pos = 0;
        skip_ws(d, &pos);
        return cj_fail(d, pos, "expected a JSON object, found %s",
                       pos < len ? "nothing usable" : "an empty document");
    }
    size_t pos = 0;
    if (read_value(d, &pos, root) < 0)
        return -1;
    if (root->type != CJ_OBJECT)
        return cj_fail(d, root->start, "the top level must be an object, found %s",
                       cj_type_name(root->type));
    return 0;
}

int cj_finish(struct cj_doc *d, const struct cj_value *root)
{
    char shown[32];
    size_t pos = root->end;
    path_truncate(d, 0);
    skip_ws(d, &pos);
    if (pos < d->len)
        return cj_fail(d, pos, "only whitespace may follow the top-level object, found %s",
                       found_at(d, pos, shown, sizeof shown));
    if (d->next_tok != d->ntok)
        return cj_fail(d, root->start, "internal error: %d tokens not walked",
                       d->ntok - d->next_tok);
    return 0;
}

void cj_close(struct cj_doc *d)
{
    free(d->toks);
    d->toks = NULL;
    d->ntok = 0;
}
