/*
 * check_bignum: prints one line per operation on a deterministic set of random big integers,
 * `OP ARGS... = RESULT`, integers in integer_to_list(X, 16) form. check.erl recomputes every
 * line with stock Erlang; the suite diffs the two.
 */
#include "check.h"

#include "vm/support/bignum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct val {
    bn_digit *d;
    size_t n;
    bool neg;
};

static struct bn V(const struct val *v) {
    return bn_view(v->d, v->n, v->neg);
}

static void
print_int(struct bn a, unsigned base)
{
    size_t cap = bn_to_text_max_len(a.n, base);
    char *buf = check_alloc(cap + 1);
    bn_digit *s = check_alloc(bn_to_text_scratch_len(a.n) * sizeof *s);
    size_t len = bn_to_text(buf, cap, a, base, s);
    if (bn_failed(len))
        check_die("bn_to_text failed");
    printf("%.*s", (int)len, buf);
    free(buf);
    free(s);
}

/* Random value: digits with runs of zeros and ones so carries are exercised. */
static struct val random_val(size_t maxn)
{
    struct val v;
    size_t n = (size_t)(check_rand() % (maxn + 1));
    if (check_rand() % 4 == 0)
        n = (size_t)(check_rand() % 3);
    v.d = check_alloc((n + 1) * sizeof *v.d);
    for (size_t i = 0; i < n; i++) {
        switch (check_rand() % 6) {
        case 0:
            v.d[i] = 0;
            break;
        case 1:
            v.d[i] = ~(bn_digit)0;
            break;
        case 2:
            v.d[i] = check_rand() % 16;
            break;
        default:
            v.d[i] = check_rand();
        }
    }
    v.n = bn_normalize(v.d, n);
    v.neg = v.n && (check_rand() & 1);
    return v;
}

static void free_val(struct val *v)
{
    free(v->d);
}

static void emit(const char *op, struct bn a, const struct bn *b, struct bn r)
{
    printf("%s ", op);
    print_int(a, 16);
    if (b) {
        putchar(' ');
        print_int(*b, 16);
    }
    printf(" = ");
    print_int(r, 16);
    putchar('\n');
}

static void check_len(size_t n, const char *what)
{
    if (bn_failed(n))
        check_die(what);
}

static void binops(struct val *a, struct val *b)
{
    size_t cap = bn_mul_max_len(a->n, b->n) + 2;
    cap = cap < bn_bitop_max_len(a->n, b->n) ? bn_bitop_max_len(a->n, b->n) : cap;
    bn_digit *r = check_alloc(cap * sizeof *r);
    bn_digit *s = check_alloc(
        (bn_mul_scratch_len(a->n, b->n) + bn_divrem_scratch_len(a->n, b->n) + 4) * sizeof *s);
    bool neg;
    size_t n;
    struct bn A = V(a), B = V(b);

    n = bn_add(r, cap, &neg, A, B);
    check_len(n, "add");
    emit("add", A, &B, bn_view(r, n, neg));
    n = bn_sub(r, cap, &neg, A, B);
    check_len(n, "sub");
    emit("sub", A, &B, bn_view(r, n, neg));
    n = bn_mul(r, cap, &neg, A, B, s);
    check_len(n, "mul");
    emit("mul", A, &B, bn_view(r, n, neg));
    if (b->n) {
        bn_digit *q = check_alloc(bn_div_max_len(a->n, b->n) * sizeof *q);
        bn_digit *m = check_alloc((bn_rem_max_len(a->n, b->n) + 1) * sizeof *m);
        size_t qn, mn;
        bool qneg, mneg;
        if (bn_divrem(q, bn_div_max_len(a->n, b->n), &qn, &qneg, m, bn_rem_max_len(a->n, b->n), &mn,
                      &mneg, A, B, s) != 0)
            check_die("divrem");
        emit("div", A, &B, bn_view(q, qn, qneg));
        emit("rem", A, &B, bn_view(m, mn, mneg));
        free(q);
        free(m);
    }
    n = bn_band(r, cap, &neg, A, B);
    check_len(n, "band");
    emit("band", A, &B, bn_view(r, n, neg));
    n = bn_bor(r, cap, &neg, A, B);
    check_len(n, "bor");
    emit("bor", A, &B, bn_view(r, n, neg));
    n = bn_bxor(r, cap, &neg, A, B);
    check_len(n, "bxor");
    emit("bxor", A, &B, bn_view(r, n, neg));
    printf("cmp ");
    print_int(A, 16);
    putchar(' ');
    print_int(B, 16);
    printf(" = %d\n", bn_cmp(A, B));
    free(r);
    free(s);
}

