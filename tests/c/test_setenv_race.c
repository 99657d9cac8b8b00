/*
 * test_setenv_race.c: reports and gets beside a host thread that calls setenv.
 *
 * C's setenv and unsetenv take no lock a reader could share: a library that walks
 * `environ` while another thread grows it reads freed memory (SIGSEGV in strlen). The
 * library reads the environment only when the configuration loads (first call,
 * secret_config_reset, secret_config_load_file); secret_explain, secret_config_view and
 * secret_get work from that snapshot. One thread sets and unsets variables with new
 * names (so `environ` is reallocated again and again) while this thread explains a name
 * that is not found (the near-miss path, which looks at Prefect's variables), views the
 * configuration and gets secrets, for SECONDS.
 *
 * Usage: test_setenv_race [SECONDS]   (default 3; CI runs it for 60)
 */

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "support.h"

static atomic_int stop;

static void *churn(void *arg)
{
    (void)arg;
    char name[64];
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        snprintf(name, sizeof name, "PREFECT__CONTEXT__SECRETS__CHURN_%u", i % 512);
        if (i % 1024 < 512)
            test_setenv(name, "churning-value");
        else
            test_unsetenv(name);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    test_isolate();
    test_setenv("PREFECT__CONTEXT__SECRETS__LOADED", "loaded-value");
    test_setenv("PREFECT__CONTEXT__SECRET__TYPO", "x");
    /* The first call loads the configuration (and reads the environment) before the
     * churn starts. */
    CHECK_READS(secret_get, "loaded", "loaded-value");

    pthread_t thread;
    if (pthread_create(&thread, NULL, churn, NULL) != 0)
        test_die("pthread_create");
    time_t deadline = time(NULL) + seconds;
    long rounds = 0;
    int bad = 0;
    char buf[8192];
    size_t len = 0;
    while (time(NULL) < deadline) {
        bad |= secret_explain("typo", buf, sizeof buf, &len) != SECRET_OK;
        bad |= secret_explain("loaded", buf, sizeof buf, &len) != SECRET_OK;
        bad |= secret_config_view(true, buf, sizeof buf, &len) != SECRET_OK;
        bad |= secret_get("loaded", buf, sizeof buf, &len) != SECRET_OK;
        rounds++;
    }
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    printf("test_setenv_race: %ld rounds of explain, view and get in %d s beside setenv\n",
           rounds, seconds);
    CHECK(!bad);
    CHECK(rounds > 0);
    /* The near miss comes from the variables as loaded. */
    CHECK_STATUS(secret_explain("typo", buf, sizeof buf, &len), SECRET_OK);
    CHECK_CONTAINS(buf, "PREFECT__CONTEXT__SECRET__TYPO does not set it");
    return check_summary(argv[0]);
}
