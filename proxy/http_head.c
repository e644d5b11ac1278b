/* http_head: see http_head.h. */
#include "http_head.h"

#include <string.h>

void http_head_init(struct http_head *h, size_t max_bytes)
{
    memset(h, 0, sizeof *h);
    h->max_bytes = max_bytes;
    h->content_length = -1;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_vchar_or_obs(uint8_t c)
{
    return (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

static enum http_head_rc bad(struct http_head *h, const char *why)
{
    h->error = why;
    return HTTP_HEAD_BAD;
}

static bool name_is(const uint8_t *p, size_t n, const char *want)
{
    size_t wn = strlen(want);
    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = p[i], b = (uint8_t)want[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* Parses a Content-Length value: 1*DIGIT, at most 18 digits. */
static int64_t parse_length(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Last comma-separated coding of a Transfer-Encoding value is "chunked"? */
static bool ends_chunked(const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    size_t start = n;
    while (start > 0 && p[start - 1] != ',')
        start--;
    while (start < n && (p[start] == ' ' || p[start] == '\t'))
        start++;
    return name_is(p + start, n - start, "chunked");
}

static enum http_head_rc parse_request_line(struct http_head *h, const uint8_t *b, size_t eol)
{
    size_t i = 0;
    while (i < eol && is_tchar(b[i]))
        i++;
    if (i == 0 || i > 32)
        return bad(h, "bad method");
    if (i >= eol || b[i] != ' ')
        return bad(h, "bad request line: method not followed by one space");
    h->method_off = 0;
    h->method_len = i;
    size_t t = ++i;
    while (i < eol && b[i] != ' ') {
        if (!is_vchar_or_obs(b[i]))
            return bad(h, "bad request target");
        i++;
    }
    if (i == t)
        return bad(h, "empty request target");
    if (i >= eol)
        return bad(h, "bad request line: no version");
    h->target_off = t;
    h->target_len = i - t;
    i++;
    if (eol - i != 8 || memcmp(b + i, "HTTP/1.", 7) != 0)
        return bad(h, "bad HTTP version");
    if (b[i + 7] != '0' && b[i + 7] != '1')
        return bad(h, "unsupported HTTP version");
    h->version_minor = b[i + 7] - '0';
    return HTTP_HEAD_COMPLETE;
}

static enum http_head_rc parse_field(struct http_head *h, const uint8_t *p, size_t n,
                                     unsigned *hosts)
{
    if (p[0] == ' ' || p[0] == '\t')
        return bad(h, "obsolete line folding");
    size_t c = 0;
    while (c < n && is_tchar(p[c]))
        c++;
    if (c == 0)
        return bad(h, "empty or bad field name");
    if (c >= n || p[c] != ':')
        return bad(h, "bad field name or whitespace before colon");
    const uint8_t *name = p;
    size_t name_len = c;
    size_t v = c + 1, e = n;
    while (v < e && (p[v] == ' ' || p[v] == '\t'))
        v++;
    while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'))
        e--;
    for (size_t i = v; i < e; i++)
        if (!is_vchar_or_obs(p[i]) && p[i] != ' ' && p[i] != '\t')
            return bad(h, "control character in field value");
    if (name_is(name, name_len, "host")) {
        (*hosts)++;
    } else if (name_is(name, name_len, "content-length")) {
        int64_t len = parse_length(p + v, e - v);
        if (len < 0)
            return bad(h, "bad Content-Length");
        if (h->content_length >= 0 && h->content_length != len)
            return bad(h, "conflicting Content-Length");
        h->content_length = len;
    } else if (name_is(name, name_len, "transfer-encoding")) {
        if (h->chunked)
            return bad(h, "repeated Transfer-Encoding");
        if (!ends_chunked(p + v, e - v))
            return bad(h, "Transfer-Encoding not ending in chunked");
        h->chunked = true;
    }
    return HTTP_HEAD_COMPLETE;
}

/* Validates the complete head b[0..len), len ending in CRLF CRLF. */
static enum http_head_rc parse_head(struct http_head *h, const uint8_t *b, size_t len)
{
    /* Every CR must start a CRLF and every LF must end one; no NUL anywhere. */
    for (size_t i = 0; i < len; i++) {
        if (b[i] == '\r' && (i + 1 >= len || b[i + 1] != '\n'))
            return bad(h, "bare CR");
        if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
            return bad(h, "bare LF");
        if (b[i] == 0)
            return bad(h, "NUL byte");
    }
    const uint8_t *eol = memchr(b, '\r', len);
    enum http_head_rc rc = parse_request_line(h, b, (size_t)(eol - b));
    if (rc != HTTP_HEAD_COMPLETE)
        return rc;
    unsigned hosts = 0;
    size_t pos = (size_t)(eol - b) + 2;
    while (pos < len - 2) {
        const uint8_t *end = memchr(b + pos, '\r', len - pos);
        size_t n = (size_t)(end - (b + pos));
        if (++h->nfields > HTTP_HEAD_MAX_FIELDS)
            return bad(h, "too many header fields");
        rc = parse_field(h, b + pos, n, &hosts);
        if (rc != HTTP_HEAD_COMPLETE)
            return rc;
        pos += n + 2;
    }
    if (h->chunked && h->content_length >= 0)
        return bad(h, "both Content-Length and Transfer-Encoding");
    if (hosts > 1)
        return bad(h, "more than one Host");
    if (h->version_minor == 1 && hosts == 0)
        return bad(h, "HTTP/1.1 request without Host");
    h->has_host = hosts == 1;
    h->head_len = len;
    return HTTP_HEAD_COMPLETE;
}

enum http_head_rc http_head_feed(struct http_head *h, const uint8_t *buf, size_t len)
{
    /* A head may not start with empty lines in our strict reading (RFC 9112 allows skipping
     * one; clients of a per-connection instance have no reason to send it). */
    if (len >= 1 && (buf[0] == '\r' || buf[0] == '\n'))
        return bad(h, "empty line before request line");
    size_t from = h->scanned > 3 ? h->scanned - 3 : 0;
    size_t limit = len < h->max_bytes ? len : h->max_bytes;
    for (size_t i = from; i + 4 <= limit; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return parse_head(h, buf, i + 4);
    }
    h->scanned = limit;
    /* Reject garbage early: once the first line is complete it must be a request line. */
    if (h->method_len == 0) {
        const uint8_t *lf = memchr(buf, '\n', limit);
        if (lf) {
            size_t eol = (size_t)(lf - buf);
            if (eol == 0 || buf[eol - 1] != '\r')
                return bad(h, "bare LF");
            enum http_head_rc rc = parse_request_line(h, buf, eol - 1);
            if (rc != HTTP_HEAD_COMPLETE)
                return rc;
        } else {
            for (size_t i = from; i < limit; i++)
                if (buf[i] == 0 || (buf[i] < 0x20 && buf[i] != '\r'))
                    return bad(h, "control byte in request line");
        }
    }
    if (len >= h->max_bytes) {
        h->error = "request head too large";
        return HTTP_HEAD_TOO_LARGE;
    }
    return HTTP_HEAD_INCOMPLETE;
}
