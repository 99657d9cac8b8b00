/* report.c: see report.h. */

#define _XOPEN_SOURCE 700

#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- statistics ---- */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct dist dist_of(double *samples, int n)
{
    if (n <= 0)
        die("no samples");
    qsort(samples, (size_t)n, sizeof *samples, compare_doubles);
    struct dist d;
    d.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    d.p90 = samples[(int)ceil(0.9 * n) - 1];
    d.min = samples[0];
    d.max = samples[n - 1];
    return d;
}

void time_batches(struct timed_op *ops, int count, struct batch_plan plan)
{
    for (int i = 0; i < plan.warmup; i++)
        for (int k = 0; k < count; k++)
            ops[k].fn(ops[k].ctx, plan.calls);
    double *per_call = malloc((size_t)plan.batches * (size_t)count * sizeof *per_call);
    if (per_call == NULL)
        die("out of memory");
    for (int i = 0; i < plan.batches; i++)
        for (int k = 0; k < count; k++) {
            uint64_t start = now_ns();
            ops[k].fn(ops[k].ctx, plan.calls);
            per_call[k * plan.batches + i] = (double)(now_ns() - start) / (double)plan.calls;
        }
    for (int k = 0; k < count; k++)
        ops[k].per_call = dist_of(per_call + k * plan.batches, plan.batches);
    free(per_call);
}

/* ---- JSON ---- */

#define JSON_DEPTH 16

static struct {
    char *text;
    size_t len, cap;
    int depth;
    bool comma[JSON_DEPTH];
} json;

static void json_put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void json_put(const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = json.cap - json.len;
        int n = vsnprintf(json.text ? json.text + json.len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            die("vsnprintf");
        if ((size_t)n < room) {
            json.len += (size_t)n;
            return;
        }
        json.cap = json.cap * 2 + (size_t)n + 256;
        json.text = realloc(json.text, json.cap);
        if (json.text == NULL)
            die("out of memory");
    }
}

static void json_string(const char *s)
{
    json_put("\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            json_put("\\%c", c);
        else if (c < 0x20)
            json_put("\\u%04x", c);
        else
            json_put("%c", c);
    }
    json_put("\"");
}

static void json_key(const char *key)
{
    if (json.comma[json.depth])
        json_put(",");
    json.comma[json.depth] = true;
    if (key != NULL) {
        json_string(key);
        json_put(":");
    }
}

static void json_open(const char *key, const char *bracket)
{
    json_key(key);
    json_put("%s", bracket);
    if (++json.depth >= JSON_DEPTH)
        die("JSON nested too deep");
    json.comma[json.depth] = false;
}

void json_begin(const char *key) { json_open(key, "{"); }
void json_begin_array(const char *key) { json_open(key, "["); }
void json_end(void) { json.depth--; json_put("}"); }
void json_end_array(void) { json.depth--; json_put("]"); }

void json_num(const char *key, double value)
{
    json_key(key);
    if (isfinite(value))
        json_put("%.6g", value);
    else
        json_put("null");
}

void json_int(const char *key, long long value)
{
    json_key(key);
    json_put("%lld", value);
}

void json_str(const char *key, const char *value)
{
    json_key(key);
    json_string(value);
}

void json_bool(const char *key, bool value)
{
    json_key(key);
    json_put("%s", value ? "true" : "false");
}

/* {"median": ..., "p90": ..., "min": ..., "max": ...}, each divided by `scale`. */
void json_dist(const char *key, struct dist d, double scale)
{
    json_begin(key);
    json_num("median", d.median / scale);
    json_num("p90", d.p90 / scale);
    json_num("min", d.min / scale);
    json_num("max", d.max / scale);
    json_end();
}

void json_write(FILE *out)
{
    fwrite(json.text, 1, json.len, out);
    fputc('\n', out);
    fflush(out);
}

/* ---- the table ---- */

static FILE *table_out;

void table_to(FILE *out) { table_out = out; }

void table(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(table_out ? table_out : stdout, fmt, ap);
    va_end(ap);
    fflush(table_out ? table_out : stdout);
}
