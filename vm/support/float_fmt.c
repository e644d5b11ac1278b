/*
 * float_fmt: implementation. Exact arithmetic on bignums for the "%.*e"/"%.*f" paths and for
 * the shortest digits (Ryu's decision procedure with exact quotients in place of its
 * precomputed 128-bit tables: same vr/vp/vm, same trailing-zero bookkeeping, same result).
 */
#include "float_fmt.h"

#include "bignum.h"

#include <stdint.h>
#include <string.h>

#define FX_CAP 64 /* digits: 4096 bits, more than any intermediate below needs */

struct fx {
    bn_digit d[FX_CAP];
    size_t n;
};

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* |v| = m * 2^e2 with m < 2^53; false for NaN/infinity. */
static bool decompose(double v, uint64_t *m, int *e2)
{
    uint64_t b = bits_of(v);
    unsigned exp = (unsigned)((b >> 52) & 0x7ff);
    uint64_t frac = b & ((1ull << 52) - 1);
    if (exp == 0x7ff)
        return false;
    if (exp == 0) {
        *m = frac;
        *e2 = -1074;
    } else {
        *m = frac | (1ull << 52);
        *e2 = (int)exp - 1075;
    }
    return true;
}

/* Output buffer with a capacity; `len` counts even what did not fit. */
struct out {
    char *p;
    size_t cap, len;
};

static void put(struct out *o, char c)
{
    if (o->len < o->cap)
        o->p[o->len] = c;
    o->len++;
}

static void put_n(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
}

static int finish(const struct out *o)
{
    if (o->len > FLOAT_FMT_MAX)
        return FLOAT_FMT_BADARG;
    if (o->len > o->cap)
        return FLOAT_FMT_NOSPACE;
    return (int)o->len;
}

/* ---- exact rounding: N = round_half_even(m * 2^s * 5^t) ---- */

/* x = round_half_even(x / 2^sh) in place. */
static bool round_shift(struct fx *x, uint64_t sh)
{
    bool neg;
    uint64_t bl = bn_bit_length(x->d, x->n);
    if (sh == 0)
        return true;
    if (sh > bl) {
        x->n = 0;
        return true;
    }
    bn_digit lowbit_word = x->d[(sh - 1) / 64];
    bool half = (lowbit_word >> ((sh - 1) % 64)) & 1;
    bool rest = false;
    for (size_t i = 0; i < (sh - 1) / 64 && !rest; i++)
        rest = x->d[i] != 0;
    if ((sh - 1) % 64 && (lowbit_word & ((1ull << ((sh - 1) % 64)) - 1)))
        rest = true;
    struct fx t;
    t.n = bn_shr(t.d, FX_CAP, &neg, bn_view(x->d, x->n, false), sh);
    if (bn_failed(t.n))
        return false;
    if (half && (rest || (t.n > 0 && (t.d[0] & 1))))
        t.n = bn_mul_small(t.d, t.n, FX_CAP, 1, 1);
    if (bn_failed(t.n))
        return false;
    memcpy(x->d, t.d, t.n * sizeof *t.d);
    x->n = t.n;
    return true;
}

static bool set_pow5(struct fx *x, uint64_t k)
{
    x->d[0] = 1;
    x->n = bn_mul_pow5(x->d, 1, FX_CAP, k);
    return !bn_failed(x->n);
}

static bool scaled_round(struct fx *N, uint64_t m, int64_t s, int64_t t)
{
    N->d[0] = m;
    N->n = bn_normalize(N->d, 1);
    if (t >= 0) {
        N->n = bn_mul_pow5(N->d, N->n, FX_CAP, (uint64_t)t);
        if (bn_failed(N->n))
            return false;
        if (s >= 0) {
            N->n = bn_shl_inplace(N->d, N->n, FX_CAP, (uint64_t)s);
            return !bn_failed(N->n);
        }
        return round_shift(N, (uint64_t)-s);
    }
    struct fx den, q, r;
    bn_digit scratch[2 * FX_CAP + 2];
    if (!set_pow5(&den, (uint64_t)-t))
        return false;
    if (s >= 0)
        N->n = bn_shl_inplace(N->d, N->n, FX_CAP, (uint64_t)s);
    else
        den.n = bn_shl_inplace(den.d, den.n, FX_CAP, (uint64_t)-s);
    if (bn_failed(N->n) || bn_failed(den.n))
        return false;
    bool qneg, rneg;
    if (bn_divrem(q.d, FX_CAP, &q.n, &qneg, r.d, FX_CAP, &r.n, &rneg, bn_view(N->d, N->n, false),
                  bn_view(den.d, den.n, false), scratch) != 0)
        return false;
    /* compare 2r with den */
    r.n = bn_mul_small(r.d, r.n, FX_CAP, 2, 0);
    if (bn_failed(r.n))
        return false;
    int c = bn_cmp_mag(r.d, r.n, den.d, den.n);
    if (c > 0 || (c == 0 && q.n > 0 && (q.d[0] & 1)))
        q.n = bn_mul_small(q.d, q.n, FX_CAP, 1, 1);
    if (bn_failed(q.n))
        return false;
    memcpy(N->d, q.d, q.n * sizeof *q.d);
    N->n = q.n;
    return true;
}

