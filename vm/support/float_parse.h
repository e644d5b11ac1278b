/*
 * float_parse: correctly rounded decimal text -> double (round to nearest, ties to even),
 * freestanding (no libc strtod, no errno, no locale, no allocation; at most about 7 KB of
 * stack, measured with -fstack-usage).
 *
 * float_parse_erlang() is the exact acceptance rule of OTP 25's list_to_float/1,
 * binary_to_float/1 and the external format's FLOAT_EXT text (erts sys_chars_to_double):
 *     [+-]? DIGITS ('.' | ',') DIGITS ([eE] [+-]? DIGITS)?
 * with nothing after it, except that a NUL byte ends the text (erts works on a C string, so
 * "1.0\0junk" is 1.0). "1", "1.", ".5", "1e5", " 1.0" are rejected. A result that overflows
 * is rejected (badarg); one that underflows is 0.0 or a subnormal, as erl returns.
 *
 * float_parse_prefix() is the general strtod-like entry: it reads the longest prefix of the
 * form [+-]? (DIGITS ('.' DIGITS?)? | '.' DIGITS) ([eE] [+-]? DIGITS)? (no inf/nan, no hex)
 * and reports how many bytes it used (0: no number).
 */
#ifndef ZERG_VM_SUPPORT_FLOAT_PARSE_H
#define ZERG_VM_SUPPORT_FLOAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum float_parse_rc {
    FLOAT_PARSE_OK = 0,
    FLOAT_PARSE_SYNTAX = -1,   /* not Erlang float syntax */
    FLOAT_PARSE_OVERFLOW = -2, /* magnitude rounds past the largest double */
};

/* list_to_float semantics over text[0..len). *out is set only on FLOAT_PARSE_OK. */
enum float_parse_rc float_parse_erlang(const char *text, size_t len, double *out);

/*
 * strtod-like: parses the longest valid prefix of text[0..len) into *out and returns its
 * length, 0 when there is none. On overflow *out is +-infinity and *overflow is true.
 */
size_t float_parse_prefix(const char *text, size_t len, double *out, bool *overflow);

/*
 * The core: (neg ? -1 : 1) * DIGITS * 10^exp10 correctly rounded, DIGITS being ndigits ASCII
 * decimal digits (any count; leading/trailing zeros allowed). False on overflow (then *out is
 * +-infinity).
 */
bool float_from_decimal(const char *digits, size_t ndigits, int64_t exp10, bool neg, double *out);

#endif
