/*
 * unit: the CUnit test program's registration contract.
 * Each tests/unit/test_*.c defines `void unit_register_NAME(void)` that adds one CUnit suite;
 * unit_suites.def lists them (one line each) and unit_main.c runs them all, printing one
 * `PASS: suite/test` or `FAIL: suite/test: file:line: assertion` line per test.
 */
#ifndef ZERG_TEST_UNIT_H
#define ZERG_TEST_UNIT_H

#include <CUnit/CUnit.h>

#define UNIT(name) void unit_register_##name(void);
#include "unit_suites.def"
#undef UNIT

/* Adds a suite with the given tests; aborts the program if CUnit cannot. */
#define UNIT_SUITE(sname, ...)                                                                     \
    do {                                                                                           \
        CU_pSuite s_ = CU_add_suite(sname, NULL, NULL);                                            \
        struct {                                                                                   \
            const char *n;                                                                         \
            CU_TestFunc f;                                                                         \
        } t_[] = {__VA_ARGS__};                                                                    \
        for (size_t i_ = 0; s_ && i_ < sizeof t_ / sizeof t_[0]; i_++)                             \
            if (!CU_add_test(s_, t_[i_].n, t_[i_].f))                                              \
                s_ = NULL;                                                                         \
        if (!s_)                                                                                   \
            unit_fatal(sname);                                                                     \
    } while (0)
#define UNIT_TEST(fn) {#fn, fn}

void unit_fatal(const char *what) __attribute__((noreturn));

#endif
