/*
 * test_broken_start.c: a configuration that is broken when the library first loads.
 *
 * Prefect 0.5.3 fails to start when a PREFECT__* value ends with a dangling backslash.
 * The library loads on its first call, so that call and every later one fail with
 * SECRET_ERR_CONFIG, naming the variable, until the environment is fixed and a reset
 * succeeds. (A separate program: the first call happens only once per process.)
 */

#include "support.h"

#define BAD_VARIABLE "PREFECT__CONTEXT__SECRETS__BAD"

static void test_first_call_fails(void)
{
    CHECK_BOTH_READ_STATUS("good", SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS(BAD_VARIABLE);
}

static void test_setters_fail_too(void)
{
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS(BAD_VARIABLE);
    CHECK_STATUS(secret_context_clear(), SECRET_ERR_CONFIG);
    CHECK_STATUS(secret_config_reset(), SECRET_ERR_CONFIG); /* still broken */
    CHECK_BOTH_READ_STATUS("good", SECRET_ERR_CONFIG);
}

static void test_fixed_by_reset(void)
{
    CHECK(test_unsetenv(BAD_VARIABLE) == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "good", "fine");
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_READS(secret_get, "k", "v");
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__GOOD", "fine");
    test_setenv(BAD_VARIABLE, "abc\\");

    test_first_call_fails();
    test_setters_fail_too();
    test_fixed_by_reset();
    return check_summary(argv[0]);
}
