/* cunit_main.h - contract between a test file and cunit_main.c. */
#ifndef SOCKSCOPE_CUNIT_MAIN_H
#define SOCKSCOPE_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

/* Adds the file's suites and tests; returns 0, or -1 on a CUnit error. */
int register_tests(void);

/* A test file sets this to 1 when it had to skip everything (e.g. no corpus);
 * the executable then exits 77, which ctest reports as skipped. */
extern int tests_skipped;

/* Convenience: one suite with a NULL-terminated table of tests. */
struct test_entry {
    const char *name;
    CU_TestFunc fn;
};
static inline int add_suite(const char *name, const struct test_entry *tests)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (s == NULL)
        return -1;
    for (; tests->name != NULL; tests++)
        if (CU_add_test(s, tests->name, tests->fn) == NULL)
            return -1;
    return 0;
}

#endif
