/*
 * vm-support-bench: speed figures of vm/support (release flavour), printed as
 * `NAME ns_per_op`; tests/vm_support/bench.erl measures the same operations on stock erl.
 */
#include "vm/support/bignum.h"
#include "vm/support/float_fmt.h"
#include "vm/support/float_parse.h"
#include "vm/support/inflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng = 0x1234567;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A number of `dec` decimal digits: parsed from random decimal text. */
static size_t make(bn_digit *d, size_t cap, size_t dec)
{
    char *t = malloc(dec);
    for (size_t i = 0; i < dec; i++)
        t[i] = (char)('0' + (i == 0 ? 1 + next() % 9 : next() % 10));
    bool neg;
    size_t n = bn_from_text(d, cap, &neg, t, dec, 10);
    free(t);
    return n;
}

static volatile size_t sink;

static void bench_mul(size_t dec, int iters)
{
    bn_digit a[4096], b[4096], r[8192];
    size_t an = make(a, 4096, dec), bnn = make(b, 4096, dec);
    bn_digit *s = malloc((bn_mul_scratch_len(an, bnn) + 1) * sizeof *s);
    bool neg;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++)
        sink = bn_mul(r, 8192, &neg, bn_view(a, an, false), bn_view(b, bnn, false), s);
    printf("mul_%zu_digits %.0f\n", dec, (now_ns() - t0) / iters);
    free(s);
}

static void bench_div(size_t dec, int iters)
{
    bn_digit a[4096], b[4096], q[4096], r[4096], s[8200];
    size_t an = make(a, 4096, 2 * dec), bnn = make(b, 4096, dec);
    size_t qn, rn;
    bool qneg, rneg;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++)
        sink = bn_divrem(q, 4096, &qn, &qneg, r, 4096, &rn, &rneg, bn_view(a, an, false),
                         bn_view(b, bnn, false), s);
    printf("div_%zu_by_%zu_digits %.0f\n", 2 * dec, dec, (now_ns() - t0) / iters);
}

static void bench_text(size_t dec, int iters)
{
    bn_digit a[4096], s[4097];
    size_t an = make(a, 4096, dec);
    char *t = malloc(dec + 10);
    double t0 = now_ns();
    for (int i = 0; i < iters; i++)
        sink = bn_to_text(t, dec + 10, bn_view(a, an, false), 10, s);
    printf("integer_to_list_%zu_digits %.0f\n", dec, (now_ns() - t0) / iters);
    free(t);
}

static void bench_floats(int iters)
{
    double *v = malloc(sizeof(double) * 1000);
    for (int i = 0; i < 1000; i++) {
        uint64_t b = (next() & 0x3fffffffffffffffull) | 0x3000000000000000ull;
        memcpy(&v[i], &b, sizeof b);
    }
    char buf[64];
    double t0 = now_ns();
    for (int i = 0; i < iters; i++)
        sink = (size_t)float_fmt_short(buf, sizeof buf, v[i % 1000]);
    printf("float_to_list_short %.0f\n", (now_ns() - t0) / iters);
    t0 = now_ns();
    for (int i = 0; i < iters; i++)
        sink = (size_t)float_fmt_scientific(buf, sizeof buf, v[i % 1000], 20);
    printf("float_to_list_1 %.0f\n", (now_ns() - t0) / iters);
    char texts[1000][32];
    int lens[1000];
    for (int i = 0; i < 1000; i++)
        lens[i] = float_fmt_short(texts[i], sizeof texts[i], v[i]);
    t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        double d;
        sink = (size_t)float_parse_erlang(texts[i % 1000], (size_t)lens[i % 1000], &d);
    }
    printf("list_to_float_short %.0f\n", (now_ns() - t0) / iters);
    free(v);
}

static void bench_inflate(int iters)
{
    size_t n = 1 << 20;
    uint8_t *src = malloc(n), *z = malloc(zdeflate_max_len(n)), *out = malloc(n);
    for (size_t i = 0; i < n; i++) /* text-like: words from a small alphabet */
        src[i] = (uint8_t)(next() % 8 == 0 ? ' ' : 'a' + next() % 6);
    struct zdeflate_work *w = malloc(sizeof *w);
    double t0 = now_ns();
    size_t zn = 0;
    for (int i = 0; i < iters; i++)
        zn = zdeflate_zlib(src, n, z, zdeflate_max_len(n), w);
    printf("deflate_1MiB %.0f (ratio %.3f)\n", (now_ns() - t0) / iters, (double)zn / (double)n);
    t0 = now_ns();
    size_t on, used;
    for (int i = 0; i < iters; i++)
        sink = (size_t)zinflate_zlib(z, zn, out, n, &on, &used);
    printf("inflate_1MiB %.0f\n", (now_ns() - t0) / iters);
    free(src), free(z), free(out), free(w);
}

int main(void)
{
    bench_mul(1000, 20000);
    bench_mul(10000, 300);
    bench_mul(50000, 20);
    bench_div(1000, 20000);
    bench_text(10000, 100);
    bench_floats(1000000);
    bench_inflate(20);
    return 0;
}
