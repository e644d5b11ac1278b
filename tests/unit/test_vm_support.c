/* Unit tests of vm/support: bignum edge cases, float text both ways, inflate/deflate under
 * malformed input. The bulk comparison with stock erl is tests/suites/25-vm-support.sh. */
#include "unit.h"

#include "vm/support/bignum.h"
#include "vm/support/float_fmt.h"
#include "vm/support/float_parse.h"
#include "vm/support/inflate.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double dbl(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint64_t bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* text of a bignum in base 10 into a static buffer */
static const char *text10(struct bn a)
{
    static char buf[4096];
    bn_digit scratch[600];
    size_t n = bn_to_text(buf, sizeof buf - 1, a, 10, scratch);
    if (bn_failed(n))
        return "<error>";
    buf[n] = 0;
    return buf;
}

static struct bn parse10(bn_digit *d, size_t cap, const char *s)
{
    bool neg;
    size_t n = bn_from_text(d, cap, &neg, s, strlen(s), 10);
    CU_ASSERT_FATAL(!bn_failed(n));
    return bn_view(d, n, neg);
}

static void test_bn_zero_and_sign(void)
{
    bn_digit r[4];
    bool neg = true;
    static const bn_digit five = 5;
    struct bn a = bn_view(&five, 1, false), na = bn_view(&five, 1, true);
    CU_ASSERT_EQUAL(bn_add(r, 4, &neg, a, na), 0);
    CU_ASSERT_FALSE(neg); /* zero is never negative */
    CU_ASSERT_EQUAL(bn_mul(r, 4, &neg, na, bn_view(NULL, 0, true), NULL), 0);
    CU_ASSERT_FALSE(neg);
    bn_digit hz[3] = {7, 0, 0}; /* non-normalised input */
    CU_ASSERT_EQUAL(bn_normalize(hz, 3), 1);
    CU_ASSERT_EQUAL(bn_cmp(bn_view(hz, 3, false), bn_view(&five, 1, false)), 1);
    CU_ASSERT_EQUAL(bn_cmp(bn_view(NULL, 0, true), bn_view(NULL, 0, false)), 0);
}

static void test_bn_int64(void)
{
    bn_digit r[2];
    bool neg;
    int64_t v;
    size_t n = bn_from_int64(r, 2, &neg, INT64_MIN);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_TRUE(neg);
    CU_ASSERT_TRUE(bn_to_int64(bn_view(r, n, neg), &v));
    CU_ASSERT_EQUAL(v, INT64_MIN);
    r[0] = (uint64_t)1 << 63; /* +2^63 does not fit */
    CU_ASSERT_FALSE(bn_to_int64(bn_view(r, 1, false), &v));
    uint64_t u;
    CU_ASSERT_TRUE(bn_to_uint64(bn_view(r, 1, false), &u));
    CU_ASSERT_FALSE(bn_to_uint64(bn_view(r, 1, true), &u));
}

