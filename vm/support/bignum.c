/*
 * bignum: implementation. Internal helpers work on fixed-length (not normalised) magnitudes;
 * the public functions normalise. See bignum.h for the contract.
 */
#include "bignum.h"

#include <string.h>

typedef unsigned __int128 bn_wide;

/* ---- magnitude helpers ---- */

size_t bn_normalize(const bn_digit *d, size_t n)
{
    while (n > 0 && d[n - 1] == 0)
        n--;
    return n;
}

static unsigned clz64(uint64_t x)
{
    return x ? (unsigned)__builtin_clzll(x) : 64;
}

uint64_t bn_bit_length(const bn_digit *d, size_t n)
{
    n = bn_normalize(d, n);
    if (n == 0)
        return 0;
    return (uint64_t)n * 64 - clz64(d[n - 1]);
}

int bn_cmp_mag(const bn_digit *a, size_t an, const bn_digit *b, size_t bn)
{
    an = bn_normalize(a, an);
    bn = bn_normalize(b, bn);
    if (an != bn)
        return an < bn ? -1 : 1;
    for (size_t i = an; i-- > 0;)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static bool is_zero(struct bn a)
{
    return bn_normalize(a.d, a.n) == 0;
}

int bn_cmp(struct bn a, struct bn b)
{
    bool an = a.neg && !is_zero(a), bneg = b.neg && !is_zero(b);
    if (an != bneg)
        return an ? -1 : 1;
    int c = bn_cmp_mag(a.d, a.n, b.d, b.n);
    return an ? -c : c;
}

/* r[0..n) = a[0..n) + b[0..n); returns carry. r may alias a or b. */
static bn_digit add_n(bn_digit *r, const bn_digit *a, const bn_digit *b, size_t n)
{
    bn_digit c = 0;
    for (size_t i = 0; i < n; i++) {
        bn_digit s = a[i] + c;
        c = s < c;
        bn_digit t = s + b[i];
        c += t < s;
        r[i] = t;
    }
    return c;
}

/* r[0..n) = a[0..n) + c; returns carry. r may alias a. */
static bn_digit add_1(bn_digit *r, const bn_digit *a, size_t n, bn_digit c)
{
    for (size_t i = 0; i < n; i++) {
        bn_digit t = a[i] + c;
        c = t < c;
        r[i] = t;
    }
    return c;
}

/* r[0..n) = a[0..n) - b[0..n); returns borrow. r may alias a or b. */
static bn_digit sub_n(bn_digit *r, const bn_digit *a, const bn_digit *b, size_t n)
{
    bn_digit br = 0;
    for (size_t i = 0; i < n; i++) {
        bn_digit ai = a[i], bi = b[i];
        bn_digit t = ai - bi;
        bn_digit b1 = ai < bi;
        bn_digit t2 = t - br;
        b1 |= t < br;
        r[i] = t2;
        br = b1;
    }
    return br;
}

static bn_digit sub_1(bn_digit *r, const bn_digit *a, size_t n, bn_digit br)
{
    for (size_t i = 0; i < n; i++) {
        bn_digit ai = a[i];
        r[i] = ai - br;
        br = ai < br;
    }
    return br;
}

/* r = |a| + |b| (lengths an >= bn); r has room for an + 1. r may alias a. */
static size_t add_mag(bn_digit *r, const bn_digit *a, size_t an, const bn_digit *b, size_t bn)
{
    bn_digit c = add_n(r, a, b, bn);
    c = add_1(r + bn, a + bn, an - bn, c);
    r[an] = c;
    return bn_normalize(r, an + 1);
}

/* r = |a| - |b| with |a| >= |b|, an >= bn. r may alias a. */
static size_t sub_mag(bn_digit *r, const bn_digit *a, size_t an, const bn_digit *b, size_t bn)
{
    bn_digit br = sub_n(r, a, b, bn);
    sub_1(r + bn, a + bn, an - bn, br);
    return bn_normalize(r, an);
}

/* Signed addition of a and (b with sign bneg). */
static size_t add_signed(bn_digit *r, size_t rcap, bool *rneg, struct bn a, const bn_digit *bd,
                         size_t bnn, bool bneg)
{
    size_t an = bn_normalize(a.d, a.n);
    bnn = bn_normalize(bd, bnn);
    if (a.neg == bneg) {
        const bn_digit *x = a.d, *y = bd;
        size_t xn = an, yn = bnn;
        if (xn < yn) {
            x = bd, y = a.d, xn = bnn, yn = an;
        }
        /* Only the carry digit may be missing from rcap. */
        if (rcap < xn)
            return BN_ENOSPACE;
        size_t n;
        if (rcap < xn + 1) {
            bn_digit c = add_n(r, x, y, yn);
            c = add_1(r + yn, x + yn, xn - yn, c);
            if (c)
                return BN_ENOSPACE;
            n = bn_normalize(r, xn);
        } else {
            n = add_mag(r, x, xn, y, yn);
        }
        *rneg = n ? a.neg : false;
        return n;
    }
    int c = bn_cmp_mag(a.d, an, bd, bnn);
    if (c == 0) {
        *rneg = false;
        return 0;
    }
    const bn_digit *x = a.d, *y = bd;
    size_t xn = an, yn = bnn;
    bool neg = a.neg;
    if (c < 0) {
        x = bd, y = a.d, xn = bnn, yn = an, neg = bneg;
    }
    /* The difference can have fewer digits than xn; compute then check. */
    if (rcap < xn) {
        /* Rare: caller gave a tight capacity. Compute the length first. */
        size_t need = xn;
        while (need > yn && need > 0 && x[need - 1] == 0)
            need--;
        if (rcap < need)
            return BN_ENOSPACE;
    }
    size_t n = sub_mag(r, x, xn, y, yn);
    *rneg = n ? neg : false;
    return n;
}

size_t bn_add(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    return add_signed(r, rcap, rneg, a, b.d, b.n, b.neg);
}

size_t bn_sub(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    return add_signed(r, rcap, rneg, a, b.d, b.n, !b.neg);
}

/* ---- machine integers ---- */

size_t bn_from_uint64(bn_digit *r, size_t rcap, uint64_t v)
{
    if (v == 0)
        return 0;
    if (rcap < 1)
        return BN_ENOSPACE;
    r[0] = v;
    return 1;
}

size_t bn_from_int64(bn_digit *r, size_t rcap, bool *rneg, int64_t v)
{
    *rneg = v < 0;
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return bn_from_uint64(r, rcap, m);
}

bool bn_to_int64(struct bn a, int64_t *out)
{
    size_t n = bn_normalize(a.d, a.n);
    if (n == 0) {
        *out = 0;
        return true;
    }
    if (n > 1)
        return false;
    uint64_t m = a.d[0];
    if (a.neg) {
        if (m > (uint64_t)1 << 63)
            return false;
        *out = (int64_t)((uint64_t)0 - m);
    } else {
        if (m > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)m;
    }
    return true;
}

bool bn_to_uint64(struct bn a, uint64_t *out)
{
    size_t n = bn_normalize(a.d, a.n);
    if (n == 0) {
        *out = 0;
        return true;
    }
    if (n > 1 || a.neg)
        return false;
    *out = a.d[0];
    return true;
}

/* ---- multiplication ---- */

/* r[0..an+bn) = a * b (schoolbook). r must not alias. */
static void mul_school(bn_digit *r, const bn_digit *a, size_t an, const bn_digit *b, size_t bn)
{
    memset(r, 0, (an + bn) * sizeof *r);
    for (size_t j = 0; j < bn; j++) {
        bn_digit bj = b[j], c = 0;
        if (bj == 0)
            continue;
        for (size_t i = 0; i < an; i++) {
            bn_wide p = (bn_wide)a[i] * bj + r[i + j] + c;
            r[i + j] = (bn_digit)p;
            c = (bn_digit)(p >> 64);
        }
        r[j + an] = c;
    }
}

/* Scratch needed by kara(n). */
static size_t kara_scratch(size_t n)
{
    size_t s = 0;
    while (n >= BN_KARATSUBA_THRESHOLD) {
        size_t m = (n + 1) / 2;
        s += 4 * (m + 1);
        n = m + 1;
    }
    return s;
}

/* r[0..2n) = a[0..n) * b[0..n) (Karatsuba, fixed length). */
static void kara(bn_digit *r, const bn_digit *a, const bn_digit *b, size_t n, bn_digit *s)
{
    if (n < BN_KARATSUBA_THRESHOLD) {
        mul_school(r, a, n, b, n);
        return;
    }
    size_t m = (n + 1) / 2, h = n - m; /* low halves m digits, high halves h <= m digits */
    bn_digit *sa = s, *sb = s + (m + 1), *z1 = s + 2 * (m + 1), *rest = s + 4 * (m + 1);
    /* sa = a0 + a1, sb = b0 + b1 (m + 1 digits) */
    bn_digit c = add_n(sa, a, a + m, h);
    sa[m] = add_1(sa + h, a + h, m - h, c);
    c = add_n(sb, b, b + m, h);
    sb[m] = add_1(sb + h, b + h, m - h, c);
    kara(r, a, b, m, rest); /* z0 -> r[0..2m) */
    if (h > 0) {
        /* z2 -> r[2m..2n); product of h-digit halves */
        if (h < BN_KARATSUBA_THRESHOLD || h != m)
            mul_school(r + 2 * m, a + m, h, b + m, h);
        else
            kara(r + 2 * m, a + m, b + m, h, rest);
    }
    kara(z1, sa, sb, m + 1, rest); /* z1 = sa*sb, 2m+2 digits */
    /* z1 -= z0 + z2 */
    bn_digit br = sub_n(z1, z1, r, 2 * m);
    sub_1(z1 + 2 * m, z1 + 2 * m, 2, br);
    br = sub_n(z1, z1, r + 2 * m, 2 * h);
    sub_1(z1 + 2 * h, z1 + 2 * h, 2 * m + 2 - 2 * h, br);
    /* r[m..) += z1; z1 fits in at most 2m+1 significant digits, r has 2n - m >= 2m digits. */
    size_t zl = bn_normalize(z1, 2 * m + 2);
    size_t room = 2 * n - m;
    if (zl > room)
        zl = room; /* the high digits are zero mathematically */
    c = add_n(r + m, r + m, z1, zl);
    add_1(r + m + zl, r + m + zl, room - zl, c);
}

size_t bn_mul_scratch_len(size_t an, size_t bn)
{
    size_t lo = an < bn ? an : bn;
    if (lo < BN_KARATSUBA_THRESHOLD)
        return 0;
    /* chunk product (2 * lo) + Karatsuba scratch of lo */
    return 2 * lo + kara_scratch(lo);
}

/* r[0..an+bn) = a * b with an >= bn, fixed lengths. */
static void mul_fixed(bn_digit *r, const bn_digit *a, size_t an, const bn_digit *b, size_t bn,
                      bn_digit *scratch)
{
    if (bn < BN_KARATSUBA_THRESHOLD) {
        mul_school(r, a, an, b, bn);
        return;
    }
    /* Split a into bn-digit chunks, Karatsuba each against b, accumulate. */
    bn_digit *t = scratch, *ks = scratch + 2 * bn;
    memset(r, 0, (an + bn) * sizeof *r);
    for (size_t off = 0; off < an; off += bn) {
        size_t len = an - off < bn ? an - off : bn;
        if (len == bn)
            kara(t, a + off, b, bn, ks);
        else
            mul_school(t, b, bn, a + off, len);
        size_t tl = len + bn;
        bn_digit c = add_n(r + off, r + off, t, tl);
        add_1(r + off + tl, r + off + tl, an + bn - off - tl, c);
    }
}

size_t bn_mul(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b, bn_digit *scratch)
{
    size_t an = bn_normalize(a.d, a.n), bnn = bn_normalize(b.d, b.n);
    if (an == 0 || bnn == 0) {
        *rneg = false;
        return 0;
    }
    if (rcap < an + bnn - 1)
        return BN_ENOSPACE;
    const bn_digit *x = a.d, *y = b.d;
    if (an < bnn) {
        const bn_digit *t = x;
        x = y, y = t;
        size_t tn = an;
        an = bnn, bnn = tn;
    }
    if (rcap < an + bnn) {
        /* Tight capacity: the top digit must be zero. Only schoolbook into a bounded loop. */
        if (bnn >= BN_KARATSUBA_THRESHOLD) {
            /* compute in scratch-free way is not possible here; be strict */
            return BN_ENOSPACE;
        }
        bn_digit top = 0;
        memset(r, 0, rcap * sizeof *r);
        for (size_t j = 0; j < bnn; j++) {
            bn_digit c = 0;
            for (size_t i = 0; i < an; i++) {
                bn_wide p = (bn_wide)x[i] * y[j] + r[i + j] + c;
                r[i + j] = (bn_digit)p;
                c = (bn_digit)(p >> 64);
            }
            if (j + an < rcap)
                r[j + an] = c;
            else
                top |= c;
        }
        if (top)
            return BN_ENOSPACE;
        *rneg = a.neg != b.neg;
        return bn_normalize(r, rcap);
    }
    mul_fixed(r, x, an, y, bnn, scratch);
    *rneg = a.neg != b.neg;
    return bn_normalize(r, an + bnn);
}

/* ---- division ---- */

/*
 * (hi:lo) / d with hi < d, so the quotient fits 64 bits. One `divq` on x86-64; elsewhere the
 * shift-subtract loop. Either way no libgcc __udivti3, keeping the object's undefined symbols
 * to the memcpy class (docs/vm-freestanding.md).
 */
static bn_digit div_2by1(bn_digit hi, bn_digit lo, bn_digit d, bn_digit *rem)
{
#if defined(__x86_64__)
    bn_digit q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    bn_digit q = 0;
    for (int i = 63; i >= 0; i--) {
        bn_digit top = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        q <<= 1;
        if (top || hi >= d) {
            hi -= d;
            q |= 1;
        }
    }
    *rem = hi;
    return q;
#endif
}

bn_digit bn_divrem_digit(bn_digit *q, const bn_digit *a, size_t an, bn_digit v)
{
    bn_digit rem = 0;
    for (size_t i = an; i-- > 0;) {
        bn_digit qd = div_2by1(rem, a[i], v, &rem);
        if (q)
            q[i] = qd;
    }
    return rem;
}

/* r[0..n) = a[0..n) << s (0 <= s < 64); returns the bits shifted out. r may alias a. */
static bn_digit shl_small(bn_digit *r, const bn_digit *a, size_t n, unsigned s)
{
    if (s == 0) {
        memmove(r, a, n * sizeof *r);
        return 0;
    }
    bn_digit out = a[n - 1] >> (64 - s);
    for (size_t i = n; i-- > 1;)
        r[i] = (a[i] << s) | (a[i - 1] >> (64 - s));
    r[0] = a[0] << s;
    return out;
}

/* r[0..n) = a[0..n) >> s (0 <= s < 64). r may alias a. */
static void shr_small(bn_digit *r, const bn_digit *a, size_t n, unsigned s)
{
    if (s == 0) {
        memmove(r, a, n * sizeof *r);
        return;
    }
    for (size_t i = 0; i + 1 < n; i++)
        r[i] = (a[i] >> s) | (a[i + 1] << (64 - s));
    r[n - 1] = a[n - 1] >> s;
}

/*
 * Knuth D on magnitudes: u (m+n digits), v (n >= 2 digits, normalised, top digit nonzero).
 * Writes quotient (m+1 digits) to q (may be NULL) and remainder (n digits) to rem (may be
 * NULL). scratch: m + n + 1 + n digits.
 */
static void knuth_d(bn_digit *q, bn_digit *rem, const bn_digit *u, size_t un, const bn_digit *v,
                    size_t n, bn_digit *scratch)
{
    size_t m = un - n;
    unsigned s = clz64(v[n - 1]);
    bn_digit *un_ = scratch, *vn = scratch + un + 1;
    shl_small(vn, v, n, s);
    un_[un] = shl_small(un_, u, un, s);
    for (size_t j = m + 1; j-- > 0;) {
        bn_wide num = ((bn_wide)un_[j + n] << 64) | un_[j + n - 1];
        bn_wide qhat, rhat;
        if (un_[j + n] >= vn[n - 1]) {
            qhat = ~(bn_digit)0;
            rhat = num - qhat * vn[n - 1];
        } else {
            bn_digit rr;
            qhat = div_2by1(un_[j + n], un_[j + n - 1], vn[n - 1], &rr);
            rhat = rr;
        }
        while (rhat < ((bn_wide)1 << 64) && qhat * vn[n - 2] > ((rhat << 64) | un_[j + n - 2])) {
            qhat--;
            rhat += vn[n - 1];
        }
        /* un_[j..j+n] -= qhat * vn */
        bn_digit borrow = 0, carry = 0;
        for (size_t i = 0; i < n; i++) {
            bn_wide p = (bn_wide)(bn_digit)qhat * vn[i] + carry;
            carry = (bn_digit)(p >> 64);
            bn_digit pl = (bn_digit)p;
            bn_digit t = un_[i + j] - pl;
            bn_digit b1 = un_[i + j] < pl;
            bn_digit t2 = t - borrow;
            b1 |= t < borrow;
            un_[i + j] = t2;
            borrow = b1;
        }
        bn_digit top = un_[j + n];
        bn_digit t = top - carry;
        bn_digit b1 = top < carry;
        bn_digit t2 = t - borrow;
        b1 |= t < borrow;
        un_[j + n] = t2;
        if (b1) {
            qhat--;
            bn_digit c = add_n(un_ + j, un_ + j, vn, n);
            un_[j + n] += c;
        }
        if (q)
            q[j] = (bn_digit)qhat;
    }
    if (rem)
        shr_small(rem, un_, n, s), rem[n - 1] |= s ? (un_[n] << (64 - s)) : 0;
}

size_t bn_divrem(bn_digit *q, size_t qcap, size_t *qn, bool *qneg, bn_digit *r, size_t rcap,
                 size_t *rn, bool *rneg, struct bn a, struct bn b, bn_digit *scratch)
{
    size_t an = bn_normalize(a.d, a.n), bnn = bn_normalize(b.d, b.n);
    if (bnn == 0)
        return BN_EINVAL;
    size_t ql, rl;
    if (bn_cmp_mag(a.d, an, b.d, bnn) < 0) {
        ql = 0;
        if (r) {
            if (rcap < an)
                return BN_ENOSPACE;
            memmove(r, a.d, an * sizeof *r);
        }
        rl = an;
    } else if (bnn == 1) {
        size_t need = an;
        if (q) {
            need = an - (a.d[an - 1] < b.d[0] ? 1 : 0);
            if (qcap < need)
                return BN_ENOSPACE;
            /* divide into scratch then copy: q may be shorter than an */
            bn_digit rem = bn_divrem_digit(scratch, a.d, an, b.d[0]);
            memcpy(q, scratch, need * sizeof *q);
            ql = bn_normalize(q, need);
            if (r) {
                if (rem && rcap < 1)
                    return BN_ENOSPACE;
                if (rem)
                    r[0] = rem;
            }
            rl = rem ? 1 : 0;
        } else {
            bn_digit rem = bn_divrem_digit(NULL, a.d, an, b.d[0]);
            ql = 0;
            if (r && rem && rcap < 1)
                return BN_ENOSPACE;
            if (r && rem)
                r[0] = rem;
            rl = rem ? 1 : 0;
        }
    } else {
        size_t m = an - bnn;
        if ((q && qcap < m + 1) || (r && rcap < bnn))
            return BN_ENOSPACE;
        knuth_d(q, r, a.d, an, b.d, bnn, scratch);
        ql = q ? bn_normalize(q, m + 1) : 0;
        rl = r ? bn_normalize(r, bnn) : 0;
    }
    if (q) {
        *qn = ql;
        *qneg = ql ? (a.neg != b.neg) : false;
    }
    if (r) {
        *rn = rl;
        *rneg = rl ? a.neg : false;
    }
    return 0;
}

/* ---- in-place helpers ---- */

size_t bn_mul_small(bn_digit *d, size_t n, size_t cap, bn_digit m, bn_digit add)
{
    n = bn_normalize(d, n);
    bn_digit c = add;
    for (size_t i = 0; i < n; i++) {
        bn_wide p = (bn_wide)d[i] * m + c;
        d[i] = (bn_digit)p;
        c = (bn_digit)(p >> 64);
    }
    if (c) {
        if (n >= cap)
            return BN_ENOSPACE;
        d[n++] = c;
    }
    return bn_normalize(d, n);
}

size_t bn_mul_pow5(bn_digit *d, size_t n, size_t cap, uint64_t k)
{
    static const bn_digit pow5_27 = 7450580596923828125ull; /* largest 5^k below 2^64 */
    while (k > 0 && !bn_failed(n)) {
        unsigned step = k > 27 ? 27 : (unsigned)k;
        bn_digit m = pow5_27;
        if (step < 27) {
            m = 1;
            for (unsigned i = 0; i < step; i++)
                m *= 5;
        }
        n = bn_mul_small(d, n, cap, m, 0);
        k -= step;
    }
    return n;
}

size_t bn_shl_inplace(bn_digit *d, size_t n, size_t cap, uint64_t bits)
{
    n = bn_normalize(d, n);
    if (n == 0)
        return 0;
    if (bits / 64 >= cap || n > cap - (size_t)(bits / 64))
        return BN_ENOSPACE; /* checked first so that the sum below cannot wrap */
    uint64_t total = bn_bit_length(d, n) + bits;
    if ((total + 63) / 64 > cap)
        return BN_ENOSPACE;
    size_t q = (size_t)(bits / 64);
    unsigned s = (unsigned)(bits % 64);
    size_t top = (size_t)((total + 63) / 64);
    bn_digit out = shl_small(d, d, n, s); /* in place, then move up by q digits */
    if (q)
        memmove(d + q, d, n * sizeof *d);
    if (q + n < top)
        d[q + n] = out;
    memset(d, 0, q * sizeof *d);
    return bn_normalize(d, top);
}

/* ---- shifts ---- */

size_t bn_shl(bn_digit *r, size_t rcap, bool *rneg, struct bn a, uint64_t bits)
{
    size_t an = bn_normalize(a.d, a.n);
    if (an == 0) {
        *rneg = false;
        return 0;
    }
    /* The result has at least q + an digits: reject before any arithmetic can wrap. */
    if (bits / 64 >= rcap || an > rcap - (size_t)(bits / 64))
        return BN_ENOSPACE;
    size_t q = (size_t)(bits / 64);
    unsigned s = (unsigned)(bits % 64);
    size_t top = (size_t)((bn_bit_length(a.d, an) + bits + 63) / 64); /* q + an or one more */
    if (rcap < top)
        return BN_ENOSPACE;
    /* Work from the top so r may not alias a; r is distinct by contract. */
    bn_digit out = shl_small(r + q, a.d, an, s);
    if (q + an < top)
        r[q + an] = out;
    memset(r, 0, q * sizeof *r);
    *rneg = a.neg;
    return bn_normalize(r, top);
}

size_t bn_shr(bn_digit *r, size_t rcap, bool *rneg, struct bn a, uint64_t bits)
{
    size_t an = bn_normalize(a.d, a.n);
    uint64_t q64 = bits / 64;
    unsigned s = (unsigned)(bits % 64);
    bool lost = false; /* any 1 bit shifted out (matters for negatives) */
    size_t n;
    if (q64 >= an) {
        n = 0;
        lost = an > 0;
    } else {
        size_t q = (size_t)q64;
        for (size_t i = 0; i < q && !lost; i++)
            lost = a.d[i] != 0;
        if (s && (a.d[q] & (((bn_digit)1 << s) - 1)))
            lost = true;
        n = an - q;
        size_t need = bn_normalize(a.d + q, n);
        if (s && need > 0 && (a.d[q + need - 1] >> s) == 0)
            need--;
        if (rcap < need)
            return BN_ENOSPACE;
        /* shift into r: digits 0..need-1 */
        for (size_t i = 0; i < need; i++) {
            bn_digit lo = a.d[q + i] >> s;
            bn_digit hi = (s && q + i + 1 < an) ? a.d[q + i + 1] << (64 - s) : 0;
            r[i] = lo | hi;
        }
        n = need;
    }
    if (a.neg && lost) {
        /* floor: magnitude + 1 */
        bn_digit c = add_1(r, r, n, 1);
        if (c) {
            if (rcap < n + 1)
                return BN_ENOSPACE;
            r[n++] = c;
        }
    }
    n = bn_normalize(r, n);
    *rneg = n ? a.neg : false;
    return n;
}

/* ---- bitwise on infinite two's complement ---- */

/* Streams the two's complement digits of a signed magnitude. */
struct tc_reader {
    const bn_digit *d;
    size_t n;
    bool neg;
    bn_digit carry;
};

static struct tc_reader tc_start(struct bn a)
{
    struct tc_reader t = {a.d, bn_normalize(a.d, a.n), a.neg, 1};
    if (t.n == 0)
        t.neg = false;
    return t;
}

static bn_digit tc_next(struct tc_reader *t, size_t i)
{
    bn_digit m = i < t->n ? t->d[i] : 0;
    if (!t->neg)
        return m;
    bn_digit v = ~m + t->carry;
    t->carry = t->carry && v == 0;
    return v;
}

enum bitop { OP_AND, OP_OR, OP_XOR };

static size_t bitop(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b, enum bitop op)
{
    struct tc_reader x = tc_start(a), y = tc_start(b);
    size_t L = (x.n > y.n ? x.n : y.n) + 1;
    if (rcap < L)
        return BN_ENOSPACE;
    bn_digit sx = x.neg ? ~(bn_digit)0 : 0, sy = y.neg ? ~(bn_digit)0 : 0, sr;
    switch (op) {
    case OP_AND:
        sr = sx & sy;
        break;
    case OP_OR:
        sr = sx | sy;
        break;
    default:
        sr = sx ^ sy;
        break;
    }
    for (size_t i = 0; i < L; i++) {
        bn_digit u = tc_next(&x, i), v = tc_next(&y, i);
        r[i] = op == OP_AND ? (u & v) : op == OP_OR ? (u | v) : (u ^ v);
    }
    bool neg = sr != 0;
    if (neg) {
        /* magnitude = ~r + 1 */
        bn_digit c = 1;
        for (size_t i = 0; i < L; i++) {
            bn_digit v = ~r[i] + c;
            c = c && v == 0;
            r[i] = v;
        }
    }
    size_t n = bn_normalize(r, L);
    *rneg = n ? neg : false;
    return n;
}

size_t bn_band(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    return bitop(r, rcap, rneg, a, b, OP_AND);
}

size_t bn_bor(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    return bitop(r, rcap, rneg, a, b, OP_OR);
}

size_t bn_bxor(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    return bitop(r, rcap, rneg, a, b, OP_XOR);
}

size_t bn_bnot(bn_digit *r, size_t rcap, bool *rneg, struct bn a)
{
    /* bnot a = -a - 1 = -(a + 1) */
    static const bn_digit one = 1;
    struct bn neg_a = {a.d, a.n, !a.neg};
    return bn_sub(r, rcap, rneg, neg_a, bn_view(&one, 1, false));
}

/* ---- doubles ---- */

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* Bit i of magnitude d[0..n). */
static bool bit_at(const bn_digit *d, size_t n, uint64_t i)
{
    size_t w = (size_t)(i / 64);
    return w < n && ((d[w] >> (i % 64)) & 1);
}

/* Any bit below position i set? */
static bool any_below(const bn_digit *d, size_t n, uint64_t i)
{
    size_t w = (size_t)(i / 64);
    for (size_t k = 0; k < w && k < n; k++)
        if (d[k])
            return true;
    if (w < n && (i % 64) && (d[w] & (((bn_digit)1 << (i % 64)) - 1)))
        return true;
    return false;
}

/* Bits [lo, lo+cnt) of the magnitude, cnt <= 64. */
static uint64_t bits_range(const bn_digit *d, size_t n, uint64_t lo, unsigned cnt)
{
    uint64_t v = 0;
    size_t w = (size_t)(lo / 64);
    unsigned s = (unsigned)(lo % 64);
    if (w < n)
        v = d[w] >> s;
    if (s && w + 1 < n)
        v |= d[w + 1] << (64 - s);
    if (cnt < 64)
        v &= ((uint64_t)1 << cnt) - 1;
    return v;
}

bool bn_scaled_to_double(const bn_digit *d, size_t n, int64_t e2, bool sticky, bool neg,
                         double *out)
{
    n = bn_normalize(d, n);
    uint64_t sign = neg ? (uint64_t)1 << 63 : 0;
    if (n == 0) {
        /* sticky alone means "a positive amount below every bit": rounds to zero */
        *out = double_of(sign);
        return true;
    }
    int64_t bl = (int64_t)bn_bit_length(d, n);
    int64_t topexp = bl - 1 + e2; /* value in [2^topexp, 2^(topexp+1)) */
    if (topexp > 1023 + 1) {
        return false;
    }
    int64_t keep = 53;
    if (topexp < -1022)
        keep = topexp + 1074 + 1; /* bits at or above 2^-1074 */
    if (keep < 0) {
        *out = double_of(sign);
        return true;
    }
    int64_t shift = bl - keep; /* bits dropped */
    uint64_t m;
    if (shift <= 0) {
        m = bits_range(d, n, 0, 64) << (-shift);
    } else {
        m = bits_range(d, n, (uint64_t)shift, (unsigned)keep);
        bool half = bit_at(d, n, (uint64_t)shift - 1);
        bool rest = sticky || any_below(d, n, (uint64_t)shift - 1);
        if (half && (rest || (m & 1)))
            m++;
    }
    int64_t E = e2 + shift; /* value = m * 2^E */
    if (m >> 53) {
        m >>= 1;
        E++;
    }
    if (m == 0) {
        *out = double_of(sign);
        return true;
    }
    if (m >> 52) {
        int64_t biased = E + 52 + 1023;
        if (biased >= 2047)
            return false;
        *out = double_of(sign | ((uint64_t)biased << 52) | (m & (((uint64_t)1 << 52) - 1)));
    } else {
        /* subnormal: E == -1074 */
        *out = double_of(sign | m);
    }
    return true;
}

bool bn_to_double_exact(struct bn a, double *out)
{
    return bn_scaled_to_double(a.d, a.n, 0, false, a.neg, out);
}

bool bn_to_double(struct bn a, double *out)
{
    /* OTP's big_to_double: d = d * 2^64 + (double)digit from the top, each step rounded. */
    size_t n = bn_normalize(a.d, a.n);
    double d = 0.0;
    const double base = 18446744073709551616.0;
    for (size_t i = n; i-- > 0;) {
        d = d * base + (double)a.d[i];
        if (!(d - d == 0.0)) /* infinite: d - d is NaN */
            return false;
    }
    *out = a.neg ? -d : d;
    return true;
}

size_t bn_from_double(bn_digit *r, size_t rcap, bool *rneg, double v)
{
    uint64_t b = bits_of(v);
    int exp = (int)((b >> 52) & 0x7ff);
    uint64_t frac = b & (((uint64_t)1 << 52) - 1);
    bool neg = b >> 63;
    if (exp == 0x7ff)
        return BN_EINVAL;
    if (exp == 0) {
        *rneg = false;
        return 0; /* subnormals and zero truncate to 0 */
    }
    uint64_t m = frac | ((uint64_t)1 << 52);
    int e = exp - 1075; /* v = m * 2^e */
    size_t n;
    if (e <= 0) {
        m = e <= -64 ? 0 : m >> (-e);
        n = bn_from_uint64(r, rcap, m);
    } else {
        bn_digit md = m;
        bool dummy;
        n = bn_shl(r, rcap, &dummy, bn_view(&md, 1, false), (uint64_t)e);
    }
    if (bn_failed(n))
        return n;
    *rneg = n ? neg : false;
    return n;
}

/* ---- text ---- */

/* ceil(1e6 * log_b(2)): digits per bit, scaled. */
static const uint32_t digits_per_bit_1e6[37] = {
    0,      0,      1000000, 630930, 500000, 430677, 386853, 356208, 333334, 315465,
    301030, 289065, 278943,  270239, 262650, 255959, 250000, 244651, 239813, 235409,
    231379, 227671, 224244,  221065, 218105, 215339, 212747, 210310, 208015, 205847,
    203796, 201850, 200000,  198240, 196562, 194960, 193427};
/* ceil(log2 b) */
static const uint8_t bits_per_digit_ceil[37] = {0, 0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                                4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5,
                                                5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6};

size_t bn_to_text_max_len(size_t n, unsigned base)
{
    if (base < 2 || base > 36)
        return 0;
    uint64_t bits = (uint64_t)n * 64;
    return (size_t)(bits * digits_per_bit_1e6[base] / 1000000 + 2 + 1);
}

size_t bn_from_text_max_len(size_t len, unsigned base)
{
    if (base < 2 || base > 36)
        return 0;
    return (len * bits_per_digit_ceil[base] + 63) / 64 + 1;
}

/* Largest power base^k <= 2^64 - 1, and k. */
static bn_digit big_base(unsigned base, unsigned *k)
{
    bn_digit p = base;
    unsigned e = 1;
    while (p <= UINT64_MAX / base) {
        p *= base;
        e++;
    }
    *k = e;
    return p;
}

static const char digit_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

size_t bn_to_text(char *out, size_t cap, struct bn a, unsigned base, bn_digit *scratch)
{
    if (base < 2 || base > 36)
        return BN_EINVAL;
    size_t n = bn_normalize(a.d, a.n);
    if (n == 0) {
        if (cap < 1)
            return BN_ENOSPACE;
        out[0] = '0';
        return 1;
    }
    unsigned k;
    bn_digit bb = big_base(base, &k);
    memcpy(scratch, a.d, n * sizeof *scratch);
    size_t len = 0;
    while (n > 0) {
        bn_digit rem = bn_divrem_digit(scratch, scratch, n, bb);
        n = bn_normalize(scratch, n);
        for (unsigned i = 0; i < k && (n > 0 || rem != 0); i++) {
            if (len >= cap)
                return BN_ENOSPACE;
            out[len++] = digit_chars[rem % base];
            rem /= base;
        }
    }
    if (a.neg) {
        if (len >= cap)
            return BN_ENOSPACE;
        out[len++] = '-';
    }
    for (size_t i = 0, j = len - 1; i < j; i++, j--) {
        char t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

size_t bn_from_text(bn_digit *r, size_t rcap, bool *rneg, const char *text, size_t len,
                    unsigned base)
{
    if (base < 2 || base > 36)
        return BN_EINVAL;
    size_t i = 0;
    bool neg = false;
    if (len > 0 && (text[0] == '+' || text[0] == '-')) {
        neg = text[0] == '-';
        i = 1;
    }
    if (i == len)
        return BN_EINVAL;
    for (size_t j = i; j < len; j++)
        if (digit_value(text[j]) >= (int)base)
            return BN_EINVAL;
    unsigned k;
    big_base(base, &k);
    size_t n = 0;
    while (i < len) {
        size_t take = len - i < k ? len - i : k;
        bn_digit mul = 1, chunk = 0;
        for (size_t j = 0; j < take; j++) {
            chunk = chunk * base + (bn_digit)digit_value(text[i + j]);
            mul *= base;
        }
        i += take;
        /* r = r * mul + chunk */
        bn_digit c = chunk;
        for (size_t j = 0; j < n; j++) {
            bn_wide p = (bn_wide)r[j] * mul + c;
            r[j] = (bn_digit)p;
            c = (bn_digit)(p >> 64);
        }
        if (c) {
            if (n >= rcap)
                return BN_ENOSPACE;
            r[n++] = c;
        }
    }
    *rneg = n ? neg : false;
    return n;
}

/* ---- bytes ---- */

size_t bn_from_bytes_le(bn_digit *r, size_t rcap, const uint8_t *bytes, size_t nbytes)
{
    while (nbytes > 0 && bytes[nbytes - 1] == 0)
        nbytes--;
    size_t n = (nbytes + 7) / 8;
    if (rcap < n)
        return BN_ENOSPACE;
    memset(r, 0, n * sizeof *r);
    for (size_t i = 0; i < nbytes; i++)
        r[i / 8] |= (bn_digit)bytes[i] << (8 * (i % 8));
    return n;
}

size_t bn_byte_length(const bn_digit *d, size_t n)
{
    return (size_t)((bn_bit_length(d, n) + 7) / 8);
}

void bn_to_bytes_le(uint8_t *bytes, size_t nbytes, const bn_digit *d, size_t n)
{
    for (size_t i = 0; i < nbytes; i++)
        bytes[i] = i / 8 < n ? (uint8_t)(d[i / 8] >> (8 * (i % 8))) : 0;
}

/* ---- pow, gcd ---- */

size_t bn_pow_max_len(size_t base_n, uint64_t exp)
{
    uint64_t bl = (uint64_t)base_n * 64;
    if (exp != 0 && bl > UINT64_MAX / exp)
        return SIZE_MAX / 4;
    uint64_t d = bl * exp / 64 + 2;
    return d > SIZE_MAX / 4 ? SIZE_MAX / 4 : (size_t)d;
}

size_t bn_pow(bn_digit *r, size_t rcap, bool *rneg, struct bn base, uint64_t exp, bn_digit *scratch)
{
    size_t bnn = bn_normalize(base.d, base.n);
    bool neg = base.neg && (exp & 1);
    if (exp == 0) {
        if (rcap < 1)
            return BN_ENOSPACE;
        r[0] = 1;
        *rneg = false;
        return 1;
    }
    if (bnn == 0) {
        *rneg = false;
        return 0;
    }
    size_t cap = rcap + 1;
    bn_digit *A = scratch, *B = scratch + cap, *ms = scratch + 2 * cap;
    if (bnn > cap)
        return BN_ENOSPACE;
    memcpy(A, base.d, bnn * sizeof *A);
    size_t an = bnn;
    int top = 63 - (int)clz64(exp);
    for (int i = top - 1; i >= 0; i--) {
        if (2 * an > cap)
            return BN_ENOSPACE;
        mul_fixed(B, A, an, A, an, ms);
        an = bn_normalize(B, 2 * an);
        bn_digit *t = A;
        A = B, B = t;
        if ((exp >> i) & 1) {
            if (an + bnn > cap)
                return BN_ENOSPACE;
            if (an >= bnn)
                mul_fixed(B, A, an, base.d, bnn, ms);
            else
                mul_fixed(B, base.d, bnn, A, an, ms);
            an = bn_normalize(B, an + bnn);
            t = A, A = B, B = t;
        }
    }
    if (an > rcap)
        return BN_ENOSPACE;
    memcpy(r, A, an * sizeof *r);
    *rneg = neg;
    return an;
}

size_t bn_gcd(bn_digit *r, size_t rcap, struct bn a, struct bn b, bn_digit *scratch)
{
    size_t an = bn_normalize(a.d, a.n), bnn = bn_normalize(b.d, b.n);
    size_t mx = an > bnn ? an : bnn;
    bn_digit *X = scratch, *Y = scratch + mx, *Z = scratch + 2 * mx, *ds = scratch + 3 * mx;
    memcpy(X, a.d, an * sizeof *X);
    memcpy(Y, b.d, bnn * sizeof *Y);
    size_t xn = an, yn = bnn;
    while (yn > 0) {
        size_t zn, dummy_qn;
        bool zneg, dummy_neg;
        size_t rc = bn_divrem(NULL, 0, &dummy_qn, &dummy_neg, Z, mx, &zn, &zneg,
                              bn_view(X, xn, false), bn_view(Y, yn, false), ds);
        if (bn_failed(rc))
            return rc;
        bn_digit *t = X;
        X = Y, xn = yn;
        Y = Z, yn = zn;
        Z = t;
    }
    if (xn > rcap)
        return BN_ENOSPACE;
    memcpy(r, X, xn * sizeof *r);
    return xn;
}
