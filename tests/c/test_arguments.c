/*
 * test_arguments.c: NULL and invalid UTF-8 for every pointer argument of every function,
 * and outputs that overlap the name.
 *
 * Each bad argument gives SECRET_ERR_INVALID_ARGUMENT, a last error naming the argument
 * and saying what is wrong with it, and no change to the library's state.
 */

#include "support.h"

/* A bad string argument and the word the error message uses for its problem. */
struct bad_string {
    const char *value;
    const char *problem;
};

static const struct bad_string bad_strings[] = {
    {NULL, "NULL"},
    {"\xff\xfe", "UTF-8"},
    {"ok\xc3", "UTF-8"},       /* a truncated sequence */
    {"\xed\xa0\x80", "UTF-8"}, /* an encoded surrogate */
    {"\xc0\xaf", "UTF-8"},     /* an overlong form */
};

#define CHECK_INVALID(call, argument, problem)                 \
    do {                                                       \
        if (CHECK_STATUS(call, SECRET_ERR_INVALID_ARGUMENT)) { \
            CHECK_LAST_ERROR_CONTAINS(argument);               \
            CHECK_LAST_ERROR_CONTAINS(problem);                \
        }                                                      \
    } while (0)

/* The state every test starts from, and checks it still has after the bad calls. */
static void set_known_state(void)
{
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
}

static void check_state_unchanged(void)
{
    CHECK_READS(secret_get, "k", "v");
    CHECK_READS(secret_get_json, "k", "\"v\"");
}

static void check_bad_string(const struct bad_string *bad)
{
    const char *s = bad->value;
    const char *problem = bad->problem;
    char buf[16];
    size_t len;

    CHECK_INVALID(secret_get(s, buf, sizeof buf, &len), "name", problem);
    CHECK_INVALID(secret_get_json(s, buf, sizeof buf, &len), "name", problem);
    CHECK_INVALID(secret_config_set_cloud_graphql(s), "url", problem);
    CHECK_INVALID(secret_config_load_file(s), "path", problem);
    CHECK_INVALID(secret_context_set(s, "v2"), "name", problem);
    CHECK_INVALID(secret_context_set("k", s), "value", problem);
    CHECK_INVALID(secret_context_set(s, s), "name", problem);
    CHECK_INVALID(secret_context_set_bytes(s, "v2", 2), "name", problem);
    CHECK_INVALID(secret_context_remove(s), "name", problem);
    char *out = (char *)&out; /* must come back NULL */
    CHECK_INVALID(secret_get_alloc(s, &out, &len), "name", problem);
    CHECK(out == NULL);
    CHECK_INVALID(secret_get_json_alloc(s, &out, NULL), "name", problem);
    if (s != NULL) {
        /* NULL is valid for these: it removes the setting (or is an empty value). */
        CHECK_INVALID(secret_config_set_auth_token(s), "token", problem);
        CHECK_INVALID(secret_context_set_bytes("k", s, strlen(s)), "value", problem);
        CHECK_INVALID(secret_config_set_ca_bundle(s), "path", problem);
        CHECK_INVALID(secret_config_set_api_url(s), "url", problem);
        CHECK_INVALID(secret_config_set_api_key(s), "key", problem);
        CHECK_INVALID(secret_config_set_api_auth_string(s), "auth", problem);
    }
}

static void test_bad_strings(void)
{
    set_known_state();
    for (size_t i = 0; i < sizeof bad_strings / sizeof bad_strings[0]; i++)
        check_bad_string(&bad_strings[i]);
    check_state_unchanged();
}

