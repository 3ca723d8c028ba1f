/* cunit_main.c - shared main() for the CUnit test executables: each test file
 * defines register_tests(), which adds its suites to the registry. */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"

int tests_skipped;

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    if (register_tests() != 0) {
        fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    int skipped = tests_skipped;
    CU_cleanup_registry();
    if (failed != 0)
        return 1;
    return skipped ? 77 : 0;
}
