/*
 * bench: benchmarks of the prefect-secrets C ABI, called the way a host program calls it.
 *
 *   bench [--json] [--quick] [--no-pin] [workload...]
 *                                            run the workloads (default: all); --no-pin
 *                                            leaves server/raw_http threads unpinned
 *   bench --list                             list the workloads
 *   bench --serve PORT_FILE                  only run the loopback HTTP server; write its
 *                                            port to PORT_FILE, serve until killed
 *
 * The table goes to stdout, or to stderr with --json (stdout then carries one JSON object).
 * Every library call's status is checked; a failing call aborts the benchmark (exit 2).
 * The process runs with no PREFECT__* variable and an empty temporary HOME, so the
 * machine's own Prefect configuration cannot change what is measured.
 */

#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "prefect_secrets.h"
#include "report.h"

extern char **environ;

static bool quick;
static bool pin = true; /* server/raw_http: client and server threads on one CPU */

/* ---- calling the library ---- */

static void expect(int32_t status, int32_t want, const char *what)
{
    if (status != want)
        die("%s: status %d (%s), expected %d: %s", what, status, secret_status_str(status), want,
            secret_last_error());
}

typedef int32_t (*getter)(const char *name, char *out, size_t out_len, size_t *len);

/* One kind of get and the outcome every call must have. */
struct get_case {
    const char *workload;
    getter get;
    const char *name;
    int32_t status;
    const char *value; /* "" when not found */
};

#define STRING_NAME "bench_string"
#define STRING_VALUE "hunter2"
#define OBJECT_NAME "bench_object"
#define OBJECT_VALUE "{\"user\": \"svc\", \"password\": \"p4ss\", \"port\": 5432}"
#define OBJECT_COMPACT "{\"user\":\"svc\",\"password\":\"p4ss\",\"port\":5432}"
#define MISS_NAME "bench_missing"
#define WRITER_NAME "bench_writer"
#define SERVER_NAME "bench_server"

static const struct get_case local_cases[] = {
    {"local_string", secret_get, STRING_NAME, SECRET_OK, STRING_VALUE},
    {"local_string_json", secret_get_json, STRING_NAME, SECRET_OK, "\"" STRING_VALUE "\""},
    {"local_object", secret_get, OBJECT_NAME, SECRET_OK, OBJECT_COMPACT},
    {"local_object_json", secret_get_json, OBJECT_NAME, SECRET_OK, OBJECT_COMPACT},
    {"miss", secret_get, MISS_NAME, SECRET_NOT_FOUND, ""},
};
#define LOCAL_CASES (sizeof local_cases / sizeof local_cases[0])

static const struct get_case server_case = {"server", secret_get, SERVER_NAME, SECRET_OK,
                                            HTTP_SECRET_VALUE};

/* Calls the get `calls` times into a stack buffer, checking status and length each time. */
static void get_batch(void *ctx, long calls)
{
    const struct get_case *c = ctx;
    size_t want_len = strlen(c->value);
    char buf[256];
    size_t len;
    for (long i = 0; i < calls; i++) {
        int32_t status = c->get(c->name, buf, sizeof buf, &len);
        if (status != c->status || len != want_len)
            die("%s: call %ld: status %d, length %zu (expected %d, %zu): %s", c->workload, i,
                status, len, c->status, want_len, secret_last_error());
    }
}

/* One call, checking the bytes too. */
static void check_value(const struct get_case *c)
{
    char buf[256];
    size_t len = 0;
    expect(c->get(c->name, buf, sizeof buf, &len), c->status, c->workload);
    if (len != strlen(c->value) || memcmp(buf, c->value, len) != 0)
        die("%s: got %.*s, expected %s", c->workload, (int)len, buf, c->value);
}

static void use_local_secrets(void)
{
    expect(secret_config_set_use_local_secrets(true), SECRET_OK, "use_local_secrets(true)");
    expect(secret_context_set(STRING_NAME, STRING_VALUE), SECRET_OK, "context_set");
    expect(secret_context_set(OBJECT_NAME, OBJECT_VALUE), SECRET_OK, "context_set");
}

static int server_port(void)
{
    static int port;
    if (port == 0)
        port = http_serve();
    return port;
}