static void test_set_bytes_value(void)
{
    set_known_state();
    CHECK_INVALID(secret_context_set_bytes("k", NULL, 3), "value", "NULL");
    CHECK_INVALID(secret_context_set_bytes("k", "\xff", 1), "value", "UTF-8");
    /* Only value_len bytes count: a valid prefix of invalid text is fine... */
    CHECK_STATUS(secret_context_set_bytes("prefix", "ok\xff", 2), SECRET_OK);
    CHECK_READS(secret_get, "prefix", "ok");
    /* ...and a multi-byte character cut by value_len is not. */
    CHECK_INVALID(secret_context_set_bytes("k", "\xc3\xa9", 1), "value", "UTF-8");
    check_state_unchanged();
}

static void test_null_token_is_allowed(void)
{
    CHECK_STATUS(secret_config_set_auth_token(NULL), SECRET_OK);
    CHECK_STATUS(secret_config_set_auth_token("t"), SECRET_OK);
    CHECK_STATUS(secret_config_set_auth_token(NULL), SECRET_OK);
}

static void test_null_output_buffer(void)
{
    set_known_state();
    CHECK_INVALID(secret_get("k", NULL, 1, NULL), "out_buf", "NULL");
    CHECK_INVALID(secret_get_json("k", NULL, 64, NULL), "out_buf", "NULL");
    CHECK_INVALID(secret_get_alloc("k", NULL, NULL), "out", "NULL");
    CHECK_INVALID(secret_get_json_alloc("k", NULL, NULL), "out", "NULL");
    secret_free(NULL); /* a no-op */
}

static void test_nullable_settings(void)
{
    CHECK_STATUS(secret_config_set_ca_bundle(NULL), SECRET_OK);
    CHECK_STATUS(secret_config_set_api_url(NULL), SECRET_OK);
    CHECK_STATUS(secret_config_set_api_key(NULL), SECRET_OK);
    CHECK_STATUS(secret_config_set_api_auth_string(NULL), SECRET_OK);
}

static void test_bad_numbers(void)
{
    set_known_state();
    CHECK_INVALID(secret_config_set_timeouts(0.0, 1.0), "connect_seconds", "positive");
    CHECK_INVALID(secret_config_set_timeouts(1.0, -2.0), "request_seconds", "positive");
    CHECK_INVALID(secret_config_set_timeouts(1.0 / 0.0, 1.0), "connect_seconds", "finite");
    CHECK_INVALID(secret_config_set_reuse_window(-1.0), "seconds", "non-negative");
    CHECK_INVALID(secret_config_set_cache_ttl(1e12), "seconds", "1e9");
    CHECK_INVALID(secret_config_set_max_reply_bytes(0), "max_bytes", "between");
    CHECK_INVALID(secret_config_set_server_flavor(99), "99", "SecretServerFlavor");
    CHECK_INVALID(secret_config_set_server_flavor(-1), "-1", "SecretServerFlavor");
    check_state_unchanged();
}

/*
 * Outputs that overlap the name. secret_get(buf, buf, ...) used to clear the buffer, so
 * the name, before reading it, and return the secret named "" with SECRET_OK. Every
 * export that reads a name and writes outputs now refuses an output that shares a byte
 * with the name (its NUL included): SECRET_ERR_INVALID_ARGUMENT, and nothing written
 * (the name is intact, the buffer not cleared, *out_len and *out as the caller left them).
 */
#define UNTOUCHED_LEN ((size_t)12345)

typedef int32_t (*buf_getter)(const char *, char *, size_t, size_t *);
typedef int32_t (*alloc_getter)(const char *, char **, size_t *);

static int32_t get_alloc_within(const char *name, char **out, size_t *out_len)
{
    return secret_get_alloc_within(name, 5.0, out, out_len);
}

static int32_t get_json_alloc_within(const char *name, char **out, size_t *out_len)
{
    return secret_get_json_alloc_within(name, 5.0, out, out_len);
}

static const buf_getter buf_getters[] = {secret_get, secret_get_json, secret_explain};

static const alloc_getter alloc_getters[] = {
    secret_get_alloc,      secret_get_json_alloc, get_alloc_within,
    get_json_alloc_within, secret_explain_alloc,
};

