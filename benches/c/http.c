/* http.c: see http.h. */

#define _XOPEN_SOURCE 700

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static atomic_long connections, requests, last_request_bytes;

long http_connections(void) { return atomic_load(&connections); }
long http_requests(void) { return atomic_load(&requests); }
long http_last_request_bytes(void) { return atomic_load(&last_request_bytes); }

/* ---- message framing, shared by both sides ---- */

static const char *find_header_end(const struct http_buffer *buf)
{
    const char *p = buf->data, *end = buf->data + buf->len;
    while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL && end - p >= 4) {
        if (memcmp(p, "\r\n\r\n", 4) == 0)
            return p + 4;
        p++;
    }
    return NULL;
}

/* Whether the header line at `line` (of the block ending at `end`) is `name:` (lowercase). */
static bool is_header(const char *line, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - line) > n && strncasecmp(line, name, n) == 0;
}

/* The Content-Length of the header block [start, end); 0 when absent, -1 when chunked. */
static long content_length(const char *start, const char *end)
{
    for (const char *line = start; line < end;) {
        if (is_header(line, end, "transfer-encoding:"))
            return -1;
        if (is_header(line, end, "content-length:"))
            return strtol(line + strlen("content-length:"), NULL, 10);
        const char *next = memchr(line, '\n', (size_t)(end - line));
        line = next ? next + 1 : end;
    }
    return 0;
}

static int fill(int fd, struct http_buffer *buf)
{
    if (buf->len == sizeof buf->data) {
        fprintf(stderr, "http: message larger than %zu bytes\n", sizeof buf->data);
        return -1;
    }
    ssize_t n;
    do
        n = recv(fd, buf->data + buf->len, sizeof buf->data - buf->len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        fprintf(stderr, "http: recv: %s\n", strerror(errno));
    if (n > 0)
        buf->len += (size_t)n;
    return (int)(n > 0 ? 1 : n);
}

long http_read_message(int fd, struct http_buffer *buf)
{
    const char *end;
    while ((end = find_header_end(buf)) == NULL) {
        int got = fill(fd, buf);
        if (got <= 0)
            return got == 0 && buf->len == 0 ? 0 : -1;
    }
    long body = content_length(buf->data, end);
    if (body < 0) {
        fprintf(stderr, "http: chunked messages are not supported\n");
        return -1;
    }
    size_t total = (size_t)(end - buf->data) + (size_t)body;
    while (buf->len < total)
        if (fill(fd, buf) <= 0)
            return -1;
    return (long)total;
}

void http_consume(struct http_buffer *buf, size_t n)
{
    memmove(buf->data, buf->data + n, buf->len - n);
    buf->len -= n;
}

const char *http_body(const struct http_buffer *buf, size_t len, size_t *body_len)
{
    const char *end = find_header_end(buf);
    *body_len = len - (size_t)(end - buf->data);
    return end;
}

int http_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "http: send: %s\n", strerror(errno));
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void no_delay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        die("setsockopt(TCP_NODELAY): %s", strerror(errno));
}

/* ---- the server ---- */

static char reply[256];
static size_t reply_len;

static void *serve_connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct http_buffer *buf = malloc(sizeof *buf);
    if (buf == NULL)
        die("out of memory");
    buf->len = 0;
    long n;
    while ((n = http_read_message(fd, buf)) > 0) {
        atomic_fetch_add(&requests, 1);
        atomic_store(&last_request_bytes, n);
        if (http_write_all(fd, reply, reply_len) != 0)
            break;
        http_consume(buf, (size_t)n);
    }
    free(buf);
    close(fd);
    return NULL;
}

static void *accept_loop(void *arg)
{
    int listener = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept: %s", strerror(errno));
        }
        no_delay(fd);
        atomic_fetch_add(&connections, 1);
        pthread_t thread;
        int rc = pthread_create(&thread, NULL, serve_connection, (void *)(intptr_t)fd);
        if (rc != 0)
            die("pthread_create: %s", strerror(rc));
        pthread_detach(thread);
    }
    return NULL;
}

int http_serve(void)
{
    reply_len = (size_t)snprintf(reply, sizeof reply,
                                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Length: %zu\r\n\r\n%s",
                                 strlen(HTTP_REPLY_BODY), HTTP_REPLY_BODY);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0)
        die("socket: %s", strerror(errno));
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 128) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0)
        die("listening on 127.0.0.1: %s", strerror(errno));
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, accept_loop, (void *)(intptr_t)listener);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));
    pthread_detach(thread);
    return ntohs(addr.sin_port);
}

int http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("connecting to 127.0.0.1:%d: %s", port, strerror(errno));
    no_delay(fd);
    return fd;
}
