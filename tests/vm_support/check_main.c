/*
 * vm-support-check: the cross-check driver of vm/support (test flavour).
 *   vm-support-check GROUP [COUNT]     GROUP: bignum | float_fmt | float_parse | libm
 *   vm-support-check inflate FILE
 * Prints the group's lines on stdout; exits 2 on a usage or internal error.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

void check_seed(uint64_t seed)
{
    rng_state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

uint64_t check_rand(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void *check_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        check_die("out of memory");
    return p;
}

void check_die(const char *what)
{
    fprintf(stderr, "vm-support-check: %s\n", what);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        check_die("usage: vm-support-check GROUP [COUNT] | inflate FILE");
    unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
    check_seed(0x5eed0000u + (uint64_t)strlen(argv[1]));
    if (strcmp(argv[1], "bignum") == 0)
        check_bignum(count);
    else if (strcmp(argv[1], "float_fmt") == 0)
        check_float_fmt(count);
    else if (strcmp(argv[1], "float_parse") == 0)
        check_float_parse(count);
    else if (strcmp(argv[1], "libm") == 0)
        check_libm(count);
    else if (strcmp(argv[1], "inflate") == 0 && argc > 2)
        return check_inflate(argv[2]);
    else
        check_die("unknown group");
    return fflush(stdout) == 0 ? 0 : 2;
}
