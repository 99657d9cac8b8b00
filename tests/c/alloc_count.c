/*
 * alloc_count.c: a local get allocates nothing when the caller's buffer is big enough.
 *
 * Counted, not timed: this program defines malloc, calloc, realloc and the aligned
 * allocators itself, so every allocation the shared library makes (its Rust allocator
 * calls the C library's malloc through the PLT, which finds the executable's definition
 * first) is counted on the calling thread and forwarded to glibc's own (__libc_*).
 * Three million gets through the C ABI must add no allocation.
 *
 * Linux with glibc, linked against the shared library only: not a test_*.c program,
 * so the sanitizer builds (which own malloc), static links and Windows never build it.
 * Run by `make -C tests/c alloc-check` (scripts/test-all).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "support.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *ptr);

static __thread size_t allocations;

void *malloc(size_t size)
{
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    allocations++;
    return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
    allocations++;
    return __libc_realloc(ptr, size);
}

void *memalign(size_t align, size_t size)
{
    allocations++;
    return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    allocations++;
    return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    allocations++;
    void *p = __libc_memalign(align, size);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void free(void *ptr)
{
    __libc_free(ptr);
}

int main(void)
{
    test_isolate();
    CHECK_STATUS(secret_context_set("s", "hunter2"), SECRET_OK);
    CHECK_STATUS(secret_context_set("obj", "{\"a\": [1, 2.5]}"), SECRET_OK);

    char buf[64];
    size_t len = 0;
    CHECK_STATUS(secret_get("s", buf, sizeof buf, &len), SECRET_OK);
    /* The counter works: the library's own allocations are seen. */
    size_t before_set = allocations;
    CHECK_STATUS(secret_context_set("t", "x"), SECRET_OK);
    CHECK(allocations > before_set);

    size_t before = allocations;
    int bad = 0;
    for (int i = 0; i < 1000000; i++) {
        bad |= (i % 2 ? secret_get : secret_get_json)("s", buf, sizeof buf, &len) != SECRET_OK;
        bad |= (i % 2 ? secret_get_json : secret_get)("obj", buf, sizeof buf, &len) != SECRET_OK;
        bad |= secret_get("missing", buf, sizeof buf, &len) != SECRET_NOT_FOUND;
    }
    size_t during = allocations - before;
    CHECK(!bad);
    if (during != 0)
        fprintf(stderr, "%zu allocations during 3 million local gets\n", during);
    CHECK(during == 0);
    return check_summary("alloc_count");
}
