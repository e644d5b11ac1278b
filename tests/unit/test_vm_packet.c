/*
 * Unit tests of vm/packet.c and vm/packet_term.c as a socket driver uses them (what the
 * decode_packet corpus cannot reach): the HTTP state carried from one packet to the next over a
 * pipelined stream, framing vectors checked against erl's answers, spans that stay inside their
 * input, and random input of every type in buffers of exactly its size (ASan sees any read
 * past them).
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "vm/atom.h"
#include "vm/binary.h"
#include "vm/heap.h"
#include "vm/packet.h"

static enum packet_status frame(enum packet_type type, const char *s, size_t n,
                                struct packet_frame *f)
{
    struct packet_options o;
    packet_options_init(&o);
    enum packet_http_state st = PACKET_HTTP_START_LINE;
    return packet_frame(type, &o, (const uint8_t *)s, n, &st, f);
}

/* Vectors whose answers stock erl gave for decode_packet/3 (tests/erlang/t_packet.erl). */
static void test_frame_vectors(void)
{
    struct packet_frame f;
    CU_ASSERT_EQUAL(frame(PACKET_RAW, "", 0, &f), PACKET_MORE);
    CU_ASSERT_EQUAL(f.need, 0);
    CU_ASSERT_EQUAL(frame(PACKET_1,
                          "\x03"
                          "abcd",
                          5, &f),
                    PACKET_READY);
    CU_ASSERT(f.len == 4 && f.body_off == 1 && f.body_len == 3);
    CU_ASSERT_EQUAL(frame(PACKET_1,
                          "\x05"
                          "abcd",
                          5, &f),
                    PACKET_MORE);
    CU_ASSERT_EQUAL(f.need, 6);
    CU_ASSERT_EQUAL(frame(PACKET_4, "\x7f\xff\xff\xfb", 4, &f), PACKET_MORE);
    CU_ASSERT_EQUAL(f.need, 2147483647u);
    CU_ASSERT_EQUAL(frame(PACKET_4, "\x7f\xff\xff\xfc", 4, &f), PACKET_INVALID);
    CU_ASSERT_EQUAL(frame(PACKET_TPKT, "\x03\x00\x00\x03", 4, &f), PACKET_INVALID);
    CU_ASSERT_EQUAL(frame(PACKET_FCGI,
                          "\x01\x01\x00\x01\x00\x02\x01\x00"
                          "ab\x00",
                          11, &f),
                    PACKET_READY);
    CU_ASSERT(f.len == 11 && f.body_off == 0 && f.body_len == 10);
    CU_ASSERT_EQUAL(frame(PACKET_SSL_TLS, "\x80\x02\x01\x03\x00", 5, &f), PACKET_INVALID);
    CU_ASSERT_EQUAL(frame(PACKET_LINE, "abc\ndef", 7, &f), PACKET_READY);
    CU_ASSERT_EQUAL(f.len, 4);
    /* a header line that ends the input may be continued: more */
    CU_ASSERT_EQUAL(frame(PACKET_HTTPH, "Host: x\r\n", 9, &f), PACKET_MORE);
    CU_ASSERT_EQUAL(frame(PACKET_HTTPH, "Host: x\r\n y\r\n\r\n", 15, &f), PACKET_READY);
    CU_ASSERT_EQUAL(f.len, 13);
    CU_ASSERT_EQUAL(frame(PACKET_HTTP, "GET / HTTP/1.1\r\n", 16, &f), PACKET_READY);
    CU_ASSERT_EQUAL(f.len, 16);

    struct packet_options o;
    packet_options_init(&o);
    o.line_length = 3;
    CU_ASSERT_EQUAL(packet_frame(PACKET_LINE, &o, (const uint8_t *)"abcdef", 6, NULL, &f),
                    PACKET_READY);
    CU_ASSERT_EQUAL(f.len, 3);
    o.line_length = 0;
    o.max_size = 3;
    CU_ASSERT_EQUAL(packet_frame(PACKET_LINE, &o, (const uint8_t *)"abcdef", 6, NULL, &f),
                    PACKET_INVALID);
}

/* A driver's loop over a pipelined stream in {packet, http_bin}: the state it keeps makes the
 * header lines after a request line framed and parsed as headers, and the end of headers makes
 * the next line a request line again. */