static void unops(struct val *a)
{
    struct bn A = V(a);
    size_t cap = a->n + 8;
    bn_digit *r = check_alloc(cap * sizeof *r);
    bool neg;
    size_t n = bn_bnot(r, cap, &neg, A);
    check_len(n, "bnot");
    emit("bnot", A, NULL, bn_view(r, n, neg));
    free(r);

    /* shifts by a few amounts */
    uint64_t sh = check_rand() % 300;
    if (check_rand() % 4 == 0)
        sh = check_rand() % 4 * 64;
    cap = bn_shl_max_len(a->n, sh);
    r = check_alloc(cap * sizeof *r);
    n = bn_shl(r, cap, &neg, A, sh);
    check_len(n, "bsl");
    printf("bsl ");
    print_int(A, 16);
    printf(" %llu = ", (unsigned long long)sh);
    print_int(bn_view(r, n, neg), 16);
    putchar('\n');
    free(r);
    cap = bn_shr_max_len(a->n, sh);
    r = check_alloc(cap * sizeof *r);
    n = bn_shr(r, cap, &neg, A, sh);
    check_len(n, "bsr");
    printf("bsr ");
    print_int(A, 16);
    printf(" %llu = ", (unsigned long long)sh);
    print_int(bn_view(r, n, neg), 16);
    putchar('\n');
    free(r);

    /* text in a random base, and back from a lower/upper-case mix */
    unsigned base = 2 + (unsigned)(check_rand() % 35);
    printf("to_text ");
    print_int(A, 16);
    printf(" %u = ", base);
    print_int(A, base);
    putchar('\n');

    /* float(A) */
    double dv;
    printf("to_double ");
    print_int(A, 16);
    if (bn_to_double(A, &dv)) {
        uint64_t bits;
        memcpy(&bits, &dv, sizeof bits);
        printf(" = %016llx\n", (unsigned long long)bits);
    } else {
        printf(" = badarg\n");
    }
}

static void text_parse(void)
{
    unsigned base = 2 + (unsigned)(check_rand() % 35);
    size_t len = 1 + (size_t)(check_rand() % 80);
    char buf[100];
    static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    size_t i = 0;
    if (check_rand() % 3 == 0)
        buf[i++] = check_rand() & 1 ? '-' : '+';
    for (; i < len; i++) {
        unsigned dv = (unsigned)(check_rand() % base);
        buf[i] = dv < 10 ? chars[dv] : chars[dv + (check_rand() & 1 ? 26 : 0)];
    }
    if (check_rand() % 10 == 0)
        buf[check_rand() % len] = "x_+.z"[check_rand() % 5];
    size_t cap = bn_from_text_max_len(len, base);
    bn_digit *r = check_alloc(cap * sizeof *r);
    bool neg;
    size_t n = bn_from_text(r, cap, &neg, buf, len, base);
    printf("from_text %.*s %u = ", (int)len, buf, base);
    if (n == BN_EINVAL)
        printf("badarg");
    else if (bn_failed(n))
        check_die("from_text capacity");
    else
        print_int(bn_view(r, n, neg), 16);
    putchar('\n');
    free(r);
}

