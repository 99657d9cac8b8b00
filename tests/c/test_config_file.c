/*
 * test_config_file.c: the user configuration file and secret_config_load_file.
 *
 * ~/.prefect/config.toml (in the temporary HOME) is written before the first call, so it
 * is part of the configuration the library loads and every reset reloads. Other files
 * are merged over the current configuration with secret_config_load_file; a file that
 * cannot be read or parsed changes nothing.
 */

#include "support.h"

#define UNREACHABLE_GRAPHQL "http://127.0.0.1:1/graphql"

static const char user_config[] =
    "[context.secrets]\n"
    "user_file = \"from-user-config\"\n"
    "env_wins = \"from-user-config\"\n";

static const char extra_config[] =
    "[context.secrets]\n"
    "from_file = \"file-value\"\n"
    "number = 7\n"
    "table = { x = 1, y = [true, false] }\n"
    "json_text = '{\"k\": [true, null]}'\n"
    "shared = \"from the file\"\n"
    "env_wins = \"from the file\"\n";

static void load(const char *relative, const char *content, int32_t expected)
{
    char path[TEST_PATH_MAX];
    test_write_file(path, relative, content);
    CHECK_STATUS(secret_config_load_file(path), expected);
}

static void test_user_config_file(void)
{
    CHECK_READS(secret_get, "user_file", "from-user-config");
    /* PREFECT__* variables override the file. */
    CHECK_READS(secret_get, "env_wins", "from-env");
}

static void test_load_file(void)
{
    CHECK_STATUS(secret_context_set("kept", "api-value"), SECRET_OK);
    CHECK_STATUS(secret_context_set("shared", "api-value"), SECRET_OK);
    load("extra.toml", extra_config, SECRET_OK);

    CHECK_READS(secret_get, "from_file", "file-value");
    CHECK_READS(secret_get_json, "number", "7");
    CHECK_READS(secret_get, "table", "{\"x\":1,\"y\":[true,false]}");
    CHECK_READS(secret_get, "json_text", "{\"k\":[true,null]}");
    CHECK_READS(secret_get, "shared", "from the file"); /* the file sets the same name */
    CHECK_READS(secret_get, "kept", "api-value");       /* API secrets stay */
    CHECK_READS(secret_get, "user_file", "from-user-config");
    CHECK_READS(secret_get, "env_wins", "from-env"); /* the environment overrides it too */
}

static void test_load_file_interpolation(void)
{
    char expected[TEST_PATH_MAX];
    load("interpolated.toml",
         "[context.secrets]\n"
         "base = \"abc\"\n"
         "ref = \"${context.secrets.base}-suffix\"\n"
         "home = \"$HOME/sub\"\n",
         SECRET_OK);
    CHECK_READS(secret_get, "ref", "abc-suffix");
    test_path(expected, "sub");
    struct secret_read r = read_secret(secret_get, "home");
    CHECK_STATUS(r.status, SECRET_OK);
    CHECK_STR(r.buf, expected);
}

static void test_load_file_cloud_settings(void)
{
    load("cloud.toml",
         "[cloud]\n"
         "use_local_secrets = false\n"
         "graphql = \"" UNREACHABLE_GRAPHQL "\"\n",
         SECRET_OK);
    CHECK_BOTH_READ_STATUS("user_file", SECRET_ERR_AUTH);
    CHECK_STATUS(secret_config_set_use_local_secrets(true), SECRET_OK);
    CHECK_READS(secret_get, "user_file", "from-user-config");
}

/* The state the failure tests start from, and must still find afterwards. */
static void set_known_state(void)
{
    load("extra.toml", extra_config, SECRET_OK);
    CHECK_STATUS(secret_context_set("kept", "api-value"), SECRET_OK);
}

static void check_state_unchanged(void)
{
    CHECK_READS(secret_get, "from_file", "file-value");
    CHECK_READS(secret_get, "kept", "api-value");
    CHECK_READS(secret_get, "user_file", "from-user-config");
    CHECK_BOTH_READ_STATUS("new_key", SECRET_NOT_FOUND);
}

static void test_load_missing_file(void)
{
    char path[TEST_PATH_MAX];
    set_known_state();
    test_path(path, "does-not-exist.toml");
    CHECK_STATUS(secret_config_load_file(path), SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS("does-not-exist.toml");
    check_state_unchanged();
}

static void test_load_malformed_file(void)
{
    set_known_state();
    /* Valid up to the last line: nothing of it may land. */
    load("malformed.toml",
         "[context.secrets]\n"
         "new_key = \"n\"\n"
         "from_file = \"replaced\"\n"
         "broken = \n",
         SECRET_ERR_CONFIG);
    CHECK_LAST_ERROR_CONTAINS("malformed.toml");
    check_state_unchanged();

    load("unclosed.toml", "[context.secrets\nnew_key = 1\n", SECRET_ERR_CONFIG);
    check_state_unchanged();
}

static void test_load_file_not_utf8(void)
{
    set_known_state();
    load("latin1.toml", "[context.secrets]\nnew_key = \"caf\xe9\"\n", SECRET_ERR_CONFIG);
    check_state_unchanged();
}

static void test_load_directory(void)
{
    set_known_state();
    CHECK_STATUS(secret_config_load_file(test_home_dir), SECRET_ERR_CONFIG);
    check_state_unchanged();
}

int main(int argc, char **argv)
{
    char path[TEST_PATH_MAX];
    (void)argc;
    test_isolate();
    test_write_file(path, ".prefect/config.toml", user_config);
    test_setenv("PREFECT__CONTEXT__SECRETS__ENV_WINS", "from-env");

    RUN(test_user_config_file);
    RUN(test_load_file);
    RUN(test_load_file_interpolation);
    RUN(test_load_file_cloud_settings);
    RUN(test_load_missing_file);
    RUN(test_load_malformed_file);
    RUN(test_load_file_not_utf8);
    RUN(test_load_directory);
    return check_summary(argv[0]);
}