static void test_http_stream_state(void)
{
    static const char stream[] = "GET /a HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n two\r\n\r\n"
                                 "HTTP/1.0 200 OK\nserver: s\n\n";
    const enum packet_http_kind want[] = {
        PACKET_HTTP_REQUEST,  PACKET_HTTP_HEADER, PACKET_HTTP_HEADER, PACKET_HTTP_EOH,
        PACKET_HTTP_RESPONSE, PACKET_HTTP_HEADER, PACKET_HTTP_EOH};
    struct packet_options o;
    packet_options_init(&o);
    enum packet_http_state st = PACKET_HTTP_START_LINE;
    const uint8_t *p = (const uint8_t *)stream;
    size_t left = sizeof stream - 1;
    size_t i = 0;
    while (left) {
        struct packet_frame f;
        enum packet_status s = packet_frame(PACKET_HTTP_BIN, &o, p, left, &st, &f);
        CU_ASSERT_EQUAL_FATAL(s, PACKET_READY);
        struct packet_http h;
        packet_parse_http(p, f.len, &st, &h);
        CU_ASSERT_FATAL(i < sizeof want / sizeof want[0]);
        CU_ASSERT_EQUAL(h.kind, want[i]);
        if (i == 1) {
            CU_ASSERT_EQUAL(h.field, 13); /* Host */
        } else if (i == 2) {
            CU_ASSERT_EQUAL(h.field, -1);
            CU_ASSERT(h.value.len == 9 && memcmp(h.value.ptr, "one\r\n two", 9) == 0);
        } else if (i == 4) {
            CU_ASSERT(h.major == 1 && h.minor == 0 && h.status == 200);
        } else if (i == 5) {
            CU_ASSERT_EQUAL(h.field, 29); /* Server */
        }
        CU_ASSERT_EQUAL(st,
                        h.kind == PACKET_HTTP_EOH ? PACKET_HTTP_START_LINE : PACKET_HTTP_HEADERS);
        p += f.len;
        left -= f.len;
        i++;
    }
    CU_ASSERT_EQUAL(i, sizeof want / sizeof want[0]);
}

static void parse_line(const char *line, enum packet_http_state st, struct packet_http *h)
{
    packet_parse_http((const uint8_t *)line, strlen(line), &st, h);
}

