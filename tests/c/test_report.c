/*
 * test_report.c: secret_explain, secret_config_view (both buffer protocols) and
 * secret_config_set, from C. The reports' content is tested in tests/explain.rs; here the
 * C contract: sizes, NUL termination, the allocated variants, bad arguments, and that no
 * value or credential set from C shows up in a report.
 */

#include "support.h"

#define VALUE "dv-c-3e8f-value"
#define TOKEN "tok-c-71aa-credential"

/* A report through the caller-buffer protocol: a size query, then the text. */
static void check_buffer_protocol(const char *name)
{
    size_t needed = 0;
    CHECK_STATUS(secret_explain(name, NULL, 0, &needed), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 0);
    char small[8] = "xxxxxxx";
    size_t len = 99;
    CHECK_STATUS(secret_explain(name, small, sizeof small, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == needed);
    CHECK_STR(small, "");
    char *buf = malloc(needed + 1);
    CHECK(buf != NULL);
    if (!buf)
        return;
    CHECK_STATUS(secret_explain(name, buf, needed + 1, &len), SECRET_OK);
    CHECK(len == needed && strlen(buf) == needed);
    CHECK(strstr(buf, VALUE) == NULL);
    free(buf);
}

static void test_explain(void)
{
    CHECK_STATUS(secret_context_set("c_secret", VALUE), SECRET_OK);
    check_buffer_protocol("c_secret");

    char *text = NULL;
    size_t len = 0;
    CHECK_STATUS(secret_explain_alloc("c_secret", &text, &len), SECRET_OK);
    CHECK(text != NULL && strlen(text) == len);
    if (text) {
        CHECK_CONTAINS(text, "secret \"c_secret\": found (local: cloud.use_local_secrets is true");
        CHECK_CONTAINS(text, "  set by: this library's API\n");
        CHECK(strstr(text, VALUE) == NULL);
    }
    secret_free(text);

    CHECK_STATUS(secret_explain_alloc("C_SECRET", &text, NULL), SECRET_OK);
    if (text)
        CHECK_CONTAINS(text, "did you mean \"c_secret\"?");
    secret_free(text);
}

static void test_config_view(void)
{
    CHECK_STATUS(secret_config_set_auth_token(TOKEN), SECRET_OK);
    CHECK_STATUS(secret_context_set("c_secret", VALUE), SECRET_OK);
    char *view = NULL;
    size_t len = 0;
    CHECK_STATUS(secret_config_view_alloc(true, &view, &len), SECRET_OK);
    CHECK(view != NULL && strlen(view) == len);
    if (view) {
        CHECK_CONTAINS(view, "auth_token = \"******** (text)\"  # this library's API\n");
        CHECK_CONTAINS(view, "c_secret = \"******** (text)\"  # this library's API\n");
        CHECK(strstr(view, TOKEN) == NULL);
        CHECK(strstr(view, VALUE) == NULL);
    }
    secret_free(view);

    size_t needed = 0;
    CHECK_STATUS(secret_config_view(false, NULL, 0, &needed), SECRET_ERR_BUFFER_TOO_SMALL);
    char *buf = malloc(needed + 1);
    CHECK(buf != NULL);
    if (buf) {
        CHECK_STATUS(secret_config_view(false, buf, needed + 1, &len), SECRET_OK);
        CHECK(len == needed);
        CHECK(strstr(buf, "  # ") == NULL); /* no sources without show_sources */
        free(buf);
    }
}

static void test_config_set(void)
{
    CHECK_STATUS(secret_config_set("cache_ttl", "2.5"), SECRET_OK);
    CHECK_STATUS(secret_config_set("cloud.server_flavor", "prefect-3"), SECRET_OK);
    CHECK_STATUS(secret_config_set("allow_insecure_http", "TRUE"), SECRET_OK);
    char *view = NULL;
    CHECK_STATUS(secret_config_view_alloc(false, &view, NULL), SECRET_OK);
    if (view) {
        CHECK_CONTAINS(view, "\ncache_ttl = 2.5\n");
        CHECK_CONTAINS(view, "\nserver_flavor = \"prefect-3\"\n");
        CHECK_CONTAINS(view, "\nallow_insecure_http = true\n");
    }
    secret_free(view);
    /* NULL removes the key: the default applies again. */
    CHECK_STATUS(secret_config_set("cache_ttl", NULL), SECRET_OK);
    CHECK_STATUS(secret_config_view_alloc(false, &view, NULL), SECRET_OK);
    if (view)
        CHECK(strstr(view, "cache_ttl") == NULL);
    secret_free(view);

    CHECK_STATUS(secret_config_set("no_such_key", "1"), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("key is not a [cloud] setting of this library; the settings are use_local_secrets, ");
    CHECK(strstr(secret_last_error(), "no_such_key") == NULL);
    CHECK_STATUS(secret_config_set(TOKEN, "1"), SECRET_ERR_INVALID_ARGUMENT); /* swapped */
    CHECK(strstr(secret_last_error(), TOKEN) == NULL);
    CHECK_STATUS(secret_config_set("CLOUD.Cache_TTL", "1"), SECRET_OK);
    CHECK_STATUS(secret_config_set("cache_ttl", "-1"), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("cloud.cache_ttl must be a non-negative finite number");
    CHECK_STATUS(secret_config_set("max_reply_bytes", TOKEN), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(strstr(secret_last_error(), TOKEN) == NULL);
    CHECK_STATUS(secret_config_set("use_local_secrets", NULL), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(secret_config_set(NULL, "1"), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(secret_config_set("server_flavor", "prefect-2"), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("\"prefect-0.5\" or \"prefect-3\"");
}

static void test_bad_arguments(void)
{
    size_t len = 7;
    CHECK_STATUS(secret_explain(NULL, NULL, 0, &len), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(len == 0);
    char buf[4];
    CHECK_STATUS(secret_explain("x", NULL, sizeof buf, NULL), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(secret_explain_alloc("x", NULL, NULL), SECRET_ERR_INVALID_ARGUMENT);
    char *out = (char *)buf;
    CHECK_STATUS(secret_explain_alloc(NULL, &out, &len), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(out == NULL && len == 0);
    CHECK_STATUS(secret_config_view_alloc(true, NULL, NULL), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(secret_explain("\xff", NULL, 0, NULL), SECRET_ERR_INVALID_ARGUMENT);
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    RUN(test_explain);
    RUN(test_config_view);
    RUN(test_config_set);
    RUN(test_bad_arguments);
    return check_summary(argv[0]);
}