static void test_bn_errors(void)
{
    bn_digit a[4] = {1, 2, 3, 4}, r[8], q[8], s[32];
    bool neg;
    size_t qn, rn;
    bool qneg, rneg;
    CU_ASSERT_EQUAL(bn_divrem(q, 8, &qn, &qneg, r, 8, &rn, &rneg, bn_view(a, 4, false),
                              bn_view(NULL, 0, false), s),
                    BN_EINVAL);
    CU_ASSERT_EQUAL(bn_add(r, 3, &neg, bn_view(a, 4, false), bn_view(a, 4, false)), BN_ENOSPACE);
    CU_ASSERT_EQUAL(bn_from_text(r, 8, &neg, "", 0, 10), BN_EINVAL);
    CU_ASSERT_EQUAL(bn_from_text(r, 8, &neg, "-", 1, 10), BN_EINVAL);
    CU_ASSERT_EQUAL(bn_from_text(r, 8, &neg, "12a", 3, 10), BN_EINVAL);
    CU_ASSERT_EQUAL(bn_from_text(r, 8, &neg, "12", 2, 37), BN_EINVAL);
    CU_ASSERT_EQUAL(bn_from_text(r, 1, &neg, "123456789012345678901234567890", 30, 10),
                    BN_ENOSPACE);
    char t[4];
    CU_ASSERT_EQUAL(bn_to_text(t, 4, bn_view(a, 4, false), 10, s), BN_ENOSPACE);
    CU_ASSERT_EQUAL(bn_to_text(t, 4, bn_view(a, 4, false), 1, s), BN_EINVAL);
    bn_digit big[BN_DOUBLE_MAX_LEN];
    CU_ASSERT_EQUAL(bn_from_double(big, BN_DOUBLE_MAX_LEN, &neg, dbl(0x7ff0000000000000ull)),
                    BN_EINVAL);
    CU_ASSERT_EQUAL(bn_from_double(big, BN_DOUBLE_MAX_LEN, &neg, dbl(0x7ff8000000000000ull)),
                    BN_EINVAL);
}

static void test_bn_text(void)
{
    bn_digit d[40];
    struct bn a = parse10(d, 40, "-123456789012345678901234567890123456789");
    CU_ASSERT_STRING_EQUAL(text10(a), "-123456789012345678901234567890123456789");
    char t[200];
    bn_digit s[40];
    size_t n = bn_to_text(t, sizeof t, a, 36, s);
    t[n] = 0;
    CU_ASSERT_STRING_EQUAL(t, "-5HY8CQPP6QJ5VZ0M8IOV0UEJ9"); /* integer_to_list(X, 36) */
    bool neg;
    n = bn_from_text(d, 40, &neg, "+zz", 3, 36);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(d[0], 35 * 36 + 35);
}

/* Karatsuba against a plain schoolbook reference, and divrem's identity, on big operands. */
static void test_bn_big_mul_div(void)
{
    enum { AN = 300, BN = 170 };
    bn_digit *a = calloc(AN, 8), *b = calloc(BN, 8), *r = calloc(AN + BN, 8),
             *ref = calloc(AN + BN, 8), *s = calloc(bn_mul_scratch_len(AN, BN) + 1, 8);
    for (int i = 0; i < AN; i++)
        a[i] = next_rand();
    for (int i = 0; i < BN; i++)
        b[i] = i % 7 == 0 ? ~0ull : next_rand();
    bool neg;
    size_t n = bn_mul(r, AN + BN, &neg, bn_view(a, AN, true), bn_view(b, BN, false), s);
    for (int j = 0; j < BN; j++) {
        unsigned __int128 c = 0;
        for (int i = 0; i < AN; i++) {
            c += (unsigned __int128)a[i] * b[j] + ref[i + j];
            ref[i + j] = (uint64_t)c;
            c >>= 64;
        }
        ref[j + AN] = (uint64_t)c;
    }
    CU_ASSERT_TRUE(neg);
    CU_ASSERT_EQUAL(n, bn_normalize(ref, AN + BN));
    CU_ASSERT_EQUAL(memcmp(r, ref, n * 8), 0);
    /* (a*b + 12345) divrem b == (a, 12345) */
    static const bn_digit k = 12345;
    bn_digit *p = calloc(AN + BN + 1, 8), *q = calloc(AN + BN, 8), *m = calloc(BN, 8),
             *ds = calloc(bn_divrem_scratch_len(AN + BN + 1, BN), 8);
    size_t pn = bn_add(p, AN + BN + 1, &neg, bn_view(ref, n, false), bn_view(&k, 1, false));
    size_t qn, mn;
    bool qneg, mneg;
    CU_ASSERT_EQUAL(bn_divrem(q, AN + BN, &qn, &qneg, m, BN, &mn, &mneg, bn_view(p, pn, true),
                              bn_view(b, BN, false), ds),
                    0);
    CU_ASSERT_EQUAL(qn, AN);
    CU_ASSERT_TRUE(qneg);
    CU_ASSERT_EQUAL(memcmp(q, a, AN * 8), 0);
    CU_ASSERT_EQUAL(mn, 1);
    CU_ASSERT_TRUE(mneg); /* rem takes the dividend's sign */
    CU_ASSERT_EQUAL(m[0], 12345);
    free(a), free(b), free(r), free(ref), free(s), free(p), free(q), free(m), free(ds);
}

