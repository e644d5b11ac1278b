/*
 * check_float_parse: list_to_float/1 of a deterministic set of strings, one line each:
 * `l2f TEXT = HEXBITS|badarg`. The strings include halfway points between adjacent doubles
 * (and one digit off them), long digit strings, subnormals, overflow, and syntax variants.
 */
#include "check.h"

#include "vm/support/bignum.h"
#include "vm/support/float_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *s, size_t n)
{
    double v;
    enum float_parse_rc rc = float_parse_erlang(s, n, &v);
    printf("l2f %.*s = ", (int)n, s);
    if (rc == FLOAT_PARSE_OK) {
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        printf("%016llx\n", (unsigned long long)b);
    } else {
        printf("badarg\n");
    }
}

/* Exact decimal text of (2m + 1) * 2^(e - 1): the midpoint between m * 2^e and its successor. */
static size_t midpoint_text(char *out, size_t cap, uint64_t m, int e, int nudge)
{
    bn_digit d[40];
    d[0] = 2 * m + 1;
    size_t n = 1;
    int e2 = e - 1;
    int exp10 = 0;
    if (e2 >= 0) {
        n = bn_shl_inplace(d, n, 40, (uint64_t)e2);
    } else {
        n = bn_mul_pow5(d, n, 40, (uint64_t)-e2); /* x / 2^k = x * 5^k / 10^k */
        exp10 = e2;
    }
    if (bn_failed(n))
        check_die("midpoint");
    char digits[800];
    bn_digit s[41];
    size_t nd = bn_to_text(digits, sizeof digits, bn_view(d, n, false), 10, s);
    if (bn_failed(nd))
        check_die("midpoint text");
    /* nudge the last digit: -1, 0 or +1 (digits end in 5 for e2 < 0) */
    if (nudge && digits[nd - 1] >= '1' && digits[nd - 1] <= '8')
        digits[nd - 1] = (char)(digits[nd - 1] + nudge);
    /* as D.DDDDe(exp10 + nd - 1) */
    int len = snprintf(out, cap, "%c.%.*se%d", digits[0], nd > 1 ? (int)nd - 1 : 1,
                       nd > 1 ? digits + 1 : "0", exp10 + (int)nd - 1);
    return (size_t)len;
}

void check_float_parse(unsigned count)
{
    static const char *fixed[] = {"1.0e10",
                                  "1",
                                  "1.",
                                  ".5",
                                  "1e5",
                                  "+1.0",
                                  "-1.0",
                                  "1.0E5",
                                  "1.0e+5",
                                  "01.0",
                                  "1.0e",
                                  "1_0.0",
                                  "1.0e400",
                                  "1.0e-400",
                                  "1.0e-320",
                                  "-0.0",
                                  "1.0e0005",
                                  "1.5e-5",
                                  "0.0",
                                  "00.00",
                                  "1.0e-",
                                  "1.0ee5",
                                  "1.0.0",
                                  "inf",
                                  "nan",
                                  "1.0e308",
                                  "1.7976931348623157e308",
                                  "1.7976931348623158e308",
                                  "1.7976931348623159e308",
                                  "2.4703282292062327e-324",
                                  "2.4703282292062328e-324",
                                  "1.0e-1000000",
                                  "1.0e1000000",
                                  "1,0",
                                  "1,5e3",
                                  "1.0e5.0",
                                  "-",
                                  "-.5",
                                  "1.0f",
                                  "1.e5",
                                  "1.0e+-5",
                                  "0.1",
                                  "0.2",
                                  "0.3",
                                  "9007199254740993.0",
                                  "9007199254740992.5",
                                  "123456789012345678901234567890.0",
                                  "4.9406564584124654e-324",
                                  "2.2250738585072011e-308",
                                  "2.2250738585072012e-308",
                                  "0.0e999999999",
                                  "1.0e-0",
                                  "+-1.0",
                                  "1.0e+",
                                  "--1.0",
                                  "1.0e99999999999999999999"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        show(fixed[i], strlen(fixed[i]));
    char buf[2400];
    for (unsigned i = 0; i < count; i++) {
        size_t n = 0;
        switch (i % 6) {
        case 0:
        case 1: { /* halfway points and their neighbours */
            uint64_t m = (1ull << 52) | (check_rand() & ((1ull << 52) - 1));
            int e = (int)(check_rand() % 2046) - 1074;
            if (i % 12 == 1) { /* subnormal range */
                m = check_rand() & ((1ull << 52) - 1);
                e = -1074;
            }
            if (e > 971)
                e = 971;
            n = midpoint_text(buf, sizeof buf, m, e, (int)(check_rand() % 3) - 1);
            break;
        }
        case 2: { /* random digits, random exponent */
            size_t nd = 1 + (size_t)(check_rand() % 30);
            if (check_rand() % 10 == 0)
                nd = 100 + (size_t)(check_rand() % 900);
            size_t dot = 1 + (size_t)(check_rand() % nd);
            if (check_rand() & 1)
                buf[n++] = '-';
            for (size_t k = 0; k < nd; k++) {
                if (k == dot)
                    buf[n++] = '.';
                buf[n++] = (char)('0' + check_rand() % 10);
            }
            if (dot == nd) {
                buf[n++] = '.';
                buf[n++] = (char)('0' + check_rand() % 10);
            }
            if (check_rand() % 3)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d",
                                      (int)(check_rand() % 700) - 350);
            break;
        }
        case 3: { /* a random double printed with 17 digits (round trip) */
            double v;
            uint64_t b = check_rand();
            memcpy(&v, &b, sizeof v);
            if (isnan(v) || isinf(v))
                v = 3.25;
            n = (size_t)snprintf(buf, sizeof buf, "%.*e", (int)(check_rand() % 20) + 1, v);
            break;
        }
        case 4: { /* syntax mutations of a valid float */
            n = (size_t)snprintf(buf, sizeof buf, "%d.%de%d", (int)(check_rand() % 1000),
                                 (int)(check_rand() % 1000), (int)(check_rand() % 40) - 20);
            size_t at = (size_t)(check_rand() % (n + 1));
            char c = "+-.,eE0x_"[check_rand() % 9];
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = c;
            n++;
            if (check_rand() % 2 && n > 1) { /* and maybe drop one character */
                at = (size_t)(check_rand() % n);
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            }
            break;
        }
        default: { /* very long digit strings around a double */
            size_t nd = 760 + (size_t)(check_rand() % 100);
            buf[n++] = (char)('1' + check_rand() % 9);
            buf[n++] = '.';
            for (size_t k = 0; k < nd; k++)
                buf[n++] =
                    k < 16 ? (char)('0' + check_rand() % 10) : (check_rand() % 50 ? '0' : '9');
            n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d", (int)(check_rand() % 600) - 300);
            break;
        }
        }
        show(buf, n);
    }
}
