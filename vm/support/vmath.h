/*
 * vmath: the `math` BIFs' numeric core with Erlang's error rule, over a libm that links
 * freestanding into the guest.
 *
 * Where the functions come from: musl's libm (Debian package musl-dev, its static libc.a,
 * FreeBSD msun plus ARM's optimized-routines exp/log/pow). vm/support/module.mk partially
 * links just the needed members into $(VM_LIBM_OBJ) with every symbol made local except the
 * zm_-renamed entry points below, so the object can sit beside glibc (hosted) or nothing
 * (Xen guest) without clashes; its only undefined symbol is _GLOBAL_OFFSET_TABLE_, which the
 * linker provides. Hosted and guest builds therefore compute identical bits. Against stock
 * erl (glibc's libm) results agree exactly on most inputs and otherwise differ by a few ulp:
 * the measured table is in docs/vm-freestanding.md and checked by tests/suites/25-vm-support.sh.
 *
 * Erlang's rule (erts's ERTS_FP_CHECK): a result that is NaN or infinite raises badarith.
 * vmath_1/vmath_2 return false in that case (and for acosh below 1, where musl returns a
 * finite value instead of NaN), true with *out set otherwise.
 */
#ifndef ZERG_VM_SUPPORT_VMATH_H
#define ZERG_VM_SUPPORT_VMATH_H

#include <stdbool.h>

/* One-argument functions, in the order of math's exports. */
enum vmath_fn1 {
    VMATH_SIN,
    VMATH_COS,
    VMATH_TAN,
    VMATH_ASIN,
    VMATH_ACOS,
    VMATH_ATAN,
    VMATH_SINH,
    VMATH_COSH,
    VMATH_TANH,
    VMATH_ASINH,
    VMATH_ACOSH,
    VMATH_ATANH,
    VMATH_EXP,
    VMATH_LOG,
    VMATH_LOG2,
    VMATH_LOG10,
    VMATH_SQRT,
    VMATH_ERF,
    VMATH_ERFC,
    VMATH_CEIL,
    VMATH_FLOOR,
    VMATH_FN1_COUNT
};

enum vmath_fn2 { VMATH_ATAN2, VMATH_POW, VMATH_FMOD, VMATH_FN2_COUNT };

/* The Erlang function name ("sin", ...), or NULL for an out-of-range value. */
const char *vmath_name1(enum vmath_fn1 f);
const char *vmath_name2(enum vmath_fn2 f);

bool vmath_1(enum vmath_fn1 f, double x, double *out);
bool vmath_2(enum vmath_fn2 f, double x, double y, double *out);

/* The musl entry points (renamed), for callers that want them raw. */
double zm_sin(double), zm_cos(double), zm_tan(double), zm_asin(double), zm_acos(double),
    zm_atan(double), zm_sinh(double), zm_cosh(double), zm_tanh(double), zm_asinh(double),
    zm_acosh(double), zm_atanh(double), zm_exp(double), zm_log(double), zm_log2(double),
    zm_log10(double), zm_sqrt(double), zm_erf(double), zm_erfc(double), zm_ceil(double),
    zm_floor(double), zm_atan2(double, double), zm_pow(double, double), zm_fmod(double, double);

#endif
