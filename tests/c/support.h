/*
 * support.h: fixtures shared by the C tests.
 *
 * - test_isolate(): call first in main(), before any library call. The library loads
 *   its configuration (environment and ~/.prefect/config.toml) on its first call, once
 *   per process, so a test fixes the environment up front: no inherited PREFECT__*
 *   variable, and HOME a fresh empty directory (removed at exit).
 * - test_path() / test_write_file(): files inside that temporary HOME.
 * - read_secret() and CHECK_READS / CHECK_READ_STATUS: resolve a secret into a
 *   1 KiB buffer and check the outcome, including the buffer contract on failure.
 * - RUN(test): run one test function from a freshly reset library state.
 *
 * Needs _XOPEN_SOURCE >= 700 (mkdtemp, setenv, nftw); the Makefile defines it.
 */

#ifndef PREFECT_SECRETS_TEST_SUPPORT_H
#define PREFECT_SECRETS_TEST_SUPPORT_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define TEST_PATH_MAX 4096

extern char **environ;

static char test_home_dir[TEST_PATH_MAX];

static inline void test_die(const char *what)
{
    fprintf(stderr, "test setup failed: %s: %s\n", what, strerror(errno));
    exit(2);
}

static inline int test_remove_entry(const char *path, const struct stat *st, int type,
                                    struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static inline void test_remove_home(void)
{
    if (test_home_dir[0] != '\0')
        nftw(test_home_dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Unsets every PREFECT__* variable (one at a time: unsetenv reshuffles environ). */
static inline void test_unset_prefect_variables(void)
{
    for (;;) {
        char **entry = environ;
        while (*entry != NULL && strncmp(*entry, "PREFECT__", 9) != 0)
            entry++;
        if (*entry == NULL)
            return;
        char name[TEST_PATH_MAX];
        size_t n = strcspn(*entry, "=");
        if (n >= sizeof name)
            n = sizeof name - 1;
        memcpy(name, *entry, n);
        name[n] = '\0';
        if (unsetenv(name) != 0)
            test_die("unsetenv");
    }
}

/* Makes this process hermetic; must run before the first call into the library. */
static inline void test_isolate(void)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(test_home_dir, sizeof test_home_dir, "%s/prefect-secrets-c-test.XXXXXX",
                     tmp && *tmp ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof test_home_dir)
        test_die("TMPDIR is too long");
    if (mkdtemp(test_home_dir) == NULL)
        test_die("mkdtemp");
    atexit(test_remove_home);
    test_unset_prefect_variables();
    if (setenv("HOME", test_home_dir, 1) != 0)
        test_die("setenv HOME");
}

/* `out` = the temporary HOME joined with `relative`. */
static inline void test_path(char out[TEST_PATH_MAX], const char *relative)
{
    int n = snprintf(out, TEST_PATH_MAX, "%s/%s", test_home_dir, relative);
    if (n < 0 || n >= TEST_PATH_MAX)
        test_die("path too long");
}

/* Writes `content` to HOME/`relative`, creating missing directories; returns the path in
 * `out`. */
static inline void test_write_file(char out[TEST_PATH_MAX], const char *relative,
                                   const char *content)
{
    test_path(out, relative);
    for (char *slash = strchr(out + strlen(test_home_dir) + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(out, 0700) != 0 && errno != EEXIST)
            test_die("mkdir");
        *slash = '/';
    }
    FILE *f = fopen(out, "w");
    if (f == NULL)
        test_die("fopen");
    if (fputs(content, f) == EOF || fclose(f) != 0)
        test_die("write file");
}

/* secret_get and secret_get_json share this signature. */
typedef int32_t (*secret_getter)(const char *name, char *out_buf, size_t out_buf_len,
                                 size_t *out_len);

struct secret_read {
    int32_t status;
    size_t len;
    char buf[1024];
};

/* Resolves `name` with `get` into a buffer pre-filled with junk, so that what the library
 * wrote (or did not write) shows. */
static inline struct secret_read read_secret(secret_getter get, const char *name)
{
    struct secret_read r;
    memset(r.buf, 'J', sizeof r.buf);
    r.len = 12345;
    r.status = get(name, r.buf, sizeof r.buf, &r.len);
    return r;
}

static inline void check_reads_impl(secret_getter get, const char *get_name, const char *name,
                                    const char *expected, size_t expected_len,
                                    const char *expected_src, const char *file, int line)
{
    char expr[512];
    snprintf(expr, sizeof expr, "%s(\"%s\") reads %s", get_name, name, expected_src);
    struct secret_read r = read_secret(get, name);
    if (!check_status_impl(r.status, SECRET_OK, file, line, expr))
        return;
    if (check_mem_impl(r.buf, r.len, expected, expected_len, file, line, expr))
        check_record(r.len < sizeof r.buf && r.buf[r.len] == '\0', file, line,
                     "the value is NUL-terminated");
}

/* On every status but OK and BUFFER_TOO_SMALL, the buffer holds "" and the length is 0. */
static inline void check_read_status_impl(secret_getter get, const char *get_name,
                                          const char *name, int32_t expected,
                                          const char *expected_src, const char *file,
                                          int line)
{
    char expr[512];
    snprintf(expr, sizeof expr, "%s(\"%s\") == %s", get_name, name ? name : "(NULL)",
             expected_src);
    struct secret_read r = read_secret(get, name);
    if (!check_status_impl(r.status, expected, file, line, expr))
        return;
    if (expected != SECRET_OK && expected != SECRET_ERR_BUFFER_TOO_SMALL) {
        check_record(r.buf[0] == '\0', file, line, "on failure the buffer holds \"\"");
        check_record(r.len == 0, file, line, "on failure *out_len == 0");
    }
}

/* `lit` must be a string literal (it may contain NULs). */
#define CHECK_READS(get, name, lit) \
    check_reads_impl((get), #get, (name), "" lit, sizeof(lit) - 1, #lit, __FILE__, __LINE__)

#define CHECK_READ_STATUS(get, name, expected) \
    check_read_status_impl((get), #get, (name), (expected), #expected, __FILE__, __LINE__)

/* Both getters give the same status for `name`. */
#define CHECK_BOTH_READ_STATUS(name, expected)              \
    do {                                                    \
        CHECK_READ_STATUS(secret_get, name, expected);      \
        CHECK_READ_STATUS(secret_get_json, name, expected); \
    } while (0)

/* Runs one test function from a freshly reset library state (configuration reloaded from
 * the environment, context secrets and flags dropped), and names it if a check failed. */
static inline void test_run(const char *name, void (*test)(void))
{
    int failed_before = atomic_load(&check_failed);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    test();
    if (atomic_load(&check_failed) != failed_before)
        fprintf(stderr, "    ^ in %s\n", name);
}

#define RUN(test) test_run(#test, (test))

#endif /* PREFECT_SECRETS_TEST_SUPPORT_H */
