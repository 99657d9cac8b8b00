/*
 * report.h: timing, statistics and output for the C benchmark.
 *
 * - now_ns(): CLOCK_MONOTONIC in nanoseconds.
 * - time_batches(): the one "median/p90 of batches" helper every timed workload uses;
 *   it can interleave several operations batch by batch, so that they are compared under
 *   the same machine conditions.
 * - json_*(): builds the single JSON object printed on stdout with --json.
 * - table(): the readable table (stdout, or stderr when stdout carries JSON).
 * - die(): a failed call or setup step aborts the whole benchmark loudly.
 */

#ifndef PREFECT_SECRETS_BENCH_REPORT_H
#define PREFECT_SECRETS_BENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

uint64_t now_ns(void);

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Median, 90th percentile (nearest rank), minimum and maximum of some samples. */
struct dist {
    double median, p90, min, max;
};

/* Sorts `samples` in place. */
struct dist dist_of(double *samples, int n);

/* Runs `calls` operations; `ctx` says which. */
typedef void (*batch_fn)(void *ctx, long calls);

/* An operation to time, and (filled in) nanoseconds per call across its batches. */
struct timed_op {
    batch_fn fn;
    void *ctx;
    struct dist per_call;
};

/* How many batches of how many calls, after how many warm-up batches. */
struct batch_plan {
    int warmup;
    int batches;
    long calls;
};

/* Runs the plan for each of the `count` operations, taking turns batch by batch, and fills
 * in each one's distribution of nanoseconds per call across its batches. */
void time_batches(struct timed_op *ops, int count, struct batch_plan plan);

/* The JSON object: json_begin(NULL) opens the top level; keys are NULL inside arrays. */
void json_begin(const char *key);
void json_end(void);
void json_begin_array(const char *key);
void json_end_array(void);
void json_num(const char *key, double value);
void json_int(const char *key, long long value);
void json_str(const char *key, const char *value);
void json_bool(const char *key, bool value);
void json_dist(const char *key, struct dist d, double scale);
void json_write(FILE *out);

void table_to(FILE *out);
void table(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
