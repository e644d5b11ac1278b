/* bif_math.c: the math module's BIFs over vm/support's freestanding libm (vmath.h). */
#include "vm/bif.h"
#include "vm/support/vmath.h"

static term_t math1(struct process *p, term_t x, enum vmath_fn1 f)
{
    double d, r;
    if (!term_to_double(x, &d))
        return bif_badarg(p);
    if (!vmath_1(f, d, &r))
        return bif_error(p, ATOM_badarith);
    return build_float(&p->builder, r);
}

static term_t math2(struct process *p, term_t x, term_t y, enum vmath_fn2 f)
{
    double a, b, r;
    if (!term_to_double(x, &a) || !term_to_double(y, &b))
        return bif_badarg(p);
    if (!vmath_2(f, a, b, &r))
        return bif_error(p, ATOM_badarith);
    return build_float(&p->builder, r);
}

#define MATH1(name, F)                                                                             \
    term_t bif_math_##name##_1(struct process *p, term_t *args)                                    \
    {                                                                                              \
        return math1(p, args[0], F);                                                               \
    }
MATH1(sin, VMATH_SIN)
MATH1(cos, VMATH_COS)
MATH1(tan, VMATH_TAN)
MATH1(asin, VMATH_ASIN)
MATH1(acos, VMATH_ACOS)
MATH1(atan, VMATH_ATAN)
MATH1(sinh, VMATH_SINH)
MATH1(cosh, VMATH_COSH)
MATH1(tanh, VMATH_TANH)
MATH1(asinh, VMATH_ASINH)
MATH1(acosh, VMATH_ACOSH)
MATH1(atanh, VMATH_ATANH)
MATH1(exp, VMATH_EXP)
MATH1(log, VMATH_LOG)
MATH1(log2, VMATH_LOG2)
MATH1(log10, VMATH_LOG10)
MATH1(sqrt, VMATH_SQRT)
MATH1(erf, VMATH_ERF)
MATH1(erfc, VMATH_ERFC)
MATH1(ceil, VMATH_CEIL)
MATH1(floor, VMATH_FLOOR)
#undef MATH1

term_t bif_math_atan2_2(struct process *p, term_t *args)
{
    return math2(p, args[0], args[1], VMATH_ATAN2);
}
term_t bif_math_pow_2(struct process *p, term_t *args)
{
    return math2(p, args[0], args[1], VMATH_POW);
}
term_t bif_math_fmod_2(struct process *p, term_t *args)
{
    return math2(p, args[0], args[1], VMATH_FMOD);
}
