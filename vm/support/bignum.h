/*
 * bignum: freestanding sign-magnitude arbitrary-precision integers for the VM (Erlang semantics).
 *
 * Representation. A value is a sign flag plus a magnitude: a little-endian array of 64-bit
 * digits (digit 0 is the least significant). A magnitude of length n is *normalised* when
 * n == 0 (the value zero) or d[n-1] != 0. Zero is never negative. Every function returns a
 * normalised result and accepts non-normalised inputs (high zero digits are ignored).
 *
 * Memory. Nothing here allocates, calls the OS or touches errno/locale. Each operation writes
 * into an output array of capacity `rcap` digits supplied by the caller and returns the
 * normalised output length. The documented `*_max_len` helpers give a capacity that is always
 * enough; pass at least that. With less, a function either still succeeds (when it can tell
 * the result fits: add, sub, shifts, text, bytes) or returns BN_ENOSPACE (contents then
 * unspecified); nothing is ever written past a capacity. Operations that need scratch space
 * take a `scratch` array of at least the documented `*_scratch_len` digits.
 *
 * Aliasing. Outputs must not overlap inputs or scratch unless a function says otherwise.
 *
 * Erlang semantics. div truncates toward zero and rem takes the sign of the dividend; bsr on a
 * negative value is an arithmetic shift (floor); band/bor/bxor/bnot act on the infinite two's
 * complement representation; integer_to_list/2 text uses upper-case digits.
 *
 * Errors: lengths are size_t; the two values below are never valid lengths.
 *
 * Status: interface published first so the VM core can code against it; the implementation
 * lands in vm/support/bignum.c (sources listed in VM_SUPPORT_SRCS, vm/support/module.mk).
 */
#ifndef ZERG_VM_SUPPORT_BIGNUM_H
#define ZERG_VM_SUPPORT_BIGNUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t bn_digit;
#define BN_DIGIT_BITS 64

/* Result does not fit in the caller's output capacity (or scratch too small). */
#define BN_ENOSPACE ((size_t)-1)
/* Invalid argument: bad text, bad base, division by zero, NaN/infinite double, ... */
#define BN_EINVAL ((size_t)-2)
/* True when a returned length is one of the error values above. */
static inline bool bn_failed(size_t len)
{
    return len >= BN_EINVAL;
}

/* A read-only view of a signed value: magnitude d[0..n) and sign. */
struct bn {
    const bn_digit *d;
    size_t n;
    bool neg;
};
static inline struct bn bn_view(const bn_digit *d, size_t n, bool neg)
{
    struct bn v = {d, n, neg};
    return v;
}

/* Length of d[0..n) without high zero digits. */
size_t bn_normalize(const bn_digit *d, size_t n);
/* Number of significant bits of the magnitude (0 for zero). */
uint64_t bn_bit_length(const bn_digit *d, size_t n);

/* -1, 0 or 1 as |a| <, ==, > |b|. */
int bn_cmp_mag(const bn_digit *a, size_t an, const bn_digit *b, size_t bn);
/* -1, 0 or 1 as a <, ==, > b (signed). */
int bn_cmp(struct bn a, struct bn b);

/* ---- conversions with machine integers ---- */
/* Needs rcap >= 1 (2 for INT64_MIN is not needed: |INT64_MIN| fits one digit). */
size_t bn_from_int64(bn_digit *r, size_t rcap, bool *rneg, int64_t v);
size_t bn_from_uint64(bn_digit *r, size_t rcap, uint64_t v);
/* True and *out set when a fits int64_t; false otherwise. */
bool bn_to_int64(struct bn a, int64_t *out);
/* True and *out set when a is non-negative and fits uint64_t. */
bool bn_to_uint64(struct bn a, uint64_t *out);

/* ---- add / sub ---- */
static inline size_t bn_add_max_len(size_t an, size_t bn)
{
    return (an > bn ? an : bn) + 1;
}
/* r = a + b. r may be exactly a.d or b.d (same start address) for in-place use. */
size_t bn_add(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);
/* r = a - b. Same aliasing rule as bn_add. */
size_t bn_sub(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);

