/*
 * secret-get: print a Prefect secret, resolved as Prefect 0.5.3's Secret(NAME).get() would.
 *
 *   secret-get [--json] NAME
 *
 * Without --json a string secret is printed as its text and any other value as compact
 * JSON; with --json the value is always printed as JSON (a string comes out quoted).
 * The value is followed by a newline. It may contain NUL bytes, so it is written with
 * fwrite and its exact length, never as a C string.
 *
 * Exit status: 0 the secret was found and printed; 1 it resolved to nothing (Python's
 * None: not set, or set to null), nothing is printed; 2 an error or a usage mistake,
 * with a message on stderr.
 *
 * Example (environment variable names are lowercased by Prefect, so this is "my_key"):
 *   PREFECT__CONTEXT__SECRETS__MY_KEY='{"user": "svc"}' ./secret-get my_key
 *
 * This is the C usage example (the buffer protocol in full) and is not installed; the
 * installed command line for shell scripts is `prefect-secrets get NAME` (docs/install.md,
 * "Command line").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h> /* _O_BINARY */
#include <io.h>    /* _setmode */
#endif

#include "prefect_secrets.h"

enum { EXIT_FOUND = 0, EXIT_NOT_FOUND = 1, EXIT_ERROR = 2 };

/* secret_get and secret_get_json have the same signature. */
typedef int32_t (*secret_getter)(const char *name, char *out_buf, size_t out_buf_len,
                                 size_t *out_len);

static int usage(void)
{
    fprintf(stderr, "usage: secret-get [--json] NAME\n");
    return EXIT_ERROR;
}

/* Reports a failed library call. secret_last_error() is read last: its text stays valid
 * only until this thread's next call into the library. */
static int report(int32_t status)
{
    const char *status_text = secret_status_str(status);
    fprintf(stderr, "secret-get: %s: %s\n", status_text, secret_last_error());
    return EXIT_ERROR;
}

/* Writes the `len` bytes of the value and a newline to stdout. */
static int print_value(const char *value, size_t len)
{
    if (fwrite(value, 1, len, stdout) != len || putchar('\n') == EOF || fflush(stdout) != 0) {
        perror("secret-get: writing to stdout");
        return EXIT_ERROR;
    }
    return EXIT_FOUND;
}

/*
 * Resolves `name` with `get` and prints it.
 *
 * The buffer protocol: try a buffer on the stack first, which holds most secrets. When
 * it is too small the library says SECRET_ERR_BUFFER_TOO_SMALL and sets `len` to the
 * value's length; allocate len + 1 bytes (the library always adds a NUL) and ask again.
 * It is a loop because in a program with other threads the secret could change between
 * the two calls and need a bigger buffer still.
 */
static int get_and_print(secret_getter get, const char *name)
{
    char stack_buf[256];
    char *buf = stack_buf;
    size_t buf_len = sizeof stack_buf;
    size_t len = 0;
    int32_t status;

    while ((status = get(name, buf, buf_len, &len)) == SECRET_ERR_BUFFER_TOO_SMALL) {
        if (buf != stack_buf)
            free(buf);
        buf_len = len + 1;
        buf = malloc(buf_len);
        if (buf == NULL) {
            perror("secret-get");
            return EXIT_ERROR;
        }
    }

    int result;
    if (status == SECRET_OK)
        result = print_value(buf, len);
    else if (status == SECRET_NOT_FOUND)
        result = EXIT_NOT_FOUND;
    else
        result = report(status);

    if (buf != stack_buf)
        free(buf);
    return result;
}

int main(int argc, char **argv)
{
    secret_getter get = secret_get;
    int i = 1;

    if (i < argc && strcmp(argv[i], "--json") == 0) {
        get = secret_get_json;
        i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) /* NAME may start with '-' after "--" */
        i++;
    else if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0')
        return usage();
    if (argc - i != 1)
        return usage();

#ifdef _WIN32
    /* The value's exact bytes: no "\n" to "\r\n" translation on Windows' stdout. */
    if (_setmode(_fileno(stdout), _O_BINARY) == -1) {
        perror("secret-get: stdout");
        return EXIT_ERROR;
    }
#endif
    return get_and_print(get, argv[i]);
}
