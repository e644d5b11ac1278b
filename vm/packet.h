/*
 * packet.h: the packet protocols of OTP 25's erlang:decode_packet/3 and of gen_tcp's {packet, T}
 * option, with OTP's exact results: where a packet ends in a byte stream (framing) and what an
 * HTTP or TLS-record packet says (parsing). Written from the behaviour of erts' packet_parser.c
 * (OTP 25.2.3) and measured against stock erl by tests/erlang/t_packet.erl.
 *
 * Two layers, so the BIF (vm/bif_packet.c) and a socket driver share every rule:
 *   - packet_frame() and packet_parse_*() (packet.c) work on bytes only: no process, no term, no
 *     allocation. They never read outside [data, data + n).
 *   - packet_http_term() and packet_ssl_tls_term() (packet_term.c) build the Erlang term of a
 *     parsed packet through a struct builder.
 *
 * A driver in {packet, http_bin} mode, for instance, keeps one `enum packet_http_state` per
 * socket (PACKET_HTTP_START_LINE when the socket is opened or the option set) and for its input
 * buffer does:
 *     struct packet_frame f;
 *     switch (packet_frame(type, &opts, buf, n, &state, &f)) {
 *     case PACKET_MORE:    read more (f.need: the total length when known, else 0)
 *     case PACKET_INVALID: emsgsize / {error, invalid}
 *     case PACKET_READY:   struct packet_http h;
 *                          packet_parse_http(buf, f.len, &state, &h);
 *                          term = packet_http_term(builder, &h, true, NULL);
 *                          consume f.len bytes
 *     }
 * For raw, 1, 2, 4, line, asn1, sunrm, cdr, fcgi and tpkt the packet's payload is
 * buf[f.body_off .. f.body_off + f.body_len) and no parsing step applies.
 *
 * Lengths: OTP keeps lengths in 32-bit ints; the same wrap-around rules are applied here (a 4-byte
 * length header of 2^31 - 4 or more is invalid), so results are erl's for inputs below 4 GiB.
 */
#ifndef ZVM_PACKET_H
#define ZVM_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/heap.h"
#include "vm/term.h"

/* The packet types, numbered as inet_drv's packet option (what prim_inet sends for
 * {packet, T}), so a driver can keep the option's value as is. */
enum packet_type {
    PACKET_RAW = 0,
    PACKET_1 = 1,
    PACKET_2 = 2,
    PACKET_4 = 3,
    PACKET_ASN1 = 4,
    PACKET_SUNRM = 5,
    PACKET_CDR = 6,
    PACKET_FCGI = 7,
    PACKET_LINE = 8,
    PACKET_TPKT = 9,
    PACKET_HTTP = 10,
    PACKET_HTTPH = 11,
    PACKET_SSL_TLS = 12,
    PACKET_HTTP_BIN = 13,
    PACKET_HTTPH_BIN = 14,
};
#define PACKET_TYPE_MAX PACKET_HTTPH_BIN

static inline bool packet_type_is_http(enum packet_type t)
{
    return t == PACKET_HTTP || t == PACKET_HTTPH || t == PACKET_HTTP_BIN || t == PACKET_HTTPH_BIN;
}

struct packet_options {
    uint32_t max_size;    /* {packet_size, N}: the largest payload; 0: no limit */
    uint32_t line_length; /* {line_length, N}: lines are cut at N bytes; 0: no limit. For the
                             http types it stands for max_size when that is 0 (OTP's rule) */
    uint8_t delimiter;    /* {line_delimiter, B}: the line type's end byte */
};
/* No limits, '\n' as the delimiter. */
void packet_options_init(struct packet_options *o);

/* Where an HTTP stream is: expecting a request or status line, or header lines (where a line
 * that starts with a space or tab continues the previous one). httph and httph_bin set
 * PACKET_HTTP_HEADERS themselves; a parsed start line moves to it; end of headers moves back. */
enum packet_http_state { PACKET_HTTP_START_LINE = 0, PACKET_HTTP_HEADERS = 1 };

enum packet_status { PACKET_MORE, PACKET_READY, PACKET_INVALID };

struct packet_frame {
    size_t need;     /* MORE: the packet's total length when the header says it, else 0 */
    size_t len;      /* READY: the bytes the packet takes from the input */
    size_t body_off; /* READY: where its payload starts (after a 1, 2 or 4 byte header) */
    size_t body_len; /* READY: the payload's length (fcgi: without the padding) */
};

