/*
 * packet.c: packet framing and HTTP / TLS-record parsing on bytes (see packet.h).
 *
 * Every rule here reproduces what OTP 25's erts does, including its quirks, because stock code
 * (gen_tcp users, inets, our web app) depends on the exact results: a header line that ends at
 * the end of the input is "more" (a continuation line may follow), a request line may carry
 * anything after its version digits, an unknown header name is capitalised word by word, a
 * value keeps its trailing blanks, lengths wrap as OTP's 32-bit ints do.
 */
#include "vm/packet.h"

const char *const packet_http_method_names[PACKET_HTTP_METHODS] = {
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE",
};

const char *const packet_http_field_names[PACKET_HTTP_FIELDS] = {
    "Cache-Control",
    "Connection",
    "Date",
    "Pragma",
    "Transfer-Encoding",
    "Upgrade",
    "Via",
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "From",
    "Host",
    "If-Modified-Since",
    "If-Match",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Proxy-Authorization",
    "Range",
    "Referer",
    "User-Agent",
    "Age",
    "Location",
    "Proxy-Authenticate",
    "Public",
    "Retry-After",
    "Server",
    "Vary",
    "Warning",
    "Www-Authenticate",
    "Allow",
    "Content-Base",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-Md5",
    "Content-Range",
    "Content-Type",
    "Etag",
    "Expires",
    "Last-Modified",
    "Accept-Ranges",
    "Set-Cookie",
    "Set-Cookie2",
    "X-Forwarded-For",
    "Cookie",
    "Keep-Alive",
    "Proxy-Connection",
};

void packet_options_init(struct packet_options *o)
{
    o->max_size = 0;
    o->line_length = 0;
    o->delimiter = '\n';
}

/* --- small helpers (the core has no libc) --------------------------------------------------- */

static size_t find_byte(const uint8_t *d, size_t from, size_t n, uint8_t c)
{
    for (size_t i = from; i < n; i++)
        if (d[i] == c)
            return i;
    return n;
}

static uint32_t be16(const uint8_t *d)
{
    return (uint32_t)d[0] << 8 | d[1];
}

