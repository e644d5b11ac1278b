/*
 * check_libm: the math BIFs' results through vmath (musl's libm), one line per call:
 * `math_NAME HEXX [HEXY] = HEXRESULT|badarith`. check.erl recomputes them with stock erl
 * (glibc's libm) and the suite reports, per function, exact agreements and the largest
 * difference in ulp (docs/vm-freestanding.md has the bounds).
 */
#include "check.h"

#include "vm/support/vmath.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t to_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double pick(unsigned i)
{
    static const double special[] = {
        0.0,  -0.0, 1.0,   -1.0,  0.5,    -0.5,  2.0,    3.141592653589793,
        1e-8, 1e8,  700.0, 710.0, -745.0, 1e300, 1e-300, 0.9999999999999999};
    double u = (double)(check_rand() >> 11) * 0x1.0p-53;
    switch (i % 6) {
    case 0:
        return (u * 2 - 1) * 4;
    case 1:
        return (u * 2 - 1) * 1000;
    case 2: {
        uint64_t b = check_rand();
        double v;
        memcpy(&v, &b, sizeof v);
        return isfinite(v) ? v : 1.0;
    }
    case 3:
        return u;
    case 4:
        return special[check_rand() % (sizeof special / sizeof special[0])];
    default:
        return (u * 2 - 1) * 30;
    }
}

static void emit(const char *name, double x, const double *y, bool ok, double r)
{
    printf("math_%s %016llx", name, (unsigned long long)to_bits(x));
    if (y)
        printf(" %016llx", (unsigned long long)to_bits(*y));
    if (ok)
        printf(" = %016llx\n", (unsigned long long)to_bits(r));
    else
        printf(" = badarith\n");
}

void check_libm(unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        for (int f = 0; f < VMATH_FN1_COUNT; f++) {
            double x = pick(i + (unsigned)f), r = 0;
            bool ok = vmath_1((enum vmath_fn1)f, x, &r);
            emit(vmath_name1((enum vmath_fn1)f), x, NULL, ok, r);
        }
        for (int f = 0; f < VMATH_FN2_COUNT; f++) {
            double x = pick(i + (unsigned)f), y = pick(i / 3 + (unsigned)f + 1), r = 0;
            bool ok = vmath_2((enum vmath_fn2)f, x, y, &r);
            emit(vmath_name2((enum vmath_fn2)f), x, &y, ok, r);
        }
    }
}
