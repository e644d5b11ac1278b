/* bif_arith.c: arithmetic, bitwise and comparison BIFs, with bignums from vm/support. */
#include <string.h>

#include "vm/bif.h"
#include "vm/compare.h"
#include "vm/rt.h"
#include "vm/support/bignum.h"

term_t bif_raise(struct process *p, term_t cls, term_t reason)
{
    p->exc_class = cls;
    p->exc_reason = reason;
    p->exc_trace_given = false;
    return THE_NON_VALUE;
}

term_t bif_error2(struct process *p, term_t tag, term_t value)
{
    term_t *el;
    term_t t = build_tuple(&p->builder, 2, &el);
    el[0] = tag;
    el[1] = value;
    return bif_error(p, t);
}

/* An integer term seen as a bignum view. */
struct intv {
    struct bn v;
    bn_digit d;
};

static void int_view(term_t t, struct intv *iv)
{
    if (is_small(t)) {
        bool neg;
        size_t n = bn_from_int64(&iv->d, 1, &neg, small_val(t));
        iv->v = bn_view(&iv->d, n, neg);
    } else {
        term_t *o = boxed_ptr(t);
        iv->v = bn_view(o + 1, header_arity(o[0]), header_subtag(o[0]) == SUB_BIG_NEG);
    }
}

bool term_to_int64(term_t t, int64_t *out)
{
    if (is_small(t)) {
        *out = small_val(t);
        return true;
    }
    if (!is_bignum(t))
        return false;
    struct intv iv;
    int_view(t, &iv);
    return bn_to_int64(iv.v, out);
}

bool term_to_double(term_t t, double *out)
{
    if (is_small(t)) {
        *out = (double)small_val(t);
        return true;
    }
    if (is_float(t)) {
        *out = float_val(t);
        return true;
    }
    if (is_bignum(t)) {
        struct intv iv;
        int_view(t, &iv);
        return bn_to_double(iv.v, out);
    }
    return false;
}

static term_t make_float_checked(struct process *p, double d)
{
    if (d - d != 0)
        return bif_error(p, ATOM_badarith);
    return build_float(&p->builder, d);
}

typedef size_t (*bn_binop)(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b);

static term_t big_binop(struct process *p, term_t a, term_t b, bn_binop op, size_t cap)
{
    struct intv x, y;
    int_view(a, &x);
    int_view(b, &y);
    bn_digit *r = rt_alloc(sizeof(bn_digit) * (cap ? cap : 1));
    bool neg;
    size_t n = op(r, cap, &neg, x.v, y.v);
    term_t t =
        bn_failed(n) ? bif_error(p, ATOM_system_limit) : build_bignum(&p->builder, r, n, neg);
    rt_free(r);
    return t;
}

static size_t int_len(term_t t)
{
    return is_small(t) ? 1 : header_arity(boxed_ptr(t)[0]);
}

/* Float arithmetic when either side is a float; THE_NON_VALUE + badarith on bad operands. */
static term_t float_arith(struct process *p, term_t a, term_t b, char op)
{
    double x, y;
    if (!term_to_double(a, &x) || !term_to_double(b, &y))
        return bif_error(p, ATOM_badarith);
    switch (op) {
    case '+':
        return make_float_checked(p, x + y);
    case '-':
        return make_float_checked(p, x - y);
    case '*':
        return make_float_checked(p, x * y);
    default:
        if (y == 0)
            return bif_error(p, ATOM_badarith);
        return make_float_checked(p, x / y);
    }
}

term_t arith_add(struct process *p, term_t a, term_t b)
{
    if (is_small(a) && is_small(b))
        return build_int64(&p->builder, small_val(a) + small_val(b));
    if (is_integer(a) && is_integer(b))
        return big_binop(p, a, b, bn_add, bn_add_max_len(int_len(a), int_len(b)));
    if (!is_number(a) || !is_number(b))
        return bif_error(p, ATOM_badarith);
    return float_arith(p, a, b, '+');
}

term_t arith_sub(struct process *p, term_t a, term_t b)
{
    if (is_small(a) && is_small(b))
        return build_int64(&p->builder, small_val(a) - small_val(b));
    if (is_integer(a) && is_integer(b))
        return big_binop(p, a, b, bn_sub, bn_add_max_len(int_len(a), int_len(b)));
    if (!is_number(a) || !is_number(b))
        return bif_error(p, ATOM_badarith);
    return float_arith(p, a, b, '-');
}