/* Decimal text of N into buf (no sign); returns its length. */
static size_t decimal_text(const struct fx *N, char *buf, size_t cap)
{
    bn_digit scratch[FX_CAP + 1];
    size_t len = bn_to_text(buf, cap, bn_view(N->d, N->n, false), 10, scratch);
    return bn_failed(len) ? 0 : len;
}

/* floor((b - 1) * log10(2)) for any integer b - 1 */
static int64_t floor_log10_pow2(int64_t e)
{
    int64_t p = e * 78913;
    return p >= 0 ? p >> 18 : -((-p + (1 << 18) - 1) >> 18);
}

/* ---- %.*e ---- */

int float_fmt_scientific(char *outbuf, size_t cap, double v, int decimals)
{
    struct out o = {outbuf, cap, 0};
    uint64_t m;
    int e2;
    if (!decompose(v, &m, &e2))
        return FLOAT_FMT_BADARG;
    if (decimals < 0)
        decimals = 6;
    if (decimals > FLOAT_FMT_MAX)
        return FLOAT_FMT_BADARG;
    if (bits_of(v) >> 63)
        put(&o, '-');
    int64_t P = decimals, k = 0;
    char digits[FLOAT_FMT_MAX + 8];
    size_t nd = 0;
    if (m == 0) {
        memset(digits, '0', (size_t)P + 1);
        nd = (size_t)P + 1;
    } else {
        int64_t b = (int64_t)(64 - __builtin_clzll(m)) + e2; /* v in [2^(b-1), 2^b) */
        k = floor_log10_pow2(b - 1);
        for (int attempt = 0; attempt < 3; attempt++) {
            struct fx N;
            int64_t p = P - k;
            if (!scaled_round(&N, m, e2 + p, p))
                return FLOAT_FMT_BADARG;
            nd = decimal_text(&N, digits, sizeof digits);
            if (nd == 0)
                return FLOAT_FMT_BADARG;
            if ((int64_t)nd <= P + 1)
                break;
            /* P + 2 digits: either exactly 10^(P+1) (a carry) or k was one too small */
            bool power = digits[0] == '1';
            for (size_t i = 1; i < nd && power; i++)
                power = digits[i] == '0';
            k++;
            if (power) {
                nd--;
                break;
            }
        }
    }
    put(&o, digits[0]);
    if (P > 0) {
        put(&o, '.');
        put_n(&o, digits + 1, (size_t)P);
    }
    put(&o, 'e');
    put(&o, k < 0 ? '-' : '+');
    int64_t ak = k < 0 ? -k : k;
    if (ak >= 100)
        put(&o, (char)('0' + ak / 100));
    put(&o, (char)('0' + ak / 10 % 10));
    put(&o, (char)('0' + ak % 10));
    return finish(&o);
}

/* ---- %.*f (exact) ---- */

static void compact_tail(struct out *o)
{
    /* erts's find_first_trailing_zero: drop trailing '0's; keep one after a '.' */
    size_t n = o->len;
    while (n > 0 && o->p[n - 1] == '0')
        n--;
    if (n > 0 && o->p[n - 1] == '.')
        n++;
    o->len = n;
}

