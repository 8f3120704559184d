/*
 * tests/test_format.c - host unit tests for lib/format.c (ksnprintf, kvformat).
 *
 * Most checks run the same format through ksnprintf and through the C
 * library's snprintf: the literal expected string must match both, so a
 * wrong expectation in this file fails as loudly as a wrong formatter.
 * Kernel-only behaviour (%p's fixed width, "(null)", unknown conversions)
 * is checked against literals alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/format.h"

#define BUF_SIZE 512

/*
 * Wrappers without the printf format attribute, for formats the compiler
 * would rightly warn about (%b, %q, flags C says are ignored, out-of-range
 * hh/h arguments) but whose output we still want to pin down.
 */
static int kiln_format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static int libc_format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Standard format: ksnprintf and libc snprintf must both produce expected. */
#define EXPECT_STD(expected, ...)                                                                  \
    do {                                                                                           \
        char kiln_buf_[BUF_SIZE], libc_buf_[BUF_SIZE];                                             \
        int kiln_len_ = ksnprintf(kiln_buf_, sizeof kiln_buf_, __VA_ARGS__);                       \
        int libc_len_ = snprintf(libc_buf_, sizeof libc_buf_, __VA_ARGS__);                        \
        assert_string_equal(libc_buf_, (expected));                                                \
        assert_string_equal(kiln_buf_, (expected));                                                \
        assert_int_equal(kiln_len_, strlen(expected));                                             \
        assert_int_equal(kiln_len_, libc_len_);                                                    \
    } while (0)

/* Like EXPECT_STD, for standard formats that -Wformat warns about. */
#define EXPECT_LIBC_UNCHECKED(expected, ...)                                                       \
    do {                                                                                           \
        char kiln_buf_[BUF_SIZE], libc_buf_[BUF_SIZE];                                             \
        int kiln_len_ = kiln_format_unchecked(kiln_buf_, sizeof kiln_buf_, __VA_ARGS__);           \
        int libc_len_ = libc_format_unchecked(libc_buf_, sizeof libc_buf_, __VA_ARGS__);           \
        assert_string_equal(libc_buf_, (expected));                                                \
        assert_string_equal(kiln_buf_, (expected));                                                \
        assert_int_equal(kiln_len_, strlen(expected));                                             \
        assert_int_equal(kiln_len_, libc_len_);                                                    \
    } while (0)

/* Kernel-specific behaviour: compared with a literal only. */
#define EXPECT_KILN(expected, ...)                                                                 \
    do {                                                                                           \
        char kiln_buf_[BUF_SIZE];                                                                  \
        int kiln_len_ = kiln_format_unchecked(kiln_buf_, sizeof kiln_buf_, __VA_ARGS__);           \
        assert_string_equal(kiln_buf_, (expected));                                                \
        assert_int_equal(kiln_len_, strlen(expected));                                             \
    } while (0)

/* ---- plain text and %% ------------------------------------------------ */

static void test_plain_text(void **state)
{
    (void)state;
    EXPECT_STD("hello, kiln", "hello, kiln");
    EXPECT_KILN("", "");
    EXPECT_STD("%", "%%");
    EXPECT_STD("100%", "100%%");
    EXPECT_STD("%%", "%%%%");
    EXPECT_STD("a%b", "a%%b");
}

static void test_percent_ignores_flags(void **state)
{
    (void)state;
    /* glibc agrees, but ASan's printf interceptor warns about "%5%", so no libc check. */
    EXPECT_KILN("%", "%5%");
    EXPECT_KILN("[%]", "[%-5%]");
}

/* ---- signed and unsigned decimal -------------------------------------- */

static void test_signed_decimal(void **state)
{
    (void)state;
    EXPECT_STD("0", "%d", 0);
    EXPECT_STD("1", "%d", 1);
    EXPECT_STD("-1", "%d", -1);
    EXPECT_STD("42", "%d", 42);
    EXPECT_STD("2147483647", "%d", INT_MAX);
    EXPECT_STD("-2147483648", "%d", INT_MIN);
    EXPECT_STD("-2147483648", "%i", INT_MIN);
    EXPECT_STD("-7", "%i", -7);
    EXPECT_STD("0", "%i", 0);
}

