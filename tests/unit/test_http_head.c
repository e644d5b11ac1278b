/* Unit tests of proxy/http_head.c: the strict request-head scanner. */
#include "unit.h"

#include "http_head.h"

#include <stdio.h>
#include <string.h>

static enum http_head_rc feed_all(struct http_head *h, const char *s, size_t max)
{
    http_head_init(h, max);
    return http_head_feed(h, (const uint8_t *)s, strlen(s));
}

static void test_simple_get(void)
{
    struct http_head h;
    const char *req = "GET /index.html HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\nBODY";
    CU_ASSERT_EQUAL(feed_all(&h, req, 16384), HTTP_HEAD_COMPLETE);
    CU_ASSERT_EQUAL(h.head_len, strlen(req) - 4);
    CU_ASSERT_EQUAL(h.method_len, 3);
    CU_ASSERT_EQUAL(h.target_len, strlen("/index.html"));
    CU_ASSERT_EQUAL(memcmp(req + h.target_off, "/index.html", h.target_len), 0);
    CU_ASSERT_EQUAL(h.version_minor, 1);
    CU_ASSERT_EQUAL(h.nfields, 2);
    CU_ASSERT_TRUE(h.has_host);
    CU_ASSERT_EQUAL(h.content_length, -1);
}

static void test_http10_without_host(void)
{
    struct http_head h;
    CU_ASSERT_EQUAL(feed_all(&h, "GET / HTTP/1.0\r\n\r\n", 16384), HTTP_HEAD_COMPLETE);
    CU_ASSERT_FALSE(h.has_host);
}

/* Feeding one byte at a time gives the same answer as feeding all at once. */
static void test_incremental(void)
{
    const char *req = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
    struct http_head h;
    http_head_init(&h, 16384);
    size_t n = strlen(req);
    enum http_head_rc rc = HTTP_HEAD_INCOMPLETE;
    size_t i;
    for (i = 1; i <= n && rc == HTTP_HEAD_INCOMPLETE; i++)
        rc = http_head_feed(&h, (const uint8_t *)req, i);
    CU_ASSERT_EQUAL(rc, HTTP_HEAD_COMPLETE);
    CU_ASSERT_EQUAL(h.head_len, n - 3);
    CU_ASSERT_EQUAL(i - 1, n - 3);
    CU_ASSERT_EQUAL(h.content_length, 3);
}

static void test_too_large(void)
{
    char big[600];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    struct http_head h;
    http_head_init(&h, 512);
    CU_ASSERT_EQUAL(http_head_feed(&h, (const uint8_t *)big, 400), HTTP_HEAD_INCOMPLETE);
    CU_ASSERT_EQUAL(http_head_feed(&h, (const uint8_t *)big, 512), HTTP_HEAD_TOO_LARGE);
    /* A head ending exactly at the limit is accepted. */
    char exact[512];
    const char *start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
    memset(exact, 'v', sizeof exact);
    memcpy(exact, start, strlen(start));
    memcpy(exact + sizeof exact - 4, "\r\n\r\n", 4);
    http_head_init(&h, 512);
    CU_ASSERT_EQUAL(http_head_feed(&h, (const uint8_t *)exact, sizeof exact), HTTP_HEAD_COMPLETE);
}

static void expect_bad(const char *req)
{
    struct http_head h;
    enum http_head_rc rc = feed_all(&h, req, 16384);
    CU_ASSERT_EQUAL(rc, HTTP_HEAD_BAD);
    if (rc != HTTP_HEAD_BAD)
        fprintf(stderr, "accepted: %s\n", req);
}

static void test_malformed(void)
{
    expect_bad("GET / HTTP/1.1\nHost: a\n\n");                  /* bare LF */
    expect_bad("GET / HTTP/1.1\r\nHost: a\r\n\n\r\n\r\n");      /* bare LF inside */
    expect_bad("GET  / HTTP/1.1\r\nHost: a\r\n\r\n");           /* double space */
    expect_bad("GET / HTTP/2.0\r\nHost: a\r\n\r\n");            /* version */
    expect_bad("GET / HTTP/1.2\r\nHost: a\r\n\r\n");
    expect_bad("GET / http/1.1\r\nHost: a\r\n\r\n");
    expect_bad("G(T / HTTP/1.1\r\nHost: a\r\n\r\n");            /* non-token method */
    expect_bad("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n");         /* space in target */
    expect_bad("GET / HTTP/1.1\r\nHost : a\r\n\r\n");           /* space before colon */
    expect_bad("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"); /* obs-fold */
    expect_bad("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n");     /* empty name */
    expect_bad("GET / HTTP/1.1\r\nX: a\x01" "b\r\nHost: a\r\n\r\n"); /* control in value */
    expect_bad("GET / HTTP/1.1\r\n\r\n");                       /* 1.1 without Host */
    expect_bad("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"); /* two Hosts */
    expect_bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
               "Transfer-Encoding: chunked\r\n\r\n");             /* smuggling */
    expect_bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    expect_bad("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
    expect_bad("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
    expect_bad("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");        /* leading empty line */
}

/* Garbage is refused as soon as the first line ends, before the head is complete. */
static void test_early_reject(void)
{
    struct http_head h;
    http_head_init(&h, 16384);
    const char *g = "\x16\x03\x01\x02\x00\x01";
    CU_ASSERT_EQUAL(http_head_feed(&h, (const uint8_t *)g, strlen(g)), HTTP_HEAD_BAD);
    http_head_init(&h, 16384);
    const char *l = "HELLO THERE\r\n";
    CU_ASSERT_EQUAL(http_head_feed(&h, (const uint8_t *)l, strlen(l)), HTTP_HEAD_BAD);
}

static void test_field_limit(void)
{
    char buf[8192];
    size_t n = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < HTTP_HEAD_MAX_FIELDS; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "X%d: v\r\n", i);
    snprintf(buf + n, sizeof buf - n, "\r\n");
    expect_bad(buf);
}

void unit_register_http_head(void)
{
    UNIT_SUITE("http_head", UNIT_TEST(test_simple_get), UNIT_TEST(test_http10_without_host),
               UNIT_TEST(test_incremental), UNIT_TEST(test_too_large), UNIT_TEST(test_malformed),
               UNIT_TEST(test_early_reject), UNIT_TEST(test_field_limit));
}