static size_t mul_adapter(bn_digit *r, size_t rcap, bool *rneg, struct bn a, struct bn b)
{
    size_t sl = bn_mul_scratch_len(a.n, b.n);
    bn_digit *scratch = sl ? rt_alloc(sizeof(bn_digit) * sl) : NULL;
    size_t n = bn_mul(r, rcap, rneg, a, b, scratch);
    rt_free(scratch);
    return n;
}

term_t arith_mul(struct process *p, term_t a, term_t b)
{
    if (is_small(a) && is_small(b)) {
        int64_t r;
        if (!__builtin_mul_overflow(small_val(a), small_val(b), &r))
            return build_int64(&p->builder, r);
    }
    if (is_integer(a) && is_integer(b))
        return big_binop(p, a, b, mul_adapter, bn_mul_max_len(int_len(a), int_len(b)));
    if (!is_number(a) || !is_number(b))
        return bif_error(p, ATOM_badarith);
    return float_arith(p, a, b, '*');
}

static term_t int_divrem(struct process *p, term_t a, term_t b, bool want_rem)
{
    if (!is_integer(a) || !is_integer(b))
        return bif_error(p, ATOM_badarith);
    if (is_small(b) && small_val(b) == 0)
        return bif_error(p, ATOM_badarith);
    if (is_small(a) && is_small(b)) {
        sterm_t x = small_val(a), y = small_val(b);
        return build_int64(&p->builder, want_rem ? x % y : x / y);
    }
    struct intv x, y;
    int_view(a, &x);
    int_view(b, &y);
    size_t qcap = bn_div_max_len(x.v.n, y.v.n), rcap = bn_rem_max_len(x.v.n, y.v.n) + 1;
    size_t sl = bn_divrem_scratch_len(x.v.n, y.v.n);
    bn_digit *buf = rt_alloc(sizeof(bn_digit) * (qcap + rcap + sl));
    size_t qn, rn;
    bool qneg, rneg;
    size_t rc =
        bn_divrem(buf, qcap, &qn, &qneg, buf + qcap, rcap, &rn, &rneg, x.v, y.v, buf + qcap + rcap);
    term_t t;
    if (bn_failed(rc))
        t = bif_error(p, ATOM_badarith);
    else if (want_rem)
        t = build_bignum(&p->builder, buf + qcap, rn, rneg);
    else
        t = build_bignum(&p->builder, buf, qn, qneg);
    rt_free(buf);
    return t;
}

term_t bif_erlang_op_plus_2(struct process *p, term_t *args)
{
    return arith_add(p, args[0], args[1]);
}
term_t bif_erlang_op_minus_2(struct process *p, term_t *args)
{
    return arith_sub(p, args[0], args[1]);
}
term_t bif_erlang_op_times_2(struct process *p, term_t *args)
{
    return arith_mul(p, args[0], args[1]);
}
term_t bif_erlang_op_fdiv_2(struct process *p, term_t *args)
{
    if (!is_number(args[0]) || !is_number(args[1]))
        return bif_error(p, ATOM_badarith);
    return float_arith(p, args[0], args[1], '/');
}
term_t bif_erlang_op_div_2(struct process *p, term_t *args)
{
    return int_divrem(p, args[0], args[1], false);
}
term_t bif_erlang_op_rem_2(struct process *p, term_t *args)
{
    return int_divrem(p, args[0], args[1], true);
}
term_t bif_erlang_op_uminus_1(struct process *p, term_t *args)
{
    return arith_sub(p, make_small(0), args[0]);
}
term_t bif_erlang_op_uplus_1(struct process *p, term_t *args)
{
    if (!is_number(args[0]))
        return bif_error(p, ATOM_badarith);
    return args[0];
}

static term_t bitop(struct process *p, term_t a, term_t b, char op)
{
    if (!is_integer(a) || !is_integer(b))
        return bif_error(p, ATOM_badarith);
    if (is_small(a) && is_small(b)) {
        sterm_t x = small_val(a), y = small_val(b);
        return make_small(op == '&' ? (x & y) : op == '|' ? (x | y) : (x ^ y));
    }
    size_t cap = bn_bitop_max_len(int_len(a), int_len(b));
    return big_binop(p, a, b, op == '&' ? bn_band : op == '|' ? bn_bor : bn_bxor, cap);
}

