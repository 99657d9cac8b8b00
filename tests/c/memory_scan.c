/*
 * memory_scan.c: what the library no longer needs is gone from the process's memory.
 *
 * Each route puts a distinctive marker into the library (a configuration file, the user
 * file, an environment variable, a server reply), then does what should make the library
 * let go of it (a reset, secret_cache_clear, a setter, the end of a reuse window or a
 * cache entry's life, secret_free, an eviction, the end of a thread), and then reads every
 * writable mapping of this process (/proc/self/mem) looking for the marker: it must be
 * nowhere, in live or freed memory. Positive controls prove the scan finds a marker the
 * library still holds.
 *
 * This program never holds a marker itself: it keeps each one XOR-ed, writes files with
 * write(2) from a stack buffer it then wipes, and asks the library only for lengths
 * (secret_get with a NULL buffer). The environment variable is put into the environment
 * by re-executing this program; its original copy (in the block the kernel puts above
 * the stack) is the one place not scanned. The server is a forked child process.
 *
 * Linux only (/proc, fork); not a test_*.c program: `make -C tests/c memory-check`
 * (scripts/test-all) runs it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

#define KEY 0xA5
#define ENV_NAME "PREFECT__CONTEXT__SECRETS__FROM_ENV"

struct marker {
    unsigned char x[64]; /* the marker's bytes XOR KEY */
    size_t len;
};

static char seed[24];
static uintptr_t env_lo, env_hi; /* the kernel's copy of the environment: not scanned */

static struct marker make_marker(const char *tag)
{
    struct marker m = {{0}, 0};
    char plain[64];
    int n = snprintf(plain, sizeof plain, "ZQ%s%s", tag, seed);
    for (int i = 0; i < n; i++)
        m.x[i] = (unsigned char)plain[i] ^ KEY;
    m.len = (size_t)n;
    explicit_bzero(plain, sizeof plain);
    return m;
}

/* Appends the marker's plain bytes to `out` at `*at`. */
static void put_marker(char *out, size_t *at, const struct marker *m)
{
    for (size_t i = 0; i < m->len; i++)
        out[(*at)++] = (char)(m->x[i] ^ KEY);
}

static void put_text(char *out, size_t *at, const char *text)
{
    size_t n = strlen(text);
    memcpy(out + *at, text, n);
    *at += n;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* Writes `before` MARKER `middle` MARKER2 `after` to `path` with write(2), then wipes the
 * buffer. */
static void write_config(const char *path, const char *a, const struct marker *m1, const char *b,
                         const struct marker *m2, const char *c)
{
    char buf[512];
    size_t at = 0;
    put_text(buf, &at, a);
    put_marker(buf, &at, m1);
    put_text(buf, &at, b);
    put_marker(buf, &at, m2);
    put_text(buf, &at, c);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, at) != (ssize_t)at || close(fd) != 0)
        die(path);
    explicit_bzero(buf, sizeof buf);
}

/* How many times `m` occurs in this process's writable memory (outside the kernel's
 * environment block and the scan's own buffer). */
static size_t count(const struct marker *m)
{
    enum { CHUNK = 1 << 20 };
    static unsigned char *buf;
    if (buf == NULL && (buf = malloc(CHUNK + 64)) == NULL)
        die("malloc");
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    if (maps == NULL || mem < 0)
        die("/proc/self");
    /* Read the whole map first: the scan must not change it while reading it. */
    static uintptr_t ranges[8192][2];
    size_t nranges = 0;
    char line[512];
    while (fgets(line, sizeof line, maps) != NULL && nranges < 8192) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
            continue;
        if (perms[0] != 'r' || perms[1] != 'w' || strstr(line, "[vvar") || strstr(line, "[vsyscall"))
            continue;
        ranges[nranges][0] = lo;
        ranges[nranges][1] = hi;
        nranges++;
    }
    fclose(maps);
    size_t found = 0;
    uintptr_t own_lo = (uintptr_t)buf, own_hi = own_lo + CHUNK + 64;
    for (size_t r = 0; r < nranges; r++) {
        for (uintptr_t at = ranges[r][0]; at < ranges[r][1]; at += CHUNK) {
            size_t want = ranges[r][1] - at < CHUNK ? ranges[r][1] - at : CHUNK;
            /* Overlap the next chunk by the marker's length, to find one across the edge. */
            size_t extra = ranges[r][1] - (at + want) < m->len ? ranges[r][1] - (at + want) : m->len;
            ssize_t got = pread(mem, buf, want + extra, (off_t)at);
            if (got <= 0)
                continue;
            for (size_t i = 0; i + m->len <= (size_t)got && i < want; i++) {
                if ((buf[i] ^ KEY) != m->x[0] || (buf[i + 1] ^ KEY) != m->x[1])
                    continue;
                size_t j = 2;
                while (j < m->len && (buf[i + j] ^ KEY) == m->x[j])
                    j++;
                uintptr_t where = at + i;
                if (j == m->len && !(where >= env_lo && where < env_hi) &&
                    !(where >= own_lo && where < own_hi))
                    found++;
            }
            explicit_bzero(buf, (size_t)got);
        }
    }
    close(mem);
    return found;
}