static int fixed_exact(struct out *o, double v, int decimals, bool compact)
{
    uint64_t m;
    int e2;
    if (!decompose(v, &m, &e2))
        return FLOAT_FMT_BADARG;
    if (bits_of(v) >> 63)
        put(o, '-');
    struct fx N;
    if (!scaled_round(&N, m, (int64_t)e2 + decimals, decimals))
        return FLOAT_FMT_BADARG;
    char digits[FX_CAP * 20 + 2];
    size_t nd = N.n ? decimal_text(&N, digits, sizeof digits) : 0;
    if (N.n && nd == 0)
        return FLOAT_FMT_BADARG;
    size_t D = (size_t)decimals;
    if (nd <= D) {
        put(o, '0');
        if (D > 0) {
            put(o, '.');
            for (size_t i = nd; i < D; i++)
                put(o, '0');
            put_n(o, digits, nd);
        }
    } else {
        put_n(o, digits, nd - D);
        if (D > 0) {
            put(o, '.');
            put_n(o, digits + nd - D, D);
        }
    }
    if (o->len > FLOAT_FMT_MAX)
        return FLOAT_FMT_BADARG;
    if (compact && o->len <= o->cap)
        compact_tail(o);
    return finish(o);
}

/* ---- {decimals, N}: erts's sys_double_to_chars_fast (OTP 25) ---- */

/* floor() and C round() (half away from zero) by bit manipulation: no libm in the guest. */
static double fl_floor(double x)
{
    uint64_t b = bits_of(x);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    if (e >= 52)
        return x; /* already integral (or not finite) */
    if (e < 0) {
        if ((b << 1) == 0)
            return x;
        return (b >> 63) ? -1.0 : 0.0;
    }
    uint64_t frac_mask = ((1ull << 52) - 1) >> e;
    if ((b & frac_mask) == 0)
        return x;
    double t;
    uint64_t tb = b & ~frac_mask;
    memcpy(&t, &tb, sizeof t);
    return (b >> 63) ? t - 1.0 : t;
}

static double fl_round(double x)
{
    /* for x >= 0 only (callers pass |f|-derived values) */
    double f = fl_floor(x);
    double diff = x - f; /* exact: f and x share the binade or f is small */
    return diff >= 0.5 ? f + 1.0 : f;
}

