/*
 * float_parse: implementation. Clinger's fast path when the digits and the power of ten are
 * exact doubles; otherwise exact big-integer arithmetic: D * 10^E converted with one
 * rounding, or floor(D * 2^s / 10^k) with a sticky bit for the remainder. Digits past the
 * 800th only matter as "something nonzero follows" (a halfway point between doubles has at
 * most 767 significant digits), so they are folded into one sticky digit.
 */
#include "float_parse.h"

#include "bignum.h"

#include <string.h>

#define FP_CAP  72  /* digits: 4608 bits, above the 3807 the worst case needs */
#define MAX_SIG 800 /* significant digits kept exactly */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double signed_inf(bool neg)
{
    uint64_t b = 0x7ff0000000000000ull | ((uint64_t)neg << 63);
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static double signed_zero(bool neg)
{
    return neg ? -0.0 : 0.0;
}

/* r = value of the decimal digits, r has room for FP_CAP digits. */
static size_t digits_to_bn(bn_digit *r, const char *d, size_t n)
{
    size_t len = 0;
    size_t i = 0;
    while (i < n) {
        size_t take = n - i < 19 ? n - i : 19;
        bn_digit chunk = 0, mul = 1;
        for (size_t j = 0; j < take; j++) {
            chunk = chunk * 10 + (bn_digit)(d[i + j] - '0');
            mul *= 10;
        }
        len = bn_mul_small(r, len, FP_CAP, mul, chunk);
        if (bn_failed(len))
            return len;
        i += take;
    }
    return len;
}

bool float_from_decimal(const char *digits, size_t ndigits, int64_t exp10, bool neg, double *out)
{
    /* Significant digits only: strip leading zeros, then trailing zeros into the exponent. */
    while (ndigits > 0 && digits[0] == '0') {
        digits++;
        ndigits--;
    }
    while (ndigits > 0 && digits[ndigits - 1] == '0') {
        ndigits--;
        exp10++;
    }
    if (ndigits == 0) {
        *out = signed_zero(neg);
        return true;
    }
    /* Decimal exponent of the leading digit decides overflow/underflow early. */
    int64_t lead = (int64_t)ndigits - 1 + exp10;
    if (exp10 > 100000 || lead > 309) {
        *out = signed_inf(neg);
        return false;
    }
    if (exp10 < -100000 || lead < -325) {
        *out = signed_zero(neg);
        return true;
    }
    char buf[MAX_SIG + 1];
    if (ndigits > MAX_SIG) {
        bool rest = false;
        for (size_t i = MAX_SIG; i < ndigits && !rest; i++)
            rest = digits[i] != '0';
        memcpy(buf, digits, MAX_SIG);
        exp10 += (int64_t)(ndigits - MAX_SIG);
        ndigits = MAX_SIG;
        if (rest) { /* sticky digit: strictly above the truncated value, below the next */
            buf[MAX_SIG] = '1';
            ndigits++;
            exp10--;
        }
        digits = buf;
    }
    /* Clinger's fast path: both operands exact, one rounding. */
    if (ndigits <= 15 && exp10 >= -22 && exp10 <= 22) {
        double d = 0;
        for (size_t i = 0; i < ndigits; i++)
            d = d * 10 + (digits[i] - '0');
        d = exp10 >= 0 ? d * exact_pow10[exp10] : d / exact_pow10[-exp10];
        *out = neg ? -d : d;
        return true;
    }
    bn_digit num[FP_CAP];
    size_t nn = digits_to_bn(num, digits, ndigits);
    if (bn_failed(nn))
        return *out = signed_zero(neg), false; /* cannot happen: MAX_SIG + 1 digits fit */
    if (exp10 >= 0) {
        /* D * 10^E = D * 5^E * 2^E, exact (below 10^310, so it fits) */
        nn = bn_mul_pow5(num, nn, FP_CAP, (uint64_t)exp10);
        if (bn_failed(nn) || !bn_scaled_to_double(num, nn, exp10, false, neg, out)) {
            *out = signed_inf(neg);
            return false;
        }
        return true;
    }
    /* D / 10^k: q = floor(D * 2^s / 5^k) with >= 66 significant bits; value = q * 2^-(s+k). */
    uint64_t k = (uint64_t)-exp10;
    bn_digit den[FP_CAP];
    den[0] = 1;
    size_t dn = bn_mul_pow5(den, 1, FP_CAP, k);
    if (bn_failed(dn))
        return *out = signed_zero(neg), false;
    int64_t s = 66 + (int64_t)bn_bit_length(den, dn) - (int64_t)bn_bit_length(num, nn);
    if (s < 0)
        s = 0;
    nn = bn_shl_inplace(num, nn, FP_CAP, (uint64_t)s);
    if (bn_failed(nn))
        return *out = signed_zero(neg), false;
    bn_digit q[FP_CAP], r[FP_CAP], scratch[2 * FP_CAP + 2];
    size_t qn, rn;
    bool qneg, rneg;
    if (bn_divrem(q, FP_CAP, &qn, &qneg, r, FP_CAP, &rn, &rneg, bn_view(num, nn, false),
                  bn_view(den, dn, false), scratch) != 0)
        return *out = signed_zero(neg), false;
    if (!bn_scaled_to_double(q, qn, -(s + (int64_t)k), rn != 0, neg, out)) {
        *out = signed_inf(neg);
        return false;
    }
    return true;
}

/* Parsed shape of a decimal number: integer digits, fraction digits, exponent. */
struct shape {
    bool neg;
    const char *int_d, *frac_d;
    size_t int_n, frac_n;
    int64_t exp;
};

/* Reads [+-]?DIGITS into *v (saturating far beyond any meaningful exponent). */
static size_t read_exponent(const char *s, size_t len, int64_t *v)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= len || !is_digit(s[i]))
        return 0;
    int64_t e = 0;
    while (i < len && is_digit(s[i])) {
        if (e < 1000000000)
            e = e * 10 + (s[i] - '0');
        i++;
    }
    *v = neg ? -e : e;
    return i;
}

