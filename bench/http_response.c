/* http_response: see http_response.h. Strict enough to count, not a general HTTP parser. */
#include "http_response.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void http_response_init(struct http_response *r)
{
    memset(r, 0, sizeof *r);
}

/* Value of header `name` (without the colon) in the head lines, trimmed; NULL if absent. */
static const char *header_value(const char *head, size_t len, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    const char *end = head + len;
    const char *line = memchr(head, '\n', len); /* skip the status line */
    while (line && line + 1 < end) {
        line++;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
            line[nlen] == ':') {
            const char *v = line + nlen + 1;
            const char *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *vlen = (size_t)(ve - v);
            return v;
        }
        line = eol;
    }
    return NULL;
}

static void parse_head(struct http_response *r)
{
    const char *h = r->head;
    if (r->head_len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
        h[8] != ' ' || !isdigit((unsigned char)h[9]) || !isdigit((unsigned char)h[10]) ||
        !isdigit((unsigned char)h[11]) || (r->head_len > 12 && h[12] != ' ' && h[12] != '\r')) {
        r->malformed = true;
        return;
    }
    r->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');

    size_t vlen;
    const char *v = header_value(h, r->head_len, "Content-Length", &vlen);
    if (v) {
        uint64_t n = 0;
        if (vlen == 0 || vlen > 18) {
            r->malformed = true;
            return;
        }
        for (size_t i = 0; i < vlen; i++) {
            if (!isdigit((unsigned char)v[i])) {
                r->malformed = true;
                return;
            }
            n = n * 10 + (uint64_t)(v[i] - '0');
        }
        r->has_length = true;
        r->content_length = n;
    }
    v = header_value(h, r->head_len, "X-Zerg-Instance", &vlen);
    if (v) {
        if (vlen >= sizeof r->instance)
            vlen = sizeof r->instance - 1;
        for (size_t i = 0; i < vlen; i++) /* the CSV stays one field per value */
            r->instance[i] = (isalnum((unsigned char)v[i]) || v[i] == '-' || v[i] == '_' ||
                              v[i] == '.' || v[i] == ':')
                                 ? v[i]
                                 : '?';
        r->instance[vlen] = '\0';
    }
}

void http_response_feed(struct http_response *r, const char *data, size_t len)
{
    r->total_bytes += len;
    if (r->head_done || r->malformed) {
        r->body_bytes += len;
        return;
    }
    size_t room = sizeof r->head - r->head_len;
    size_t take = len < room ? len : room;
    size_t from = r->head_len >= 3 ? r->head_len - 3 : 0;
    memcpy(r->head + r->head_len, data, take);
    r->head_len += take;
    const char *end = memmem(r->head + from, r->head_len - from, "\r\n\r\n", 4);
    if (!end) {
        if (r->head_len == sizeof r->head)
            r->malformed = true; /* head larger than we keep: not what zerg sends */
        r->body_bytes += len - take;
        return;
    }
    size_t full = (size_t)(end - r->head) + 4;
    /* Bytes after the blank line (in this piece or beyond what fit) are body. */
    r->body_bytes += r->head_len - full + (len - take);
    r->head_len = full;
    r->head_done = true;
    parse_head(r);
}

bool http_response_complete(const struct http_response *r)
{
    if (!r->head_done || r->malformed)
        return false;
    return !r->has_length || r->body_bytes >= r->content_length;
}
