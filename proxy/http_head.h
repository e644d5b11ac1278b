/*
 * http_head: a small strict parser for one HTTP/1.x request head, fed incrementally.
 *
 * The proxy must decide from the head alone, before it spends an instance, whether the request
 * is well-formed; it never rewrites the head (the guest gets the bytes as they came). So this
 * parser only scans and checks: it finds the end of the head (CRLF CRLF) in O(new bytes) per
 * call and then validates the whole head once:
 *   request-line = method SP request-target SP "HTTP/1." DIGIT CRLF   (RFC 9112 3)
 *   field-line   = field-name ":" OWS field-value OWS CRLF             (RFC 9112 5)
 * Rejected (HTTP_HEAD_BAD, with a reason): bare LF or CR, NUL and other control bytes, obsolete
 * line folding, empty or non-token method and field names, whitespace before the colon, a
 * request target with spaces or controls, versions other than HTTP/1.0 and HTTP/1.1, more than
 * HTTP_HEAD_MAX_FIELDS fields, HTTP/1.1 without exactly one Host, Content-Length with
 * Transfer-Encoding, conflicting or malformed Content-Length (request smuggling defences).
 * HTTP_HEAD_TOO_LARGE once max_bytes have arrived without the end of the head.
 */
#ifndef ZERG_HTTP_HEAD_H
#define ZERG_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX_FIELDS 100

enum http_head_rc {
    HTTP_HEAD_INCOMPLETE = 0,
    HTTP_HEAD_COMPLETE = 1,
    HTTP_HEAD_BAD = -1,
    HTTP_HEAD_TOO_LARGE = -2,
};

struct http_head {
    /* scanner state */
    size_t scanned;  /* bytes already searched for the terminator */
    size_t max_bytes;
    /* results, valid when COMPLETE */
    size_t head_len; /* bytes of the head including the final CRLF CRLF */
    size_t method_off, method_len;
    size_t target_off, target_len;
    int version_minor; /* 0 or 1 */
    unsigned nfields;
    bool has_host;
    bool chunked;
    int64_t content_length; /* -1 when absent */
    const char *error;      /* why BAD or TOO_LARGE, static text */
};

void http_head_init(struct http_head *h, size_t max_bytes);
/*
 * buf holds every byte received so far (len grows between calls, earlier bytes unchanged).
 * Returns INCOMPLETE until the head is complete or proven bad. Bytes after head_len are the
 * body or a pipelined request and are not examined.
 */
enum http_head_rc http_head_feed(struct http_head *h, const uint8_t *buf, size_t len);

#endif