term_t bif_erlang_op_band_2(struct process *p, term_t *args)
{
    return bitop(p, args[0], args[1], '&');
}
term_t bif_erlang_op_bor_2(struct process *p, term_t *args)
{
    return bitop(p, args[0], args[1], '|');
}
term_t bif_erlang_op_bxor_2(struct process *p, term_t *args)
{
    return bitop(p, args[0], args[1], '^');
}
term_t bif_erlang_op_bnot_1(struct process *p, term_t *args)
{
    term_t a = args[0];
    if (is_small(a))
        return make_small(~small_val(a));
    if (!is_integer(a))
        return bif_error(p, ATOM_badarith);
    struct intv x;
    int_view(a, &x);
    size_t cap = bn_add_max_len(x.v.n, 1);
    bn_digit *r = rt_alloc(sizeof(bn_digit) * cap);
    bool neg;
    size_t n = bn_bnot(r, cap, &neg, x.v);
    term_t t = build_bignum(&p->builder, r, n, neg);
    rt_free(r);
    return t;
}

static term_t shift(struct process *p, term_t a, term_t b, bool left)
{
    if (!is_integer(a) || !is_integer(b))
        return bif_error(p, ATOM_badarith);
    int64_t s;
    if (!term_to_int64(b, &s)) { /* an enormous shift */
        struct intv y;
        int_view(b, &y);
        left = left != y.v.neg;
        if (left)
            return (is_small(a) && small_val(a) == 0) ? a : bif_error(p, ATOM_system_limit);
        struct intv x;
        int_view(a, &x);
        return make_small(x.v.neg ? -1 : 0);
    }
    if (s < 0) {
        left = !left;
        s = -s;
    }
    if (is_small(a)) {
        sterm_t v = small_val(a);
        if (!left)
            return make_small(s >= 63 ? (v < 0 ? -1 : 0) : v >> s);
        if (v == 0)
            return a;
        if (s < 59) {
            sterm_t r = (sterm_t)((uint64_t)v << s);
            if ((r >> s) == v && fits_small(r))
                return make_small(r);
        }
    }
    if (left && s > (1 << 26))
        return bif_error(p, ATOM_system_limit);
    struct intv x;
    int_view(a, &x);
    size_t cap = left ? bn_shl_max_len(x.v.n, (uint64_t)s) : bn_shr_max_len(x.v.n, (uint64_t)s);
    bn_digit *r = rt_alloc(sizeof(bn_digit) * cap);
    bool neg;
    size_t n =
        left ? bn_shl(r, cap, &neg, x.v, (uint64_t)s) : bn_shr(r, cap, &neg, x.v, (uint64_t)s);
    term_t t =
        bn_failed(n) ? bif_error(p, ATOM_system_limit) : build_bignum(&p->builder, r, n, neg);
    rt_free(r);
    return t;
}

term_t bif_erlang_op_bsl_2(struct process *p, term_t *args)
{
    return shift(p, args[0], args[1], true);
}
term_t bif_erlang_op_bsr_2(struct process *p, term_t *args)
{
    return shift(p, args[0], args[1], false);
}

term_t bif_erlang_abs_1(struct process *p, term_t *args)
{
    term_t a = args[0];
    if (is_small(a))
        return build_int64(&p->builder, small_val(a) < 0 ? -small_val(a) : small_val(a));
    if (is_float(a))
        return float_val(a) < 0 ? build_float(&p->builder, -float_val(a)) : a;
    if (is_bignum(a)) {
        term_t *o = boxed_ptr(a);
        return build_bignum(&p->builder, o + 1, header_arity(o[0]), false);
    }
    return bif_badarg(p);
}

term_t bif_erlang_float_1(struct process *p, term_t *args)
{
    double d;
    if (is_float(args[0]))
        return args[0];
    if (!is_integer(args[0]) || !term_to_double(args[0], &d))
        return bif_badarg(p);
    return build_float(&p->builder, d);
}