static void test_bn_shift_bitops(void)
{
    static const bn_digit one = 1;
    bn_digit r[4];
    bool neg;
    /* -1 bsr huge = -1; 1 bsr huge = 0; -1 bsl 64 = -2^64 */
    CU_ASSERT_EQUAL(bn_shr(r, 4, &neg, bn_view(&one, 1, true), 1000000000000ull), 1);
    CU_ASSERT_TRUE(neg && r[0] == 1);
    CU_ASSERT_EQUAL(bn_shr(r, 4, &neg, bn_view(&one, 1, false), 1000000000000ull), 0);
    CU_ASSERT_EQUAL(bn_shl(r, 4, &neg, bn_view(&one, 1, true), UINT64_MAX), BN_ENOSPACE);
    CU_ASSERT_EQUAL(bn_shl(r, 4, &neg, bn_view(&one, 1, true), UINT64_MAX - 63), BN_ENOSPACE);
    CU_ASSERT_EQUAL(bn_shl(r, 4, &neg, bn_view(&one, 1, true), 256), BN_ENOSPACE);
    r[0] = 1;
    CU_ASSERT_EQUAL(bn_shl_inplace(r, 1, 4, UINT64_MAX - 10), BN_ENOSPACE);
    CU_ASSERT_EQUAL(bn_shl(r, 4, &neg, bn_view(&one, 1, true), 64), 2);
    CU_ASSERT_TRUE(neg && r[0] == 0 && r[1] == 1);
    /* -2^64 band (2^64 - 1) = 0; -1 bxor 0 = -1; bnot 0 = -1 */
    bn_digit m64[2] = {0, 1}, ones = ~0ull;
    CU_ASSERT_EQUAL(bn_band(r, 4, &neg, bn_view(m64, 2, true), bn_view(&ones, 1, false)), 0);
    CU_ASSERT_EQUAL(bn_bxor(r, 4, &neg, bn_view(&one, 1, true), bn_view(NULL, 0, false)), 1);
    CU_ASSERT_TRUE(neg && r[0] == 1);
    CU_ASSERT_EQUAL(bn_bnot(r, 4, &neg, bn_view(NULL, 0, false)), 1);
    CU_ASSERT_TRUE(neg && r[0] == 1);
}

static void test_bn_double(void)
{
    /* float/1 as OTP computes it vs the correctly rounded conversion */
    bn_digit v[2] = {(1ull << 63) + 6143, 1};
    double d, e;
    CU_ASSERT_TRUE(bn_to_double(bn_view(v, 2, false), &d));
    CU_ASSERT_TRUE(bn_to_double_exact(bn_view(v, 2, false), &e));
    CU_ASSERT_EQUAL(bits(d), bits(18446744073709551616.0 + 9223372036854775808.0 + 8192.0));
    CU_ASSERT_EQUAL(bits(e), bits(18446744073709551616.0 + 9223372036854775808.0 + 4096.0));
    /* 2^1024 overflows */
    bn_digit big[17] = {0};
    big[16] = 1;
    CU_ASSERT_FALSE(bn_to_double(bn_view(big, 17, false), &d));
    /* subnormal rounding: 3 * 2^-1076 = 0.75 * 2^-1074 rounds to 2^-1074 */
    bn_digit three = 3;
    CU_ASSERT_TRUE(bn_scaled_to_double(&three, 1, -1076, false, false, &d));
    CU_ASSERT_EQUAL(bits(d), 1);
    /* exactly half of the smallest subnormal rounds to even (zero); with sticky, up */
    bn_digit one = 1;
    CU_ASSERT_TRUE(bn_scaled_to_double(&one, 1, -1075, false, true, &d));
    CU_ASSERT_EQUAL(bits(d), 0x8000000000000000ull);
    CU_ASSERT_TRUE(bn_scaled_to_double(&one, 1, -1075, true, false, &d));
    CU_ASSERT_EQUAL(bits(d), 1);
}

