/*
 * test_api.c: every exported function, one behaviour per test function.
 *
 * Configuration and reset have their own programs (test_config_file.c, test_reset.c);
 * argument checking is in test_arguments.c and the buffer protocol in test_buffer.c.
 */

#include <limits.h>
#include <pthread.h>

#include "support.h"

/* A secret from the environment, present after every reset. */
#define ENV_SECRET "from_env"

/* An endpoint that refuses connections at once, so no test reaches a real server. */
#define UNREACHABLE_GRAPHQL "http://127.0.0.1:1/graphql"

#define NO_TOKEN_MESSAGE "Call Client.login() to set the client token."
#define FLOW_BUILDING_MESSAGE \
    "Secrets should only be retrieved during a Flow run, not while building a Flow."

static void test_version(void)
{
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", PREFECT_SECRETS_VERSION_MAJOR,
             PREFECT_SECRETS_VERSION_MINOR, PREFECT_SECRETS_VERSION_PATCH);
    CHECK_STR(PREFECT_SECRETS_VERSION, expected);
    CHECK_STR(secret_version(), PREFECT_SECRETS_VERSION);
    CHECK(secret_version() == secret_version()); /* static storage */
}

static void test_status_str_known_codes(void)
{
    static const int32_t codes[] = {
        SECRET_OK,
        SECRET_NOT_FOUND,
        SECRET_ERR_INVALID_ARGUMENT,
        SECRET_ERR_BUFFER_TOO_SMALL,
        SECRET_ERR_FLOW_BUILDING,
        SECRET_ERR_AUTH,
        SECRET_ERR_CLIENT,
        SECRET_ERR_CONFIG,
        SECRET_ERR_INTERNAL,
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = secret_status_str(codes[i]);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s: ", check_status_name(codes[i]));
        CHECK(text != NULL);
        CHECK_CONTAINS(text, prefix);
        CHECK(text != NULL && strncmp(text, prefix, strlen(prefix)) == 0);
        CHECK(text != NULL && strlen(text) > strlen(prefix)); /* has a description */
    }
}

static void test_status_str_unknown_codes(void)
{
    static const int32_t codes[] = {2, -7, -98, -100, 100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = secret_status_str(codes[i]);
        CHECK(text != NULL);
        CHECK(text != NULL && text[0] != '\0');
        CHECK(text != NULL && strncmp(text, "SECRET_", 7) != 0);
    }
}

static void test_context_set(void)
{
    CHECK_STATUS(secret_context_set("greeting", "hello"), SECRET_OK);
    CHECK_READS(secret_get, "greeting", "hello");
    CHECK_STATUS(secret_context_set("greeting", "bye"), SECRET_OK); /* replaces */
    CHECK_READS(secret_get, "greeting", "bye");
    CHECK_STATUS(secret_context_set(ENV_SECRET, "overridden"), SECRET_OK);
    CHECK_READS(secret_get, ENV_SECRET, "overridden");
}

static void test_context_set_bytes(void)
{
    CHECK_STATUS(secret_context_set_bytes("prefix", "xyz-not-included", 3), SECRET_OK);
    CHECK_READS(secret_get, "prefix", "xyz");
    CHECK_STATUS(secret_context_set_bytes("empty", NULL, 0), SECRET_OK);
    CHECK_READS(secret_get, "empty", "");
    CHECK_READS(secret_get_json, "empty", "\"\"");
    CHECK_STATUS(secret_context_set_bytes("number", "12", 2), SECRET_OK);
    CHECK_READS(secret_get_json, "number", "12");
}

static void test_context_remove(void)
{
    CHECK_STATUS(secret_context_set("gone", "soon"), SECRET_OK);
    CHECK_STATUS(secret_context_remove("gone"), SECRET_OK);
    CHECK_BOTH_READ_STATUS("gone", SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_remove("gone"), SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_remove("never_set"), SECRET_NOT_FOUND);
    /* A secret from the configuration can be removed too. */
    CHECK_STATUS(secret_context_remove(ENV_SECRET), SECRET_OK);
    CHECK_BOTH_READ_STATUS(ENV_SECRET, SECRET_NOT_FOUND);
}

static void test_context_clear(void)
{
    CHECK_STATUS(secret_context_set("a", "1"), SECRET_OK);
    CHECK_STATUS(secret_context_set("b", "2"), SECRET_OK);
    CHECK_STATUS(secret_context_clear(), SECRET_OK);
    CHECK_BOTH_READ_STATUS("a", SECRET_NOT_FOUND);
    CHECK_BOTH_READ_STATUS("b", SECRET_NOT_FOUND);
    CHECK_BOTH_READ_STATUS(ENV_SECRET, SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_clear(), SECRET_OK); /* clearing nothing is fine */
    CHECK_STATUS(secret_context_set("c", "3"), SECRET_OK);
    CHECK_READS(secret_get, "c", "3");
}

static void test_flow_building(void)
{
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_STATUS(secret_context_set_flow_building(true), SECRET_OK);
    CHECK_BOTH_READ_STATUS("k", SECRET_ERR_FLOW_BUILDING);
    CHECK_STR(secret_last_error(), FLOW_BUILDING_MESSAGE);
    CHECK_BOTH_READ_STATUS("missing", SECRET_ERR_FLOW_BUILDING);
    /* Setters still work while a Flow is being built. */
    CHECK_STATUS(secret_context_set("k", "v2"), SECRET_OK);
    CHECK_STATUS(secret_context_set_flow_building(true), SECRET_OK);
    CHECK_STATUS(secret_context_set_flow_building(false), SECRET_OK);
    CHECK_READS(secret_get, "k", "v2");
}

