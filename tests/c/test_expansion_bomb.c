/*
 * test_expansion_bomb.c: `B='$B$B...'` must be refused, not abort the host.
 *
 * Each round of Prefect's `$VARIABLE` expansion multiplies B by 64: 128 bytes, 8 KiB,
 * 512 KiB, 32 MiB, 2 GiB, 128 GiB. The library used to try, and abort the whole process
 * ("memory allocation of 8388608000 bytes failed"). Now a value that would grow past
 * 16 MiB is SECRET_ERR_CONFIG naming the variable. To prove that nothing big is even
 * attempted, the process runs with its address space limited to 1 GiB (RLIMIT_AS, set
 * before the first library call; not under AddressSanitizer, which reserves terabytes,
 * and not on Windows).
 */

#include "support.h"

#include <time.h>

/* How the message names the variable: as Python's ntpath writes it on Windows. */
#ifdef _WIN32
#define BOMB_REF "%B%"
#else
#define BOMB_REF "$B"
#endif

#if !defined(_WIN32)
#include <sys/resource.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define LIMIT_BYTES (1024L * 1024L * 1024L)

static void limit_address_space(void)
{
#if !defined(_WIN32) && !defined(UNDER_ASAN)
    struct rlimit lim;
    if (getrlimit(RLIMIT_AS, &lim) != 0)
        test_die("getrlimit");
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (rlim_t)LIMIT_BYTES) {
        lim.rlim_cur = (rlim_t)LIMIT_BYTES;
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            test_die("setrlimit");
    }
    printf("address space limited to %ld MiB\n", LIMIT_BYTES >> 20);
#else
    printf("address space not limited here (Windows or AddressSanitizer)\n");
#endif
}

static double seconds_now(void)
{
#if defined(_WIN32)
    return (double)GetTickCount64() / 1e3;
#else
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        test_die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#endif
}

/* "$B" 64 times. */
static char bomb[2 * 64 + 1];

static void make_bomb(void)
{
    for (int i = 0; i < 64; i++)
        memcpy(bomb + 2 * i, "$B", 2);
    bomb[2 * 64] = '\0';
}

/* The first call loads the configuration: refused, naming the variable being set and the
 * one being expanded, never the value; at once. */
static void test_first_load_refuses_the_bomb(void)
{
    double start = seconds_now();
    CHECK_READ_STATUS(secret_get, "x", SECRET_ERR_CONFIG);
    double took = seconds_now() - start;
    printf("expansion bomb refused in %.3f s\n", took);
    CHECK(took < 5.0);
    CHECK_LAST_ERROR_CONTAINS("PREFECT__CONTEXT__SECRETS__X");
    CHECK_LAST_ERROR_CONTAINS("expanding " BOMB_REF " would make the value longer than 16777216 bytes");
    CHECK(strstr(secret_last_error(), "$B$B") == NULL);
    /* Every call fails the same way until the environment is fixed. */
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_ERR_CONFIG);
    CHECK_STATUS(secret_config_reset(), SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS("PREFECT__CONTEXT__SECRETS__X");
}

static void test_fixed_by_reset(void)
{
    CHECK(test_unsetenv("PREFECT__CONTEXT__SECRETS__X") == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "good", "fine");
}

/* The same bomb from a file given to secret_config_load_file: refused, naming the key,
 * and nothing changes. */
static void test_a_file_value_refuses_the_bomb(void)
{
    char path[TEST_PATH_MAX];
    test_write_file(path, "bomb.toml", "[context.secrets]\nother = \"set\"\ny = \"$B\"\n");
    double start = seconds_now();
    CHECK_STATUS(secret_config_load_file(path), SECRET_ERR_CONFIG);
    double took = seconds_now() - start;
    printf("expansion bomb in a file refused in %.3f s\n", took);
    CHECK(took < 5.0);
    CHECK_LAST_ERROR_CONTAINS("configuration key context.secrets.y");
    CHECK_LAST_ERROR_CONTAINS("expanding " BOMB_REF " would");
    CHECK_READS(secret_get, "good", "fine");
    CHECK_READ_STATUS(secret_get, "other", SECRET_NOT_FOUND);
    CHECK_READ_STATUS(secret_get, "y", SECRET_NOT_FOUND);
}

int main(int argc, char **argv)
{
    (void)argc;
    limit_address_space();
    test_isolate();
    make_bomb();
    test_setenv("B", bomb);
    test_setenv("PREFECT__CONTEXT__SECRETS__X", "$B");
    test_setenv("PREFECT__CONTEXT__SECRETS__GOOD", "fine");

    test_first_load_refuses_the_bomb();
    test_fixed_by_reset();
    test_a_file_value_refuses_the_bomb();
    return check_summary(argv[0]);
}
