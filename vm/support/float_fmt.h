/*
 * float_fmt: OTP 25's float -> text conversions, freestanding, byte-for-byte as stock erl.
 *
 *   float_to_list(F)                    float_fmt_scientific(.., F, 20)
 * "1.00000000000000000000e+00" float_to_list(F, [{scientific, N}]) float_fmt_scientific(.., F, N)
 * C's "%.*e", exact float_to_list(F, [{decimals, N}])   float_fmt_decimals(.., F, N, false)
 *   float_to_list(F, [{decimals, N}, compact])   float_fmt_decimals(.., F, N, true)
 *   float_to_list(F, [short])           float_fmt_short(.., F)   shortest round-trip digits
 *
 * io_lib's ~p/~w/~g use float_to_list(F, [short]) and ~e/~f use float_to_list(F) in OTP 25
 * (io_lib_format:fwrite_g/1, float_data/1), so these are the only digit generators needed.
 *
 * OTP quirks reproduced on purpose: {decimals, N} with N < 19 and |F| <= 2^53 takes erts's
 * fast path: integer part = floor(|F|), fraction = round-half-away((|F| - floor) * 10^N) in
 * double arithmetic (so 0.125 -> "0.13", 0.1 with 18 decimals -> "0.100000000000000000");
 * otherwise exact "%.*f" (half-even). compact strips trailing zeros (keeping one after the
 * point; with N = 0 on the exact path it strips integer zeros too, as
 * erts does: 1.0e20 -> "1"). A negative scientific precision means 6 (C's rule). Results that
 * would need 256 characters or more are OTP's badarg (erts formats into a 256-byte buffer).
 *
 * Each function writes the text to out[0..cap) without a terminator and returns its length,
 * FLOAT_FMT_BADARG where erlang:float_to_list/2 raises badarg (also for NaN/infinity and
 * negative decimals), or FLOAT_FMT_NOSPACE when cap is too small (cap >= FLOAT_FMT_MAX never
 * is). No allocation; stack use is at most about 6 KB (exact bignum arithmetic in fixed
 * buffers, vm/support/bignum.h; measured with -fstack-usage).
 */
#ifndef ZERG_VM_SUPPORT_FLOAT_FMT_H
#define ZERG_VM_SUPPORT_FLOAT_FMT_H

#include <stdbool.h>
#include <stddef.h>

#define FLOAT_FMT_MAX     255 /* longest text OTP produces */
#define FLOAT_FMT_BADARG  (-1)
#define FLOAT_FMT_NOSPACE (-2)

int float_fmt_scientific(char *out, size_t cap, double v, int decimals);
int float_fmt_decimals(char *out, size_t cap, double v, int decimals, bool compact);
int float_fmt_short(char *out, size_t cap, double v);

/*
 * The shortest round-trip decimal of a finite nonzero |v| as OTP's Ryu computes it:
 * |v| ~= digits * 10^exp10, digits without trailing zeros for integers below 2^53. For
 * callers that lay digits out themselves.
 */
void float_fmt_shortest_digits(double v, unsigned long long *digits, int *exp10);

#endif