static void test_unsigned_decimal(void **state)
{
    (void)state;
    EXPECT_STD("0", "%u", 0u);
    EXPECT_STD("42", "%u", 42u);
    EXPECT_STD("4294967295", "%u", UINT_MAX);
    EXPECT_STD("4294967295", "%u", (unsigned)-1);
}

/* ---- hex, octal, binary ----------------------------------------------- */

static void test_hex(void **state)
{
    (void)state;
    EXPECT_STD("0", "%x", 0u);
    EXPECT_STD("ff", "%x", 255u);
    EXPECT_STD("FF", "%X", 255u);
    EXPECT_STD("deadbeef", "%x", 0xdeadbeefu);
    EXPECT_STD("DEADBEEF", "%X", 0xdeadbeefu);
    EXPECT_STD("ffffffff", "%x", UINT_MAX);
    EXPECT_STD("a", "%x", 10u);
}

static void test_octal(void **state)
{
    (void)state;
    EXPECT_STD("0", "%o", 0u);
    EXPECT_STD("10", "%o", 8u);
    EXPECT_STD("777", "%o", 0777u);
    EXPECT_STD("37777777777", "%o", UINT_MAX);
}

static void test_binary(void **state)
{
    (void)state;
    /* %b is not C11 (glibc 2.35 and C23 have it, musl and ASan's printf checker do not). */
    EXPECT_KILN("0", "%b", 0u);
    EXPECT_KILN("1", "%b", 1u);
    EXPECT_KILN("101", "%b", 5u);
    EXPECT_KILN("11111111111111111111111111111111", "%b", UINT_MAX);
    EXPECT_KILN("0b101", "%#b", 5u);
    EXPECT_KILN("0", "%#b", 0u);
    EXPECT_KILN("00000101", "%08b", 5u);
    EXPECT_KILN("0b00000101", "%#010b", 5u);
    EXPECT_KILN("1111111111111111111111111111111111111111111111111111111111111111", "%llb",
                ULLONG_MAX);
    EXPECT_KILN("11111111", "%hhb", 255);
    EXPECT_KILN("1000000000000000000000000000000000000000000000000000000000000000", "%jb",
                (uintmax_t)INT64_MIN);
}

/* ---- %c and %s -------------------------------------------------------- */

static void test_char(void **state)
{
    (void)state;
    EXPECT_STD("A", "%c", 'A');
    EXPECT_STD("    A", "%5c", 'A');
    EXPECT_STD("A    |", "%-5c|", 'A');
    EXPECT_STD("xyz", "%c%c%c", 'x', 'y', 'z');
    EXPECT_STD("   A", "%*c", 4, 'A');
}

static void test_char_nul_is_counted(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof buf);
    assert_int_equal(ksnprintf(buf, sizeof buf, "%cz", '\0'), 2);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'z');
    assert_int_equal(buf[2], '\0');
}

static void test_string(void **state)
{
    (void)state;
    EXPECT_STD("hello", "%s", "hello");
    EXPECT_STD("", "%s", "");
    EXPECT_STD("[   hi]", "[%5s]", "hi");
    EXPECT_STD("[hi   ]", "[%-5s]", "hi");
    EXPECT_STD("[hello]", "[%3s]", "hello");
    EXPECT_STD("a b", "%s %s", "a", "b");
}

static void test_string_precision_truncates(void **state)
{
    (void)state;
    EXPECT_STD("hel", "%.3s", "hello");
    EXPECT_STD("hello", "%.10s", "hello");
    EXPECT_STD("", "%.0s", "hello");
    EXPECT_STD("", "%.s", "hello");
    EXPECT_STD("[  hel]", "[%5.3s]", "hello");
    EXPECT_STD("[hel  ]", "[%-5.3s]", "hello");
    EXPECT_STD("he", "%.*s", 2, "hello");
    EXPECT_STD("hello", "%.*s", -1, "hello");
}