static void use_server(void)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", server_port());
    expect(secret_config_set_use_local_secrets(false), SECRET_OK, "use_local_secrets(false)");
    expect(secret_config_set_cloud_graphql(url), SECRET_OK, "set_cloud_graphql");
    expect(secret_config_set_auth_token("tok"), SECRET_OK, "set_auth_token");
    expect(secret_config_set_reuse_window(0), SECRET_OK, "set_reuse_window(0)");
}

static double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

static long cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* ---- results that combine workloads ---- */

static struct {
    double threads_rate[9]; /* total calls/s by thread count; 0 when not run */
    double threads_cpu_rate[9]; /* calls per CPU-second by thread count */
    double threads_cpu_share[9]; /* how much of a CPU each reader got */
    double server_us, raw_http_us;
} combined;

/* ---- the workloads ---- */

struct workload {
    const char *name;
    void (*run)(const struct workload *w);
    const void *arg;
};

static void dist_row(const char *name, struct dist d, double scale, const char *unit)
{
    table("%-20s %10.2f %10.2f  %s\n", name, d.median / scale, d.p90 / scale, unit);
}

static void run_local(const struct workload *w)
{
    const struct get_case *c = w->arg;
    struct batch_plan plan = {.warmup = 3, .batches = quick ? 30 : 100, .calls = 10000};
    use_local_secrets();
    check_value(c);
    struct timed_op op = {.fn = get_batch, .ctx = (void *)c};
    time_batches(&op, 1, plan);
    struct dist d = op.per_call;
    dist_row(w->name, d, 1, "ns/call");
    json_begin(w->name);
    json_str("unit", "ns/call");
    json_dist("per_call", d, 1);
    json_int("batches", plan.batches);
    json_int("calls_per_batch", plan.calls);
    json_end();
}

/* threads_N: N readers for a fixed time while a writer sets another name every 1 ms.
 * Each reader also measures its own CPU time: calls per CPU-second show contention inside
 * the library, and CPU time / wall time shows how much of a core the reader really got
 * (less than 1 when other programs compete for the CPUs). */

struct reader {
    pthread_t thread;
    long calls;
    double seconds, cpu_seconds;
    char pad[64];
};

static struct {
    pthread_barrier_t start;
    atomic_bool stop;
    long writer_sets;
} race;

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define READER_CHUNK 256 /* calls between looks at the stop flag */

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    long calls = 0;
    pthread_barrier_wait(&race.start);
    uint64_t start = now_ns();
    double cpu_start = thread_cpu_seconds();
    while (!atomic_load_explicit(&race.stop, memory_order_relaxed)) {
        get_batch((void *)&local_cases[0], READER_CHUNK);
        calls += READER_CHUNK;
    }
    r->cpu_seconds = thread_cpu_seconds() - cpu_start;
    r->seconds = (double)(now_ns() - start) / 1e9;
    r->calls = calls;
    return NULL;
}

static void *writer_main(void *arg)
{
    (void)arg;
    const struct timespec pause_1ms = {0, 1000000};
    long sets = 0;
    pthread_barrier_wait(&race.start);
    while (!atomic_load_explicit(&race.stop, memory_order_relaxed)) {
        expect(secret_context_set(WRITER_NAME, sets % 2 ? "{\"v\": 1}" : "v0"), SECRET_OK,
               "writer: context_set");
        sets++;
        nanosleep(&pause_1ms, NULL);
    }
    race.writer_sets = sets;
    return NULL;
}

static void start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(thread, NULL, fn, arg);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));
}

/* One timed round with n readers. */
struct round {
    double calls_per_s;     /* sum over readers of calls / own wall time */
    double per_cpu_second;  /* all calls / all readers' CPU time */
    double cpu_share;       /* readers' CPU time / (n * wall time) */
    double slowest, fastest; /* one reader's calls/s */
    double writer_sets_per_s;
};