static void test_bn_pow_gcd(void)
{
    static const bn_digit three = 3;
    size_t cap = bn_pow_max_len(1, 200);
    bn_digit *r = calloc(cap, 8), *s = calloc(bn_pow_scratch_len(cap), 8);
    bool neg;
    size_t n = bn_pow(r, cap, &neg, bn_view(&three, 1, true), 3, s);
    CU_ASSERT_TRUE(n == 1 && r[0] == 27 && neg);
    n = bn_pow(r, cap, &neg, bn_view(&three, 1, false), 200, s);
    CU_ASSERT_STRING_EQUAL(text10(bn_view(r, n, false)),
                           "265613988875874769338781322035779626829233452653394495974574961739092"
                           "490901302182994384699044001");
    bn_digit g[2], gs[32];
    bn_digit x = 12, y = 18;
    CU_ASSERT_EQUAL(bn_gcd(g, 2, bn_view(&x, 1, true), bn_view(&y, 1, false), gs), 1);
    CU_ASSERT_EQUAL(g[0], 6);
    free(r);
    free(s);
}

static void check_fmt(int rc, const char *buf, const char *want)
{
    CU_ASSERT_EQUAL(rc, (int)strlen(want));
    if (rc == (int)strlen(want))
        CU_ASSERT_EQUAL(memcmp(buf, want, (size_t)rc), 0);
}

static void test_float_fmt(void)
{
    char b[300];
    check_fmt(float_fmt_scientific(b, sizeof b, 1.0, 20), b, "1.00000000000000000000e+00");
    check_fmt(float_fmt_short(b, sizeof b, 0.1), b, "0.1");
    check_fmt(float_fmt_short(b, sizeof b, 1.0e20), b, "1.0e20");
    check_fmt(float_fmt_short(b, sizeof b, -0.0), b, "-0.0");
    check_fmt(float_fmt_short(b, sizeof b, 9007199254740992.0), b, "9.007199254740992e15");
    check_fmt(float_fmt_short(b, sizeof b, 5e-324), b, "5.0e-324");
    check_fmt(float_fmt_short(b, sizeof b, 123456789012.0), b, "123456789012.0");
    check_fmt(float_fmt_short(b, sizeof b, 1.0e-5), b, "1.0e-5");
    check_fmt(float_fmt_short(b, sizeof b, 0.0001), b, "0.0001");
    check_fmt(float_fmt_decimals(b, sizeof b, 0.125, 2, false), b, "0.13");
    check_fmt(float_fmt_decimals(b, sizeof b, 1.0e20, 0, true), b, "1");
    check_fmt(float_fmt_decimals(b, sizeof b, 0.1, 20, false), b, "0.10000000000000000555");
    check_fmt(float_fmt_decimals(b, sizeof b, -0.0, 2, false), b, "-0.00");
    check_fmt(float_fmt_decimals(b, sizeof b, 123.0, 3, true), b, "123.0");
    check_fmt(float_fmt_scientific(b, sizeof b, 1.0, -1), b, "1.000000e+00");
    check_fmt(float_fmt_scientific(b, sizeof b, 1.0, 0), b, "1e+00");
    /* erts's 256-byte buffer: 255 characters fit, 256 are badarg */
    CU_ASSERT_EQUAL(float_fmt_scientific(b, sizeof b, 1.0, 249), 255);
    CU_ASSERT_EQUAL(float_fmt_scientific(b, sizeof b, 1.0, 250), FLOAT_FMT_BADARG);
    CU_ASSERT_EQUAL(float_fmt_scientific(b, sizeof b, -1.0e300, 248), FLOAT_FMT_BADARG);
    CU_ASSERT_EQUAL(float_fmt_decimals(b, sizeof b, 1.0, 253, false), 255);
    CU_ASSERT_EQUAL(float_fmt_decimals(b, sizeof b, -1.0, 253, false), FLOAT_FMT_BADARG);
    CU_ASSERT_EQUAL(float_fmt_decimals(b, sizeof b, 1.0, -1, false), FLOAT_FMT_BADARG);
    CU_ASSERT_EQUAL(float_fmt_short(b, sizeof b, dbl(0x7ff8000000000000ull)), FLOAT_FMT_BADARG);
    CU_ASSERT_EQUAL(float_fmt_short(b, 3, 0.125), FLOAT_FMT_NOSPACE);
    CU_ASSERT_EQUAL(float_fmt_scientific(b, 5, 0.125, 20), FLOAT_FMT_NOSPACE);
}

