/*
 * check: the vm_support cross-check driver's shared helpers. Each check_*() group prints
 * deterministic lines `OP ARGS = RESULT` that tests/vm_support/check.erl reproduces with stock
 * Erlang (tests/suites/25-vm-support.sh diffs them).
 */
#ifndef ZERG_TESTS_VM_SUPPORT_CHECK_H
#define ZERG_TESTS_VM_SUPPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Deterministic 64-bit generator (xorshift64*), seeded by check_seed. */
void check_seed(uint64_t seed);
uint64_t check_rand(void);
/* malloc that exits on failure (a test driver, not the freestanding code). */
void *check_alloc(size_t n);
void check_die(const char *what) __attribute__((noreturn));

void check_bignum(unsigned count);
void check_float_fmt(unsigned count);
void check_float_parse(unsigned count);
void check_libm(unsigned count);
/* Reads `HEXZLIB HEXPLAIN` lines from path, prints `inflate N = ok|error...` lines. */
int check_inflate(const char *path);

#endif
