/* vmath: Erlang's error rule over the zm_ (musl) functions. See vmath.h. */
#include "vmath.h"

#include <stdint.h>
#include <string.h>

static const struct {
    const char *name;
    double (*fn)(double);
} fn1[VMATH_FN1_COUNT] = {
    [VMATH_SIN] = {"sin", zm_sin},       [VMATH_COS] = {"cos", zm_cos},
    [VMATH_TAN] = {"tan", zm_tan},       [VMATH_ASIN] = {"asin", zm_asin},
    [VMATH_ACOS] = {"acos", zm_acos},    [VMATH_ATAN] = {"atan", zm_atan},
    [VMATH_SINH] = {"sinh", zm_sinh},    [VMATH_COSH] = {"cosh", zm_cosh},
    [VMATH_TANH] = {"tanh", zm_tanh},    [VMATH_ASINH] = {"asinh", zm_asinh},
    [VMATH_ACOSH] = {"acosh", zm_acosh}, [VMATH_ATANH] = {"atanh", zm_atanh},
    [VMATH_EXP] = {"exp", zm_exp},       [VMATH_LOG] = {"log", zm_log},
    [VMATH_LOG2] = {"log2", zm_log2},    [VMATH_LOG10] = {"log10", zm_log10},
    [VMATH_SQRT] = {"sqrt", zm_sqrt},    [VMATH_ERF] = {"erf", zm_erf},
    [VMATH_ERFC] = {"erfc", zm_erfc},    [VMATH_CEIL] = {"ceil", zm_ceil},
    [VMATH_FLOOR] = {"floor", zm_floor},
};

static const struct {
    const char *name;
    double (*fn)(double, double);
} fn2[VMATH_FN2_COUNT] = {
    [VMATH_ATAN2] = {"atan2", zm_atan2},
    [VMATH_POW] = {"pow", zm_pow},
    [VMATH_FMOD] = {"fmod", zm_fmod},
};

const char *vmath_name1(enum vmath_fn1 f)
{
    return (unsigned)f < VMATH_FN1_COUNT ? fn1[f].name : NULL;
}

const char *vmath_name2(enum vmath_fn2 f)
{
    return (unsigned)f < VMATH_FN2_COUNT ? fn2[f].name : NULL;
}

static bool is_finite(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return ((b >> 52) & 0x7ff) != 0x7ff;
}

bool vmath_1(enum vmath_fn1 f, double x, double *out)
{
    if ((unsigned)f >= VMATH_FN1_COUNT || !is_finite(x))
        return false;
    if (f == VMATH_ACOSH && !(x >= 1.0))
        return false; /* musl answers a finite value below 1; glibc (and erl) NaN */
    double r = fn1[f].fn(x);
    if (!is_finite(r))
        return false;
    *out = r;
    return true;
}

bool vmath_2(enum vmath_fn2 f, double x, double y, double *out)
{
    if ((unsigned)f >= VMATH_FN2_COUNT || !is_finite(x) || !is_finite(y))
        return false;
    double r = fn2[f].fn(x, y);
    if (!is_finite(r))
        return false;
    *out = r;
    return true;
}
