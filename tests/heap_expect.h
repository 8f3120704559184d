/*
 * tests/heap_expect.h - checks for the heap tests that say what was expected
 * and what came instead.
 *
 * cmocka's assert_int_equal prints "0x3 != 0x5" and leaves the reader to work
 * out which number was which and what it counted. These print, for example,
 *   "buddy: free blocks of order 3 after alloc(32): expected 1, got 0"
 *   "list: free(p + 16): expected -5 (pointer into the middle of a block),
 *    got -3 (double free (the memory is already free))"
 * Include after <cmocka.h> and "mm/allocator.h".
 */
#ifndef KILN_TESTS_HEAP_EXPECT_H
#define KILN_TESTS_HEAP_EXPECT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A formatted description for the checks below; eight buffers, used in turn. */
__attribute__((format(printf, 1, 2))) static inline const char *describe(const char *fmt, ...)
{
    static char bufs[8][256];
    static unsigned next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(bufs[0]), fmt, ap);
    va_end(ap);
    return b;
}

#define EXPECT_EQ(what, got, want)                                                                 \
    do {                                                                                           \
        unsigned long long got_ = (unsigned long long)(got);                                       \
        unsigned long long want_ = (unsigned long long)(want);                                     \
        if (got_ != want_)                                                                         \
            fail_msg("%s: expected %llu (%#llx), got %llu (%#llx)", (what), want_, want_, got_,    \
                     got_);                                                                        \
    } while (0)

#define EXPECT_ERR(what, got, want)                                                                \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_, alloc_strerror(want_),    \
                     got_, alloc_strerror(got_));                                                  \
    } while (0)

#define EXPECT_TRUE(what, cond)                                                                    \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg("%s: expected %s, but it is false", (what), #cond);                           \
    } while (0)

#define EXPECT_NULL(what, p)                                                                       \
    do {                                                                                           \
        const void *p_ = (p);                                                                      \
        if (p_ != NULL)                                                                            \
            fail_msg("%s: expected NULL, got %p", (what), p_);                                     \
    } while (0)

#define EXPECT_PTR(what, got, want)                                                                \
    do {                                                                                           \
        const void *got_ = (got), *want_ = (want);                                                 \
        if (got_ != want_)                                                                         \
            fail_msg("%s: expected %p, got %p", (what), want_, got_);                              \
    } while (0)

#define EXPECT_STR(what, got, want)                                                                \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (strcmp(got_, want_) != 0)                                                              \
            fail_msg("%s: expected\n%s\ngot\n%s", (what), want_, got_);                            \
    } while (0)

#endif