static struct round race_round(int n, double seconds)
{
    struct reader readers[8];
    pthread_t writer;
    atomic_store(&race.stop, false);
    pthread_barrier_init(&race.start, NULL, (unsigned)n + 2);
    for (int i = 0; i < n; i++)
        start_thread(&readers[i].thread, reader_main, &readers[i]);
    start_thread(&writer, writer_main, NULL);
    pthread_barrier_wait(&race.start);
    struct timespec run = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&run, NULL);
    atomic_store(&race.stop, true);
    struct round r = {.slowest = 1e300};
    double calls = 0, cpu = 0, wall = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(readers[i].thread, NULL);
        double rate = (double)readers[i].calls / readers[i].seconds;
        r.calls_per_s += rate;
        r.slowest = rate < r.slowest ? rate : r.slowest;
        r.fastest = rate > r.fastest ? rate : r.fastest;
        calls += (double)readers[i].calls;
        cpu += readers[i].cpu_seconds;
        wall += readers[i].seconds;
    }
    pthread_join(writer, NULL);
    pthread_barrier_destroy(&race.start);
    r.per_cpu_second = calls / cpu;
    r.cpu_share = cpu / wall;
    r.writer_sets_per_s = (double)race.writer_sets / seconds;
    return r;
}

static int compare_rounds(const void *a, const void *b)
{
    double x = ((const struct round *)a)->calls_per_s, y = ((const struct round *)b)->calls_per_s;
    return (x > y) - (x < y);
}

#define ROUNDS 3

static void run_threads(const struct workload *w)
{
    int n = *(const int *)w->arg;
    double seconds = quick ? 0.3 : 1.0;
    struct round rounds[ROUNDS];
    use_local_secrets();
    check_value(&local_cases[0]);
    for (int i = 0; i < ROUNDS; i++)
        rounds[i] = race_round(n, seconds);
    qsort(rounds, ROUNDS, sizeof rounds[0], compare_rounds);
    struct round r = rounds[ROUNDS / 2];
    combined.threads_rate[n] = r.calls_per_s;
    combined.threads_cpu_rate[n] = r.per_cpu_second;
    combined.threads_cpu_share[n] = r.cpu_share;
    table("%-20s %7.2f M calls/s (%.2f M per thread), %.2f M per CPU-second; each reader "
          "got %.0f%% of a CPU (median of %d rounds of %.1f s)\n",
          w->name, r.calls_per_s / 1e6, r.calls_per_s / n / 1e6, r.per_cpu_second / 1e6,
          r.cpu_share * 100, ROUNDS, seconds);
    json_begin(w->name);
    json_int("threads", n);
    json_num("seconds", seconds);
    json_int("rounds", ROUNDS);
    json_num("calls_per_s", r.calls_per_s);
    json_num("calls_per_s_per_thread", r.calls_per_s / n);
    json_num("slowest_thread_calls_per_s", r.slowest);
    json_num("fastest_thread_calls_per_s", r.fastest);
    json_num("calls_per_cpu_second", r.per_cpu_second);
    json_num("reader_cpu_share", r.cpu_share);
    json_num("writer_sets_per_s", r.writer_sets_per_s);
    json_begin_array("calls_per_s_by_round");
    for (int i = 0; i < ROUNDS; i++)
        json_num(NULL, rounds[i].calls_per_s);
    json_end_array();
    json_end();
}

/* server / raw_http: the same loopback server, through the library or by hand. */

static const char request_body[] =
    "{\"query\": \"query($name: String!) {\\n        secretValue(name: $name)\\n}\", "
    "\"variables\": \"{\\\"name\\\": \\\"" SERVER_NAME "\\\"}\"}";

struct raw_client {
    int fd;
    char request[1024];
    size_t request_len;
    struct http_buffer in;
};