#define CHECK_GONE(m, route)                                                                  \
    do {                                                                                      \
        size_t n_ = count(&(m));                                                              \
        if (n_ != 0)                                                                          \
            fprintf(stderr, "memory_scan: %s: %zu copies left\n", route, n_);                 \
        CHECK(n_ == 0);                                                                       \
    } while (0)

#define CHECK_HELD(m, route)                                                                  \
    do {                                                                                      \
        size_t n_ = count(&(m));                                                              \
        if (n_ == 0)                                                                          \
            fprintf(stderr, "memory_scan: %s: the scan does not find a held value\n", route); \
        CHECK(n_ > 0);                                                                        \
    } while (0)

/* ---- the server: a child process answering each GraphQL request with the next of
 * `values`, one connection per request ---- */

static struct marker values[16];

static void serve(int listener, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0)
            _exit(3);
        char req[65536];
        size_t len = 0;
        char *end = NULL;
        long body = -1;
        for (;;) {
            ssize_t got = read(fd, req + len, sizeof req - 1 - len);
            if (got <= 0)
                _exit(4);
            len += (size_t)got;
            req[len] = '\0';
            if (end == NULL && (end = strstr(req, "\r\n\r\n")) != NULL) {
                char *cl = strcasestr(req, "content-length:");
                body = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (end != NULL && len >= (size_t)(end + 4 - req) + (size_t)body)
                break;
        }
        char json[256], reply[512];
        size_t at = 0;
        put_text(json, &at, "{\"data\": {\"secretValue\": \"");
        put_marker(json, &at, &values[i]);
        put_text(json, &at, "\"}}");
        int n_reply = snprintf(reply, sizeof reply,
                               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Connection: close\r\nContent-Length: %zu\r\n\r\n%.*s",
                               at, (int)at, json);
        if (write(fd, reply, (size_t)n_reply) != n_reply)
            _exit(5);
        close(fd);
    }
    _exit(0);
}

/* secret_get with a size query: the library fetches and keeps what it keeps, this
 * program sees only the length. */
static void fetch(const char *name, const struct marker *expected)
{
    size_t len = 0;
    CHECK_STATUS(secret_get(name, NULL, 0, &len), SECRET_ERR_BUFFER_TOO_SMALL);
    CHECK(len == expected->len);
}

static void *fetch_in_thread(void *arg)
{
    fetch("thread", arg);
    return NULL;
}

/* Re-executes this program with the environment marker set (and no other PREFECT__
 * variable, and a fresh HOME). */
static void reexec(char **argv)
{
    char seed_now[24], home[] = "/tmp/prefect-secrets-memscan.XXXXXX";
    snprintf(seed_now, sizeof seed_now, "%lx%x", (unsigned long)time(NULL), (unsigned)getpid());
    if (mkdtemp(home) == NULL)
        die("mkdtemp");
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 4, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PREFECT__", 9) != 0 && strncmp(environ[i], "HOME=", 5) != 0)
            env[k++] = environ[i];
    char home_var[128], marker_var[128];
    snprintf(home_var, sizeof home_var, "HOME=%s", home);
    snprintf(marker_var, sizeof marker_var, ENV_NAME "=ZQENV%s", seed_now);
    env[k++] = home_var;
    env[k++] = marker_var;
    env[k] = NULL;
    char *args[] = {argv[0], "--scan", seed_now, NULL};
    execve("/proc/self/exe", args, env);
    die("execve");
}

