/*
 * ktest/test_format.c - suite "format": kprintf's formatting, inside the kernel.
 *
 * The host tests check the formatter thoroughly; these check that it behaves
 * the same when built with the kernel's flags (no SSE, kernel code model,
 * freestanding), where varargs and 64-bit values have bitten kernels before.
 */
#include <stdint.h>

#include "ktest/ktest.h"
#include "lib/format.h"

static char buf[128];

KTEST(format, signed_decimal, "%d and %lld print negative and extreme values")
{
    ksnprintf(buf, sizeof(buf), "%d %lld", -42, (long long)INT64_MIN);
    KT_ASSERT_STR_EQ("-42 -9223372036854775808", buf);
}

KTEST(format, unsigned_hex, "%u %x %lx print unsigned values in decimal and hex")
{
    ksnprintf(buf, sizeof(buf), "%u %x %lx", 4000000000u, 0xbeefu, 0xffffffff80000000ul);
    KT_ASSERT_STR_EQ("4000000000 beef ffffffff80000000", buf);
}

KTEST(format, width_padding, "width, zero padding and left justification")
{
    ksnprintf(buf, sizeof(buf), "[%5d][%-5d][%05x][%8s]", 42, 42, 0xab, "pmm");
    KT_ASSERT_STR_EQ("[   42][42   ][000ab][     pmm]", buf);
}

KTEST(format, pointer_and_size, "%p is 0x plus 16 hex digits; %zu prints size_t")
{
    ksnprintf(buf, sizeof(buf), "%p %zu", (void *)0xffffffff80100000ul, (size_t)4096);
    KT_ASSERT_STR_EQ("0xffffffff80100000 4096", buf);
}

KTEST(format, truncation, "ksnprintf truncates, terminates and returns the full length")
{
    char small[6];
    int n = ksnprintf(small, sizeof(small), "frame %d", 12345);
    KT_ASSERT_INT_EQ(11, n);
    KT_ASSERT_STR_EQ("frame", small);
}
