/*
 * http.h: a tiny HTTP/1.1 keep-alive server and client framing for the benchmark.
 *
 * The server listens on 127.0.0.1 (an ephemeral port), runs one blocking thread per
 * connection, reads each request (headers, then Content-Length bytes of body) and answers
 * a fixed 200 reply carrying HTTP_SECRET_VALUE as GraphQL's data.secretValue, keeping the
 * connection open. It counts connections and requests so a benchmark can prove that every
 * call reached it.
 */

#ifndef PREFECT_SECRETS_BENCH_HTTP_H
#define PREFECT_SECRETS_BENCH_HTTP_H

#include <stddef.h>

#define HTTP_SECRET_VALUE "s3cr3t"
#define HTTP_REPLY_BODY "{\"data\": {\"secretValue\": \"" HTTP_SECRET_VALUE "\"}}"

/* Bytes read from a connection; one or more messages, possibly a partial one. */
struct http_buffer {
    char data[16384];
    size_t len;
};

/* Reads until `buf` starts with one complete message (headers plus Content-Length bytes)
 * and returns its length; 0 on a clean end of stream before any byte; -1 on an error
 * (described on stderr). Chunked bodies are not supported. */
long http_read_message(int fd, struct http_buffer *buf);

/* Drops the first `n` bytes (the message just handled). */
void http_consume(struct http_buffer *buf, size_t n);

/* The body of the message of length `len` at the start of `buf`. */
const char *http_body(const struct http_buffer *buf, size_t len, size_t *body_len);

/* Writes all of `data`; -1 on an error. */
int http_write_all(int fd, const char *data, size_t len);

/* Starts the server in a background thread; returns its port. */
int http_serve(void);

/* A TCP connection to 127.0.0.1:port with TCP_NODELAY. */
int http_connect(int port);

long http_connections(void);
long http_requests(void);
/* The size in bytes (headers and body) of the last request the server read. */
long http_last_request_bytes(void);

#endif