/* Every double printed short parses back to itself (round trip), on random bit patterns. */
static void test_float_roundtrip(void)
{
    char b[64];
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t x = next_rand();
        if (((x >> 52) & 0x7ff) == 0x7ff)
            continue;
        double v = dbl(x), back = 0;
        int n = float_fmt_short(b, sizeof b, v);
        if (n <= 0 || float_parse_erlang(b, (size_t)n, &back) != FLOAT_PARSE_OK || bits(back) != x)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_float_parse(void)
{
    double v;
    CU_ASSERT_EQUAL(float_parse_erlang("1.0e10", 6, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(v, 1e10);
    static const char *bad[] = {"1",     "1.",    ".5",  "1e5", " 1.0", "1.0 ", "1.0e",
                                "1.0e+", "+-1.0", "inf", "",    "-",    "1_0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT_EQUAL(float_parse_erlang(bad[i], strlen(bad[i]), &v), FLOAT_PARSE_SYNTAX);
    CU_ASSERT_EQUAL(float_parse_erlang("1.0e400", 7, &v), FLOAT_PARSE_OVERFLOW);
    CU_ASSERT_EQUAL(float_parse_erlang("1,5", 3, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(v, 1.5);
    CU_ASSERT_EQUAL(float_parse_erlang("1.0\0junk", 8, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(v, 1.0);
    CU_ASSERT_EQUAL(float_parse_erlang("1.0e-400", 8, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(bits(v), 0);
    CU_ASSERT_EQUAL(float_parse_erlang("-2.4703282292062328e-324", 24, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(bits(v), 0x8000000000000001ull);
    CU_ASSERT_EQUAL(float_parse_erlang("2.4703282292062327e-324", 23, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(bits(v), 0);
    bool ovf;
    CU_ASSERT_EQUAL(float_parse_prefix("1e5x", 4, &v, &ovf), 3);
    CU_ASSERT_EQUAL(v, 1e5);
    CU_ASSERT_EQUAL(float_parse_prefix(".5", 2, &v, &ovf), 2);
    CU_ASSERT_EQUAL(float_parse_prefix("1.e", 3, &v, &ovf), 2);
    CU_ASSERT_EQUAL(float_parse_prefix("-", 1, &v, &ovf), 0);
    CU_ASSERT_EQUAL(float_parse_prefix("-x", 2, &v, &ovf), 0);
    CU_ASSERT_EQUAL(float_parse_prefix("1e999", 5, &v, &ovf), 5);
    CU_ASSERT_TRUE(ovf);
    /* 5000 digits: the sticky digit beyond the 800 kept decides a halfway case */
    static char longtxt[5100];
    size_t n = (size_t)snprintf(longtxt, sizeof longtxt, "%s",
                                "9007199254740993."); /* 2^53 + 1: halfway */
    memset(longtxt + n, '0', 5000);
    n += 5000;
    CU_ASSERT_EQUAL(float_parse_erlang(longtxt, n, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(v, 9007199254740992.0); /* tie to even */
    longtxt[n - 1] = '1';
    CU_ASSERT_EQUAL(float_parse_erlang(longtxt, n, &v), FLOAT_PARSE_OK);
    CU_ASSERT_EQUAL(v, 9007199254740994.0); /* just above halfway */
}

/* ---- inflate ---- */

static size_t make_data(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = i % 97 < 50 ? (uint8_t) "abcabcabd"[i % 9] : (uint8_t)(next_rand() % 7);
    return n;
}

static void test_inflate_roundtrip(void)
{
    static uint8_t src[200000], z[220000], out[200000];
    static struct zdeflate_work work;
    size_t sizes[] = {0, 1, 2, 3, 100, 65535, 65536, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = make_data(src, sizes[k]);
        size_t zn = zdeflate_zlib(src, n, z, sizeof z, &work);
        CU_ASSERT_FATAL(zn > 0);
        CU_ASSERT(zn <= zdeflate_max_len(n));
        size_t on = 0, used = 0;
        CU_ASSERT_EQUAL(zinflate_zlib(z, zn, out, n, &on, &used), ZINF_OK);
        CU_ASSERT_EQUAL(on, n);
        CU_ASSERT_EQUAL(used, zn);
        CU_ASSERT_EQUAL(memcmp(out, src, n), 0);
        if (n > 0) /* one byte short: a clear error, nothing written past the cap */
            CU_ASSERT_EQUAL(zinflate_zlib(z, zn, out, n - 1, &on, &used), ZINF_EOUTPUT);
    }
    /* incompressible data falls back to stored blocks */
    for (size_t i = 0; i < 100000; i++)
        src[i] = (uint8_t)next_rand();
    size_t zn = zdeflate_zlib(src, 100000, z, sizeof z, &work);
    CU_ASSERT(zn <= zdeflate_max_len(100000));
    size_t on, used;
    CU_ASSERT_EQUAL(zinflate_zlib(z, zn, out, 100000, &on, &used), ZINF_OK);
    CU_ASSERT_EQUAL(memcmp(out, src, 100000), 0);
    CU_ASSERT_EQUAL(zdeflate_zlib(src, 100000, z, 1000, &work), 0);
}

static void test_inflate_errors(void)
{
    uint8_t out[64];
    size_t on, used;
    /* zlib:compress(<<"hello">>) */
    static const uint8_t hello[] = {0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                    0x07, 0x00, 0x06, 0x2c, 0x02, 0x15};
    CU_ASSERT_EQUAL(zinflate_zlib(hello, sizeof hello, out, sizeof out, &on, &used), ZINF_OK);
    CU_ASSERT_TRUE(on == 5 && memcmp(out, "hello", 5) == 0);
    uint8_t bad[sizeof hello];
    memcpy(bad, hello, sizeof bad);
    bad[1] = 0x9d; /* header check */
    CU_ASSERT_EQUAL(zinflate_zlib(bad, sizeof bad, out, sizeof out, &on, &used), ZINF_EHEADER);
    memcpy(bad, hello, sizeof bad);
    bad[sizeof bad - 1] ^= 1;
    CU_ASSERT_EQUAL(zinflate_zlib(bad, sizeof bad, out, sizeof out, &on, &used), ZINF_ECHECKSUM);
    for (size_t cut = 0; cut < sizeof hello; cut++)
        CU_ASSERT_EQUAL(zinflate_zlib(hello, cut, out, sizeof out, &on, &used), ZINF_ETRUNCATED);
    static const uint8_t type3[] = {0x07};
    CU_ASSERT_EQUAL(zinflate_raw(type3, 1, out, sizeof out, &on, &used), ZINF_EBLOCKTYPE);
    static const uint8_t stored_bad[] = {0x01, 0x05, 0x00, 0xfa, 0xfe, 'a'};
    CU_ASSERT_EQUAL(zinflate_raw(stored_bad, sizeof stored_bad, out, sizeof out, &on, &used),
                    ZINF_ESTORED);
    /* fixed block: a match of length 3 at distance 1 with nothing before it */
    static const uint8_t far[] = {0x03, 0x02, 0x00};
    CU_ASSERT_EQUAL(zinflate_raw(far, sizeof far, out, sizeof out, &on, &used), ZINF_EDISTANCE);
    /* dynamic block whose code-length code is over-subscribed (all 19 lengths = 1) */
    static const uint8_t oversub[] = {0x05, 0xe0, 0x93, 0x24, 0x49, 0x92, 0x24, 0x49, 0x92, 0x00};
    int rc = zinflate_raw(oversub, sizeof oversub, out, sizeof out, &on, &used);
    CU_ASSERT_EQUAL(rc, ZINF_ECODES);
    CU_ASSERT_STRING_NOT_EQUAL(zinflate_strerror(rc), "unknown inflate error");
}

/* Random corruption of valid streams: never a crash or an out-of-bounds access (ASan). */
static void test_inflate_fuzz(void)
{
    static uint8_t src[4000], z[5000], mut[5000], out[4000];
    static struct zdeflate_work work;
    size_t n = make_data(src, sizeof src);
    size_t zn = zdeflate_zlib(src, n, z, sizeof z, &work);
    unsigned ok = 0, errors = 0;
    for (int i = 0; i < 20000; i++) {
        memcpy(mut, z, zn);
        int flips = 1 + (int)(next_rand() % 4);
        for (int f = 0; f < flips; f++)
            mut[next_rand() % zn] ^= (uint8_t)(1u << (next_rand() % 8));
        size_t len = next_rand() % 8 ? zn : (size_t)(next_rand() % zn);
        size_t on, used;
        /* exact-size heap copy so ASan sees any read past the end */
        uint8_t *in = malloc(len ? len : 1);
        memcpy(in, mut, len);
        int rc = zinflate_zlib(in, len, out, 1 + next_rand() % sizeof out, &on, &used);
        free(in);
        if (rc == ZINF_OK)
            ok++;
        else if (rc < 0 && rc >= ZINF_ECHECKSUM)
            errors++;
    }
    CU_ASSERT_EQUAL(ok + errors, 20000);
    CU_ASSERT(errors > 15000); /* corruption is detected, mostly by structure or Adler-32 */
    /* random bytes as raw deflate */
    for (int i = 0; i < 20000; i++) {
        size_t len = 1 + next_rand() % 64;
        uint8_t *in = malloc(len);
        for (size_t k = 0; k < len; k++)
            in[k] = (uint8_t)next_rand();
        size_t on, used;
        int rc = zinflate_raw(in, len, out, next_rand() % 200, &on, &used);
        CU_ASSERT(rc <= 0 && rc >= ZINF_ECHECKSUM);
        if (rc == ZINF_OK)
            CU_ASSERT(used <= len);
        free(in);
    }
}

void unit_register_vm_support(void)
{
    UNIT_SUITE("vm_support", UNIT_TEST(test_bn_zero_and_sign), UNIT_TEST(test_bn_int64),
               UNIT_TEST(test_bn_errors), UNIT_TEST(test_bn_text), UNIT_TEST(test_bn_big_mul_div),
               UNIT_TEST(test_bn_shift_bitops), UNIT_TEST(test_bn_double),
               UNIT_TEST(test_bn_pow_gcd), UNIT_TEST(test_float_fmt),
               UNIT_TEST(test_float_roundtrip), UNIT_TEST(test_float_parse),
               UNIT_TEST(test_inflate_roundtrip), UNIT_TEST(test_inflate_errors),
               UNIT_TEST(test_inflate_fuzz));
}