static bool shape_value(const struct shape *sh, double *out)
{
    /* Concatenate the digit runs without copying: shift the exponent by the fraction. */
    char buf[2 * MAX_SIG + 4];
    const char *d;
    size_t n;
    int64_t exp = sh->exp - (int64_t)sh->frac_n;
    if (sh->frac_n == 0) {
        d = sh->int_d;
        n = sh->int_n;
    } else if (sh->int_n + sh->frac_n <= sizeof buf) {
        memcpy(buf, sh->int_d, sh->int_n);
        memcpy(buf + sh->int_n, sh->frac_d, sh->frac_n);
        d = buf;
        n = sh->int_n + sh->frac_n;
    } else {
        /* Very long text: keep the first MAX_SIG + 1 significant digits plus a sticky. */
        size_t w = 0, total = sh->int_n + sh->frac_n;
        bool started = false, rest = false;
        int64_t dropped = 0;
        for (size_t i = 0; i < total; i++) {
            char c = i < sh->int_n ? sh->int_d[i] : sh->frac_d[i - sh->int_n];
            if (!started && c == '0')
                continue;
            started = true;
            if (w < MAX_SIG + 1) {
                buf[w++] = c;
            } else {
                rest |= c != '0';
                dropped++;
            }
        }
        if (rest && w < sizeof buf) {
            buf[w++] = '1';
            dropped--;
        }
        d = buf;
        n = w;
        exp += dropped;
    }
    return float_from_decimal(d, n, exp, sh->neg, out);
}

enum float_parse_rc float_parse_erlang(const char *text, size_t len, double *out)
{
    /* erts parses a C string: a NUL ends the text */
    for (size_t k = 0; k < len; k++)
        if (text[k] == '\0') {
            len = k;
            break;
        }
    struct shape sh = {0};
    size_t i = 0;
    if (i < len && (text[i] == '+' || text[i] == '-'))
        sh.neg = text[i++] == '-';
    sh.int_d = text + i;
    while (i < len && is_digit(text[i]))
        i++;
    sh.int_n = (size_t)(text + i - sh.int_d);
    if (sh.int_n == 0 || i >= len || (text[i] != '.' && text[i] != ','))
        return FLOAT_PARSE_SYNTAX;
    i++;
    sh.frac_d = text + i;
    while (i < len && is_digit(text[i]))
        i++;
    sh.frac_n = (size_t)(text + i - sh.frac_d);
    if (sh.frac_n == 0)
        return FLOAT_PARSE_SYNTAX;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        size_t used = read_exponent(text + i + 1, len - i - 1, &sh.exp);
        if (used == 0)
            return FLOAT_PARSE_SYNTAX;
        i += 1 + used;
    }
    if (i != len)
        return FLOAT_PARSE_SYNTAX;
    double v;
    if (!shape_value(&sh, &v))
        return FLOAT_PARSE_OVERFLOW;
    *out = v;
    return FLOAT_PARSE_OK;
}

size_t float_parse_prefix(const char *text, size_t len, double *out, bool *overflow)
{
    struct shape sh = {0};
    size_t i = 0;
    *overflow = false;
    if (i < len && (text[i] == '+' || text[i] == '-'))
        sh.neg = text[i++] == '-';
    sh.int_d = text + i;
    while (i < len && is_digit(text[i]))
        i++;
    sh.int_n = (size_t)(text + i - sh.int_d);
    sh.frac_d = text + i;
    if (i < len && text[i] == '.') {
        size_t j = i + 1;
        while (j < len && is_digit(text[j]))
            j++;
        if (sh.int_n > 0 || j > i + 1) {
            sh.frac_d = text + i + 1;
            sh.frac_n = j - i - 1;
            i = j;
        }
    }
    if (sh.int_n == 0 && sh.frac_n == 0)
        return 0;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        size_t used = read_exponent(text + i + 1, len - i - 1, &sh.exp);
        if (used > 0)
            i += 1 + used;
    }
    if (!shape_value(&sh, out))
        *overflow = true;
    return i;
}
