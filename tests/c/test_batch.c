/*
 * test_batch.c: secret_get_many and the secret_batch_* accessors, from C: each entry is
 * what secret_get (or secret_get_json) gives for its name alone; argument errors; the
 * batch owns its values until secret_batch_free. (The server side of batches is tested
 * in tests/batch.rs and tests/prefect3_server.rs.)
 */

#include "support.h"

#define FLOW_BUILDING_MESSAGE \
    "Secrets should only be retrieved during a Flow run, not while building a Flow."

/* Entry `i` of `batch` has status `status` and, when it is SECRET_OK, the bytes `lit`. */
#define CHECK_ENTRY(batch, i, status, lit)                                     \
    do {                                                                       \
        size_t len_ = 99;                                                      \
        const char *value_ = secret_batch_value((batch), (i), &len_);          \
        CHECK_STATUS(secret_batch_status((batch), (i)), (status));             \
        if ((status) == SECRET_OK) {                                           \
            CHECK(value_ != NULL);                                             \
            if (value_ != NULL) {                                              \
                CHECK_MEM(value_, len_, lit);                                  \
                CHECK(value_[len_] == '\0');                                   \
            }                                                                  \
            CHECK(secret_batch_error((batch), (i)) == NULL);                   \
        } else {                                                               \
            CHECK(value_ == NULL);                                             \
            CHECK(len_ == 0);                                                  \
        }                                                                      \
    } while (0)

static void test_values_are_single_gets(void)
{
    CHECK_STATUS(secret_context_set("text", "hello"), SECRET_OK);
    CHECK_STATUS(secret_context_set("dict", "{\"k\": [1, \"\\u00e9\"]}"), SECRET_OK);
    CHECK_STATUS(secret_context_set_bytes("nul", "a\0b", 3), SECRET_OK);
    const char *names[] = {"text", "dict", "missing", "nul", "text"};
    SecretBatch *batch = NULL;
    CHECK_STATUS(secret_get_many(names, 5, false, &batch), SECRET_OK);
    CHECK(batch != NULL);
    CHECK(secret_batch_len(batch) == 5);
    CHECK_ENTRY(batch, 0, SECRET_OK, "hello");
    CHECK_ENTRY(batch, 1, SECRET_OK, "{\"k\":[1,\"\\u00e9\"]}");
    CHECK_ENTRY(batch, 2, SECRET_NOT_FOUND, "");
    CHECK_ENTRY(batch, 3, SECRET_OK, "a\0b");
    CHECK_ENTRY(batch, 4, SECRET_OK, "hello");
    CHECK(secret_batch_error(batch, 2) == NULL); /* not found is not an error */
    /* The values belong to the batch: a later change does not touch them. */
    CHECK_STATUS(secret_context_set("text", "changed"), SECRET_OK);
    CHECK_ENTRY(batch, 0, SECRET_OK, "hello");
    secret_batch_free(batch);

    CHECK_STATUS(secret_get_many(names, 2, true, &batch), SECRET_OK);
    CHECK(secret_batch_len(batch) == 2);
    CHECK_ENTRY(batch, 0, SECRET_OK, "\"changed\"");
    CHECK_ENTRY(batch, 1, SECRET_OK, "{\"k\":[1,\"\\u00e9\"]}");
    secret_batch_free(batch);
}

static void test_an_empty_batch(void)
{
    SecretBatch *batch = NULL;
    CHECK_STATUS(secret_get_many(NULL, 0, false, &batch), SECRET_OK);
    CHECK(batch != NULL);
    CHECK(secret_batch_len(batch) == 0);
    CHECK_STATUS(secret_batch_status(batch, 0), SECRET_ERR_INVALID_ARGUMENT);
    secret_batch_free(batch);
}

