/*
 * test_concurrency.c: readers never see a torn value while a writer changes it.
 *
 * READERS threads read the secret "shared" in a loop, alternating secret_get and
 * secret_get_json, while one writer thread alternates its value between two strings of
 * different lengths, now and then removes it (and sets it again), re-sets
 * use_local_secrets and writes an unrelated secret. Every read must be SECRET_OK with
 * exactly one of the two values, or SECRET_NOT_FOUND while a removal was in progress.
 * Each reader also fails a call on purpose now and then and checks that its own
 * secret_last_error() survived the other threads' failures.
 *
 * Usage: test_concurrency [ITERATIONS_PER_READER]   (default 200000)
 */

#include <pthread.h>
#include <stdlib.h>

#include "support.h"

enum { READERS = 8, DEFAULT_ITERATIONS = 200000, ERROR_CHECK_EVERY = 1024 };

static const char short_value[] = "v1";
static const char long_value[] = "the-second-value-is-much-longer-than-the-first-0123456789";

/* The writer counts a removal as begun before secret_context_remove and as ended after
 * the value is back. A reader that sees NOT_FOUND must have overlapped one: more
 * removals begun after its read than had ended before it. */
static atomic_ulong removals_begun;
static atomic_ulong removals_ended;
static atomic_bool readers_finished;

struct reader {
    pthread_t thread;
    int index;
    long iterations;
    long ok, not_found, bad, bad_errors;
    char first_bad[256];
};

struct writer {
    pthread_t thread;
    unsigned long writes, failures;
};

/* The value in buf is exactly one of the two, in the rendering asked for. */
static bool is_expected_value(const char *buf, size_t len, bool json)
{
    const char *values[] = {short_value, long_value};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(values[i]);
        if (!json && len == n && memcmp(buf, values[i], n) == 0 && buf[n] == '\0')
            return true;
        if (json && len == n + 2 && buf[0] == '"' && memcmp(buf + 1, values[i], n) == 0 &&
            buf[n + 1] == '"' && buf[n + 2] == '\0')
            return true;
    }
    return false;
}

static void record_bad_read(struct reader *r, const char *what, int32_t status,
                            const char *buf, size_t len)
{
    r->bad++;
    if (r->first_bad[0] == '\0')
        snprintf(r->first_bad, sizeof r->first_bad, "%s: status %s, len %zu, buf \"%.100s\"",
                 what, check_status_name(status), len, buf);
}

static void record_lost_error(struct reader *r, const char *own_error)
{
    r->bad_errors++;
    if (r->first_bad[0] == '\0')
        snprintf(r->first_bad, sizeof r->first_bad,
                 "last error \"%.100s\" is not this thread's (...%s)", secret_last_error(),
                 own_error);
}

/* Fails a call with a message only this thread produces ("... out_buf_len is 10NN"). */
static void fail_on_purpose(const struct reader *r, char *expected, size_t size)
{
    size_t bogus_len = 1000 + (size_t)r->index;
    secret_get("shared", NULL, bogus_len, NULL);
    snprintf(expected, size, "%zu", bogus_len);
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    char buf[128];
    char own_error[32] = "";

    for (long i = 0; i < r->iterations; i++) {
        bool json = (i & 1) != 0;
        unsigned long ended_before = atomic_load(&removals_ended);
        size_t len = SIZE_MAX;
        memset(buf, 'J', sizeof buf);
        int32_t status = (json ? secret_get_json : secret_get)("shared", buf, sizeof buf, &len);

        if (status == SECRET_OK && is_expected_value(buf, len, json))
            r->ok++;
        else if (status == SECRET_NOT_FOUND && len == 0 && buf[0] == '\0' &&
                 atomic_load(&removals_begun) > ended_before)
            r->not_found++;
        else
            record_bad_read(r, json ? "secret_get_json" : "secret_get", status, buf, len);

        if (i % ERROR_CHECK_EVERY == 0) {
            if (own_error[0] != '\0' && strstr(secret_last_error(), own_error) == NULL)
                record_lost_error(r, own_error);
            fail_on_purpose(r, own_error, sizeof own_error);
        }
    }
    return NULL;
}

static void write_value(struct writer *w, const char *value)
{
    w->writes++;
    if (secret_context_set("shared", value) != SECRET_OK)
        w->failures++;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (unsigned long n = 0; !atomic_load(&readers_finished); n++) {
        const char *value = n % 2 ? long_value : short_value;
        if (n % 97 == 0) {
            atomic_fetch_add(&removals_begun, 1);
            if (secret_context_remove("shared") != SECRET_OK)
                w->failures++;
            write_value(w, value);
            atomic_fetch_add(&removals_ended, 1);
        } else {
            write_value(w, value);
        }
        if (n % 101 == 0 && secret_config_set_use_local_secrets(true) != SECRET_OK)
            w->failures++;
        if (n % 89 == 0 && secret_context_set("unrelated", n % 2 ? "a" : "bb") != SECRET_OK)
            w->failures++;
    }
    return NULL;
}

static void test_readers_and_a_writer(long iterations)
{
    static struct reader readers[READERS];
    struct writer writer = {0};

    CHECK_STATUS(secret_context_set("shared", short_value), SECRET_OK);
    CHECK(pthread_create(&writer.thread, NULL, writer_main, &writer) == 0);
    for (int i = 0; i < READERS; i++) {
        readers[i] = (struct reader){.index = i, .iterations = iterations};
        CHECK(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]) == 0);
    }
    for (int i = 0; i < READERS; i++)
        CHECK(pthread_join(readers[i].thread, NULL) == 0);
    atomic_store(&readers_finished, true);
    CHECK(pthread_join(writer.thread, NULL) == 0);

    long ok = 0, not_found = 0;
    for (int i = 0; i < READERS; i++) {
        const struct reader *r = &readers[i];
        ok += r->ok;
        not_found += r->not_found;
        CHECK(r->bad == 0);
        CHECK(r->bad_errors == 0);
        if (r->bad != 0 || r->bad_errors != 0)
            fprintf(stderr, "    reader %d: %ld bad reads, %ld lost errors; first: %s\n", i,
                    r->bad, r->bad_errors, r->first_bad);
    }
    CHECK(ok + not_found == (long)READERS * iterations);
    CHECK(writer.failures == 0);
    CHECK(writer.writes > 0);
    printf("test_concurrency: %d readers x %ld reads: %ld values, %ld not found during a "
           "removal; %lu writes, %lu removals\n",
           READERS, iterations, ok, not_found, writer.writes,
           (unsigned long)atomic_load(&removals_begun));
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : DEFAULT_ITERATIONS;
    test_isolate();
    CHECK(iterations > 0);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    test_readers_and_a_writer(iterations);
    /* The state is consistent afterwards: the last value written is one of the two. */
    struct secret_read last = read_secret(secret_get, "shared");
    CHECK_STATUS(last.status, SECRET_OK);
    CHECK(is_expected_value(last.buf, last.len, false));
    return check_summary(argv[0]);
}
