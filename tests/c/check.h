/*
 * check.h: a tiny assertion kit for the C tests of prefect-secrets.
 *
 * Every CHECK* macro records one check; a failed check prints where it failed
 * (file:line), the expression, and for a library call the status it returned and
 * secret_last_error(), then the test carries on. check_summary() prints the totals
 * and gives main() its exit code. The counters are atomic, so checks may run on any
 * thread.
 *
 *   CHECK(cond)                         cond is true
 *   CHECK_STATUS(call, expected)        a library call returns the expected status
 *   CHECK_STR(actual, expected)         two NUL-terminated strings are equal
 *   CHECK_MEM(ptr, len, lit)            len bytes at ptr equal a string literal (NULs allowed)
 *   CHECK_CONTAINS(text, part)          part occurs in text
 *   CHECK_LAST_ERROR_CONTAINS(part)     this thread's secret_last_error() contains part
 */

#ifndef PREFECT_SECRETS_TEST_CHECK_H
#define PREFECT_SECRETS_TEST_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "prefect_secrets.h"

static atomic_int check_total;
static atomic_int check_failed;

/* The enumerator's name of a status code, from the header (not from the library). A
 * status added to the header and not here fails the build (-Wswitch-enum). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch-enum"
#endif
static inline const char *check_status_name(int32_t status)
{
    switch ((enum SecretStatus)status) {
    case SECRET_OK: return "SECRET_OK";
    case SECRET_NOT_FOUND: return "SECRET_NOT_FOUND";
    case SECRET_ERR_INVALID_ARGUMENT: return "SECRET_ERR_INVALID_ARGUMENT";
    case SECRET_ERR_BUFFER_TOO_SMALL: return "SECRET_ERR_BUFFER_TOO_SMALL";
    case SECRET_ERR_FLOW_BUILDING: return "SECRET_ERR_FLOW_BUILDING";
    case SECRET_ERR_AUTH: return "SECRET_ERR_AUTH";
    case SECRET_ERR_CLIENT: return "SECRET_ERR_CLIENT";
    case SECRET_ERR_CONFIG: return "SECRET_ERR_CONFIG";
    case SECRET_ERR_INTERNAL: return "SECRET_ERR_INTERNAL";
    default: return "(not a SecretStatus)";
    }
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* Prints len bytes, escaping anything that is not printable ASCII. */
static inline void check_print_bytes(const char *bytes, size_t len)
{
    fputc('"', stderr);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fputc('"', stderr);
}

static inline bool check_record(bool ok, const char *file, int line, const char *expr)
{
    atomic_fetch_add(&check_total, 1);
    if (!ok) {
        atomic_fetch_add(&check_failed, 1);
        fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, expr);
    }
    return ok;
}

static inline bool check_status_impl(int32_t actual, int32_t expected, const char *file,
                                     int line, const char *expr)
{
    /* Read the message before anything else could replace it. */
    const char *message = secret_last_error();
    if (check_record(actual == expected, file, line, expr))
        return true;
    fprintf(stderr, "    returned %s (%d), expected %s (%d)\n", check_status_name(actual),
            (int)actual, check_status_name(expected), (int)expected);
    /* Only a failed call sets the message; after a success it would be a stale one. */
    if (actual < 0)
        fprintf(stderr, "    last error: \"%s\"\n", message ? message : "(NULL!)");
    return false;
}

static inline bool check_str_impl(const char *actual, const char *expected, const char *file,
                                  int line, const char *expr)
{
    bool ok = actual != NULL && expected != NULL && strcmp(actual, expected) == 0;
    if (check_record(ok, file, line, expr))
        return true;
    fprintf(stderr, "    actual:   %s%s%s\n    expected: \"%s\"\n", actual ? "\"" : "",
            actual ? actual : "(NULL)", actual ? "\"" : "", expected ? expected : "(NULL)");
    return false;
}

static inline bool check_mem_impl(const char *actual, size_t actual_len, const char *expected,
                                  size_t expected_len, const char *file, int line,
                                  const char *expr)
{
    bool ok = actual_len == expected_len &&
              (expected_len == 0 || memcmp(actual, expected, expected_len) == 0);
    if (check_record(ok, file, line, expr))
        return true;
    fprintf(stderr, "    actual:   ");
    check_print_bytes(actual, actual_len);
    fprintf(stderr, " (%zu bytes)\n    expected: ", actual_len);
    check_print_bytes(expected, expected_len);
    fprintf(stderr, " (%zu bytes)\n", expected_len);
    return false;
}

static inline bool check_contains_impl(const char *text, const char *part, const char *file,
                                       int line, const char *expr)
{
    bool ok = text != NULL && strstr(text, part) != NULL;
    if (check_record(ok, file, line, expr))
        return true;
    fprintf(stderr, "    text: \"%s\"\n    does not contain: \"%s\"\n",
            text ? text : "(NULL)", part);
    return false;
}

#define CHECK(cond) check_record((cond) ? true : false, __FILE__, __LINE__, #cond)

#define CHECK_STATUS(call, expected) \
    check_status_impl((call), (expected), __FILE__, __LINE__, #call " == " #expected)

#define CHECK_STR(actual, expected) \
    check_str_impl((actual), (expected), __FILE__, __LINE__, #actual " == " #expected)

/* `lit` must be a string literal: its length comes from sizeof, so it may hold NULs. */
#define CHECK_MEM(ptr, len, lit) \
    check_mem_impl((ptr), (len), "" lit, sizeof(lit) - 1, __FILE__, __LINE__, \
                   #ptr "[0.." #len ") == " #lit)

#define CHECK_CONTAINS(text, part) \
    check_contains_impl((text), (part), __FILE__, __LINE__, #text " contains " #part)

#define CHECK_LAST_ERROR_CONTAINS(part) \
    check_contains_impl(secret_last_error(), (part), __FILE__, __LINE__, \
                        "secret_last_error() contains " #part)

/* Prints "<program>: N checks, M failed" and returns main()'s exit status. */
static inline int check_summary(const char *program)
{
    int total = atomic_load(&check_total);
    int failed = atomic_load(&check_failed);
    const char *base = program;
    for (const char *p = program; *p != '\0'; p++)
        if (*p == '/' || *p == '\\') /* Windows paths use either */
            base = p + 1;
    printf("%s: %d checks, %d failed\n", base, total, failed);
    return failed == 0 && total > 0 ? 0 : 1;
}

#endif /* PREFECT_SECRETS_TEST_CHECK_H */
