/*
 * check_float_fmt: float_to_list/1,2 of a deterministic set of doubles, one line per
 * (value, options): `f2l_KIND HEXBITS OPT = TEXT|badarg` where OPT is `list` (float_to_list/1),
 * `short`, `sN` ({scientific, N}), `dN` ({decimals, N}) or `dNc` (with compact).
 */
#include "check.h"

#include "vm/support/float_fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint64_t to_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static void show(double v, const char *opt, int rc, const char *buf)
{
    const char *op = opt[0] == 'l'                    ? "f2l_1"
                     : opt[0] == 's' && opt[1] == 'h' ? "f2l_short"
                     : opt[0] == 's'                  ? "f2l_scientific"
                                                      : "f2l_decimals";
    printf("%s %016llx %s = ", op, (unsigned long long)to_bits(v), opt);
    if (rc == FLOAT_FMT_BADARG)
        printf("badarg\n");
    else if (rc < 0)
        check_die("float_fmt: no space in a 256-byte buffer");
    else
        printf("%.*s\n", rc, buf);
}

static void all_formats(double v)
{
    char buf[256], opt[32];
    show(v, "list", float_fmt_scientific(buf, sizeof buf, v, 20), buf);
    show(v, "short", float_fmt_short(buf, sizeof buf, v), buf);
    int n = (int)(check_rand() % 25);
    if (check_rand() % 50 == 0)
        n = 240 + (int)(check_rand() % 16);
    if (check_rand() % 100 == 0)
        n = -1;
    snprintf(opt, sizeof opt, "s%d", n);
    show(v, opt, float_fmt_scientific(buf, sizeof buf, v, n), buf);
    n = (int)(check_rand() % 22);
    if (check_rand() % 50 == 0)
        n = 240 + (int)(check_rand() % 16);
    bool compact = check_rand() & 1;
    snprintf(opt, sizeof opt, "d%d%s", n, compact ? "c" : "");
    show(v, opt, float_fmt_decimals(buf, sizeof buf, v, n, compact), buf);
}

/* Doubles of every kind: random bits, subnormals, powers of ten and two, integers near 2^53
 * and 2^63, short decimals, halfway cases for {decimals, N}. */
static double pick(unsigned i)
{
    char t[64];
    switch (i % 12) {
    case 0:
    case 1: {
        double v;
        do
            v = from_bits(check_rand());
        while (isnan(v) || isinf(v));
        return v;
    }
    case 2:
        return from_bits(check_rand() & ((1ull << 52) - 1)); /* subnormal */
    case 3:
        snprintf(t, sizeof t, "1e%d", (int)(check_rand() % 632) - 323);
        return strtod(t, NULL);
    case 4:
        return ldexp(1.0, (int)(check_rand() % 2098) - 1074);
    case 5:
        return (double)((1ull << 53) + (check_rand() % 64) - 32);
    case 6:
        return ldexp((double)((1ull << 52) + check_rand() % 4096), 11 - (int)(check_rand() % 3));
    case 7:
        snprintf(t, sizeof t, "%llu.%03llue%d", (unsigned long long)(check_rand() % 1000),
                 (unsigned long long)(check_rand() % 1000), (int)(check_rand() % 40) - 20);
        return strtod(t, NULL);
    case 8: /* k / 2^j: exact ties for decimals */
        return ldexp((double)(check_rand() % 100000), -(int)(check_rand() % 12));
    case 9:
        return (double)(int64_t)(check_rand() >> (check_rand() % 64));
    case 10:
        return (check_rand() & 1 ? -1 : 1) * (double)(check_rand() % 100000) / 1000.0;
    default: {
        double v = from_bits(check_rand());
        if (isnan(v) || isinf(v))
            v = 1.5;
        return -fabs(v) / 1e10;
    }
    }
}

void check_float_fmt(unsigned count)
{
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.1,
                                   0.125,
                                   0.5,
                                   1.5,
                                   2.5,
                                   1e20,
                                   1e21,
                                   1e22,
                                   1e23,
                                   123456789012.0,
                                   1e-5,
                                   1e-4,
                                   100.0,
                                   1000.0,
                                   12340.0,
                                   9007199254740992.0,
                                   9007199254740993.0,
                                   4503599627370496.5,
                                   1e15,
                                   1e16,
                                   1e300,
                                   -1e300,
                                   5e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   0.3,
                                   2.0 / 3,
                                   1e-300,
                                   0.1 + 0.2,
                                   1e10,
                                   1234567890.0};
    char buf[256];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        all_formats(fixed[i]);
        for (int d = 0; d < 22; d++) {
            char opt[16];
            snprintf(opt, sizeof opt, "d%d", d);
            show(fixed[i], opt, float_fmt_decimals(buf, sizeof buf, fixed[i], d, false), buf);
        }
    }
    for (unsigned i = 0; i < count; i++)
        all_formats(pick(i));
}
