/*
 * compare.h: OTP's term order and equality.
 * number < atom < reference < fun < port < pid < tuple < map < [] < list < bitstring
 */
#ifndef ZVM_COMPARE_H
#define ZVM_COMPARE_H

#include <stdbool.h>

#include "vm/term.h"

/*
 * -1, 0 or 1. With `exact` false, numbers compare by value (1 == 1.0, as == and <); with `exact`
 * true an integer and a float are never equal (=:=, map keys) and every integer orders before
 * every float (erts's order of map keys: #{2 => a} < #{1.5 => a}).
 */
int term_cmp(term_t a, term_t b, bool exact);
static inline bool term_eq_exact(term_t a, term_t b)
{
    return a == b || term_cmp(a, b, true) == 0;
}
static inline bool term_eq(term_t a, term_t b)
{
    return a == b || term_cmp(a, b, false) == 0;
}

#endif