/* ---- mul (schoolbook, Karatsuba above BN_KARATSUBA_THRESHOLD digits) ---- */
#define BN_KARATSUBA_THRESHOLD 32
static inline size_t bn_mul_max_len(size_t an, size_t bn)
{
    return an + bn;
}
/* Scratch digits bn_mul needs for operands of these lengths (0 below the threshold). */
size_t bn_mul_scratch_len(size_t an, size_t bn);
/* r = a * b. */
size_t bn_mul(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b, bn_digit *scratch);

/* ---- divrem (Knuth algorithm D), Erlang div/rem ---- */
static inline size_t bn_div_max_len(size_t an, size_t bn)
{
    return an >= bn ? an - bn + 1 : 1;
}
static inline size_t bn_rem_max_len(size_t an, size_t bn)
{
    return an < bn ? an : bn;
}
static inline size_t bn_divrem_scratch_len(size_t an, size_t bn)
{
    return an + bn + 2;
}
/*
 * q = a div b (truncated toward zero), r = a rem b (sign of a). Either q or r may be NULL
 * (with its cap/len/neg pointers ignored) when the caller needs only the other. Returns 0 on
 * success, writing the normalised lengths to *qn / *rn; BN_EINVAL when b is zero;
 * BN_ENOSPACE when an output does not fit.
 */
size_t bn_divrem(bn_digit *q, size_t qcap, size_t *qn, bool *qneg, bn_digit *r, size_t rcap,
                 size_t *rn, bool *rneg, struct bn a, struct bn b, bn_digit *scratch);
/* Single-digit divisor, magnitude only: q = a / v, returns remainder. q may equal a. */
bn_digit bn_divrem_digit(bn_digit *q, const bn_digit *a, size_t an, bn_digit v);

/* ---- in-place helpers on magnitudes (no sign) ---- */
/* d = d * m + add in place; returns the new normalised length or BN_ENOSPACE past cap. */
size_t bn_mul_small(bn_digit *d, size_t n, size_t cap, bn_digit m, bn_digit add);
/* d = d * 5^k in place. */
size_t bn_mul_pow5(bn_digit *d, size_t n, size_t cap, uint64_t k);
/* d = d << bits in place. */
size_t bn_shl_inplace(bn_digit *d, size_t n, size_t cap, uint64_t bits);

/* ---- shifts (Erlang bsl/bsr: arithmetic, floor on negatives) ---- */
static inline size_t bn_shl_max_len(size_t an, uint64_t bits)
{
    return an + (size_t)(bits / BN_DIGIT_BITS) + 1;
}
/* r = a bsl bits. */
size_t bn_shl(bn_digit *r, size_t rcap, bool *rneg, struct bn a, uint64_t bits);
static inline size_t bn_shr_max_len(size_t an, uint64_t bits)
{
    size_t q = (size_t)(bits / BN_DIGIT_BITS);
    return an > q ? an - q + 1 : 1;
}
/* r = a bsr bits (negative a rounds toward minus infinity; -1 bsr N = -1). */
size_t bn_shr(bn_digit *r, size_t rcap, bool *rneg, struct bn a, uint64_t bits);

/* ---- bitwise (infinite two's complement) ---- */
static inline size_t bn_bitop_max_len(size_t an, size_t bn)
{
    return (an > bn ? an : bn) + 1;
}
size_t bn_band(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);
size_t bn_bor(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);
size_t bn_bxor(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);
/* r = bnot a = -a - 1. Capacity bn_add_max_len(an, 1). */
size_t bn_bnot(bn_digit *r, size_t rcap, bool *rneg, struct bn a);

/* ---- doubles ---- */
/*
 * *out = float(a) exactly as OTP 25 computes it (erts big_to_double): digits folded from the
 * top as d = d * 2^64 + (double)digit, each step rounded, so a few values differ by one ulp
 * from the correctly rounded result (e.g. 2^64 + 2^63 + 6143 gives 2^64 + 2^63 + 8192).
 * Returns false when the result overflows (Erlang: float(Big) raises badarg).
 */
