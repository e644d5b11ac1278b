/* packet_term.c: the Erlang terms of parsed HTTP and TLS-record packets (see packet.h). */
#include "vm/packet.h"

#include <string.h>

static const term_t method_atoms[PACKET_HTTP_METHODS] = {
    ATOM_http_OPTIONS, ATOM_http_GET,    ATOM_http_HEAD,  ATOM_http_POST,
    ATOM_http_PUT,     ATOM_http_DELETE, ATOM_http_TRACE,
};

static const term_t field_atoms[PACKET_HTTP_FIELDS] = {
    ATOM_http_Cache_Control,
    ATOM_http_Connection,
    ATOM_http_Date,
    ATOM_http_Pragma,
    ATOM_http_Transfer_Encoding,
    ATOM_http_Upgrade,
    ATOM_http_Via,
    ATOM_http_Accept,
    ATOM_http_Accept_Charset,
    ATOM_http_Accept_Encoding,
    ATOM_http_Accept_Language,
    ATOM_http_Authorization,
    ATOM_http_From,
    ATOM_http_Host,
    ATOM_http_If_Modified_Since,
    ATOM_http_If_Match,
    ATOM_http_If_None_Match,
    ATOM_http_If_Range,
    ATOM_http_If_Unmodified_Since,
    ATOM_http_Max_Forwards,
    ATOM_http_Proxy_Authorization,
    ATOM_http_Range,
    ATOM_http_Referer,
    ATOM_http_User_Agent,
    ATOM_http_Age,
    ATOM_http_Location,
    ATOM_http_Proxy_Authenticate,
    ATOM_http_Public,
    ATOM_http_Retry_After,
    ATOM_http_Server,
    ATOM_http_Vary,
    ATOM_http_Warning,
    ATOM_http_Www_Authenticate,
    ATOM_http_Allow,
    ATOM_http_Content_Base,
    ATOM_http_Content_Encoding,
    ATOM_http_Content_Language,
    ATOM_http_Content_Length,
    ATOM_http_Content_Location,
    ATOM_http_Content_Md5,
    ATOM_http_Content_Range,
    ATOM_http_Content_Type,
    ATOM_http_Etag,
    ATOM_http_Expires,
    ATOM_http_Last_Modified,
    ATOM_http_Accept_Ranges,
    ATOM_http_Set_Cookie,
    ATOM_http_Set_Cookie2,
    ATOM_http_X_Forwarded_For,
    ATOM_http_Cookie,
    ATOM_http_Keep_Alive,
    ATOM_http_Proxy_Connection,
};

/*
 * A string: a list, or a binary. A binary longer than a sub-binary's four words would be is a
 * sub-binary of the source when the bytes lie inside it (as erts shares them), else a copy.
 */
static term_t string_term(struct builder *b, struct packet_span s, bool as_binary,
                          const struct packet_source *src)
{
    if (!as_binary)
        return build_string(b, (const char *)s.ptr, s.len);
    if (src && s.len > 16 && s.ptr >= src->bytes && s.len <= src->size &&
        (size_t)(s.ptr - src->bytes) <= src->size - s.len) {
        term_t *sub = build_alloc(b, 4);
        sub[0] = make_header(3, SUB_SUB_BIN);
        sub[1] = (uint64_t)s.len * 8;
        sub[2] = src->bit_offset + (uint64_t)(s.ptr - src->bytes) * 8;
        sub[3] = src->orig;
        return make_boxed(sub);
    }
    return build_binary(b, s.ptr, s.len, NULL);
}

static term_t tuple2(struct builder *b, term_t a, term_t c)
{
    term_t *el;
    term_t t = build_tuple(b, 2, &el);
    el[0] = a;
    el[1] = c;
    return t;
}

