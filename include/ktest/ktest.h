/*
 * ktest/ktest.h - in-kernel tests that report in TAP on the serial port.
 *
 * A test is a function declared with KTEST(suite, name, "what it checks").
 * The linker gathers every test into one table (section .ktest_cases), so
 * adding a test is adding a function: no list to update. `ktest=all` or
 * `ktest=pmm,boot` on the kernel command line runs them; docs/testing.md
 * describes the output.
 *
 * An assertion that fails prints what was expected and what came instead as
 * TAP diagnostics ("# ..." lines) and ends the test. A panic inside a test
 * ends the test too, reported as a failure with the panic message.
 */
#ifndef KILN_KTEST_KTEST_H
#define KILN_KTEST_KTEST_H

#include <stdbool.h>
#include <stddef.h>

struct ktest_case {
    const char *suite;
    const char *description;
    void (*fn)(void);
};

#define KTEST(suite, ident, description)                                                           \
    static void ktest_fn_##suite##_##ident(void);                                                  \
    static const struct ktest_case ktest_case_##suite##_##ident                                    \
        __attribute__((section(".ktest_cases"), used, aligned(8))) = {                             \
            #suite, description, ktest_fn_##suite##_##ident};                                      \
    static void ktest_fn_##suite##_##ident(void)

/* Runs the tests of the suites named in `selection` ("all" or "a,b").
 * Returns true when every test passed. */
bool ktest_run(const char *selection);

/*
 * The layers of the kernel, in the order kmain brings them up. With ktest=,
 * kmain stops at the deepest layer the chosen suites need and runs them
 * there: ktest=pmm never builds the VMM or the heap. So the tests of lab 2
 * run on a kernel whose VMM (lab 3) is still a stub (docs/labs/README.md).
 */
enum ktest_layer {
    KTEST_LAYER_BOOT, /* console, traps, the Multiboot2 information */
    KTEST_LAYER_PMM,
    KTEST_LAYER_VMM,
    KTEST_LAYER_HEAP,
    KTEST_LAYER_USER, /* system calls, processes */
};

/* The deepest layer a suite in `selection` needs (KTEST_LAYER_BOOT for an
 * unknown name: ktest_run() then bails out at once). */
enum ktest_layer ktest_layer_needed(const char *selection);
const char *ktest_layer_name(enum ktest_layer layer);

__attribute__((noreturn, format(printf, 3, 4))) void ktest_fail(const char *file, int line,
                                                                 const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void ktest_diag(const char *fmt, ...);

#define KT_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ktest_fail(__FILE__, __LINE__, "expected %s to hold, but it did not", #cond);          \
    } while (0)

#define KT_ASSERT_EQ(expected, actual)                                                             \
    do {                                                                                           \
        unsigned long long e_ = (unsigned long long)(expected);                                    \
        unsigned long long a_ = (unsigned long long)(actual);                                      \
        if (e_ != a_)                                                                              \
            ktest_fail(__FILE__, __LINE__, "%s: expected %llu (%#llx), got %llu (%#llx)", #actual, \
                       e_, e_, a_, a_);                                                            \
    } while (0)

#define KT_ASSERT_INT_EQ(expected, actual)                                                         \
    do {                                                                                           \
        long long e_ = (long long)(expected);                                                      \
        long long a_ = (long long)(actual);                                                        \
        if (e_ != a_)                                                                              \
            ktest_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", #actual, e_, a_);        \
    } while (0)

#define KT_ASSERT_STR_EQ(expected, actual)                                                         \
    do {                                                                                           \
        const char *e_ = (expected);                                                               \
        const char *a_ = (actual);                                                                 \
        if (!ktest_streq(e_, a_))                                                                  \
            ktest_fail(__FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"", #actual, e_, a_);    \
    } while (0)

bool ktest_streq(const char *a, const char *b);

/*
 * Run fn(arg) expecting it to panic. Returns true if it did, with the panic
 * message copied into `message`; false if fn returned normally. This is how a
 * test checks that a bad call is caught and named (e.g. freeing a reserved frame).
 */
bool ktest_catch_panic(void (*fn)(void *), void *arg, char *message, size_t size);

#endif