bool bn_to_double(struct bn a, double *out);
/* *out = a correctly rounded to the nearest double (ties to even); false on overflow. */
bool bn_to_double_exact(struct bn a, double *out);
/* Capacity that holds any finite double's integer part: 1024 bits. */
#define BN_DOUBLE_MAX_LEN 17
/* r = trunc(v) (toward zero). BN_EINVAL for NaN or infinity. */
size_t bn_from_double(bn_digit *r, size_t rcap, bool *rneg, double v);

/*
 * *out = (d[0..n) * 2^e2, plus a positive amount smaller than 2^e2 when `sticky`), negated
 * when `neg`, correctly rounded to nearest-even including subnormals. False on overflow.
 * The building block of exact decimal->double conversion.
 */
bool bn_scaled_to_double(const bn_digit *d, size_t n, int64_t e2, bool sticky, bool neg,
                         double *out);

/* ---- text (integer_to_list/2, list_to_integer/2) ---- */
/* Characters bn_to_text may write for an n-digit magnitude in `base` (sign included). */
size_t bn_to_text_max_len(size_t n, unsigned base);
static inline size_t bn_to_text_scratch_len(size_t n)
{
    return n + 1;
}
/*
 * Writes a in base 2..36 (upper-case digits, leading '-' when negative, "0" for zero) to
 * out[0..cap) without a terminator; returns the number of characters, BN_EINVAL for a bad
 * base, BN_ENOSPACE when cap is too small.
 */
size_t bn_to_text(char *out, size_t cap, struct bn a, unsigned base, bn_digit *scratch);
/* Digits bn_from_text may need for text of `len` characters in `base`. */
size_t bn_from_text_max_len(size_t len, unsigned base);
/*
 * Parses text[0..len): an optional '+' or '-', then one or more digits of `base` (2..36,
 * either case), nothing else (Erlang list_to_integer/2). Returns the length or BN_EINVAL.
 */
size_t bn_from_text(bn_digit *r, size_t rcap, bool *rneg, const char *text, size_t len,
                    unsigned base);

/* ---- bytes (external term format: little-endian magnitude bytes) ---- */
static inline size_t bn_from_bytes_max_len(size_t nbytes)
{
    return (nbytes + 7) / 8;
}
size_t bn_from_bytes_le(bn_digit *r, size_t rcap, const uint8_t *bytes, size_t nbytes);
/* Minimal number of magnitude bytes (0 for zero). */
size_t bn_byte_length(const bn_digit *d, size_t n);
/* Writes exactly nbytes little-endian magnitude bytes (zero padded / truncated). */
void bn_to_bytes_le(uint8_t *bytes, size_t nbytes, const bn_digit *d, size_t n);

/* ---- pow, gcd ---- */
/* A capacity enough for base^exp (saturates at SIZE_MAX / 4 for absurd exponents). */
size_t bn_pow_max_len(size_t base_n, uint64_t exp);
static inline size_t bn_pow_scratch_len(size_t rcap)
{
    return 2 * (rcap + 1) + bn_mul_scratch_len(rcap + 1, rcap + 1);
}
/* r = base^exp (0^0 = 1). scratch: bn_pow_scratch_len(rcap) digits. */
size_t bn_pow(bn_digit *r, size_t rcap, bool *rneg, struct bn base, uint64_t exp,
              bn_digit *scratch);
static inline size_t bn_gcd_scratch_len(size_t an, size_t bn)
{
    size_t mx = an > bn ? an : bn;
    return 3 * mx + bn_divrem_scratch_len(mx, mx);
}
/* r = gcd(|a|, |b|) (non-negative; gcd(0, 0) = 0). Capacity min(an, bn) is enough. */
size_t bn_gcd(bn_digit *r, size_t rcap, struct bn a, struct bn b, bn_digit *scratch);

#endif