int main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--scan") != 0)
        reexec(argv);
    snprintf(seed, sizeof seed, "%s", argv[2]);
    env_lo = UINTPTR_MAX;
    for (char **e = environ; *e != NULL; e++) {
        uintptr_t lo = (uintptr_t)*e, hi = lo + strlen(*e) + 1;
        env_lo = lo < env_lo ? lo : env_lo;
        env_hi = hi > env_hi ? hi : env_hi;
    }
    const char *home = getenv("HOME");
    char dir[512], user_file[600], other_file[600];
    snprintf(dir, sizeof dir, "%s/.prefect", home);
    snprintf(user_file, sizeof user_file, "%s/config.toml", dir);
    snprintf(other_file, sizeof other_file, "%s/other.toml", home);
    if (mkdir(dir, 0700) != 0)
        die("mkdir");

    /* ---- configuration text: the user file, a loaded file, an environment value ---- */
    struct marker user = make_marker("USER"), user_token = make_marker("TOKU");
    struct marker file = make_marker("FILE"), file_token = make_marker("TOKF");
    struct marker env = make_marker("ENV");
    write_config(user_file, "[context.secrets]\nuser_secret = \"", &user,
                 "\"\n[cloud]\nauth_token = \"", &user_token, "\"\n");
    fetch("user_secret", &user); /* the first call loads the user file and the environment */
    fetch("from_env", &env);
    CHECK_HELD(user_token, "the user file's token (control)");
    write_config(other_file, "[context]\n  [context.secrets]\n  file_secret = \"", &file,
                 "\"\n[cloud]\nauth_token = \"", &file_token, "\"\n");
    CHECK_STATUS(secret_config_load_file(other_file), SECRET_OK);
    fetch("file_secret", &file);
    CHECK_HELD(file, "a loaded file (control)");
    unlink(user_file);
    unlink(other_file);
    unsetenv(ENV_NAME);
    CHECK_STATUS(secret_config_reset(), SECRET_OK);
    CHECK_GONE(user, "the user file's secret after reset");
    CHECK_GONE(user_token, "the user file's token after reset");
    CHECK_GONE(file, "a loaded file's secret after reset");
    CHECK_GONE(file_token, "a loaded file's token after reset");
    CHECK_GONE(env, "an environment value after reset");

    /* ---- server values ---- */
    const char *tags[] = {"SRVa", "SRVb", "SRVc", "SRVd", "SRVe", "SRVf", "SRVg", "SRVh"};
    size_t nvalues = sizeof tags / sizeof tags[0];
    for (size_t i = 0; i < nvalues; i++)
        values[i] = make_marker(tags[i]);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 16) != 0 || getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
        die("listen");
    pid_t server = fork();
    if (server < 0)
        die("fork");
    if (server == 0)
        serve(listener, nvalues);
    close(listener);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", ntohs(addr.sin_port));
    CHECK_STATUS(secret_config_set("use_local_secrets", "false"), SECRET_OK);
    CHECK_STATUS(secret_config_set("graphql", url), SECRET_OK);
    CHECK_STATUS(secret_config_set("auth_token", "plain-token"), SECRET_OK);
    CHECK_STATUS(secret_config_set("reuse_window", "60"), SECRET_OK);

    fetch("a", &values[0]);
    CHECK_HELD(values[0], "a value in its reuse window (control)");
    CHECK_STATUS(secret_cache_clear(), SECRET_OK);
    CHECK_GONE(values[0], "a reused value after secret_cache_clear");

    fetch("b", &values[1]);
    CHECK_STATUS(secret_context_set("unrelated", "x"), SECRET_OK);
    CHECK_GONE(values[1], "a reused value after a setter");

    CHECK_STATUS(secret_config_set("reuse_window", "0.2"), SECRET_OK);
    fetch("c", &values[2]);
    nanosleep(&(struct timespec){0, 600 * 1000 * 1000}, NULL);
    CHECK_GONE(values[2], "a reused value after its window");

    CHECK_STATUS(secret_config_set("reuse_window", "0"), SECRET_OK);
    CHECK_STATUS(secret_config_set("cache_ttl", "0.2"), SECRET_OK);
    fetch("d", &values[3]);
    CHECK_HELD(values[3], "a cached value (control)");
    nanosleep(&(struct timespec){0, 600 * 1000 * 1000}, NULL);
    CHECK_GONE(values[3], "a cached value after it expired");

    CHECK_STATUS(secret_config_set("cache_ttl", "0"), SECRET_OK);
    char *out = NULL;
    size_t out_len = 0;
    CHECK_STATUS(secret_get_alloc("e", &out, &out_len), SECRET_OK);
    CHECK(out_len == values[4].len);
    secret_free(out);
    CHECK_GONE(values[4], "an allocated value after secret_free");

    CHECK_STATUS(secret_config_set("cache_ttl", "60"), SECRET_OK);
    CHECK_STATUS(secret_config_set("cache_max_entries", "1"), SECRET_OK);
    fetch("f", &values[5]);
    fetch("g", &values[6]);
    CHECK_GONE(values[5], "a cached value evicted by a newer one");
    CHECK_HELD(values[6], "the newer cached value (control)");
    CHECK_STATUS(secret_cache_clear(), SECRET_OK);
    CHECK_GONE(values[6], "a cached value after secret_cache_clear");

    CHECK_STATUS(secret_config_set("cache_ttl", "0"), SECRET_OK);
    CHECK_STATUS(secret_config_set("reuse_window", "60"), SECRET_OK);
    pthread_t thread;
    if (pthread_create(&thread, NULL, fetch_in_thread, &values[7]) != 0)
        die("pthread_create");
    pthread_join(thread, NULL);
    CHECK_GONE(values[7], "a reused value after its thread ended");

    int status = 0;
    waitpid(server, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    rmdir(dir);
    rmdir(home);
    return check_summary("memory_scan");
}