static void raw_client_open(struct raw_client *c)
{
    int port = server_port();
    c->fd = http_connect(port);
    c->in.len = 0;
    int n = snprintf(c->request, sizeof c->request,
                     "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "User-Agent: prefect-secrets/%s\r\nAccept: */*\r\n"
                     "Accept-Encoding: gzip\r\nAuthorization: Bearer tok\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     port, secret_version(), strlen(request_body), request_body);
    if (n <= 0 || (size_t)n >= sizeof c->request)
        die("request too long");
    c->request_len = (size_t)n;
}

static void raw_http_batch(void *ctx, long calls)
{
    struct raw_client *c = ctx;
    for (long i = 0; i < calls; i++) {
        if (http_write_all(c->fd, c->request, c->request_len) != 0)
            die("raw_http: send failed");
        long n = http_read_message(c->fd, &c->in);
        size_t body_len;
        const char *body = n > 0 ? http_body(&c->in, (size_t)n, &body_len) : NULL;
        if (body == NULL || memcmp(c->in.data, "HTTP/1.1 200 ", 13) != 0 ||
            body_len != strlen(HTTP_REPLY_BODY) || memcmp(body, HTTP_REPLY_BODY, body_len) != 0)
            die("raw_http: call %ld: bad reply", i);
        http_consume(&c->in, (size_t)n);
    }
}

/* Sets the CPU affinity of every thread of this process (threads started later inherit
 * their creator's). */
static void set_process_affinity(const cpu_set_t *cpus)
{
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL)
        die("opendir /proc/self/task: %s", strerror(errno));
    struct dirent *task;
    while ((task = readdir(tasks)) != NULL)
        if (task->d_name[0] != '.' &&
            sched_setaffinity((pid_t)atoi(task->d_name), sizeof *cpus, cpus) != 0 &&
            errno != ESRCH)
            die("sched_setaffinity: %s", strerror(errno));
    closedir(tasks);
}

/* Moves the whole process onto the last CPU it may use, saving where it may run in
 * `saved`; returns the CPU. */
static int pin_process(cpu_set_t *saved)
{
    if (sched_getaffinity(0, sizeof *saved, saved) != 0)
        die("sched_getaffinity: %s", strerror(errno));
    int cpu = CPU_SETSIZE - 1;
    while (cpu > 0 && !CPU_ISSET(cpu, saved))
        cpu--;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    set_process_affinity(&one);
    return cpu;
}

/* Both are measured together, batch by batch in turn, so that their ratio compares them
 * under the same machine conditions; each workload reports its half. With `pin` (the
 * default), the client and the server threads share one CPU during the measurement: each
 * exchange then costs its CPU work and two context switches. Left to the scheduler, a
 * thread woken on the other CPU of a VM can wait tens of microseconds, differently for
 * each connection, which swamps what is measured. */
static struct {
    int cpu; /* -1: not pinned */
    bool done;
    struct timed_op ops[2]; /* [0] through the library, [1] raw */
    long requests_each, library_new_connections, request_bytes[2];
} http_pair;

static void measure_http_pair(void)
{
    if (http_pair.done)
        return;
    struct batch_plan plan = {.warmup = 2, .batches = quick ? 30 : 100, .calls = 200};
    struct raw_client *raw = malloc(sizeof *raw);
    if (raw == NULL)
        die("out of memory");
    cpu_set_t allowed;
    server_port();
    http_pair.cpu = pin ? pin_process(&allowed) : -1;
    use_server();
    check_value(&server_case);
    http_pair.request_bytes[0] = http_last_request_bytes();
    long requests = http_requests(), connections = http_connections();
    raw_client_open(raw);
    http_pair.request_bytes[1] = (long)raw->request_len;
    http_pair.ops[0] = (struct timed_op){.fn = get_batch, .ctx = (void *)&server_case};
    http_pair.ops[1] = (struct timed_op){.fn = raw_http_batch, .ctx = raw};
    time_batches(http_pair.ops, 2, plan);
    long each = (long)(plan.warmup + plan.batches) * plan.calls;
    long library = http_requests() - requests - each;
    if (library != each)
        die("server: %ld calls reached the server, expected %ld (is the reuse window off?)",
            library, each);
    http_pair.requests_each = each;
    http_pair.library_new_connections = http_connections() - connections - 1;
    close(raw->fd);
    free(raw);
    if (pin)
        set_process_affinity(&allowed);
    http_pair.done = true;
}

static void run_http(const struct workload *w)
{
    int which = *(const int *)w->arg;
    measure_http_pair();
    struct dist d = http_pair.ops[which].per_call;
    *(which == 0 ? &combined.server_us : &combined.raw_http_us) = d.median / 1000;
    dist_row(w->name, d, 1000, which == 0 ? "us/call (library, keep-alive, reuse window 0)"
                                          : "us/call (one raw keep-alive request)");
    json_begin(w->name);
    json_str("unit", "us/call");
    json_dist("per_call", d, 1000);
    json_int("requests", http_pair.requests_each);
    json_int("request_bytes", http_pair.request_bytes[which]);
    if (which == 0)
        json_int("new_connections", http_pair.library_new_connections);
    json_bool("interleaved_with_other", true);
    json_int("pinned_cpu", http_pair.cpu);
    json_end();
}

/* memory_local / memory_server: RSS before and after many calls. */

/* Up to `calls` calls (`quick_calls` with --quick) in MEMORY_CHECKPOINTS steps, stopping
 * early once `budget_seconds` (0: none) have passed. */
struct memory_plan {
    void (*setup)(void);
    const struct get_case *cases;
    int case_count;
    long calls, quick_calls;
    double budget_seconds;
};

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size, resident;
    if (f == NULL || fscanf(f, "%ld %ld", &size, &resident) != 2)
        die("reading /proc/self/statm");
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#define MEMORY_CHECKPOINTS 10

static void run_memory(const struct workload *w)
{
    const struct memory_plan *p = w->arg;
    long calls = quick ? p->quick_calls : p->calls;
    long chunk = calls / MEMORY_CHECKPOINTS / p->case_count;
    p->setup();
    for (int i = 0; i < p->case_count; i++) {
        check_value(&p->cases[i]);
        get_batch((void *)&p->cases[i], 2000);
    }
    long samples[MEMORY_CHECKPOINTS + 1];
    int steps = 0;
    samples[0] = rss_kib();
    uint64_t start = now_ns();
    double seconds = 0;
    while (steps < MEMORY_CHECKPOINTS &&
           (p->budget_seconds == 0 || seconds < p->budget_seconds)) {
        for (int i = 0; i < p->case_count; i++)
            get_batch((void *)&p->cases[i], chunk);
        samples[++steps] = rss_kib();
        seconds = (double)(now_ns() - start) / 1e9;
    }
    long done = chunk * p->case_count * steps;
    long before = samples[0], after = samples[steps];
    table("%-20s RSS %ld KiB before, %ld KiB after %ld calls: %+ld KiB (%.1f s)\n", w->name,
          before, after, done, after - before, seconds);
    char note[160] = "";
    if (done < calls)
        snprintf(note, sizeof note, "stopped after %ld of %ld calls: the %.0f s budget ran out",
                 done, calls, p->budget_seconds);
    json_begin(w->name);
    json_int("calls", done);
    json_int("rss_kib_before", before);
    json_int("rss_kib_after", after);
    json_int("rss_kib_delta", after - before);
    json_int("rss_kib_delta_second_half", after - samples[steps / 2]);
    json_begin_array("rss_kib_checkpoints");
    for (int k = 0; k <= steps; k++)
        json_int(NULL, samples[k]);
    json_end_array();
    json_num("seconds", seconds);
    if (note[0] != '\0') {
        json_str("note", note);
        table("%-20s %s\n", "", note);
    }
    json_end();
}

/* first_call: a fresh process's first secret_get, with a realistic user configuration. */

#define FIRST_CALL_NAME "api_url"
#define FIRST_CALL_VALUE "https://api.example.com/v1"
#define FIRST_CALL_ENV_VARS 50

static const char user_config[] =
    "# A user's Prefect configuration.\n"
    "[cloud]\n"
    "api = \"https://api.example.com\"\n"
    "graphql = \"${cloud.api}/graphql/alpha\"\n"
    "use_local_secrets = true\n"
    "\n"
    "[logging]\n"
    "level = \"INFO\"\n"
    "format = \"[%(asctime)s] %(levelname)s - %(name)s | %(message)s\"\n"
    "datefmt = \"%Y-%m-%d %H:%M:%S\"\n"
    "\n"
    "[context.secrets]\n"
    "api_url = \"${cloud.api}/v1\"\n"
    "graphql_url = \"${cloud.graphql}\"\n"
    "db_password = \"p4ss\"\n"
    "db_url = \"postgresql://svc:p4ss@db.internal:5432/app\"\n"
    "data_dir = \"$HOME/data\"\n"
    "cache_dir = \"${HOME}/.cache/app\"\n"
    "log_dir = \"~/logs\"\n"
    "slack_webhook = \"https://hooks.slack.com/services/T000/B000/XXXX\"\n"
    "github_token = \"ghp_0123456789abcdef0123456789abcdef0123\"\n"
    "retries = 3\n"
    "timeout = 2.5\n"
    "debug = false\n"
    "regions = [\"eu-west-1\", \"us-east-1\"]\n"
    "json_blob = '{\"user\": \"svc\", \"password\": \"p4ss\", \"port\": 5432}'\n"
    "smtp_password = \"m41l\"\n"
    "sentry_dsn = \"https://key@sentry.example.com/42\"\n"
    "\n"
    "[context.secrets.postgres]\n"
    "user = \"svc\"\n"
    "password = \"p4ss\"\n"
    "host = \"db.internal\"\n"
    "port = 5432\n"
    "\n"
    "[context.secrets.aws]\n"
    "access_key_id = \"AKIA0000000000000000\"\n"
    "secret_access_key = \"abcd/efgh+ijkl/mnop\"\n"
    "region = \"eu-west-1\"\n"
    "\n"
    "[context.secrets.aws.s3]\n"
    "bucket = \"app-data\"\n"
    "prefix = \"$HOME/exports\"\n";

static char temp_home[4096];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_temp_home(void)
{
    if (temp_home[0] != '\0')
        nftw(temp_home, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_temp_home(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_home, sizeof temp_home, "%s/prefect-secrets-bench.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(temp_home) == NULL)
        die("mkdtemp: %s", strerror(errno));
    atexit(remove_temp_home);
}

/* The children's HOME, beside (not in) this process's own empty HOME. */
static char child_home[4200];

static void write_user_config(void)
{
    char path[4300];
    snprintf(child_home, sizeof child_home, "%s/first-call-home", temp_home);
    snprintf(path, sizeof path, "%s/.prefect", child_home);
    if ((mkdir(child_home, 0700) != 0 && errno != EEXIST) ||
        (mkdir(path, 0700) != 0 && errno != EEXIST))
        die("mkdir %s: %s", path, strerror(errno));
    strcat(path, "/config.toml");
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(user_config, f) < 0 || fclose(f) != 0)
        die("writing %s", path);
}

/* The child's environment: HOME, PATH, LANG and the PREFECT__CONTEXT__SECRETS__VAR_i. */
static char **first_call_environment(void)
{
    static char *env[FIRST_CALL_ENV_VARS + 4];
    static char text[FIRST_CALL_ENV_VARS + 3][4300];
    const char *path = getenv("PATH");
    snprintf(text[0], sizeof text[0], "HOME=%s", child_home);
    snprintf(text[1], sizeof text[1], "PATH=%s", path ? path : "/usr/bin:/bin");
    snprintf(text[2], sizeof text[2], "LANG=C.UTF-8");
    for (int i = 0; i < FIRST_CALL_ENV_VARS; i++) {
        char *t = text[i + 3];
        const char *var = "PREFECT__CONTEXT__SECRETS__VAR_";
        if (i % 3 == 0)
            snprintf(t, sizeof text[0], "%s%d=value-%d-$HOME", var, i, i);
        else if (i % 3 == 1)
            snprintf(t, sizeof text[0], "%s%d={\"id\": %d, \"name\": \"svc%d\"}", var, i, i, i);
        else
            snprintf(t, sizeof text[0], "%s%d=%d", var, i, i * 1000);
    }
    for (int i = 0; i < FIRST_CALL_ENV_VARS + 3; i++)
        env[i] = text[i];
    env[FIRST_CALL_ENV_VARS + 3] = NULL;
    return env;
}

/* Runs this program with --first-call-child; returns the first and second call's ns. */
static void spawn_first_call_child(char **env, double *first, double *second)
{
    int out[2];
    if (pipe(out) != 0)
        die("pipe: %s", strerror(errno));
    char *argv[] = {"bench", "--first-call-child", NULL};
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execve("/proc/self/exe", argv, env);
        _exit(127);
    }
    close(out[1]);
    char text[256] = "";
    size_t len = 0;
    ssize_t n;
    while ((n = read(out[0], text + len, sizeof text - 1 - len)) > 0)
        len += (size_t)n;
    text[len] = '\0';
    close(out[0]);
    int wstatus;
    if (waitpid(pid, &wstatus, 0) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 ||
        sscanf(text, "%lf %lf", first, second) != 2)
        die("first_call child failed (exit status %d): %s", wstatus, text);
}

static int first_call_child(void)
{
    char buf[256];
    size_t len = 0;
    uint64_t start = now_ns();
    int32_t status = secret_get(FIRST_CALL_NAME, buf, sizeof buf, &len);
    uint64_t first = now_ns();
    expect(secret_get(FIRST_CALL_NAME, buf, sizeof buf, &len), status, "second call");
    uint64_t second = now_ns();
    expect(status, SECRET_OK, "first call");
    if (strcmp(buf, FIRST_CALL_VALUE) != 0)
        die("first call: got %s, expected %s", buf, FIRST_CALL_VALUE);
    expect(secret_get("var_49", buf, sizeof buf, &len), SECRET_OK, "var_49");
    if (strcmp(buf, "{\"id\":49,\"name\":\"svc49\"}") != 0)
        die("var_49: got %s", buf);
    printf("%llu %llu\n", (unsigned long long)(first - start),
           (unsigned long long)(second - first));
    return 0;
}

static void run_first_call(const struct workload *w)
{
    int runs = quick ? 10 : 30;
    write_user_config();
    char **env = first_call_environment();
    double *first = malloc((size_t)runs * sizeof *first);
    double *second = malloc((size_t)runs * sizeof *second);
    if (first == NULL || second == NULL)
        die("out of memory");
    for (int i = 0; i < runs; i++)
        spawn_first_call_child(env, &first[i], &second[i]);
    struct dist d1 = dist_of(first, runs), d2 = dist_of(second, runs);
    dist_row(w->name, d1, 1000, "us (first secret_get of a process)");
    dist_row("  second_call", d2, 1, "ns (the call after it)");
    json_begin(w->name);
    json_str("unit", "us");
    json_int("runs", runs);
    json_int("env_vars", FIRST_CALL_ENV_VARS);
    json_dist("first_call", d1, 1000);
    json_dist("second_call_ns", d2, 1);
    json_end();
    free(first);
    free(second);
}

/* ---- the list ---- */

static const int one = 1, two = 2, eight = 8;
static const int through_library = 0, by_hand = 1;

static const struct memory_plan memory_local = {use_local_secrets, local_cases, LOCAL_CASES,
                                                1000000, 1000000, 0};
/* Each server call is a real HTTP exchange (~40 us): 1,000,000 take ~40 s, so at most 60 s. */
static const struct memory_plan memory_server = {use_server, &server_case, 1,
                                                 1000000, 20000, 60};

static const struct workload workloads[] = {
    {"local_string", run_local, &local_cases[0]},
    {"local_string_json", run_local, &local_cases[1]},
    {"local_object", run_local, &local_cases[2]},
    {"local_object_json", run_local, &local_cases[3]},
    {"miss", run_local, &local_cases[4]},
    {"threads_1", run_threads, &one},
    {"threads_2", run_threads, &two},
    {"threads_8", run_threads, &eight},
    {"server", run_http, &through_library},
    {"raw_http", run_http, &by_hand},
    {"memory_local", run_memory, &memory_local},
    {"memory_server", run_memory, &memory_server},
    {"first_call", run_first_call, NULL},
};
#define WORKLOADS (sizeof workloads / sizeof workloads[0])

static const struct workload *find_workload(const char *name)
{
    for (size_t i = 0; i < WORKLOADS; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

/* ---- putting it together ---- */

static void report_combined(void)
{
    long cpus = cpu_count();
    json_begin("derived");
    if (combined.threads_rate[1] > 0 && combined.threads_rate[2] > 0) {
        double r = combined.threads_rate[2] / combined.threads_rate[1];
        table("%-20s %10.2f             x one thread's throughput (target: close to 2x)\n",
              "scaling 2 vs 1", r);
        json_num("threads_2_vs_1", r);
        double c = combined.threads_cpu_rate[2] / combined.threads_cpu_rate[1];
        table("%-20s %10.2f             x one thread's calls per CPU-second (1.00: no "
              "contention)\n",
              "  per CPU-second", c);
        json_num("threads_2_vs_1_per_cpu_second", c);
        double share = combined.threads_cpu_share[1] < combined.threads_cpu_share[2]
                           ? combined.threads_cpu_share[1]
                           : combined.threads_cpu_share[2];
        if (share < 0.9)
            table("%-20s readers got only %.0f%% of a CPU each: other programs were running, "
                  "the throughput ratio is not the library's\n",
                  "", share * 100);
    }
    if (combined.threads_rate[1] > 0 && combined.threads_rate[8] > 0) {
        double r = combined.threads_rate[8] / combined.threads_rate[1];
        table("%-20s %10.2f             x one thread's throughput (%ld CPUs: at most ~%ldx)\n",
              "scaling 8 vs 1", r, cpus, cpus);
        json_num("threads_8_vs_1", r);
    }
    if (combined.server_us > 0 && combined.raw_http_us > 0) {
        double r = combined.server_us / combined.raw_http_us;
        table("%-20s %10.2f             x one raw keep-alive request (target: <= 1.3x)\n",
              "server / raw_http", r);
        json_num("server_vs_raw_http", r);
    }
    json_end();
    json_begin_array("notes");
    json_str(NULL, "medians and p90s are across batches of calls; threads_N counts calls "
                   "per thread over its own running time");
    if (combined.threads_rate[8] > 0) {
        char note[200];
        snprintf(note, sizeof note,
                 "this machine has %ld CPUs: 8 reader threads cannot scale beyond ~%ldx one "
                 "thread",
                 cpus, cpus);
        json_str(NULL, note);
    }
    json_end_array();
}

/* No PREFECT__* variable and an empty HOME, before the first call into the library. */
static void isolate(void)
{
    for (;;) {
        char **e = environ;
        while (*e != NULL && strncmp(*e, "PREFECT__", 9) != 0)
            e++;
        if (*e == NULL)
            break;
        char name[512];
        size_t n = strcspn(*e, "=");
        snprintf(name, sizeof name, "%.*s", (int)n, *e);
        if (unsetenv(name) != 0)
            die("unsetenv %s", name);
    }
    make_temp_home();
    if (setenv("HOME", temp_home, 1) != 0)
        die("setenv HOME");
}

static int serve(const char *port_file)
{
    char tmp[4200];
    int port = http_serve();
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, port_file))
        die("writing %s: %s", port_file, strerror(errno));
    for (;;)
        pause();
}

static int usage(void)
{
    fprintf(stderr, "usage: bench [--json] [--quick] [--no-pin] [workload...]\n"
                    "       bench --list | --serve PORT_FILE\nworkloads:");
    for (size_t i = 0; i < WORKLOADS; i++)
        fprintf(stderr, " %s", workloads[i].name);
    fputc('\n', stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--first-call-child") == 0)
        return first_call_child();
    if (argc == 3 && strcmp(argv[1], "--serve") == 0)
        return serve(argv[2]);
    bool json_out = false;
    const struct workload *chosen[WORKLOADS * 4];
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json_out = true;
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--no-pin") == 0)
            pin = false;
        else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < WORKLOADS; k++)
                puts(workloads[k].name);
            return 0;
        } else if (find_workload(argv[i]) != NULL && count < WORKLOADS * 4)
            chosen[count++] = find_workload(argv[i]);
        else
            return usage();
    }
    for (size_t i = 0; count == 0 && i < WORKLOADS; i++)
        chosen[i] = &workloads[i];
    count = count ? count : WORKLOADS;

    isolate();
    table_to(json_out ? stderr : stdout);
    json_begin(NULL);
    json_str("library_version", secret_version());
    json_int("cpus", cpu_count());
    json_bool("quick", quick);
    json_num("load_average_before", load_average());
    json_begin("workloads");
    table("prefect-secrets %s benchmark, %ld CPUs%s\n%-20s %10s %10s\n", secret_version(),
          cpu_count(), quick ? " (quick)" : "", "workload", "median", "p90");
    for (size_t i = 0; i < count; i++)
        chosen[i]->run(chosen[i]);
    json_end();
    report_combined();
    json_num("load_average_after", load_average());
    json_end();
    if (json_out)
        json_write(stdout);
    return 0;
}
