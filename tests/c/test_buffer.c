/*
 * test_buffer.c: the output-buffer protocol of secret_get and secret_get_json.
 *
 * OK writes the value and a NUL, *out_len = length. A buffer smaller than length + 1 gives
 * BUFFER_TOO_SMALL with *out_len = length and only "" written. (NULL, 0) is a size query.
 * out_len may be NULL; out_buf may be NULL only with out_buf_len 0. Any other status
 * leaves "" in the buffer and 0 in *out_len.
 */

#include <stdlib.h>

#include "support.h"

#define JUNK 'J'

/* A heap buffer of `size` bytes of junk plus a guard zone, so writes past `size` show. */
struct guarded {
    char *bytes;
    size_t size;
};

enum { GUARD = 16 };

static struct guarded guarded_new(size_t size)
{
    struct guarded g = {malloc(size + GUARD), size};
    if (g.bytes == NULL)
        test_die("malloc");
    memset(g.bytes, JUNK, size + GUARD);
    return g;
}

/* Bytes [from, size + GUARD) are all still junk. */
static bool guarded_untouched_from(const struct guarded *g, size_t from)
{
    for (size_t i = from; i < g->size + GUARD; i++)
        if (g->bytes[i] != JUNK)
            return false;
    return true;
}

/* The protocol for one getter and one name whose rendering is `expected`. */
static void check_protocol(secret_getter get, const char *name, const char *expected)
{
    size_t n = strlen(expected);
    size_t len;

    /* Exact fit: n + 1 bytes. */
    struct guarded fit = guarded_new(n + 1);
    len = 0;
    CHECK_STATUS(get(name, fit.bytes, fit.size, &len), SECRET_OK);
    CHECK(len == n);
    CHECK(memcmp(fit.bytes, expected, n) == 0);
    CHECK(fit.bytes[n] == '\0');
    CHECK(guarded_untouched_from(&fit, n + 1));
    free(fit.bytes);

    /* One byte short: only "" is written, and the length is reported. */
    struct guarded short_by_one = guarded_new(n);
    len = 0;
    CHECK_STATUS(get(name, short_by_one.bytes, short_by_one.size, &len),
                 SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == n);
    CHECK(n == 0 || short_by_one.bytes[0] == '\0');
    CHECK(guarded_untouched_from(&short_by_one, n == 0 ? 0 : 1));
    free(short_by_one.bytes);

    /* Size query. */
    len = 0;
    CHECK_STATUS(get(name, NULL, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == n);

    /* A non-NULL buffer with length 0 is a size query too, and is not written. */
    struct guarded empty = guarded_new(0);
    len = 0;
    CHECK_STATUS(get(name, empty.bytes, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == n);
    CHECK(guarded_untouched_from(&empty, 0));
    free(empty.bytes);

    /* out_len may be NULL, whatever the outcome. */
    struct guarded roomy = guarded_new(n + 10);
    CHECK_STATUS(get(name, roomy.bytes, roomy.size, NULL), SECRET_OK);
    CHECK(memcmp(roomy.bytes, expected, n + 1) == 0);
    CHECK_STATUS(get(name, roomy.bytes, n, NULL), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(get(name, NULL, 0, NULL), SECRET_ERR_BUFFER_TOO_SMALL);
    free(roomy.bytes);
}

static void test_protocol_for_text(void)
{
    CHECK_STATUS(secret_context_set("pw", "hunter2"), SECRET_OK);
    check_protocol(secret_get, "pw", "hunter2");
    check_protocol(secret_get_json, "pw", "\"hunter2\"");
}

static void test_protocol_for_json(void)
{
    CHECK_STATUS(secret_context_set("obj", "{\"a\": [1, 2.5], \"b\": null}"), SECRET_OK);
    check_protocol(secret_get, "obj", "{\"a\":[1,2.5],\"b\":null}");
    check_protocol(secret_get_json, "obj", "{\"a\":[1,2.5],\"b\":null}");
}

static void test_protocol_for_empty_value(void)
{
    CHECK_STATUS(secret_context_set("empty", ""), SECRET_OK);
    check_protocol(secret_get, "empty", "");
    check_protocol(secret_get_json, "empty", "\"\"");
}

static void test_protocol_for_long_value(void)
{
    enum { LONG = 100000 };
    char *value = malloc(LONG + 1);
    if (value == NULL)
        test_die("malloc");
    for (size_t i = 0; i < LONG; i++)
        value[i] = (char)('a' + i % 26);
    value[LONG] = '\0';
    CHECK_STATUS(secret_context_set("long", value), SECRET_OK);
    check_protocol(secret_get, "long", value);
    free(value);
}

/* The loop a caller writes: ask for the size, allocate, fetch. */
static void test_size_query_then_fetch(void)
{
    CHECK_STATUS(secret_context_set("k", "[\"x\", 1]"), SECRET_OK);
    size_t len = 0;
    CHECK_STATUS(secret_get("k", NULL, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    char *buf = malloc(len + 1);
    if (buf == NULL)
        test_die("malloc");
    CHECK_STATUS(secret_get("k", buf, len + 1, &len), SECRET_OK);
    CHECK_MEM(buf, len, "[\"x\",1]");
    free(buf);
}

static void test_null_buffer_with_length(void)
{
    size_t len = 77;
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_STATUS(secret_get("k", NULL, 5, &len), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(len == 0);
    CHECK_LAST_ERROR_CONTAINS("out_buf");
    len = 77;
    CHECK_STATUS(secret_get_json("k", NULL, 1, &len), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(len == 0);
    CHECK_LAST_ERROR_CONTAINS("out_buf");
}

/* NOT_FOUND and every error leave "" and 0, also with a buffer too small for the value
 * that the name would otherwise have. */
static void test_outputs_on_failure(void)
{
    CHECK_BOTH_READ_STATUS("missing", SECRET_NOT_FOUND);
    CHECK_BOTH_READ_STATUS(NULL, SECRET_ERR_INVALID_ARGUMENT);
    CHECK_BOTH_READ_STATUS("\xff\xfe", SECRET_ERR_INVALID_ARGUMENT);

    CHECK_STATUS(secret_context_set("k", "a-long-value"), SECRET_OK);
    CHECK_STATUS(secret_context_set_flow_building(true), SECRET_OK);
    CHECK_BOTH_READ_STATUS("k", SECRET_ERR_FLOW_BUILDING);

    char tiny[2] = {JUNK, JUNK};
    size_t len = 77;
    CHECK_STATUS(secret_get("k", tiny, sizeof tiny, &len), SECRET_ERR_FLOW_BUILDING);
    CHECK(tiny[0] == '\0' && tiny[1] == JUNK);
    CHECK(len == 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    RUN(test_protocol_for_text);
    RUN(test_protocol_for_json);
    RUN(test_protocol_for_empty_value);
    RUN(test_protocol_for_long_value);
    RUN(test_size_query_then_fetch);
    RUN(test_null_buffer_with_length);
    RUN(test_outputs_on_failure);
    return check_summary(argv[0]);
}
