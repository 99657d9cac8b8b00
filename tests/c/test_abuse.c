/*
 * test_abuse.c: the library under abuse from a host.
 *
 * - huge and empty names, zero-length and one-byte buffers, allocated values;
 * - 16 threads for several seconds mixing gets (three ways), setters, resets and clears:
 *   no crash, and every value read is exactly one of those that were ever set.
 *
 * Usage: test_abuse [SECONDS]   (default 3)
 */

#include <pthread.h>
#include <time.h>

#include "support.h"

enum { THREADS = 16, MiB = 1 << 20 };

/* Every value "shared" can have: from the environment (after a reset) or set below. */
static const char *const shared_values[] = {
    "from-the-environment",
    "a",
    "a-much-longer-value-0123456789-0123456789-0123456789-0123456789-0123456789",
};
#define SHARED_VALUES (sizeof shared_values / sizeof shared_values[0])

static void test_huge_and_empty_names(void)
{
    char *name = malloc(MiB + 1);
    if (name == NULL)
        test_die("malloc");
    memset(name, 'n', MiB);
    name[MiB] = '\0';
    CHECK_STATUS(secret_context_set(name, "big-name"), SECRET_OK);
    CHECK_READS(secret_get, name, "big-name");
    name[MiB - 1] = 'x'; /* one byte differs: a different name */
    CHECK_READ_STATUS(secret_get, name, SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_remove(name), SECRET_NOT_FOUND);
    CHECK_STATUS(secret_context_set("", "empty-name"), SECRET_OK);
    CHECK_READS(secret_get, "", "empty-name");
    free(name);
}

static void test_tiny_buffers(void)
{
    char one[1] = {'z'};
    char zero[1] = {'z'};
    size_t len = 99;
    CHECK_STATUS(secret_context_set("t", "xy"), SECRET_OK);
    CHECK_STATUS(secret_get("t", zero, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 2 && zero[0] == 'z'); /* a zero-length buffer is not touched */
    CHECK_STATUS(secret_get("t", one, 1, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 2 && one[0] == '\0');
    CHECK_STATUS(secret_context_set("e", "\"\""), SECRET_OK); /* the empty string */
    CHECK_STATUS(secret_get("e", one, 1, &len), SECRET_OK);
    CHECK(len == 0 && one[0] == '\0');
    CHECK_STATUS(secret_get_json("e", one, 1, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 2);
}

static void test_allocated_values(void)
{
    char *big = malloc(MiB + 1);
    if (big == NULL)
        test_die("malloc");
    memset(big, 'v', MiB);
    big[MiB] = '\0';
    CHECK_STATUS(secret_context_set("big", big), SECRET_OK);
    char *out = NULL;
    size_t len = 0;
    CHECK_STATUS(secret_get_alloc("big", &out, &len), SECRET_OK);
    CHECK(out != NULL && len == MiB && out[MiB] == '\0' && memcmp(out, big, MiB) == 0);
    secret_free(out);
    CHECK_STATUS(secret_get_json_alloc("big", &out, NULL), SECRET_OK);
    CHECK(out != NULL && strlen(out) == MiB + 2);
    secret_free(out);
    CHECK_STATUS(secret_get_alloc("absent", &out, &len), SECRET_NOT_FOUND);
    CHECK(out == NULL && len == 0);
    free(big);
}

/* --- many threads ------------------------------------------------------------------- */

static int seconds = 3;
static time_t deadline;
static atomic_long reads, torn;

static bool is_shared_value(const char *v, size_t len)
{
    for (size_t i = 0; i < SHARED_VALUES; i++)
        if (len == strlen(shared_values[i]) && memcmp(v, shared_values[i], len) == 0)
            return true;
    return false;
}

static void read_once(unsigned kind)
{
    char buf[128];
    size_t len = 0;
    int32_t rc;
    if (kind % 3 == 2) {
        char *out = NULL;
        rc = secret_get_alloc("shared", &out, &len);
        if (rc == SECRET_OK && !is_shared_value(out, len))
            atomic_fetch_add(&torn, 1);
        secret_free(out);
    } else {
        rc = (kind % 3 == 0 ? secret_get : secret_get_json)("shared", buf, sizeof buf, &len);
        /* The JSON of a string is the text between quotes. */
        const char *v = kind % 3 == 0 ? buf : buf + 1;
        size_t n = kind % 3 == 0 ? len : len - 2;
        if (rc == SECRET_OK && !is_shared_value(v, n))
            atomic_fetch_add(&torn, 1);
    }
    if (rc != SECRET_OK && rc != SECRET_NOT_FOUND)
        atomic_fetch_add(&torn, 1);
    atomic_fetch_add(&reads, 1);
}

static void write_once(unsigned kind)
{
    switch (kind % 8) {
    case 0: secret_config_reset(); break;
    case 1: secret_context_clear(); break;
    case 2: secret_context_remove("shared"); break;
    case 3: secret_config_set_use_local_secrets(true); break;
    case 4: secret_context_set_flow_building(false); break;
    case 5: secret_config_set_timeouts(5, 10); break;
    default: secret_context_set("shared", shared_values[1 + kind % 2]); break;
    }
}

static void *worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned i = 0; i % 1024 != 0 || time(NULL) < deadline; i++) {
        /* A quarter of the threads write now and then; everyone reads. */
        if (id % 4 == 0 && i % 64 == 0)
            write_once(i / 64 + id);
        read_once(i + id);
    }
    return NULL;
}

static void test_many_threads(void)
{
    pthread_t threads[THREADS];
    deadline = time(NULL) + seconds;
    for (uintptr_t i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, worker, (void *)i) != 0)
            test_die("pthread_create");
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("test_abuse: %d threads for %d s: %ld reads\n", THREADS, seconds, atomic_load(&reads));
    CHECK(atomic_load(&torn) == 0);
    CHECK(atomic_load(&reads) > 0);
    /* The library is still fine afterwards. */
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_READS(secret_get, "shared", "from-the-environment");
}

int main(int argc, char **argv)
{
    if (argc > 1)
        seconds = atoi(argv[1]);
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__SHARED", shared_values[0]);
    RUN(test_huge_and_empty_names);
    RUN(test_tiny_buffers);
    RUN(test_allocated_values);
    RUN(test_many_threads);
    return check_summary(argv[0]);
}
