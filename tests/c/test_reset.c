/*
 * test_reset.c: secret_config_reset and a broken configuration.
 *
 * The configuration is read from the environment on the first call and again on each
 * reset, which also drops everything set through the API. A configuration Prefect 0.5.3
 * would refuse to start with makes reset and every later call fail with
 * SECRET_ERR_CONFIG until a reset succeeds.
 */

#include "support.h"

#define BAD_VARIABLE "PREFECT__CONTEXT__SECRETS__BAD"

static void test_environment_at_start(void)
{
    CHECK_READS(secret_get, "my_key", "{\"user\":\"svc\"}");
    CHECK_READS(secret_get_json, "my_key", "{\"user\":\"svc\"}");
}

static void test_reset_reads_the_environment_again(void)
{
    CHECK(test_setenv("PREFECT__CONTEXT__SECRETS__LATER", "later") == 0);
    CHECK_BOTH_READ_STATUS("later", SECRET_NOT_FOUND); /* not before a reset */
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "later", "later");

    CHECK(test_unsetenv("PREFECT__CONTEXT__SECRETS__LATER") == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_BOTH_READ_STATUS("later", SECRET_NOT_FOUND);
}

static void test_reset_drops_api_changes(void)
{
    CHECK_STATUS(secret_context_set("api", "x"), SECRET_OK);
    CHECK_STATUS(secret_context_set("my_key", "replaced"), SECRET_OK);
    CHECK_STATUS(secret_context_set_flow_building(true), SECRET_OK);
    CHECK_STATUS(secret_config_set_cloud_graphql("http://127.0.0.1:1/graphql"), SECRET_OK);
    CHECK_STATUS(secret_config_set_auth_token("t"), SECRET_OK);
    CHECK_STATUS(secret_config_set_use_local_secrets(false), SECRET_OK);

    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_BOTH_READ_STATUS("api", SECRET_NOT_FOUND); /* local again, not building */
    CHECK_READS(secret_get, "my_key", "{\"user\":\"svc\"}");
}

static void test_reset_restores_cleared_secrets(void)
{
    CHECK_STATUS(secret_context_clear(), SECRET_OK);
    CHECK_BOTH_READ_STATUS("my_key", SECRET_NOT_FOUND);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "my_key", "{\"user\":\"svc\"}");
}

/* Every status-returning function fails with SECRET_ERR_CONFIG and a message containing
 * `needle`. */
#define CHECK_CONFIG_ERROR(call, needle)           \
    do {                                           \
        if (CHECK_STATUS(call, SECRET_ERR_CONFIG)) \
            CHECK_LAST_ERROR_CONTAINS(needle);     \
    } while (0)

static void check_every_call_fails(const char *needle)
{
    char path[TEST_PATH_MAX];
    char buf[64];
    size_t len = 5;
    test_write_file(path, "valid.toml", "[context.secrets]\nk = 1\n");

    CHECK_CONFIG_ERROR(secret_get("my_key", buf, sizeof buf, &len), needle);
    CHECK(buf[0] == '\0' && len == 0);
    CHECK_CONFIG_ERROR(secret_get_json("my_key", buf, sizeof buf, &len), needle);
    CHECK_CONFIG_ERROR(secret_get("my_key", NULL, 0, &len), needle);
    CHECK_CONFIG_ERROR(secret_config_set_use_local_secrets(true), needle);
    CHECK_CONFIG_ERROR(secret_config_set_auth_token("t"), needle);
    CHECK_CONFIG_ERROR(secret_config_set_auth_token(NULL), needle);
    CHECK_CONFIG_ERROR(secret_config_set_cloud_graphql("http://127.0.0.1:1/"), needle);
    CHECK_CONFIG_ERROR(secret_config_load_file(path), needle);
    CHECK_CONFIG_ERROR(secret_context_set("k", "v"), needle);
    CHECK_CONFIG_ERROR(secret_context_set_bytes("k", "v", 1), needle);
    CHECK_CONFIG_ERROR(secret_context_remove("my_key"), needle);
    CHECK_CONFIG_ERROR(secret_context_clear(), needle);
    CHECK_CONFIG_ERROR(secret_context_set_flow_building(false), needle);
    CHECK_CONFIG_ERROR(secret_config_reset(), needle);
    /* The functions that cannot fail still answer. */
    CHECK_STR(secret_version(), PREFECT_SECRETS_VERSION);
    CHECK(secret_status_str(SECRET_ERR_CONFIG) != NULL);
}

static void test_broken_environment_variable(void)
{
    /* Python's unicode_escape rejects a dangling backslash: Prefect would not start. */
    CHECK(test_setenv(BAD_VARIABLE, "abc\\") == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS(BAD_VARIABLE);
    CHECK(strstr(secret_last_error(), "abc") == NULL); /* names the variable, not the value */
    check_every_call_fails(BAD_VARIABLE);

    CHECK(test_unsetenv(BAD_VARIABLE) == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "my_key", "{\"user\":\"svc\"}");
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    CHECK_READS(secret_get, "k", "v");
}

static void test_broken_user_file(void)
{
    char path[TEST_PATH_MAX];
    test_write_file(path, ".prefect/config.toml", "[context.secrets\n");
    CHECK_STATUS(secret_config_reset(), SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS("config.toml");
    check_every_call_fails("config.toml");

    CHECK(remove(path) == 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "my_key", "{\"user\":\"svc\"}");
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__MY_KEY", "{\"user\": \"svc\"}");

    /* The first call, before any reset: the environment as it was at that moment. */
    test_environment_at_start();

    RUN(test_environment_at_start);
    RUN(test_reset_reads_the_environment_again);
    RUN(test_reset_drops_api_changes);
    RUN(test_reset_restores_cleared_secrets);
    RUN(test_broken_environment_variable);
    RUN(test_broken_user_file);
    return check_summary(argv[0]);
}