static term_t float_to_int(struct process *p, double d)
{
    if (d > -4e18 && d < 4e18)
        return build_int64(&p->builder, (int64_t)d);
    bn_digit r[BN_DOUBLE_MAX_LEN];
    bool neg;
    size_t n = bn_from_double(r, BN_DOUBLE_MAX_LEN, &neg, d);
    if (bn_failed(n))
        return bif_badarg(p);
    return build_bignum(&p->builder, r, n, neg);
}

static double dtrunc(double d)
{
    if (d >= 4503599627370496.0 || d <= -4503599627370496.0)
        return d;
    return (double)(int64_t)d;
}

term_t bif_erlang_trunc_1(struct process *p, term_t *args)
{
    if (is_integer(args[0]))
        return args[0];
    if (!is_float(args[0]))
        return bif_badarg(p);
    return float_to_int(p, dtrunc(float_val(args[0])));
}

term_t bif_erlang_round_1(struct process *p, term_t *args)
{
    if (is_integer(args[0]))
        return args[0];
    if (!is_float(args[0]))
        return bif_badarg(p);
    double d = float_val(args[0]);
    double t = dtrunc(d);
    double frac = d - t;
    if (frac >= 0.5)
        t += 1;
    else if (frac <= -0.5)
        t -= 1;
    return float_to_int(p, t);
}

term_t bif_erlang_floor_1(struct process *p, term_t *args)
{
    if (is_integer(args[0]))
        return args[0];
    if (!is_float(args[0]))
        return bif_badarg(p);
    double d = float_val(args[0]), t = dtrunc(d);
    if (t > d)
        t -= 1;
    return float_to_int(p, t);
}

term_t bif_erlang_ceil_1(struct process *p, term_t *args)
{
    if (is_integer(args[0]))
        return args[0];
    if (!is_float(args[0]))
        return bif_badarg(p);
    double d = float_val(args[0]), t = dtrunc(d);
    if (t < d)
        t += 1;
    return float_to_int(p, t);
}

term_t bif_erlang_max_2(struct process *p, term_t *args)
{
    (void)p;
    return term_cmp(args[0], args[1], false) < 0 ? args[1] : args[0];
}
term_t bif_erlang_min_2(struct process *p, term_t *args)
{
    (void)p;
    return term_cmp(args[0], args[1], false) > 0 ? args[1] : args[0];
}

#define CMP_BIF(fn, expr)                                                                          \
    term_t fn(struct process *p, term_t *args)                                                     \
    {                                                                                              \
        (void)p;                                                                                   \
        term_t a = args[0], b = args[1];                                                           \
        return make_bool(expr);                                                                    \
    }
CMP_BIF(bif_erlang_op_eq_2, term_eq(a, b))
CMP_BIF(bif_erlang_op_ne_2, !term_eq(a, b))
CMP_BIF(bif_erlang_op_eq_exact_2, term_eq_exact(a, b))
CMP_BIF(bif_erlang_op_ne_exact_2, !term_eq_exact(a, b))
CMP_BIF(bif_erlang_op_lt_2, term_cmp(a, b, false) < 0)
CMP_BIF(bif_erlang_op_gt_2, term_cmp(a, b, false) > 0)
CMP_BIF(bif_erlang_op_le_2, term_cmp(a, b, false) <= 0)
CMP_BIF(bif_erlang_op_ge_2, term_cmp(a, b, false) >= 0)
#undef CMP_BIF

static bool is_bool(term_t t)
{
    return t == ATOM_true || t == ATOM_false;
}

term_t bif_erlang_op_not_1(struct process *p, term_t *args)
{
    if (!is_bool(args[0]))
        return bif_badarg(p);
    return make_bool(args[0] == ATOM_false);
}
term_t bif_erlang_op_and_2(struct process *p, term_t *args)
{
    if (!is_bool(args[0]) || !is_bool(args[1]))
        return bif_badarg(p);
    return make_bool(args[0] == ATOM_true && args[1] == ATOM_true);
}
term_t bif_erlang_op_or_2(struct process *p, term_t *args)
{
    if (!is_bool(args[0]) || !is_bool(args[1]))
        return bif_badarg(p);
    return make_bool(args[0] == ATOM_true || args[1] == ATOM_true);
}
term_t bif_erlang_op_xor_2(struct process *p, term_t *args)
{
    if (!is_bool(args[0]) || !is_bool(args[1]))
        return bif_badarg(p);
    return make_bool(args[0] != args[1]);
}