/* Whether data[0 .. n) starts with a whole packet of `type`. `state` is only used (and, for
 * httph/httph_bin, set) by the http types; it may be NULL for the others. */
enum packet_status packet_frame(enum packet_type type, const struct packet_options *opt,
                                const uint8_t *data, size_t n, enum packet_http_state *state,
                                struct packet_frame *out);

/* --- HTTP ------------------------------------------------------------------------------------ */

/* The known request methods and header fields, in OTP's order: a field's index + 1 is the
 * first element of {http_header, I, ...}. */
#define PACKET_HTTP_METHODS 7
#define PACKET_HTTP_FIELDS  52
extern const char *const packet_http_method_names[PACKET_HTTP_METHODS];
extern const char *const packet_http_field_names[PACKET_HTTP_FIELDS];
/* Longer header names are not normalised (and never known fields), as in OTP. */
#define PACKET_HTTP_NAME_MAX 50

enum packet_http_kind {
    PACKET_HTTP_REQUEST,  /* {http_request, Method, Uri, {Major, Minor}} */
    PACKET_HTTP_RESPONSE, /* {http_response, {Major, Minor}, Status, Phrase} */
    PACKET_HTTP_HEADER,   /* {http_header, Index, Field, RawName, Value} */
    PACKET_HTTP_EOH,      /* http_eoh */
    PACKET_HTTP_ERROR,    /* {http_error, Line} (the whole packet, line end included) */
};

enum packet_uri_kind {
    PACKET_URI_STAR,     /* '*' */
    PACKET_URI_ABS_PATH, /* {abs_path, s1} */
    PACKET_URI_HTTP,     /* {absoluteURI, http, s1 (host), port, s2 (path)} */
    PACKET_URI_HTTPS,    /* {absoluteURI, https, ...} */
    PACKET_URI_SCHEME,   /* {scheme, s1, s2} */
    PACKET_URI_STRING,   /* s1 */
};

struct packet_span {
    const uint8_t *ptr;
    size_t len;
};

struct packet_http {
    enum packet_http_kind kind;
    int32_t major, minor; /* request, response: the version (request without one: 0.9) */
    /* request */
    int method; /* index into packet_http_method_names, or -1: method_text */
    struct packet_span method_text;
    enum packet_uri_kind uri_kind;
    struct packet_span uri1, uri2;
    int32_t port; /* 0: undefined */
    /* response */
    int32_t status;
    struct packet_span phrase;
    /* header */
    int field;               /* index into packet_http_field_names, or -1: name */
    struct packet_span name; /* the normalised name (may point into name_buf below) */
    struct packet_span raw_name, value;
    /* error */
    struct packet_span line;
    uint8_t name_buf[PACKET_HTTP_NAME_MAX]; /* so the struct must not be copied */
};

/* Parses one packet that packet_frame() delimited for an http type (len = frame.len) and
 * updates `state` as OTP does. Every outcome is a packet: a line that is not HTTP is
 * PACKET_HTTP_ERROR. Spans point into `pkt` (or into out->name_buf). */
void packet_parse_http(const uint8_t *pkt, size_t len, enum packet_http_state *state,
                       struct packet_http *out);

/* --- TLS records (ssl_tls) ------------------------------------------------------------------- */

struct packet_ssl_tls {
    unsigned type, major, minor;
    uint8_t prefix[4]; /* an SSLv2 client hello is returned behind a made-up 4-byte header */
    size_t prefix_len;
    struct packet_span data;
};
void packet_parse_ssl_tls(const uint8_t *pkt, size_t len, struct packet_ssl_tls *out);

/* --- terms (packet_term.c) ------------------------------------------------------------------- */

/*
 * Where the parsed bytes came from, so long strings of http_bin can be sub-binaries of the
 * original binary instead of copies: bytes[i] is bit `bit_offset + 8 * i` of `orig` (a heap or
 * refc binary object, never a sub-binary). Pass NULL to copy every string.
 */
struct packet_source {
    const uint8_t *bytes;
    size_t size;
    term_t orig;
    uint64_t bit_offset;
};

/* The term of a parsed HTTP packet; strings are lists, or binaries when `as_binary`
 * (http_bin, httph_bin). */
term_t packet_http_term(struct builder *b, const struct packet_http *h, bool as_binary,
                        const struct packet_source *src);
/* {ssl_tls, [], Type, {Major, Minor}, Data} */
term_t packet_ssl_tls_term(struct builder *b, const struct packet_ssl_tls *s);

#endif