static uint32_t be24(const uint8_t *d)
{
    return (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
}

static uint32_t be32(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static uint32_t le32(const uint8_t *d)
{
    return (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[1] << 8 | d[0];
}

static bool is_blank(uint8_t c) /* HTTP's SP: space or horizontal tab */
{
    return c == ' ' || c == '\t';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static uint8_t to_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static uint8_t to_upper(uint8_t c)
{
    return c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
}

/* HTTP/1.0's tspecials plus controls, space and every byte above 127 (DEL is a token byte, as
 * in OTP): what ends a method or a header name. */
static bool is_tspecial(uint8_t c)
{
    if (c <= 32 || c >= 128)
        return true;
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
    case '{':
    case '}':
        return true;
    default:
        return false;
    }
}

static bool span_is(const uint8_t *s, size_t len, const char *name)
{
    size_t i = 0;
    for (; i < len; i++)
        if (name[i] == '\0' || (uint8_t)name[i] != s[i])
            return false;
    return name[i] == '\0';
}

static bool prefix_caseless(const uint8_t *s, size_t len, const char *lower_prefix)
{
    size_t i = 0;
    for (; lower_prefix[i]; i++)
        if (i >= len || to_lower(s[i]) != (uint8_t)lower_prefix[i])
            return false;
    return true;
}

/* --- framing --------------------------------------------------------------------------------- */

static enum packet_status ready(struct packet_frame *out, size_t len, size_t body_off,
                                size_t body_len)
{
    out->len = len;
    out->body_off = body_off;
    out->body_len = body_len;
    return PACKET_READY;
}

static enum packet_status more(struct packet_frame *out, size_t need)
{
    out->need = need;
    return PACKET_MORE;
}

/*
 * A packet of a `hlen`-byte header announcing `plen` more bytes. OTP adds the two as 32-bit
 * unsigned numbers and rejects a total that is negative as an int (which also catches the
 * wrap-around of tpkt's and SSLv2's "length minus header" when the length is too small).
 */
static enum packet_status with_header(enum packet_type type, const struct packet_options *opt,
                                      const uint8_t *d, size_t n, uint32_t hlen, uint32_t plen,
                                      struct packet_frame *out)
{
    uint32_t total = hlen + plen;
    if ((opt->max_size && plen > opt->max_size) || (int32_t)total < (int32_t)hlen)
        return PACKET_INVALID;
    if (total > n)
        return more(out, total);
    switch (type) {
    case PACKET_1:
    case PACKET_2:
    case PACKET_4:
        return ready(out, total, hlen, plen);
    case PACKET_FCGI:
        return ready(out, total, 0, total - d[6]); /* the padding is not returned */
    default:
        return ready(out, total, 0, total); /* the header stays */
    }
}

static enum packet_status frame_line(const struct packet_options *opt, const uint8_t *d, size_t n,
                                     struct packet_frame *out)
{
    size_t end = find_byte(d, 0, n, opt->delimiter);
    if (end == n) {
        if (opt->max_size && n > opt->max_size)
            return PACKET_INVALID;
        if (opt->line_length && n >= opt->line_length)
            return ready(out, opt->line_length, 0, opt->line_length);
        return more(out, 0);
    }
    size_t len = end + 1;
    if (opt->max_size && len > opt->max_size)
        return PACKET_INVALID;
    if (opt->line_length && len > opt->line_length)
        return ready(out, opt->line_length, 0, opt->line_length);
    return ready(out, len, 0, len);
}

/* One HTTP line; in the headers, with the lines that continue it (they start with a blank). A
 * header line that ends exactly at the end of the input may still be continued: more. */
static enum packet_status frame_http(const struct packet_options *opt, const uint8_t *d, size_t n,
                                     enum packet_http_state state, struct packet_frame *out)
{
    if ((n == 1 && d[0] == '\n') || (n == 2 && d[0] == '\r' && d[1] == '\n'))
        return ready(out, n, 0, n);
    /* line_length stands in for packet_size here (OTP keeps it for old decode_packet users) */
    size_t limit = opt->max_size ? opt->max_size : opt->line_length;
    size_t from = 0;
    for (;;) {
        size_t nl = find_byte(d, from, n, '\n');
        if (nl == n) {
            if (limit && n >= limit)
                return PACKET_INVALID;
            return more(out, 0);
        }
        size_t len = nl + 1;
        if (state == PACKET_HTTP_HEADERS && len >= n) {
            if (limit && len > limit)
                return PACKET_INVALID;
            return more(out, 0);
        }
        if (state == PACKET_HTTP_HEADERS && len > 2 && is_blank(d[len])) {
            from = len;
            continue;
        }
        if (limit && len > limit)
            return PACKET_INVALID;
        return ready(out, len, 0, len);
    }
}

static enum packet_status frame_asn1(const struct packet_options *opt, const uint8_t *d, size_t n,
                                     struct packet_frame *out)
{
    if (n < 2)
        return more(out, 0);
    size_t i = 1; /* after the identifier's first byte */
    if ((d[0] & 0x1f) == 0x1f) {
        /* high tag number form: more identifier bytes while bit 8 is set, then the last one */
        while (i < n && (d[i] & 0x80))
            i++;
        if (n - i < 2)
            return more(out, 0);
        i++;
    }
    uint32_t plen;
    uint8_t first = d[i++];
    if (first & 0x80) {
        size_t count = first & 0x7f;
        if (n - i < count)
            return more(out, 0);
        switch (count) {
        case 0:
            plen = 0;
            break;
        case 1:
            plen = d[i];
            break;
        case 2:
            plen = be16(d + i);
            break;
        case 3:
            plen = be24(d + i);
            break;
        case 4:
            plen = be32(d + i);
            break;
        default:
            return PACKET_INVALID;
        }
        i += count;
    } else {
        plen = first;
    }
    return with_header(PACKET_ASN1, opt, d, n, (uint32_t)i, plen, out);
}

enum packet_status packet_frame(enum packet_type type, const struct packet_options *opt,
                                const uint8_t *d, size_t n, enum packet_http_state *state,
                                struct packet_frame *out)
{
    out->need = 0;
    out->len = out->body_off = out->body_len = 0;
    switch (type) {
    case PACKET_RAW:
        if (n == 0)
            return more(out, 0);
        return ready(out, n, 0, n);
    case PACKET_1:
        if (n < 1)
            return more(out, 0);
        return with_header(type, opt, d, n, 1, d[0], out);
    case PACKET_2:
        if (n < 2)
            return more(out, 0);
        return with_header(type, opt, d, n, 2, be16(d), out);
    case PACKET_4:
        if (n < 4)
            return more(out, 0);
        return with_header(type, opt, d, n, 4, be32(d), out);
    case PACKET_SUNRM: /* the top bit marks a record's last fragment */
        if (n < 4)
            return more(out, 0);
        return with_header(type, opt, d, n, 4, be32(d) & 0x7fffffffu, out);
    case PACKET_LINE:
        return frame_line(opt, d, n, out);
    case PACKET_ASN1:
        return frame_asn1(opt, d, n, out);
    case PACKET_CDR: /* GIOP: "GIOP", version, flags (bit 0: little endian), type, size */
        if (n < 12)
            return more(out, 0);
        if (d[0] != 'G' || d[1] != 'I' || d[2] != 'O' || d[3] != 'P')
            return PACKET_INVALID;
        return with_header(type, opt, d, n, 12, (d[6] & 1) ? le32(d + 8) : be32(d + 8), out);
    case PACKET_FCGI: /* version 1, type, request id, content length, padding, reserved */
        if (n < 8)
            return more(out, 0);
        if (d[0] != 1)
            return PACKET_INVALID;
        return with_header(type, opt, d, n, 8, be16(d + 4) + d[6], out);
    case PACKET_TPKT: /* RFC 1006: version 3, reserved, length including this header */
        if (n < 4)
            return more(out, 0);
        if (d[0] != 3)
            return PACKET_INVALID;
        return with_header(type, opt, d, n, 4, be16(d + 2) - 4u, out);
    case PACKET_SSL_TLS:
        if (n < 5)
            return more(out, 0);
        if ((d[0] & 0x80) && d[2] == 1) /* SSLv2 client hello: <<1:1, Len:15, 1, Version:16>> */
            return with_header(type, opt, d, n, 5, (be16(d) & 0x7fffu) - 3u, out);
        return with_header(type, opt, d, n, 5, be16(d + 3), out);
    case PACKET_HTTPH:
    case PACKET_HTTPH_BIN:
        if (state)
            *state = PACKET_HTTP_HEADERS;
        return frame_http(opt, d, n, PACKET_HTTP_HEADERS, out);
    case PACKET_HTTP:
    case PACKET_HTTP_BIN:
        return frame_http(opt, d, n, state ? *state : PACKET_HTTP_START_LINE, out);
    }
    return PACKET_INVALID;
}

/* --- HTTP ------------------------------------------------------------------------------------ */

/* Decimal digits from *i as OTP reads them (into a C int, so huge numbers wrap). Returns false
 * when there is no digit. */
static bool read_number(const uint8_t *p, size_t n, size_t *i, int32_t *value)
{
    uint32_t v = 0;
    size_t start = *i;
    while (*i < n && is_digit(p[*i]))
        v = v * 10u + (uint32_t)(p[(*i)++] - '0');
    *value = (int32_t)v;
    return *i > start;
}

static void skip_blanks(const uint8_t *p, size_t n, size_t *i)
{
    while (*i < n && is_blank(p[*i]))
        (*i)++;
}

/* "Major.Minor" from *i: at least one digit each. */
static bool read_version(const uint8_t *p, size_t n, size_t *i, struct packet_http *out)
{
    if (!read_number(p, n, i, &out->major) || *i >= n || p[*i] != '.')
        return false;
    (*i)++;
    return read_number(p, n, i, &out->minor);
}

/* "host[:port][/path]" of an http or https URI; no path is "/", a port that is empty, zero or
 * not all digits is undefined. */
static void parse_absolute_uri(const uint8_t *u, size_t len, struct packet_http *out)
{
    static const uint8_t root[] = "/";
    size_t slash = find_byte(u, 0, len, '/');
    if (slash == len) {
        out->uri2.ptr = root;
        out->uri2.len = 1;
    } else {
        out->uri2.ptr = u + slash;
        out->uri2.len = len - slash;
    }
    size_t host_end = slash;
    size_t colon = find_byte(u, 0, host_end, ':');
    out->uri1.ptr = u;
    out->uri1.len = colon;
    out->port = 0;
    if (colon < host_end) {
        size_t i = colon + 1;
        int32_t port = 0;
        read_number(u, host_end, &i, &port);
        if (i == host_end && port != 0)
            out->port = port;
    }
}

static void parse_uri(const uint8_t *u, size_t len, struct packet_http *out)
{
    out->uri1.ptr = u;
    out->uri1.len = len;
    if (len == 1 && u[0] == '*') {
        out->uri_kind = PACKET_URI_STAR;
    } else if (len <= 1 || u[0] == '/') {
        out->uri_kind = PACKET_URI_ABS_PATH;
    } else if (prefix_caseless(u, len, "http://")) {
        out->uri_kind = PACKET_URI_HTTP;
        parse_absolute_uri(u + 7, len - 7, out);
    } else if (prefix_caseless(u, len, "https://")) {
        out->uri_kind = PACKET_URI_HTTPS;
        parse_absolute_uri(u + 8, len - 8, out);
    } else {
        size_t colon = find_byte(u, 0, len, ':');
        if (colon == len) {
            out->uri_kind = PACKET_URI_STRING;
        } else {
            out->uri_kind = PACKET_URI_SCHEME;
            out->uri1.len = colon;
            out->uri2.ptr = u + colon + 1;
            out->uri2.len = len - colon - 1;
        }
    }
}

/* Status-Line = "HTTP/" Major "." Minor 1*SP [Status] [1*SP Phrase]; p starts with "HTTP/". */
static bool parse_status_line(const uint8_t *p, size_t n, struct packet_http *out)
{
    size_t i = 5;
    if (!read_version(p, n, &i, out))
        return false;
    size_t at = i;
    skip_blanks(p, n, &i);
    if (i == at)
        return false;
    out->status = 0;
    read_number(p, n, &i, &out->status); /* no digits: status 0 */
    at = i;
    skip_blanks(p, n, &i);
    if (i == at && i < n) /* "200OK" */
        return false;
    out->phrase.ptr = p + i;
    out->phrase.len = n - i;
    out->kind = PACKET_HTTP_RESPONSE;
    return true;
}

/* Request-Line = Method 1*SP URI [1*SP "HTTP/" Major "." Minor ...]; no version is 0.9, and
 * whatever follows the minor version's digits is ignored (OTP's rule). */
static bool parse_request_line(const uint8_t *p, size_t n, struct packet_http *out)
{
    size_t i = 0;
    while (i < n && !is_tspecial(p[i]))
        i++;
    if (i == 0 || i == n || !is_blank(p[i]))
        return false;
    out->method_text.ptr = p;
    out->method_text.len = i;
    out->method = -1;
    for (int m = 0; m < PACKET_HTTP_METHODS; m++)
        if (span_is(p, i, packet_http_method_names[m]))
            out->method = m;
    skip_blanks(p, n, &i);
    size_t uri = i;
    while (i < n && !is_blank(p[i]))
        i++;
    size_t uri_len = i - uri;
    if (uri_len == 0)
        return false;
    skip_blanks(p, n, &i);
    if (i == n) {
        out->major = 0;
        out->minor = 9;
    } else {
        if (n - i < 8 || !span_is(p + i, 5, "HTTP/"))
            return false;
        i += 5;
        if (!read_version(p, n, &i, out))
            return false;
    }
    parse_uri(p + uri, uri_len, out);
    out->kind = PACKET_HTTP_REQUEST;
    return true;
}

/*
 * Field-name ":" *SP value. The name (up to PACKET_HTTP_NAME_MAX bytes) is normalised as OTP
 * does: the first letter and each letter right after a '-' upper case, the others lower case
 * (a '-' directly after a '-' does not carry the upper case on). A longer name is kept as is.
 */
static bool parse_header_line(const uint8_t *p, size_t n, struct packet_http *out)
{
    size_t i = 0;
    size_t kept = 0;
    bool up = true;
    while (!is_tspecial(p[i])) {
        if (kept < PACKET_HTTP_NAME_MAX) {
            uint8_t c = p[i];
            if (up) {
                c = to_upper(c);
                up = false;
            } else if (c == '-') {
                up = true;
            } else {
                c = to_lower(c);
            }
            out->name_buf[kept++] = c;
        }
        if (++i == n) /* a name that runs to the end of the line */
            return false;
    }
    if (p[i] != ':')
        return false;
    size_t name_len = i;
    out->raw_name.ptr = p;
    out->raw_name.len = name_len;
    out->field = -1;
    if (name_len <= PACKET_HTTP_NAME_MAX) {
        out->name.ptr = out->name_buf;
        out->name.len = name_len;
        for (int f = 0; f < PACKET_HTTP_FIELDS; f++)
            if (span_is(out->name_buf, name_len, packet_http_field_names[f]))
                out->field = f;
    } else {
        out->name = out->raw_name;
    }
    i++;
    skip_blanks(p, n, &i);
    out->value.ptr = p + i;
    out->value.len = n - i;
    out->kind = PACKET_HTTP_HEADER;
    return true;
}

void packet_parse_http(const uint8_t *pkt, size_t len, enum packet_http_state *state,
                       struct packet_http *out)
{
    out->kind = PACKET_HTTP_ERROR;
    out->line.ptr = pkt;
    out->line.len = len;
    out->major = out->minor = out->status = out->port = 0;
    out->method = out->field = -1;
    out->uri_kind = PACKET_URI_STRING;
    out->method_text = out->uri1 = out->uri2 = out->phrase = out->line;
    out->name = out->raw_name = out->value = out->line;
    /* without the line end: CR LF, or LF alone */
    size_t n = len;
    if (n >= 2 && pkt[n - 2] == '\r')
        n -= 2;
    else if (n >= 1 && pkt[n - 1] == '\n')
        n -= 1;
    enum packet_http_state st = state ? *state : PACKET_HTTP_START_LINE;
    if (st == PACKET_HTTP_START_LINE) {
        bool ok = (n >= 5 && span_is(pkt, 5, "HTTP/")) ? parse_status_line(pkt, n, out)
                                                       : parse_request_line(pkt, n, out);
        if (!ok) {
            out->kind = PACKET_HTTP_ERROR;
            return;
        }
        if (state)
            *state = PACKET_HTTP_HEADERS;
        return;
    }
    if (n == 0) {
        out->kind = PACKET_HTTP_EOH;
        if (state)
            *state = PACKET_HTTP_START_LINE; /* the next message */
        return;
    }
    if (!parse_header_line(pkt, n, out))
        out->kind = PACKET_HTTP_ERROR;
}

/* --- TLS records ----------------------------------------------------------------------------- */

void packet_parse_ssl_tls(const uint8_t *pkt, size_t len, struct packet_ssl_tls *out)
{
    if ((pkt[0] & 0x80) && pkt[2] == 1) {
        /* SSLv2 client hello: returned as handshake (22) data <<1, Len:24, Rest>> */
        uint32_t body = (uint32_t)(len - 3);
        out->type = 22;
        out->major = pkt[3];
        out->minor = pkt[4];
        out->prefix[0] = 1;
        out->prefix[1] = (uint8_t)(body >> 16);
        out->prefix[2] = (uint8_t)(body >> 8);
        out->prefix[3] = (uint8_t)body;
        out->prefix_len = 4;
        out->data.ptr = pkt + 3;
        out->data.len = len - 3;
    } else {
        out->type = pkt[0];
        out->major = pkt[1];
        out->minor = pkt[2];
        out->prefix_len = 0;
        out->data.ptr = pkt + 5;
        out->data.len = len - 5;
    }
}