static void test_server_path_without_token(void)
{
    CHECK_STATUS(secret_context_set("local_only", "x"), SECRET_OK);
    CHECK_STATUS(secret_config_set_cloud_graphql(UNREACHABLE_GRAPHQL), SECRET_OK);
    CHECK_STATUS(secret_config_set_use_local_secrets(false), SECRET_OK);
    /* HOME is empty and no PREFECT__CLOUD__AUTH_TOKEN: fail before any request. */
    CHECK_BOTH_READ_STATUS("local_only", SECRET_ERR_AUTH);
    CHECK_STR(secret_last_error(), NO_TOKEN_MESSAGE);
    CHECK_STATUS(secret_config_set_use_local_secrets(true), SECRET_OK);
    CHECK_READS(secret_get, "local_only", "x");
}

static void test_auth_token(void)
{
    static const char token[] = "not-a-real-token";
    CHECK_STATUS(secret_config_set_cloud_graphql(UNREACHABLE_GRAPHQL), SECRET_OK);
    CHECK_STATUS(secret_config_set_use_local_secrets(false), SECRET_OK);

    /* With a token the server is asked; it cannot be reached. */
    CHECK_STATUS(secret_config_set_auth_token(token), SECRET_OK);
    CHECK_BOTH_READ_STATUS("x", SECRET_ERR_CLIENT);
    CHECK(strstr(secret_last_error(), token) == NULL); /* never shows the token */

    /* NULL removes it: no token again. */
    CHECK_STATUS(secret_config_set_auth_token(NULL), SECRET_OK);
    CHECK_BOTH_READ_STATUS("x", SECRET_ERR_AUTH);
    CHECK_STR(secret_last_error(), NO_TOKEN_MESSAGE);
}

static void test_auth_token_file(void)
{
    char path[TEST_PATH_MAX];
    CHECK_STATUS(secret_config_set_cloud_graphql(UNREACHABLE_GRAPHQL), SECRET_OK);
    CHECK_STATUS(secret_config_set_use_local_secrets(false), SECRET_OK);

    /* Without config.cloud.auth_token the token comes from ~/.prefect/.credentials. */
    test_write_file(path, ".prefect/.credentials/auth_token", "file-token");
    CHECK_BOTH_READ_STATUS("x", SECRET_ERR_CLIENT);
    CHECK(strstr(secret_last_error(), "file-token") == NULL);

    /* An empty file means no token. */
    test_write_file(path, ".prefect/.credentials/auth_token", "");
    CHECK_BOTH_READ_STATUS("x", SECRET_ERR_AUTH);
    CHECK(remove(path) == 0);
}

static void test_cloud_graphql(void)
{
    CHECK_STATUS(secret_config_set_cloud_graphql(NULL), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("url");
    CHECK_STATUS(secret_config_set_cloud_graphql(UNREACHABLE_GRAPHQL), SECRET_OK);
    CHECK_STATUS(secret_config_set_cloud_graphql(UNREACHABLE_GRAPHQL "/"), SECRET_OK);
    /* The local path does not care about the server's address. */
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_READS(secret_get, "k", "v");
}

/* --- secret_last_error is per thread ------------------------------------------------ */

struct other_thread_errors {
    char before[256]; /* its message before any failure on that thread */
    char after[256];  /* its message after its own failure */
};

static void copy_last_error(char *out, size_t size)
{
    snprintf(out, size, "%s", secret_last_error());
}

static void *fail_on_other_thread(void *arg)
{
    struct other_thread_errors *errors = arg;
    copy_last_error(errors->before, sizeof errors->before);
    CHECK_STATUS(secret_get("x", NULL, 7, NULL), SECRET_ERR_INVALID_ARGUMENT);
    copy_last_error(errors->after, sizeof errors->after);
    return NULL;
}

static void test_last_error_is_per_thread(void)
{
    char mine[256];
    CHECK_STATUS(secret_context_set(NULL, "v"), SECRET_ERR_INVALID_ARGUMENT);
    copy_last_error(mine, sizeof mine);
    CHECK_CONTAINS(mine, "name");

    struct other_thread_errors other;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, fail_on_other_thread, &other) == 0);
    CHECK(pthread_join(thread, NULL) == 0);

    CHECK_STR(other.before, "");
    CHECK_CONTAINS(other.after, "out_buf");
    CHECK_STR(secret_last_error(), mine); /* the other thread's failure did not touch it */
}

static void test_last_error_survives_success(void)
{
    char message[256];
    CHECK_STATUS(secret_context_remove(NULL), SECRET_ERR_INVALID_ARGUMENT);
    copy_last_error(message, sizeof message);
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_READS(secret_get, "k", "v");
    CHECK_STR(secret_last_error(), message);
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__FROM_ENV", "env-value");

    /* Before this thread's first failure, and before the library has loaded anything. */
    CHECK(secret_last_error() != NULL);
    CHECK_STR(secret_last_error(), "");

    RUN(test_version);
    RUN(test_status_str_known_codes);
    RUN(test_status_str_unknown_codes);
    RUN(test_context_set);
    RUN(test_context_set_bytes);
    RUN(test_context_remove);
    RUN(test_context_clear);
    RUN(test_flow_building);
    RUN(test_server_path_without_token);
    RUN(test_auth_token);
    RUN(test_auth_token_file);
    RUN(test_cloud_graphql);
    RUN(test_last_error_is_per_thread);
    RUN(test_last_error_survives_success);
    return check_summary(argv[0]);
}