/* A size_t, or a char *, whose bytes hold a name. */
union name_in_len {
    size_t len;
    char name[sizeof(size_t)];
};

union name_in_out {
    char *out;
    char name[sizeof(char *)];
};

static void test_outputs_overlapping_the_name(void)
{
    CHECK_STATUS(secret_context_set("", "the-empty-name"), SECRET_OK);
    CHECK_STATUS(secret_context_set("k", "v"), SECRET_OK);
    static char buf[4096];
    size_t len;
    union name_in_len in_len;

    for (size_t i = 0; i < sizeof buf_getters / sizeof buf_getters[0]; i++) {
        buf_getter get = buf_getters[i];
        /* The buffer is the name. */
        strcpy(buf, "k");
        len = UNTOUCHED_LEN;
        CHECK_INVALID(get(buf, buf, sizeof buf, &len), "out_buf overlaps name", "");
        CHECK_STR(buf, "k");
        CHECK(len == UNTOUCHED_LEN);
        /* The name further in; a buffer that is only the name's NUL. */
        strcpy(buf, "xxk");
        CHECK_INVALID(get(buf + 2, buf, sizeof buf, &len), "out_buf overlaps name", "");
        CHECK_INVALID(get(buf + 2, buf + 3, 1, &len), "out_buf overlaps name", "");
        CHECK_STR(buf, "xxk");
        CHECK(len == UNTOUCHED_LEN);
        /* Right after the NUL is not an overlap. */
        CHECK_STATUS(get(buf + 2, buf + 4, sizeof buf - 4, &len), SECRET_OK);
        CHECK_STR(buf, "xxk");
        /* *out_len holds the name: refused, and the buffer is not cleared. */
        memset(&in_len, 0, sizeof in_len);
        strcpy(in_len.name, "k");
        strcpy(buf, "zzzz");
        CHECK_INVALID(get(in_len.name, buf, sizeof buf, &in_len.len), "out_len overlaps name",
                      "");
        CHECK_STR(in_len.name, "k");
        CHECK_STR(buf, "zzzz");
    }

    union name_in_out in_out;
    for (size_t i = 0; i < sizeof alloc_getters / sizeof alloc_getters[0]; i++) {
        alloc_getter get = alloc_getters[i];
        /* *out holds the name. */
        memset(&in_out, 0, sizeof in_out);
        strcpy(in_out.name, "k");
        len = UNTOUCHED_LEN;
        CHECK_INVALID(get(in_out.name, &in_out.out, &len), "out overlaps name", "");
        CHECK_STR(in_out.name, "k");
        CHECK(len == UNTOUCHED_LEN);
        /* *out_len holds the name: refused, and *out is not set to NULL. */
        char *out = (char *)&out;
        memset(&in_len, 0, sizeof in_len);
        strcpy(in_len.name, "k");
        CHECK_INVALID(get(in_len.name, &out, &in_len.len), "out_len overlaps name", "");
        CHECK_STR(in_len.name, "k");
        CHECK(out == (char *)&out);
        /* Apart, the same call succeeds. */
        CHECK_STATUS(get("k", &out, &len), SECRET_OK);
        secret_free(out);
    }
    /* An invalid max_seconds is reported, and still nothing is written over the name. */
    memset(&in_out, 0, sizeof in_out);
    strcpy(in_out.name, "k");
    CHECK_INVALID(secret_get_alloc_within(in_out.name, -1.0, &in_out.out, NULL), "max_seconds",
                  "positive");
    CHECK_STR(in_out.name, "k");
}

int main(int argc, char **argv)
{
    (void)argc;
    test_isolate();
    RUN(test_bad_strings);
    RUN(test_set_bytes_value);
    RUN(test_null_token_is_allowed);
    RUN(test_null_output_buffer);
    RUN(test_nullable_settings);
    RUN(test_bad_numbers);
    RUN(test_outputs_overlapping_the_name);
    return check_summary(argv[0]);
}