static term_t uri_term(struct builder *b, const struct packet_http *h, bool as_binary,
                       const struct packet_source *src)
{
    term_t *el;
    term_t t;
    switch (h->uri_kind) {
    case PACKET_URI_STAR:
        return ATOM_op_times; /* '*' */
    case PACKET_URI_ABS_PATH:
        return tuple2(b, ATOM_abs_path, string_term(b, h->uri1, as_binary, src));
    case PACKET_URI_HTTP:
    case PACKET_URI_HTTPS: {
        term_t host = string_term(b, h->uri1, as_binary, src);
        term_t path = string_term(b, h->uri2, as_binary, src);
        t = build_tuple(b, 5, &el);
        el[0] = ATOM_absoluteURI;
        el[1] = h->uri_kind == PACKET_URI_HTTP ? ATOM_http : ATOM_https;
        el[2] = host;
        el[3] = h->port ? make_small(h->port) : ATOM_undefined;
        el[4] = path;
        return t;
    }
    case PACKET_URI_SCHEME: {
        term_t scheme = string_term(b, h->uri1, as_binary, src);
        term_t rest = string_term(b, h->uri2, as_binary, src);
        t = build_tuple(b, 3, &el);
        el[0] = ATOM_scheme;
        el[1] = scheme;
        el[2] = rest;
        return t;
    }
    case PACKET_URI_STRING:
        break;
    }
    return string_term(b, h->uri1, as_binary, src);
}

term_t packet_http_term(struct builder *b, const struct packet_http *h, bool as_binary,
                        const struct packet_source *src)
{
    term_t *el;
    term_t t;
    switch (h->kind) {
    case PACKET_HTTP_REQUEST: {
        term_t method = h->method >= 0 ? method_atoms[h->method]
                                       : string_term(b, h->method_text, as_binary, src);
        term_t uri = uri_term(b, h, as_binary, src);
        term_t version = tuple2(b, make_small(h->major), make_small(h->minor));
        t = build_tuple(b, 4, &el);
        el[0] = ATOM_http_request;
        el[1] = method;
        el[2] = uri;
        el[3] = version;
        return t;
    }
    case PACKET_HTTP_RESPONSE: {
        term_t version = tuple2(b, make_small(h->major), make_small(h->minor));
        term_t phrase = string_term(b, h->phrase, as_binary, src);
        t = build_tuple(b, 4, &el);
        el[0] = ATOM_http_response;
        el[1] = version;
        el[2] = make_small(h->status);
        el[3] = phrase;
        return t;
    }
    case PACKET_HTTP_HEADER: {
        term_t field =
            h->field >= 0 ? field_atoms[h->field] : string_term(b, h->name, as_binary, src);
        term_t raw = string_term(b, h->raw_name, as_binary, src);
        term_t value = string_term(b, h->value, as_binary, src);
        t = build_tuple(b, 5, &el);
        el[0] = ATOM_http_header;
        el[1] = make_small(h->field >= 0 ? h->field + 1 : 0);
        el[2] = field;
        el[3] = raw;
        el[4] = value;
        return t;
    }
    case PACKET_HTTP_EOH:
        return ATOM_http_eoh;
    case PACKET_HTTP_ERROR:
        break;
    }
    return tuple2(b, ATOM_http_error, string_term(b, h->line, as_binary, src));
}

term_t packet_ssl_tls_term(struct builder *b, const struct packet_ssl_tls *s)
{
    uint8_t *data;
    term_t bin = build_binary(b, NULL, s->prefix_len + s->data.len, &data);
    if (s->prefix_len)
        memcpy(data, s->prefix, s->prefix_len);
    if (s->data.len)
        memcpy(data + s->prefix_len, s->data.ptr, s->data.len);
    term_t version = tuple2(b, make_small(s->major), make_small(s->minor));
    term_t *el;
    term_t t = build_tuple(b, 5, &el);
    el[0] = ATOM_ssl_tls;
    el[1] = NIL;
    el[2] = make_small(s->type);
    el[3] = version;
    el[4] = bin;
    return t;
}
