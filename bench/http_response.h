/*
 * http_response: what zbench needs to know of one HTTP/1.x response read until EOF.
 *
 * Contract:
 * - http_response_init zeroes a tracker; http_response_feed is given every byte read from the
 *   connection, in order, in pieces of any size. It keeps at most HTTP_RESPONSE_HEAD_MAX bytes
 *   of head; the body is only counted.
 * - After the head is complete (the blank line seen), `status` holds the status code and
 *   `instance` the value of X-Zerg-Instance (empty if absent). A head that is not HTTP/1.x, has
 *   no 3-digit status, or overflows HTTP_RESPONSE_HEAD_MAX sets `malformed`.
 * - http_response_complete says whether what was fed is a whole response: a complete head and,
 *   when Content-Length is given, at least that many body bytes (without Content-Length, the
 *   body runs to EOF, so a complete head suffices).
 * Nothing is allocated; there is nothing to dispose.
 */
#ifndef ZERG_BENCH_HTTP_RESPONSE_H
#define ZERG_BENCH_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_RESPONSE_HEAD_MAX     8192
#define HTTP_RESPONSE_INSTANCE_MAX 40

struct http_response {
    char head[HTTP_RESPONSE_HEAD_MAX];
    size_t head_len;
    bool head_done;
    bool malformed;
    int status;
    bool has_length;
    uint64_t content_length;
    uint64_t body_bytes;
    uint64_t total_bytes;
    char instance[HTTP_RESPONSE_INSTANCE_MAX];
};

void http_response_init(struct http_response *r);
void http_response_feed(struct http_response *r, const char *data, size_t len);
bool http_response_complete(const struct http_response *r);

#endif