static void test_string_precision_does_not_read_past_it(void **state)
{
    (void)state;
    /* Exactly three bytes and no NUL: ASan catches a read past them. */
    char *unterminated = malloc(3);
    assert_non_null(unterminated);
    memcpy(unterminated, "abc", 3);
    EXPECT_STD("abc", "%.3s", unterminated);
    EXPECT_STD("ab", "%.2s", unterminated);
    free(unterminated);
}

static void test_string_null(void **state)
{
    (void)state;
    const char *null_string = NULL;
    EXPECT_KILN("(null)", "%s", null_string);
    EXPECT_KILN("[    (null)]", "[%10s]", null_string);
    EXPECT_KILN("[(null)    ]", "[%-10s]", null_string);
    EXPECT_KILN("(n", "%.2s", null_string);
    EXPECT_KILN("(null) ok", "%s %s", null_string, "ok");
}

static void test_zero_flag_does_not_apply_to_text(void **state)
{
    (void)state;
    /* C leaves '0' on %s and %c undefined; kiln pads with spaces, as glibc does. */
    EXPECT_KILN("   ab", "%05s", "ab");
    EXPECT_KILN("    x", "%05c", 'x');
}

/* ---- %p --------------------------------------------------------------- */

static void test_pointer(void **state)
{
    (void)state;
    EXPECT_KILN("0x0000000000000000", "%p", (void *)NULL);
    EXPECT_KILN("0x0000000000001234", "%p", (void *)0x1234);
    EXPECT_KILN("0xffffffff80000000", "%p", (void *)(uintptr_t)0xffffffff80000000u);
    EXPECT_KILN("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    EXPECT_KILN("[  0x00000000deadbeef]", "[%20p]", (void *)0xdeadbeef);
    EXPECT_KILN("[0x00000000deadbeef  ]", "[%-20p]", (void *)0xdeadbeef);
    /* Flags that would change the digits are ignored; '0' pads with spaces. */
    EXPECT_KILN("  0x000000000000abcd", "%020p", (void *)0xabcd);
    EXPECT_KILN("0x000000000000abcd", "%.4p", (void *)0xabcd);
    EXPECT_KILN("0x000000000000abcd", "%#p", (void *)0xabcd);
}

static void test_pointer_matches_fixed_hex(void **state)
{
    (void)state;
    /* The same digits libc prints for "0x%016" PRIxPTR. */
    int local;
    char expected[BUF_SIZE];
    snprintf(expected, sizeof expected, "0x%016" PRIxPTR, (uintptr_t)&local);
    EXPECT_KILN(expected, "%p", (void *)&local);
}

/* ---- flags ------------------------------------------------------------ */

static void test_flag_minus(void **state)
{
    (void)state;
    EXPECT_STD("[42   ]", "[%-5d]", 42);
    EXPECT_STD("[-42  ]", "[%-5d]", -42);
    EXPECT_STD("[ff   ]", "[%-5x]", 255u);
    EXPECT_STD("[12345]", "[%-3d]", 12345);
    EXPECT_LIBC_UNCHECKED("[42   ]", "[%-05d]", 42); /* '-' beats '0' */
}

static void test_flag_zero(void **state)
{
    (void)state;
    EXPECT_STD("00042", "%05d", 42);
    EXPECT_STD("-0042", "%05d", -42);
    EXPECT_STD("000ff", "%05x", 255u);
    EXPECT_STD("00017", "%05o", 15u);
    EXPECT_STD("-2147483648", "%05d", INT_MIN);
    /* C: with a precision, '0' is ignored for integers. */
    EXPECT_LIBC_UNCHECKED("     042", "%08.3d", 42);
    EXPECT_LIBC_UNCHECKED("    -042", "%08.3d", -42);
    EXPECT_LIBC_UNCHECKED("        ", "%08.0d", 0);
}

static void test_flag_plus_and_space(void **state)
{
    (void)state;
    EXPECT_STD("+42", "%+d", 42);
    EXPECT_STD("-42", "%+d", -42);
    EXPECT_STD("+0", "%+d", 0);
    EXPECT_STD(" 42", "% d", 42);
    EXPECT_STD("-42", "% d", -42);
    EXPECT_STD(" 0", "% d", 0);
    EXPECT_STD("  +42", "%+5d", 42);
    EXPECT_STD("+0042", "%+05d", 42);
    EXPECT_STD(" 0042", "% 05d", 42);
    EXPECT_STD("+42  |", "%-+5d|", 42);
    EXPECT_STD("+", "%+.0d", 0);
    EXPECT_STD("+2147483647", "%+d", INT_MAX);
    EXPECT_LIBC_UNCHECKED("+42", "%+ d", 42); /* '+' beats ' ' */
    EXPECT_LIBC_UNCHECKED("+42", "% +d", 42);
    /* Sign flags apply to signed conversions only. */
    EXPECT_LIBC_UNCHECKED("42", "%+u", 42u);
    EXPECT_LIBC_UNCHECKED("ff", "% x", 255u);
}

static void test_flag_hash(void **state)
{
    (void)state;
    EXPECT_STD("0xff", "%#x", 255u);
    EXPECT_STD("0XFF", "%#X", 255u);
    EXPECT_STD("0", "%#x", 0u); /* C: no prefix on zero */
    EXPECT_STD("0x0000ff", "%#08x", 255u);
    EXPECT_STD("[    0xff]", "[%#8x]", 255u);
    EXPECT_STD("[0xff    ]", "[%-#8x]", 255u);
    EXPECT_STD("0x00ff", "%#.4x", 255u);
    EXPECT_STD("", "%#.0x", 0u);
    EXPECT_STD("010", "%#o", 8u);
    EXPECT_STD("0", "%#o", 0u);
    EXPECT_STD("0", "%#.0o", 0u);
    EXPECT_STD("0777", "%#o", 0777u);
    EXPECT_STD("00010", "%#.5o", 8u); /* precision already gives the leading zero */
    EXPECT_STD("  010", "%#5o", 8u);
    EXPECT_STD("0xffffffffffffffff", "%#llx", ULLONG_MAX);
}

/* ---- width and precision ---------------------------------------------- */

static void test_width(void **state)
{
    (void)state;
    EXPECT_STD("[    7]", "[%5d]", 7);
    EXPECT_STD("[   -7]", "[%5d]", -7);
    EXPECT_STD("[12345678]", "[%5d]", 12345678);
    EXPECT_STD("[ 7]", "[%2u]", 7u);
    EXPECT_STD("[         0]", "[%10x]", 0u);
}

static void test_precision(void **state)
{
    (void)state;
    EXPECT_STD("007", "%.3d", 7);
    EXPECT_STD("-007", "%.3d", -7);
    EXPECT_STD("12345", "%.3d", 12345);
    EXPECT_STD("", "%.0d", 0);
    EXPECT_STD("", "%.d", 0);
    EXPECT_STD("     ", "%5.0d", 0);
    EXPECT_STD("1", "%.0d", 1);
    EXPECT_STD("0000000042", "%.10u", 42u);
    EXPECT_STD("", "%.0x", 0u);
    EXPECT_STD("00ff", "%.4x", 255u);
    EXPECT_STD("  -0042", "%7.4d", -42);
    EXPECT_STD("0000000000000000000000000000000000000001", "%.40d", 1);
    EXPECT_STD("-9223372036854775808", "%.5lld", LLONG_MIN);
}

static void test_star_width_and_precision(void **state)
{
    (void)state;
    EXPECT_STD("[   42]", "[%*d]", 5, 42);
    EXPECT_STD("[42   ]", "[%*d]", -5, 42); /* negative width means '-' */
    EXPECT_STD("[42   ]", "[%-*d]", 5, 42);
    EXPECT_STD("[42   ]", "[%-*d]", -5, 42);
    EXPECT_STD("007", "%.*d", 3, 7);
    EXPECT_STD("7", "%.*d", -1, 7); /* negative precision is ignored */
    EXPECT_STD("0", "%.*d", -1, 0);
    EXPECT_STD("", "%.*d", 0, 0);
    EXPECT_STD("[   007]", "[%*.*d]", 6, 3, 7);
    EXPECT_STD("[007   ]", "[%*.*d]", -6, 3, 7);
    EXPECT_STD("-0003", "%0*d", 5, -3);
    EXPECT_STD("[ab  ]", "[%*s]", -4, "ab");
    EXPECT_STD("[  he]", "[%*.*s]", 4, 2, "hello");
    /* The star arguments come first and in order; later arguments stay aligned. */
    EXPECT_STD("   1|x|  2", "%*d|%s|%*d", 4, 1, "x", 3, 2);
}

static void test_wide_field_overflows_buffer(void **state)
{
    (void)state;
    char expected[BUF_SIZE];
    memset(expected, ' ', 219);
    strcpy(expected + 219, "42");
    EXPECT_STD(expected, "%221d", 42);

    char small[8];
    assert_int_equal(ksnprintf(small, sizeof small, "%300d", 42), 300);
    assert_string_equal(small, "       ");
}

/* ---- length modifiers ------------------------------------------------- */

static void test_length_hh(void **state)
{
    (void)state;
    EXPECT_STD("-128", "%hhd", (signed char)SCHAR_MIN);
    EXPECT_STD("127", "%hhd", (signed char)SCHAR_MAX);
    EXPECT_STD("-1", "%hhd", (signed char)-1);
    EXPECT_STD("0", "%hhd", (signed char)0);
    EXPECT_STD("255", "%hhu", (unsigned char)UCHAR_MAX);
    EXPECT_STD("0", "%hhu", (unsigned char)0);
    EXPECT_STD("ff", "%hhx", (unsigned char)0xff);
    EXPECT_STD("377", "%hho", (unsigned char)0xff);
    /* An int argument is narrowed back to char, as C requires. */
    EXPECT_LIBC_UNCHECKED("-1", "%hhd", 255);
    EXPECT_LIBC_UNCHECKED("-128", "%hhd", 128);
    EXPECT_LIBC_UNCHECKED("0", "%hhd", 256);
    EXPECT_LIBC_UNCHECKED("255", "%hhu", -1);
    EXPECT_LIBC_UNCHECKED("ff", "%hhx", 0x1ff);
    EXPECT_LIBC_UNCHECKED("0", "%hhu", INT_MIN);
}

static void test_length_h(void **state)
{
    (void)state;
    EXPECT_STD("-32768", "%hd", (short)SHRT_MIN);
    EXPECT_STD("32767", "%hd", (short)SHRT_MAX);
    EXPECT_STD("-1", "%hd", (short)-1);
    EXPECT_STD("65535", "%hu", (unsigned short)USHRT_MAX);
    EXPECT_STD("ffff", "%hx", (unsigned short)0xffff);
    EXPECT_STD("FFFF", "%hX", (unsigned short)0xffff);
    EXPECT_STD("177777", "%ho", (unsigned short)0xffff);
    EXPECT_LIBC_UNCHECKED("-1", "%hd", 65535);
    EXPECT_LIBC_UNCHECKED("65535", "%hu", -1);
    EXPECT_LIBC_UNCHECKED("0", "%hd", 65536);
    EXPECT_LIBC_UNCHECKED("0", "%hd", INT_MIN);
}

static void test_length_l(void **state)
{
    (void)state;
    EXPECT_STD("0", "%ld", 0L);
    EXPECT_STD("-1", "%ld", -1L);
    EXPECT_STD("-9223372036854775808", "%ld", LONG_MIN);
    EXPECT_STD("9223372036854775807", "%ld", LONG_MAX);
    EXPECT_STD("-9223372036854775808", "%li", LONG_MIN);
    EXPECT_STD("18446744073709551615", "%lu", ULONG_MAX);
    EXPECT_STD("ffffffffffffffff", "%lx", ULONG_MAX);
    EXPECT_STD("1777777777777777777777", "%lo", ULONG_MAX);
    EXPECT_STD("0", "%lu", 0UL);
}

static void test_length_ll(void **state)
{
    (void)state;
    EXPECT_STD("0", "%lld", 0LL);
    EXPECT_STD("-1", "%lld", -1LL);
    EXPECT_STD("-9223372036854775808", "%lld", LLONG_MIN);
    EXPECT_STD("9223372036854775807", "%lld", LLONG_MAX);
    EXPECT_STD("-9223372036854775808", "%+lld", LLONG_MIN);
    EXPECT_STD("-009223372036854775808", "%022lld", LLONG_MIN);
    EXPECT_STD("  -9223372036854775808", "%22lld", LLONG_MIN);
    EXPECT_STD("18446744073709551615", "%llu", ULLONG_MAX);
    EXPECT_STD("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
    EXPECT_STD("1777777777777777777777", "%llo", ULLONG_MAX);
}

static void test_length_z_t_j(void **state)
{
    (void)state;
    EXPECT_STD("0", "%zu", (size_t)0);
    EXPECT_STD("18446744073709551615", "%zu", SIZE_MAX);
    EXPECT_STD("ffffffffffffffff", "%zx", SIZE_MAX);
    EXPECT_STD("-1", "%zd", (ptrdiff_t)-1);
    EXPECT_STD("-9223372036854775808", "%td", PTRDIFF_MIN);
    EXPECT_STD("9223372036854775807", "%td", PTRDIFF_MAX);
    EXPECT_STD("-1", "%ti", (ptrdiff_t)-1);
    EXPECT_STD("18446744073709551615", "%tu", SIZE_MAX);
    EXPECT_STD("-9223372036854775808", "%jd", INTMAX_MIN);
    EXPECT_STD("9223372036854775807", "%jd", INTMAX_MAX);
    EXPECT_STD("18446744073709551615", "%ju", UINTMAX_MAX);
    EXPECT_STD("ffffffffffffffff", "%jx", UINTMAX_MAX);
    EXPECT_STD("0", "%jd", (intmax_t)0);
}

static void test_fixed_width_types(void **state)
{
    (void)state;
    EXPECT_STD("-9223372036854775808", "%" PRId64, INT64_MIN);
    EXPECT_STD("9223372036854775807", "%" PRId64, INT64_MAX);
    EXPECT_STD("18446744073709551615", "%" PRIu64, UINT64_MAX);
    EXPECT_STD("ffffffffffffffff", "%" PRIx64, UINT64_MAX);
    EXPECT_STD("0", "%" PRIu64, (uint64_t)0);
    EXPECT_STD("-1", "%" PRId64, (int64_t)-1);
    EXPECT_STD("-2147483648", "%" PRId32, INT32_MIN);
    EXPECT_STD("4294967295", "%" PRIu32, UINT32_MAX);
    EXPECT_STD("-128", "%" PRId8, INT8_MIN);
    EXPECT_STD("65535", "%" PRIu16, (uint16_t)UINT16_MAX);
}

static void test_mixed_lengths_consume_right_sizes(void **state)
{
    (void)state;
    /* Enough arguments to spill from registers onto the stack (x86_64 passes six in registers). */
    EXPECT_STD("-1 -1 -1 -1 -1 -1 ff ffff ffffffff ffffffffffffffff 1 end",
               "%hhd %hd %d %ld %lld %jd %hhx %hx %x %llx %zu %s", (signed char)-1, (short)-1, -1,
               -1L, -1LL, (intmax_t)-1, (unsigned char)0xff, (unsigned short)0xffff, 0xffffffffu,
               ULLONG_MAX, (size_t)1, "end");
    EXPECT_STD("1 2 3 4 5 6 7 8 9 -9223372036854775808 x", "%d %d %d %d %d %d %d %d %d %lld %c", 1,
               2, 3, 4, 5, 6, 7, 8, 9, LLONG_MIN, 'x');
}

/* ---- unknown and incomplete conversions ------------------------------- */

static void test_unknown_conversion_is_verbatim(void **state)
{
    (void)state;
    EXPECT_KILN("%q", "%q");
    EXPECT_KILN("a%qb", "a%qb");
    EXPECT_KILN("%5q", "%5q");
    EXPECT_KILN("%-08.3lq", "%-08.3lq");
    EXPECT_KILN("%y %f %n", "%y %f %n");
    EXPECT_KILN("%hhk", "%hhk");
}

static void test_unknown_conversion_consumes_no_argument(void **state)
{
    (void)state;
    /* If %q or its '*' took an argument, these would print the wrong values. */
    EXPECT_KILN("%q 42", "%q %d", 42);
    EXPECT_KILN("%*q 42", "%*q %d", 42);
    EXPECT_KILN("%.*q hi", "%.*q %s", "hi");
    EXPECT_KILN("%lq 7 %q x", "%lq %d %q %c", 7, 'x');
}

static void test_percent_at_end(void **state)
{
    (void)state;
    EXPECT_KILN("%", "%");
    EXPECT_KILN("abc%", "abc%");
    EXPECT_KILN("5%", "%d%%", 5);
    EXPECT_KILN("5%", "%d%", 5);
    /* A specification cut short by the end of the string is printed as written. */
    EXPECT_KILN("%-5", "%-5");
    EXPECT_KILN("x%l", "x%l");
    EXPECT_KILN("%.*", "%.*");
    EXPECT_KILN("%hh", "%hh");
}

/* ---- snprintf semantics ----------------------------------------------- */

static void test_size_zero_writes_nothing(void **state)
{
    (void)state;
    assert_int_equal(ksnprintf(NULL, 0, "hello %d", 42), 8);

    char buf[4] = {'X', 'X', 'X', 'X'};
    assert_int_equal(ksnprintf(buf, 0, "hello"), 5);
    assert_int_equal(buf[0], 'X');
}

static void test_size_one_is_just_the_nul(void **state)
{
    (void)state;
    char buf[2] = {'X', 'X'};
    assert_int_equal(ksnprintf(buf, 1, "hello"), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'X');
}

/*
 * Format into heap buffers of exactly size bytes, so ASan sees any write past
 * them; copy the results out and free before asserting, as a failed assert
 * does not return.
 */
static void check_truncated(size_t size, const char *expected, int expected_length, const char *fmt,
                            int value)
{
    char kiln_result[BUF_SIZE], libc_result[BUF_SIZE];
    char *kiln_buf = malloc(size);
    char *libc_buf = malloc(size);
    assert_true(kiln_buf != NULL && libc_buf != NULL && size <= BUF_SIZE);

    int kiln_length = kiln_format_unchecked(kiln_buf, size, fmt, value);
    int libc_length = libc_format_unchecked(libc_buf, size, fmt, value);
    memcpy(kiln_result, kiln_buf, size);
    memcpy(libc_result, libc_buf, size);
    free(kiln_buf);
    free(libc_buf);

    assert_string_equal(libc_result, expected);
    assert_string_equal(kiln_result, expected);
    assert_int_equal(kiln_length, expected_length);
    assert_int_equal(kiln_length, libc_length);
}

static void test_truncation_and_return_value(void **state)
{
    (void)state;
    check_truncated(6, "hello", 5, "hello", 0); /* exact fit */
    check_truncated(5, "hell", 5, "hello", 0);  /* one short: NUL takes the last byte */
    check_truncated(1, "", 5, "hello", 0);
    check_truncated(4, "123", 6, "%d", 123456);
    check_truncated(7, "123456", 6, "%d", 123456);
    check_truncated(3, "-2", 11, "%d", INT_MIN);
    check_truncated(4, "   ", 5, "%5d", 42);
    check_truncated(2, "0", 4, "%#x", 255);
}

static void test_bytes_after_the_limit_are_untouched(void **state)
{
    (void)state;
    char buf[16];
    memset(buf, 'X', sizeof buf);
    assert_int_equal(ksnprintf(buf, 8, "%s", "0123456789"), 10);
    assert_string_equal(buf, "0123456");
    for (size_t i = 8; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'X');
}

/* ---- kvformat with a callback ----------------------------------------- */

struct collector {
    char text[BUF_SIZE];
    size_t calls;
};

static void collect(char c, void *ctx)
{
    struct collector *col = ctx;
    if (col->calls < sizeof col->text - 1)
        col->text[col->calls] = c;
    col->calls++;
}

static int collect_format(struct collector *col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(collect, col, fmt, ap);
    va_end(ap);
    col->text[col->calls < sizeof col->text ? col->calls : sizeof col->text - 1] = '\0';
    return n;
}

static void test_kvformat_emits_each_char_once(void **state)
{
    (void)state;
    struct collector col = {.calls = 0};
    int n = collect_format(&col, "pmm: %d frames free at %p%c", 3, (void *)0x1000, '!');
    assert_string_equal(col.text, "pmm: 3 frames free at 0x0000000000001000!");
    assert_int_equal(n, strlen(col.text));
    assert_int_equal(col.calls, strlen(col.text));
}

static void test_kvformat_counts_beyond_any_buffer(void **state)
{
    (void)state;
    struct collector col = {.calls = 0};
    assert_int_equal(collect_format(&col, "%1000d", 1), 1000);
    assert_int_equal(col.calls, 1000);
}

static void test_null_format(void **state)
{
    (void)state;
    struct collector col = {.calls = 0};
    const char *null_format = NULL;
    assert_int_equal(collect_format(&col, null_format), 0);
    assert_int_equal(col.calls, 0);

    char buf[4] = {'X', 'X', 'X', 'X'};
    assert_int_equal(kiln_format_unchecked(buf, sizeof buf, null_format), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_percent_ignores_flags),
        cmocka_unit_test(test_signed_decimal),
        cmocka_unit_test(test_unsigned_decimal),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_octal),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_char),
        cmocka_unit_test(test_char_nul_is_counted),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_string_precision_truncates),
        cmocka_unit_test(test_string_precision_does_not_read_past_it),
        cmocka_unit_test(test_string_null),
        cmocka_unit_test(test_zero_flag_does_not_apply_to_text),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_pointer_matches_fixed_hex),
        cmocka_unit_test(test_flag_minus),
        cmocka_unit_test(test_flag_zero),
        cmocka_unit_test(test_flag_plus_and_space),
        cmocka_unit_test(test_flag_hash),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_star_width_and_precision),
        cmocka_unit_test(test_wide_field_overflows_buffer),
        cmocka_unit_test(test_length_hh),
        cmocka_unit_test(test_length_h),
        cmocka_unit_test(test_length_l),
        cmocka_unit_test(test_length_ll),
        cmocka_unit_test(test_length_z_t_j),
        cmocka_unit_test(test_fixed_width_types),
        cmocka_unit_test(test_mixed_lengths_consume_right_sizes),
        cmocka_unit_test(test_unknown_conversion_is_verbatim),
        cmocka_unit_test(test_unknown_conversion_consumes_no_argument),
        cmocka_unit_test(test_percent_at_end),
        cmocka_unit_test(test_size_zero_writes_nothing),
        cmocka_unit_test(test_size_one_is_just_the_nul),
        cmocka_unit_test(test_truncation_and_return_value),
        cmocka_unit_test(test_bytes_after_the_limit_are_untouched),
        cmocka_unit_test(test_kvformat_emits_each_char_once),
        cmocka_unit_test(test_kvformat_counts_beyond_any_buffer),
        cmocka_unit_test(test_null_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
