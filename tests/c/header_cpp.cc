// header_cpp.cc: the C header used from C++11. Compiling proves it parses as C++ (the
// enum's fixed underlying type, no C-only constructs); linking proves the extern "C"
// guards: without them the calls below would look for C++-mangled names and fail.

#include "prefect_secrets.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(std::is_same<std::underlying_type<SecretStatus>::type, int32_t>::value,
              "SecretStatus is an int32_t enum in C++");
static_assert(SECRET_ERR_BUFFER_TOO_SMALL == -2, "status numbers are part of the ABI");

int main()
{
    if (std::strcmp(secret_version(), PREFECT_SECRETS_VERSION) != 0) {
        std::fprintf(stderr, "header_cpp: secret_version() is %s, the header says %s\n",
                     secret_version(), PREFECT_SECRETS_VERSION);
        return 1;
    }
    const char *text = secret_status_str(SECRET_NOT_FOUND);
    if (text == nullptr || std::strncmp(text, "SECRET_NOT_FOUND", 16) != 0) {
        std::fprintf(stderr, "header_cpp: unexpected secret_status_str(SECRET_NOT_FOUND)\n");
        return 1;
    }
    std::printf("header_cpp: the header compiles and links as C++11\n");
    return 0;
}