static void from_double(void)
{
    uint64_t bits = check_rand();
    if (check_rand() % 2) /* exponents that give big integers */
        bits = (bits & 0x800fffffffffffffull) | ((uint64_t)(1023 + check_rand() % 1024) << 52);
    double dv;
    memcpy(&dv, &bits, sizeof dv);
    bn_digit r[BN_DOUBLE_MAX_LEN];
    bool neg;
    size_t n = bn_from_double(r, BN_DOUBLE_MAX_LEN, &neg, dv);
    printf("trunc %016llx = ", (unsigned long long)bits);
    if (n == BN_EINVAL)
        printf("badarg");
    else if (bn_failed(n))
        check_die("from_double");
    else
        print_int(bn_view(r, n, neg), 16);
    putchar('\n');
}

static void powers(void)
{
    struct val b = random_val(3);
    uint64_t e = check_rand() % 40;
    size_t cap = bn_pow_max_len(b.n, e);
    bn_digit *r = check_alloc(cap * sizeof *r);
    bn_digit *s = check_alloc(bn_pow_scratch_len(cap) * sizeof *s);
    bool neg;
    size_t n = bn_pow(r, cap, &neg, V(&b), e, s);
    check_len(n, "pow");
    printf("pow ");
    print_int(V(&b), 16);
    printf(" %llu = ", (unsigned long long)e);
    print_int(bn_view(r, n, neg), 16);
    putchar('\n');
    free(r);
    free(s);
    free_val(&b);
}

static void gcds(void)
{
    struct val a = random_val(6), b = random_val(6);
    size_t cap = a.n > b.n ? a.n : b.n;
    bn_digit *r = check_alloc((cap + 1) * sizeof *r);
    bn_digit *s = check_alloc(bn_gcd_scratch_len(a.n, b.n) * sizeof *s);
    size_t n = bn_gcd(r, cap, V(&a), V(&b), s);
    check_len(n, "gcd");
    emit("gcd", V(&a), &(struct bn){b.d, b.n, b.neg}, bn_view(r, n, false));
    free(r);
    free(s);
    free_val(&a);
    free_val(&b);
}

/* Values around double rounding boundaries: 2^t plus bits at and below the 53rd. */
static void double_edges(void)
{
    static const unsigned tops[] = {63, 64, 65, 100, 127, 128, 1000, 1022, 1023, 1024};
    for (size_t k = 0; k < sizeof tops / sizeof tops[0]; k++) {
        unsigned t = tops[k];
        for (int variant = 0; variant < 24; variant++) {
            size_t n = t / 64 + 1;
            struct val v;
            v.d = check_alloc(n * sizeof *v.d);
            memset(v.d, 0, n * sizeof *v.d);
            v.d[t / 64] |= (bn_digit)1 << (t % 64);
            for (int j = 0; j < 3; j++) {
                unsigned below = 50 + (unsigned)(check_rand() % 16);
                if (below <= t)
                    v.d[(t - below) / 64] |= (bn_digit)1 << ((t - below) % 64);
            }
            if (variant & 1 && t >= 60)
                v.d[0] |= check_rand();
            if (variant & 2) /* all ones below the top: rounds up to the next power */
                for (unsigned b = t > 60 ? t - 60 : 0; b < t; b++)
                    v.d[b / 64] |= (bn_digit)1 << (b % 64);
            v.n = bn_normalize(v.d, n);
            v.neg = variant & 4;
            double dv;
            printf("to_double ");
            print_int(V(&v), 16);
            if (bn_to_double(V(&v), &dv)) {
                uint64_t bits;
                memcpy(&bits, &dv, sizeof bits);
                printf(" = %016llx\n", (unsigned long long)bits);
            } else {
                printf(" = badarg\n");
            }
            free_val(&v);
        }
    }
}

void check_bignum(unsigned count)
{
    double_edges();
    for (unsigned i = 0; i < count; i++) {
        size_t maxn = i % 100 == 0 ? 400 : i % 10 == 0 ? 90 : 6;
        struct val a = random_val(maxn), b = random_val(maxn);
        if (i % 7 == 0 && b.n > 2) /* divisors close to the dividend's size */
            b.n = bn_normalize(b.d, 2);
        binops(&a, &b);
        unops(&a);
        text_parse();
        from_double();
        if (i % 4 == 0) {
            powers();
            gcds();
        }
        free_val(&a);
        free_val(&b);
    }
}