/* A bad name fails its own entry; the call reports how many failed and the first. */
static void test_bad_names_fail_their_own_entry(void)
{
    CHECK_STATUS(secret_context_set("ok", "fine"), SECRET_OK);
    const char *names[] = {"ok", NULL, "\xff\xfe", "ok"};
    SecretBatch *batch = NULL;
    CHECK_STATUS(secret_get_many(names, 4, false, &batch), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("2 of 4 names failed; the first, names[1]: names[1]: a name is NULL");
    CHECK(batch != NULL);
    CHECK_ENTRY(batch, 0, SECRET_OK, "fine");
    CHECK_ENTRY(batch, 1, SECRET_ERR_INVALID_ARGUMENT, "");
    CHECK_ENTRY(batch, 2, SECRET_ERR_INVALID_ARGUMENT, "");
    CHECK_ENTRY(batch, 3, SECRET_OK, "fine");
    CHECK_CONTAINS(secret_batch_error(batch, 2), "UTF-8");
    secret_batch_free(batch);
}

static void test_flow_building_fails_every_entry(void)
{
    const char *names[] = {"ok", "missing"};
    SecretBatch *batch = NULL;
    CHECK_STATUS(secret_context_set_flow_building(true), SECRET_OK);
    CHECK_STATUS(secret_get_many(names, 2, false, &batch), SECRET_ERR_FLOW_BUILDING);
    CHECK_ENTRY(batch, 0, SECRET_ERR_FLOW_BUILDING, "");
    CHECK_ENTRY(batch, 1, SECRET_ERR_FLOW_BUILDING, "");
    CHECK_STR(secret_batch_error(batch, 1), FLOW_BUILDING_MESSAGE);
    secret_batch_free(batch);
    CHECK_STATUS(secret_context_set_flow_building(false), SECRET_OK);
}

/* The server path, with a server that refuses connections: every server name fails with
 * a client error that carries no credential; local names still answer. */
static void test_server_names_fail_without_a_server(void)
{
    CHECK_STATUS(secret_config_set_use_local_secrets(false), SECRET_OK);
    CHECK_STATUS(secret_config_set_cloud_graphql("http://127.0.0.1:1/graphql"), SECRET_OK);
    CHECK_STATUS(secret_config_set_auth_token("tok-SECRET-b41"), SECRET_OK);
    const char *names[] = {"one", "two"};
    SecretBatch *batch = NULL;
    CHECK_STATUS(secret_get_many_within(names, 2, false, 5.0, &batch), SECRET_ERR_CLIENT);
    for (size_t i = 0; i < 2; i++) {
        CHECK_ENTRY(batch, i, SECRET_ERR_CLIENT, "");
        const char *error = secret_batch_error(batch, i);
        CHECK(error != NULL && strstr(error, "tok-SECRET") == NULL);
    }
    CHECK(strstr(secret_last_error(), "tok-SECRET") == NULL);
    secret_batch_free(batch);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
}

static void test_refused_calls(void)
{
    const char *names[] = {"a"};
    SecretBatch *batch = (SecretBatch *)&batch; /* not NULL: a refused call sets NULL */
    CHECK_STATUS(secret_get_many(names, 1, false, NULL), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("out is NULL");
    CHECK_STATUS(secret_get_many(NULL, 1, false, &batch), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(batch == NULL);
    CHECK_LAST_ERROR_CONTAINS("names is NULL");
    batch = (SecretBatch *)&batch;
    CHECK_STATUS(secret_get_many(names, (size_t)1 << 40, false, &batch),
                 SECRET_ERR_INVALID_ARGUMENT);
    CHECK(batch == NULL);
    static const double bad_seconds[] = {0.0, -1.0, 1e9, 1.0 / 0.0};
    for (size_t i = 0; i < sizeof bad_seconds / sizeof bad_seconds[0]; i++) {
        batch = (SecretBatch *)&batch;
        CHECK_STATUS(secret_get_many_within(names, 1, false, bad_seconds[i], &batch),
                     SECRET_ERR_INVALID_ARGUMENT);
        CHECK(batch == NULL);
    }
    /* The accessors take NULL and out-of-range indexes without harm. */
    size_t len = 7;
    CHECK(secret_batch_len(NULL) == 0);
    CHECK_STATUS(secret_batch_status(NULL, 0), SECRET_ERR_INVALID_ARGUMENT);
    CHECK(secret_batch_value(NULL, 0, &len) == NULL && len == 0);
    CHECK(secret_batch_error(NULL, 0) == NULL);
    secret_batch_free(NULL);
    CHECK_STATUS(secret_context_set("a", "x"), SECRET_OK);
    CHECK_STATUS(secret_get_many(names, 1, false, &batch), SECRET_OK);
    CHECK_STATUS(secret_batch_status(batch, 1), SECRET_ERR_INVALID_ARGUMENT);
    CHECK_LAST_ERROR_CONTAINS("index 1 is past the end of the batch");
    len = 7;
    CHECK(secret_batch_value(batch, 1, &len) == NULL && len == 0);
    CHECK(secret_batch_value(batch, 0, NULL) != NULL);
    CHECK(secret_batch_error(batch, (size_t)-1) == NULL);
    secret_batch_free(batch);
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    RUN(test_values_are_single_gets);
    RUN(test_an_empty_batch);
    RUN(test_bad_names_fail_their_own_entry);
    RUN(test_flow_building_fails_every_entry);
    RUN(test_server_names_fail_without_a_server);
    RUN(test_refused_calls);
    return check_summary(argv[0]);
}