static bool span_eq(struct packet_span s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

static void test_http_fields(void)
{
    struct packet_http h;
    parse_line("x--a-B-cD: v\r\n", PACKET_HTTP_HEADERS, &h);
    CU_ASSERT_EQUAL(h.kind, PACKET_HTTP_HEADER);
    CU_ASSERT(span_eq(h.name, "X--a-B-Cd")); /* "--" does not carry the upper case on */
    CU_ASSERT(span_eq(h.raw_name, "x--a-B-cD"));
    parse_line("wWW-aUTHENTICATE:  \t v  \r\n", PACKET_HTTP_HEADERS, &h);
    CU_ASSERT_EQUAL(h.field, 32);
    CU_ASSERT(span_eq(h.value, "v  "));
    for (int f = 0; f < PACKET_HTTP_FIELDS; f++) {
        char line[80];
        size_t n = strlen(packet_http_field_names[f]);
        for (size_t i = 0; i < n; i++) /* all lower case */
            line[i] = (char)(packet_http_field_names[f][i] | 0x20);
        memcpy(line + n, ":x\n", 4);
        parse_line(line, PACKET_HTTP_HEADERS, &h);
        CU_ASSERT_EQUAL(h.field, f);
    }
    parse_line("GET http://h:8080 HTTP/1.1\r\n", PACKET_HTTP_START_LINE, &h);
    CU_ASSERT(h.kind == PACKET_HTTP_REQUEST && h.method == 1 && h.uri_kind == PACKET_URI_HTTP);
    CU_ASSERT(span_eq(h.uri1, "h") && span_eq(h.uri2, "/") && h.port == 8080);
    parse_line("M-SEARCH * HTTP/1.1\r\n", PACKET_HTTP_START_LINE, &h);
    CU_ASSERT(h.method == -1 && span_eq(h.method_text, "M-SEARCH"));
    CU_ASSERT_EQUAL(h.uri_kind, PACKET_URI_STAR);
    parse_line("GET /x\r\n", PACKET_HTTP_START_LINE, &h);
    CU_ASSERT(h.kind == PACKET_HTTP_REQUEST && h.major == 0 && h.minor == 9);
    parse_line("HTTP/1.1 200OK\r\n", PACKET_HTTP_START_LINE, &h);
    CU_ASSERT(h.kind == PACKET_HTTP_ERROR && span_eq(h.line, "HTTP/1.1 200OK\r\n"));
}

/* http_bin strings: short ones copied, long ones sub-binaries of the source at its bit offset. */
static void test_http_terms(void)
{
    atom_table_init();
    static const char line[] = "GET /0123456789abcdefghij HTTP/1.1\r\n";
    struct lit_area a;
    lit_area_init(&a);
    term_t orig = build_binary(&a.builder, (const uint8_t *)line, sizeof line - 1, NULL);
    uint64_t size;
    const uint8_t *bytes = binary_storage(orig, &size);
    struct packet_http h;
    enum packet_http_state st = PACKET_HTTP_START_LINE;
    packet_parse_http(bytes, size, &st, &h);
    struct packet_source src = {bytes, size, orig, 0};
    term_t t = packet_http_term(&a.builder, &h, true, &src);
    CU_ASSERT_FATAL(is_tuple(t) && tuple_arity(t) == 4);
    CU_ASSERT_EQUAL(tuple_elems(t)[0], ATOM_http_request);
    CU_ASSERT_EQUAL(tuple_elems(t)[1], ATOM_http_GET);
    term_t uri = tuple_elems(t)[2];
    CU_ASSERT_FATAL(is_tuple(uri) && tuple_elems(uri)[0] == ATOM_abs_path);
    term_t path = tuple_elems(uri)[1];
    CU_ASSERT_FATAL(is_boxed_sub(path, SUB_SUB_BIN));
    struct bitview v = bitview_of(path);
    CU_ASSERT(v.bits == 21 * 8 && v.bit_offset == 4 * 8);
    CU_ASSERT_EQUAL(memcmp(v.base + v.bit_offset / 8, "/0123456789abcdefghij", 21), 0);
    /* lists for http, and no source: copies */
    t = packet_http_term(&a.builder, &h, false, NULL);
    CU_ASSERT(is_list(tuple_elems(tuple_elems(t)[2])[1]));
    lit_area_dispose(&a);
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool span_inside(struct packet_span s, const uint8_t *base, size_t len,
                        const struct packet_http *h)
{
    if (s.len == 0)
        return true;
    if (s.ptr >= h->name_buf && s.ptr + s.len <= h->name_buf + sizeof h->name_buf)
        return true;
    if (s.len == 1 && s.ptr[0] == '/') /* an absolute URI without a path */
        return true;
    return s.ptr >= base && s.ptr + s.len <= base + len;
}

/* 300 000 random inputs (bytes of any value, or of an HTTP-like alphabet) of every type and
 * option, each in a heap block of exactly its size: framing answers stay within the input and
 * every ready packet parses and builds a term. */
static void test_random_input(void)
{
    atom_table_init();
    static const char http_alpha[] = "GET HTTP/1.1\r\n\r\n: \t-/*?=abHost:0129http://\n;@\x80";
    rng_state = 0x9e3779b97f4a7c15u;
    struct lit_area a;
    lit_area_init(&a);
    unsigned ready = 0, terms = 0;
    for (int iter = 0; iter < 300000; iter++) {
        size_t n = rng() % 72;
        uint8_t *buf = malloc(n ? n : 1);
        bool alpha = rng() & 1;
        for (size_t i = 0; i < n; i++)
            buf[i] = alpha ? (uint8_t)http_alpha[rng() % (sizeof http_alpha - 1)] : (uint8_t)rng();
        enum packet_type type = (enum packet_type)(rng() % (PACKET_TYPE_MAX + 1));
        struct packet_options o;
        packet_options_init(&o);
        uint64_t r = rng();
        if (r & 1)
            o.max_size = (uint32_t)(r >> 8) % 80;
        if (r & 2)
            o.line_length = (uint32_t)(r >> 16) % 40;
        if (r & 4)
            o.delimiter = (uint8_t)(r >> 24);
        enum packet_http_state st = (r & 8) ? PACKET_HTTP_HEADERS : PACKET_HTTP_START_LINE;
        struct packet_frame f;
        enum packet_status s = packet_frame(type, &o, buf, n, &st, &f);
        if (s == PACKET_MORE) {
            CU_ASSERT(f.need == 0 || f.need > n);
        } else if (s == PACKET_READY) {
            ready++;
            CU_ASSERT_FATAL(f.len > 0 && f.len <= n);
            CU_ASSERT_FATAL(f.body_off + f.body_len <= f.len);
            if (packet_type_is_http(type)) {
                struct packet_http h;
                packet_parse_http(buf, f.len, &st, &h);
                CU_ASSERT(span_inside(h.line, buf, f.len, &h));
                CU_ASSERT(span_inside(h.method_text, buf, f.len, &h));
                CU_ASSERT(span_inside(h.uri1, buf, f.len, &h));
                CU_ASSERT(span_inside(h.uri2, buf, f.len, &h));
                CU_ASSERT(span_inside(h.phrase, buf, f.len, &h));
                CU_ASSERT(span_inside(h.name, buf, f.len, &h));
                CU_ASSERT(span_inside(h.raw_name, buf, f.len, &h));
                CU_ASSERT(span_inside(h.value, buf, f.len, &h));
                term_t t = packet_http_term(&a.builder, &h, r & 16, NULL);
                CU_ASSERT(t != THE_NON_VALUE);
                terms++;
            } else if (type == PACKET_SSL_TLS) {
                struct packet_ssl_tls tls;
                packet_parse_ssl_tls(buf, f.len, &tls);
                CU_ASSERT(tls.data.ptr >= buf && tls.data.ptr + tls.data.len <= buf + f.len);
                CU_ASSERT(packet_ssl_tls_term(&a.builder, &tls) != THE_NON_VALUE);
                terms++;
            }
        }
        free(buf);
        if (iter % 10000 == 9999) { /* keep the literal area small */
            lit_area_dispose(&a);
            lit_area_init(&a);
        }
    }
    lit_area_dispose(&a);
    /* the run must have reached the parsers, not only "more" and "invalid" */
    CU_ASSERT(ready > 30000);
    CU_ASSERT(terms > 10000);
}

void unit_register_vm_packet(void)
{
    UNIT_SUITE("vm_packet", UNIT_TEST(test_frame_vectors), UNIT_TEST(test_http_stream_state),
               UNIT_TEST(test_http_fields), UNIT_TEST(test_http_terms),
               UNIT_TEST(test_random_input));
}
