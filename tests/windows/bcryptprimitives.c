/*
 * bcryptprimitives.c: a stand-in for Windows' bcryptprimitives.dll, for running test
 * programs under wine 8, which lacks it.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from bcryptprimitives.dll
 * for its random numbers (HashMap seeds). Without the DLL, wine refuses to start any Rust
 * program or any program loading a Rust DLL: the process exits with status 53 and prints
 * nothing. This DLL exports ProcessPrng on top of RtlGenRandom (advapi32's
 * SystemFunction036), which wine has.
 *
 * TEST-ONLY: scripts/windows-test builds it into target/windows-test/ and copies it
 * beside the test executables only. It is never part of what ships: real Windows (8.1
 * and later) has its own bcryptprimitives.dll.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror -o bcryptprimitives.dll \
 *            bcryptprimitives.c bcryptprimitives.def -ladvapi32
 */

#include <windows.h>

/* RtlGenRandom is exported by advapi32 under this name (declared here to avoid
 * ntsecapi.h's SAL annotations). */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData): fills the buffer; always TRUE on real
 * Windows. RtlGenRandom takes a ULONG, so large requests go in pieces. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
