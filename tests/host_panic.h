/*
 * tests/host_panic.h - the kernel's panic() for the host unit tests.
 *
 * The pure-C cores call panic() when they find a kernel bug (a double free, a
 * corrupt free list, ...). In a host test that is one of two things: a bug in
 * the code under test, which fails the test with the panic's message, or the
 * very thing the test checks, written EXPECT_PANIC(call, "word", ...): the
 * call must panic, and its message must contain every word listed.
 *
 * Include this header in exactly one file of each test program: it defines
 * panic() itself. It needs <setjmp.h>, <stdarg.h>, <stdbool.h>, <stdio.h>,
 * <string.h> and cmocka.h included first.
 */
#ifndef KILN_TESTS_HOST_PANIC_H
#define KILN_TESTS_HOST_PANIC_H

#include "kernel/panic.h"

static jmp_buf panic_jump;
static volatile bool panic_expected;
static char panic_message[512];

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_message, sizeof(panic_message), fmt, ap);
    va_end(ap);
    if (!panic_expected) {
        fail_msg("unexpected panic: %s", panic_message);
        abort(); /* fail_msg does not return; this keeps panic() noreturn */
    }
    panic_expected = false;
    longjmp(panic_jump, 1);
}

static inline void assert_panic_mentions(const char *call, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (strstr(panic_message, words[i]) == NULL)
            fail_msg("%s panicked with \"%s\", which lacks \"%s\"", call, panic_message, words[i]);
}

/* Run `call`, which must panic with a message containing every listed word. */
#define EXPECT_PANIC(call, ...)                                                                    \
    do {                                                                                           \
        panic_message[0] = '\0';                                                                   \
        panic_expected = true;                                                                     \
        if (setjmp(panic_jump) == 0) {                                                             \
            call;                                                                                  \
            panic_expected = false;                                                                \
            fail_msg("%s returned, but it should have panicked", #call);                           \
        }                                                                                          \
        assert_panic_mentions(#call, (const char *const[]){__VA_ARGS__, NULL});                    \
    } while (0)

#endif
