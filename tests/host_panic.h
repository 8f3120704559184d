/*
 * tests/host_panic.h - the kernel's panic() for the host unit tests.
 *
 * The pure-C cores call panic() when they find a kernel bug (a double free, a
 * corrupt free list, ...). In a host test that is one of two things: a bug in
 * the code under test, which fails the test with the panic's message, or the
 * very thing the test checks, written EXPECT_PANIC(call, "word", ...): the
 * call must panic, and its message must contain every word listed.
 *
 * An unexpected panic fails the test at the test's own line that made the
 * call (found on the stack with the sanitizers' symbolizer), and its message
 * names the kernel function that panicked, with its file and line.
 *
 * Include this header in exactly one file of each test program: it defines
 * panic() itself. It needs <setjmp.h>, <stdarg.h>, <stdbool.h>, <stdio.h>,
 * <string.h> and cmocka.h included first.
 */
#ifndef KILN_TESTS_HOST_PANIC_H
#define KILN_TESTS_HOST_PANIC_H

#include <execinfo.h>

#include "kernel/panic.h"

static jmp_buf panic_jump;
static volatile bool panic_expected;
static char panic_message[512];

/* The sanitizers' symbolizer (the host tests run under ASan and UBSan); weak,
 * so a program without a sanitizer still links, and only loses the lines. */
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t size)
    __attribute__((weak));

/* One frame of the stack: function, file (relative to the source tree), line. */
struct panic_frame {
    char function[128];
    char file[256];
    int line;
};

static const char *panic_relative(const char *path)
{
#ifdef KILN_SOURCE_DIR /* "/…/kiln/", from kiln_host_test */
    size_t n = strlen(KILN_SOURCE_DIR);
    if (strncmp(path, KILN_SOURCE_DIR, n) == 0)
        return path + n;
#endif
    return path;
}

/* Where an unexpected panic came from: `raised`, the innermost frame in kernel
 * code (src/, the function that called panic()), and `calls`, up to four frames
 * in test files from the innermost out (tests/..., not the harness): calls[0]
 * is the test's line that made the call, the others the lines that called it
 * (a helper's caller, the test case). Returns how many `calls` it found. */
#define PANIC_CALLS 4
static int panic_origin(struct panic_frame *raised, struct panic_frame calls[PANIC_CALLS])
{
    void *pcs[64];
    int n = backtrace(pcs, 64), found = 0;
    raised->line = 0;
    for (int i = 1; i < n && __sanitizer_symbolize_pc != NULL && found < PANIC_CALLS; i++) {
        char text[512], *bar1, *bar2;
        /* A return address is just past its call: pc - 1 is in the call's line. */
        __sanitizer_symbolize_pc((char *)pcs[i] - 1, "%f|%s|%l", text, sizeof(text));
        if ((bar1 = strchr(text, '|')) == NULL || (bar2 = strchr(bar1 + 1, '|')) == NULL)
            continue;
        *bar1 = *bar2 = '\0';
        const char *file = panic_relative(bar1 + 1);
        struct panic_frame *frame = NULL;
        if (raised->line == 0 && found == 0 && strncmp(file, "src/", 4) == 0)
            frame = raised;
        else if (strncmp(file, "tests/", 6) == 0 && strcmp(file, "tests/host_panic.h") != 0 &&
                 strcmp(file, "tests/host_runner.c") != 0 && strcmp(text, "main") != 0)
            frame = &calls[found];
        if (frame != NULL && atoi(bar2 + 1) > 0) {
            snprintf(frame->function, sizeof(frame->function), "%.127s", text);
            snprintf(frame->file, sizeof(frame->file), "%.255s", file);
            frame->line = atoi(bar2 + 1);
            found += frame != raised;
        }
    }
    return found;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_message, sizeof(panic_message), fmt, ap);
    va_end(ap);
    if (!panic_expected) {
        /* The failure cites the test's line that made the call and says which
         * kernel function panicked, rather than this hook's own line. */
        static struct panic_frame raised, calls[PANIC_CALLS];
        int found = panic_origin(&raised, calls);
        if (found > 0) {
            static char where[1280];
            int used = 0;
            if (raised.line != 0)
                used = snprintf(where, sizeof(where), "panic() called in %s (%s:%d), ",
                                raised.function, raised.file, raised.line);
            for (int i = 0; i < found && used >= 0 && (size_t)used < sizeof(where); i++)
                used += snprintf(where + used, sizeof(where) - (size_t)used, "%s%s (%s:%d)",
                                 i == 0 ? "from " : " <- ", calls[i].function, calls[i].file,
                                 calls[i].line);
            print_error("ERROR: unexpected panic: %s [%s]\n", panic_message, where);
            _fail(calls[0].file, calls[0].line);
        }
        fail_msg("unexpected panic: %s", panic_message);
        abort(); /* _fail and fail_msg do not return; this keeps panic() noreturn */
    }
    panic_expected = false;
    longjmp(panic_jump, 1);
}

/* For EXPECT_PANIC: a missing word fails at the EXPECT_PANIC's own line. */
static inline void assert_panic_mentions(const char *call, const char *const *words,
                                         const char *file, int line)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (strstr(panic_message, words[i]) == NULL) {
            print_error("ERROR: %s panicked with \"%s\", which lacks \"%s\"\n", call, panic_message,
                        words[i]);
            _fail(file, line);
        }
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
        assert_panic_mentions(#call, (const char *const[]){__VA_ARGS__, NULL}, __FILE__,           \
                              __LINE__);                                                           \
    } while (0)

#endif