static const double pow10_fast[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
#define FAST_MAX_DECIMALS ((int)(sizeof pow10_fast / sizeof pow10_fast[0]))

int float_fmt_decimals(char *outbuf, size_t cap, double v, int decimals, bool compact)
{
    struct out o = {outbuf, cap, 0};
    uint64_t vb = bits_of(v);
    if (decimals < 0 || ((vb >> 52) & 0x7ff) == 0x7ff)
        return FLOAT_FMT_BADARG;
    if (decimals > FLOAT_FMT_MAX)
        return FLOAT_FMT_BADARG;
    bool neg = vb >> 63;
    double af = neg ? -v : v;
    if (af > 9007199254740992.0 || decimals >= FAST_MAX_DECIMALS)
        return fixed_exact(&o, v, decimals, compact);
    uint64_t int_part, frac_part = 0;
    if (decimals) {
        double int_f = fl_floor(af);
        double frac_f = fl_round((af - int_f) * pow10_fast[decimals]);
        int_part = (uint64_t)int_f;
        frac_part = (uint64_t)frac_f;
        if (frac_f >= pow10_fast[decimals]) { /* rounding carried into the integer part */
            int_part++;
            frac_part = 0;
        }
    } else {
        int_part = (uint64_t)fl_round(af);
    }
    if (neg)
        put(&o, '-');
    char tmp[24];
    size_t nt = 0;
    do {
        tmp[nt++] = (char)('0' + int_part % 10);
        int_part /= 10;
    } while (int_part);
    while (nt)
        put(&o, tmp[--nt]);
    if (decimals) {
        char fd[FAST_MAX_DECIMALS];
        for (int i = decimals; i-- > 0;) {
            fd[i] = (char)('0' + frac_part % 10);
            frac_part /= 10;
        }
        put(&o, '.');
        put_n(&o, fd, (size_t)decimals);
        if (compact && o.len <= o.cap)
            compact_tail(&o);
    }
    return finish(&o);
}

/* ---- shortest: Ryu's procedure with exact arithmetic ---- */

static uint32_t log10_pow2(int32_t e)
{
    return (uint32_t)(((uint32_t)e * 78913) >> 18);
}

static uint32_t log10_pow5(int32_t e)
{
    return (uint32_t)(((uint32_t)e * 732923) >> 20);
}

static uint32_t pow5_factor(uint64_t v)
{
    uint32_t c = 0;
    while (v && v % 5 == 0) {
        v /= 5;
        c++;
    }
    return c;
}

static bool mult_pow5(uint64_t v, uint32_t p)
{
    return pow5_factor(v) >= p;
}

static bool mult_pow2(uint64_t v, uint32_t p)
{
    return (v & ((1ull << p) - 1)) == 0;
}

/* floor(x * 2^a / den) for a >= 0 (the e2 >= 0 branch: x * 2^e2 / 10^q, den = 5^q). */
static uint64_t div_pow5(uint64_t x, uint32_t a, const struct fx *den)
{
    struct fx num, quo;
    bn_digit scratch[2 * FX_CAP + 2];
    num.d[0] = x;
    num.n = bn_shl_inplace(num.d, bn_normalize(num.d, 1), FX_CAP, a);
    bool qneg;
    if (bn_failed(num.n) ||
        bn_divrem(quo.d, FX_CAP, &quo.n, &qneg, NULL, 0, NULL, NULL, bn_view(num.d, num.n, false),
                  bn_view(den->d, den->n, false), scratch) != 0 ||
        quo.n > 1)
        return UINT64_MAX; /* cannot happen for doubles (Ryu's bounds) */
    return quo.n ? quo.d[0] : 0;
}

/* floor(x * p5 / 2^q) (the e2 < 0 branch, p5 = 5^i). */
static uint64_t mul_pow5_shr(uint64_t x, const struct fx *p5, uint32_t q)
{
    struct fx num;
    memcpy(num.d, p5->d, p5->n * sizeof *num.d);
    num.n = bn_mul_small(num.d, p5->n, FX_CAP, x, 0);
    if (bn_failed(num.n))
        return UINT64_MAX;
    /* only the 64 bits at [q, q + 64) are wanted; Ryu's bounds keep the rest zero */
    size_t w = q / 64;
    unsigned sh = q % 64;
    uint64_t lo = w < num.n ? num.d[w] >> sh : 0;
    if (sh && w + 1 < num.n)
        lo |= num.d[w + 1] << (64 - sh);
    return lo;
}

static void ryu_d2d(uint64_t ieee_mant, uint32_t ieee_exp, uint64_t *out_digits, int32_t *out_exp)
{
    int32_t e2;
    uint64_t m2;
    if (ieee_exp == 0) {
        e2 = 1 - 1023 - 52 - 2;
        m2 = ieee_mant;
    } else {
        e2 = (int32_t)ieee_exp - 1023 - 52 - 2;
        m2 = (1ull << 52) | ieee_mant;
    }
    const bool accept_bounds = (m2 & 1) == 0;
    const uint64_t mv = 4 * m2;
    const uint32_t mm_shift = ieee_mant != 0 || ieee_exp <= 1;
    uint64_t vr, vp, vm;
    int32_t e10;
    bool vm_tz = false, vr_tz = false;
    if (e2 >= 0) {
        const uint32_t q = log10_pow2(e2) - (e2 > 3);
        e10 = (int32_t)q;
        uint32_t a = (uint32_t)e2 - q;
        struct fx den;
        set_pow5(&den, q);
        vr = div_pow5(mv, a, &den);
        vp = div_pow5(mv + 2, a, &den);
        vm = div_pow5(mv - 1 - mm_shift, a, &den);
        if (q <= 21) {
            if (mv % 5 == 0)
                vr_tz = mult_pow5(mv, q);
            else if (accept_bounds)
                vm_tz = mult_pow5(mv - 1 - mm_shift, q);
            else
                vp -= mult_pow5(mv + 2, q);
        }
    } else {
        const uint32_t q = log10_pow5(-e2) - (-e2 > 1);
        e10 = (int32_t)q + e2;
        const uint32_t i = (uint32_t)(-e2) - q;
        struct fx p5;
        set_pow5(&p5, i);
        vr = mul_pow5_shr(mv, &p5, q);
        vp = mul_pow5_shr(mv + 2, &p5, q);
        vm = mul_pow5_shr(mv - 1 - mm_shift, &p5, q);
        if (q <= 1) {
            vr_tz = true;
            if (accept_bounds)
                vm_tz = mm_shift == 1;
            else
                --vp;
        } else if (q < 63) {
            vr_tz = mult_pow2(mv, q);
        }
    }
    int32_t removed = 0;
    uint8_t last = 0;
    uint64_t output;
    if (vm_tz || vr_tz) {
        while (vp / 10 > vm / 10) {
            vm_tz &= vm % 10 == 0;
            vr_tz &= last == 0;
            last = (uint8_t)(vr % 10);
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        if (vm_tz) {
            while (vm % 10 == 0) {
                vr_tz &= last == 0;
                last = (uint8_t)(vr % 10);
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
        }
        if (vr_tz && last == 5 && vr % 2 == 0)
            last = 4; /* exactly ...50..0: round half even */
        output = vr + ((vr == vm && (!accept_bounds || !vm_tz)) || last >= 5);
    } else {
        bool round_up = false;
        if (vp / 100 > vm / 100) {
            round_up = vr % 100 >= 50;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        while (vp / 10 > vm / 10) {
            round_up = vr % 10 >= 5;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        output = vr + (vr == vm || round_up);
    }
    *out_digits = output;
    *out_exp = e10 + removed;
}

void float_fmt_shortest_digits(double v, unsigned long long *digits, int *exp10)
{
    uint64_t b = bits_of(v);
    uint64_t mant = b & ((1ull << 52) - 1);
    uint32_t exp = (uint32_t)((b >> 52) & 0x7ff);
    /* Integers in [1, 2^53): the integer itself, trailing zeros moved to the exponent. */
    int32_t e2 = (int32_t)exp - 1023 - 52;
    uint64_t m2 = (1ull << 52) | mant;
    if (exp != 0 && e2 <= 0 && e2 >= -52 && (m2 & ((1ull << -e2) - 1)) == 0) {
        uint64_t d = m2 >> -e2;
        int e = 0;
        while (d % 10 == 0) {
            d /= 10;
            e++;
        }
        *digits = d;
        *exp10 = e;
        return;
    }
    uint64_t out;
    int32_t e10;
    ryu_d2d(mant, exp, &out, &e10);
    *digits = out;
    *exp10 = e10;
}

static unsigned decimal_length(uint64_t v)
{
    unsigned n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

int float_fmt_short(char *outbuf, size_t cap, double v)
{
    struct out o = {outbuf, cap, 0};
    uint64_t b = bits_of(v);
    bool sign = b >> 63;
    if (((b >> 52) & 0x7ff) == 0x7ff)
        return FLOAT_FMT_BADARG;
    if (sign)
        put(&o, '-');
    if ((b << 1) == 0) {
        put_n(&o, "0.0", 3);
        return finish(&o);
    }
    unsigned long long digits;
    int e;
    float_fmt_shortest_digits(v, &digits, &e);
    char ds[24];
    const uint64_t output = digits;
    unsigned olen = decimal_length(output);
    for (unsigned i = olen; i-- > 0;) {
        ds[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int sci = e + (int)olen - 1;
    int lower, upper;
    if (olen == 1) {
        lower = -4;
        upper = 2;
    } else if (sci >= 10) {
        lower = -(int)(olen + 2);
        upper = 2;
    } else {
        lower = -(int)(olen + 2);
        upper = 1;
    }
    bool fixed = lower <= e && e <= upper;
    /* OTP keeps integers at and above 2^53 (where doubles stop being exact) scientific */
    if (fixed && ((output >= (1ull << 53) && e == 0) || (output > (1ull << 52) / 5 && e == 1) ||
                  (output > (1ull << 51) / 25 && e == 2)))
        fixed = false;
    if (fixed) {
        int whole = (int)olen + e;
        if (e >= 0) { /* 1729.0, 17290.0 */
            put_n(&o, ds, olen);
            for (int i = 0; i < e; i++)
                put(&o, '0');
            put_n(&o, ".0", 2);
        } else if (whole > 0) { /* 17.29 */
            put_n(&o, ds, (size_t)whole);
            put(&o, '.');
            put_n(&o, ds + whole, olen - (size_t)whole);
        } else { /* 0.001729 */
            put_n(&o, "0.", 2);
            for (int i = 0; i < -whole; i++)
                put(&o, '0');
            put_n(&o, ds, olen);
        }
        return finish(&o);
    }
    put(&o, ds[0]);
    put(&o, '.');
    if (olen > 1)
        put_n(&o, ds + 1, olen - 1);
    else
        put(&o, '0');
    put(&o, 'e');
    if (sci < 0) {
        put(&o, '-');
        sci = -sci;
    }
    if (sci >= 100)
        put(&o, (char)('0' + sci / 100));
    if (sci >= 10)
        put(&o, (char)('0' + sci / 10 % 10));
    put(&o, (char)('0' + sci % 10));
    return finish(&o);
}
