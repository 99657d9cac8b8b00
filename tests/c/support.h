/*
 * support.h: fixtures shared by the C tests.
 *
 * - test_isolate(): call first in main(), before any library call. The library loads
 *   its configuration (environment and ~/.prefect/config.toml) on its first call, once
 *   per process, so a test fixes the environment up front: no inherited PREFECT__*
 *   variable, and HOME (and USERPROFILE, which Windows uses for `~`) a fresh empty
 *   directory (removed at exit).
 * - test_setenv(name, value) / test_unsetenv(name): change the environment the library
 *   reads; 0 on success.
 * - test_path() / test_write_file(): files inside that temporary HOME.
 * - read_secret() and CHECK_READS / CHECK_READ_STATUS: resolve a secret into a
 *   1 KiB buffer and check the outcome, including the buffer contract on failure.
 * - RUN(test): run one test function from a freshly reset library state.
 *
 * Portable between POSIX and Windows (MinGW-w64, see scripts/windows-test):
 * - POSIX needs _XOPEN_SOURCE >= 700 (mkdtemp, setenv, nftw); tests/c/Makefile defines it.
 * - Windows: the temporary HOME is made under GetTempPath(); variables are set in both
 *   the process environment (SetEnvironmentVariable: what the library reads) and the C
 *   runtime's copy (_putenv_s: what getenv reads); threads come from MinGW-w64's
 *   winpthreads. Build with __USE_MINGW_ANSI_STDIO=1 (for %zu).
 */

#ifndef PREFECT_SECRETS_TEST_SUPPORT_H
#define PREFECT_SECRETS_TEST_SUPPORT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "check.h"

#define TEST_PATH_MAX 4096

static char test_home_dir[TEST_PATH_MAX];

static inline void test_die(const char *what)
{
    fprintf(stderr, "test setup failed: %s: %s\n", what, strerror(errno));
    exit(2);
}

#ifdef _WIN32

/* Sets `name` in the process environment and in the C runtime's copy. */
static inline int test_setenv(const char *name, const char *value)
{
    if (!SetEnvironmentVariableA(name, value))
        return -1;
    return _putenv_s(name, value) == 0 ? 0 : -1;
}

static inline int test_unsetenv(const char *name)
{
    /* Unsetting a variable that is not set is not an error, as with unsetenv. */
    if (!SetEnvironmentVariableA(name, NULL) && GetLastError() != ERROR_ENVVAR_NOT_FOUND)
        return -1;
    return _putenv_s(name, "") == 0 ? 0 : -1; /* "" removes it from the CRT's copy */
}

static inline int test_mkdir(const char *path)
{
    if (CreateDirectoryA(path, NULL))
        return 0;
    errno = GetLastError() == ERROR_ALREADY_EXISTS ? EEXIST : EACCES;
    return -1;
}

/* Removes a directory and everything in it (best effort, like nftw + remove). */
static inline void test_remove_tree(const char *dir)
{
    char pattern[TEST_PATH_MAX], child[TEST_PATH_MAX];
    WIN32_FIND_DATAA entry;
    if (snprintf(pattern, sizeof pattern, "%s\\*", dir) >= (int)sizeof pattern)
        return;
    HANDLE find = FindFirstFileA(pattern, &entry);
    if (find != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(entry.cFileName, ".") == 0 || strcmp(entry.cFileName, "..") == 0)
                continue;
            if (snprintf(child, sizeof child, "%s\\%s", dir, entry.cFileName) >=
                (int)sizeof child)
                continue;
            if ((entry.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                !(entry.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
                test_remove_tree(child);
            else
                DeleteFileA(child);
        } while (FindNextFileA(find, &entry));
        FindClose(find);
    }
    RemoveDirectoryA(dir);
}

/* A new empty directory under the Windows temporary folder, in test_home_dir. */
static inline void test_make_home_dir(void)
{
    char tmp[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof tmp, tmp);
    if (n == 0 || n > MAX_PATH)
        test_die("GetTempPath");
    while (n > 3 && (tmp[n - 1] == '\\' || tmp[n - 1] == '/'))
        tmp[--n] = '\0'; /* keep a drive root's separator ("C:\\") */
    for (unsigned attempt = 0; attempt < 1000; attempt++) {
        int len = snprintf(test_home_dir, sizeof test_home_dir,
                           "%s%sprefect-secrets-c-test.%lu.%lu.%u", tmp,
                           tmp[n - 1] == '\\' ? "" : "\\", (unsigned long)GetCurrentProcessId(),
                           (unsigned long)GetTickCount(), attempt);
        if (len < 0 || (size_t)len >= sizeof test_home_dir)
            test_die("the temporary folder's path is too long");
        if (test_mkdir(test_home_dir) == 0)
            return;
        if (errno != EEXIST)
            test_die("CreateDirectory in the temporary folder");
    }
    test_die("no free name for a temporary directory");
}

/* Unsets every PREFECT__* variable (Windows' names are case-insensitive). */
static inline void test_unset_prefect_variables(void)
{
    for (;;) {
        char name[TEST_PATH_MAX] = "";
        char *block = GetEnvironmentStringsA();
        if (block == NULL)
            test_die("GetEnvironmentStrings");
        for (const char *entry = block; *entry != '\0'; entry += strlen(entry) + 1) {
            if (_strnicmp(entry, "PREFECT__", 9) == 0) {
                size_t n = strcspn(entry + 1, "=") + 1;
                if (n >= sizeof name)
                    n = sizeof name - 1;
                memcpy(name, entry, n);
                name[n] = '\0';
                break;
            }
        }
        FreeEnvironmentStringsA(block);
        if (name[0] == '\0')
            return;
        if (test_unsetenv(name) != 0)
            test_die("unsetting a PREFECT__ variable");
    }
}

#else /* POSIX */

extern char **environ;

static inline int test_setenv(const char *name, const char *value)
{
    return setenv(name, value, 1);
}

static inline int test_unsetenv(const char *name)
{
    return unsetenv(name);
}

static inline int test_mkdir(const char *path)
{
    return mkdir(path, 0700);
}

static inline int test_remove_entry(const char *path, const struct stat *st, int type,
                                    struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static inline void test_remove_tree(const char *dir)
{
    nftw(dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void test_make_home_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(test_home_dir, sizeof test_home_dir, "%s/prefect-secrets-c-test.XXXXXX",
                     tmp && *tmp ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof test_home_dir)
        test_die("TMPDIR is too long");
    if (mkdtemp(test_home_dir) == NULL)
        test_die("mkdtemp");
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

#endif /* _WIN32 */

static inline void test_remove_home(void)
{
    if (test_home_dir[0] != '\0')
        test_remove_tree(test_home_dir);
}

/* Makes this process hermetic; must run before the first call into the library. */
static inline void test_isolate(void)
{
    test_make_home_dir();
    atexit(test_remove_home);
    test_unset_prefect_variables();
    if (test_setenv("HOME", test_home_dir) != 0)
        test_die("setting HOME");
    /* Windows' `~` (Python's ntpath.expanduser) reads USERPROFILE, never HOME. */
    if (test_setenv("USERPROFILE", test_home_dir) != 0)
        test_die("setting USERPROFILE");
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
        if (test_mkdir(out) != 0 && errno != EEXIST)
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
