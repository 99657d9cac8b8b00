/*
 * test_semantics.c: Prefect 0.5.3's Secret(name).get() through the C ABI.
 *
 * A context value is a string that json.loads applies to when it is read; secret_get
 * writes a string result as its UTF-8 text and anything else as compact JSON, and
 * secret_get_json always writes json.dumps(value, separators=(",", ":")).
 * The full conformance suite lives in the Rust tests; these cases check the rendering
 * and the byte-level contract as a C caller sees it.
 */

#include "support.h"

/* A stored value and what each getter writes for it. Lengths come from sizeof, so the
 * expected bytes may contain NUL. */
struct rendering {
    const char *stored;
    const char *text;
    size_t text_len;
    const char *json;
    size_t json_len;
};

#define RENDERING(stored, text, json) {stored, "" text, sizeof(text) - 1, "" json, sizeof(json) - 1}

static const struct rendering renderings[] = {
    RENDERING("42", "42", "42"),
    RENDERING("hunter2", "hunter2", "\"hunter2\""),               /* not JSON: the raw text */
    RENDERING("{\"a\": [1, 2.5]}", "{\"a\":[1,2.5]}", "{\"a\":[1,2.5]}"), /* compact */
    RENDERING("\"\\u00e9\"", "\xc3\xa9", "\"\\u00e9\""),           /* é */
    RENDERING("\"quoted\"", "quoted", "\"quoted\""),
    RENDERING("caf\xc3\xa9", "caf\xc3\xa9", "\"caf\\u00e9\""),   /* raw non-ASCII text */
    RENDERING("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\""), /* a pair */
    RENDERING("\"\\ud800\"", "\xed\xa0\x80", "\"\\ud800\""),     /* a lone surrogate */
    RENDERING("true", "true", "true"),
    RENDERING(" [1, 2] \n", "[1,2]", "[1,2]"),
    RENDERING("{\"k\": 1, \"k\": 2}", "{\"k\":2}", "{\"k\":2}"), /* the last key wins */
    RENDERING("NaN", "NaN", "NaN"),
    RENDERING("-Infinity", "-Infinity", "-Infinity"),
    RENDERING("1E5", "100000.0", "100000.0"),
    RENDERING("123456789012345678901234567890", "123456789012345678901234567890",
              "123456789012345678901234567890"),
    RENDERING("007", "007", "\"007\""),                           /* rejected by json.loads */
    RENDERING("", "", "\"\""),
    RENDERING("\"tab\\there\"", "tab\there", "\"tab\\there\""),
};

static void check_rendering(const struct rendering *r)
{
    static const struct {
        secret_getter get;
        const char *name;
    } getters[] = {{secret_get, "secret_get"}, {secret_get_json, "secret_get_json"}};

    CHECK_STATUS(secret_context_set("value", r->stored), SECRET_OK);
    for (size_t g = 0; g < 2; g++) {
        const char *expected = g == 0 ? r->text : r->json;
        size_t expected_len = g == 0 ? r->text_len : r->json_len;
        char expr[256];
        snprintf(expr, sizeof expr, "%s of stored '%s'", getters[g].name, r->stored);
        struct secret_read got = read_secret(getters[g].get, "value");
        if (check_status_impl(got.status, SECRET_OK, __FILE__, __LINE__, expr))
            check_mem_impl(got.buf, got.len, expected, expected_len, __FILE__, __LINE__, expr);
    }
}

static void test_renderings(void)
{
    for (size_t i = 0; i < sizeof renderings / sizeof renderings[0]; i++)
        check_rendering(&renderings[i]);
}

static void test_null_is_not_found(void)
{
    CHECK_STATUS(secret_context_set("nothing", "null"), SECRET_OK);
    CHECK_BOTH_READ_STATUS("nothing", SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_set("nothing", " null\t"), SECRET_OK);
    CHECK_BOTH_READ_STATUS("nothing", SECRET_NOT_FOUND);
    CHECK_BOTH_READ_STATUS("never_set", SECRET_NOT_FOUND);
    /* The string "null" is a value. */
    CHECK_STATUS(secret_context_set("quoted_null", "\"null\""), SECRET_OK);
    CHECK_READS(secret_get, "quoted_null", "null");
}

static void test_names_are_exact(void)
{
    CHECK_STATUS(secret_context_set("Key", "upper"), SECRET_OK);
    CHECK_READS(secret_get, "Key", "upper");
    CHECK_BOTH_READ_STATUS("key", SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_set("", "empty name"), SECRET_OK);
    CHECK_READS(secret_get, "", "empty name");
}

static void test_environment_values_are_typed(void)
{
    /* Set in main() before the first call: PREFECT__CONTEXT__SECRETS__* is lowercased. */
    CHECK_READS(secret_get_json, "my_key", "{\"user\":\"svc\"}");
    CHECK_READS(secret_get_json, "env_int", "42");      /* typed as an int */
    CHECK_READS(secret_get_json, "env_text", "\"a b\""); /* plain text */
    CHECK_READS(secret_get, "env_escape", "x\ny");       /* backslash escapes decoded */
    CHECK_BOTH_READ_STATUS("MY_KEY", SECRET_NOT_FOUND);
}

/* --- values with NUL bytes --------------------------------------------------------- */

static void test_bytes_with_nul(void)
{
    size_t len = 99;
    CHECK_STATUS(secret_context_set_bytes("n", "a\0b", 3), SECRET_OK);
    CHECK_READS(secret_get, "n", "a\0b");
    CHECK_READS(secret_get_json, "n", "\"a\\u0000b\"");
    CHECK_STATUS(secret_get("n", NULL, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 3);
}

static void test_json_escaped_nul(void)
{
    CHECK_STATUS(secret_context_set("j", "\"x\\u0000y\""), SECRET_OK);
    CHECK_READS(secret_get, "j", "x\0y");
    CHECK_READS(secret_get_json, "j", "\"x\\u0000y\"");
}

static void test_nul_inside_json_value(void)
{
    /* A raw NUL inside a JSON string is a control character: json.loads rejects it, so the
     * stored text comes back as it is. */
    CHECK_STATUS(secret_context_set_bytes("raw", "\"p\0q\"", 5), SECRET_OK);
    CHECK_READS(secret_get, "raw", "\"p\0q\"");
    CHECK_READS(secret_get_json, "raw", "\"\\\"p\\u0000q\\\"\"");
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__MY_KEY", "{\"user\": \"svc\"}");
    test_setenv("PREFECT__CONTEXT__SECRETS__ENV_INT", "42");
    test_setenv("PREFECT__CONTEXT__SECRETS__ENV_TEXT", "a b");
    test_setenv("PREFECT__CONTEXT__SECRETS__ENV_ESCAPE", "x\\ny");

    RUN(test_renderings);
    RUN(test_null_is_not_found);
    RUN(test_names_are_exact);
    RUN(test_environment_values_are_typed);
    RUN(test_bytes_with_nul);
    RUN(test_json_escaped_nul);
    RUN(test_nul_inside_json_value);
    return check_summary(argv[0]);
}
