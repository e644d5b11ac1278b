/* The CUnit test program: runs every suite of unit_suites.def (or those named in argv). */
#include "unit.h"

#include <CUnit/TestRun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void unit_fatal(const char *what)
{
    fprintf(stderr, "unit: cannot register %s: %s\n", what, CU_get_error_msg());
    exit(2);
}

/* Totals over every suite run (CUnit's own summary covers only the last CU_run_suite). */
static unsigned tests_run, tests_failed;

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
                             const CU_pFailureRecord failure)
{
    tests_run++;
    tests_failed += failure != NULL;
    if (!failure) {
        printf("PASS: %s/%s\n", suite->pName, test->pName);
    } else {
        for (CU_pFailureRecord f = failure; f; f = f->pNext)
            printf("FAIL: %s/%s: %s:%u: %s\n", suite->pName, test->pName, f->strFileName,
                   f->uiLineNumber, f->strCondition);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
#define UNIT(name) unit_register_##name();
#include "unit_suites.def"
#undef UNIT
    CU_set_test_complete_handler(on_test_complete);
    if (argc > 1) {
        /* Only the suites named on the command line. */
        for (int i = 1; i < argc; i++) {
            CU_pSuite s = CU_get_suite(argv[i]);
            if (!s) {
                fprintf(stderr, "unit: no suite named %s\n", argv[i]);
                return 2;
            }
            CU_run_suite(s);
        }
    } else {
        CU_run_all_tests();
    }
    printf("\nCUnit: %u tests run, %u failed\n", tests_run, tests_failed);
    int rc = tests_failed ? 1 : 0;
    CU_cleanup_registry();
    return rc;
}
