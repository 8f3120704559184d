/*
 * libc - the user C library checked against the C standard's contracts.
 *
 * snprintf is the kernel's printf engine (src/lib/format.c) compiled for
 * ring 3, the string functions are src/lib/string.c, and malloc, calloc and
 * realloc sit on SYS_ALLOC, SYS_FREE and SYS_BLOCK_SIZE
 * (src/user/lib/stdlib.c). Each check has its own number: the first one
 * that fails prints "FAIL: ..." and becomes the exit status.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"
#include "string.h"
#include "sys.h"

static char buf[128];

/* The text snprintf made must be `expected`, and its result its length. */
static void expect_text(int check_id, int length, const char *expected)
{
    require(check_id, strcmp(buf, expected) == 0, "snprintf made \"%s\", expected \"%s\"", buf,
            expected);
    require(check_id, length == (int)strlen(expected), "snprintf(\"%s\") returned %d", expected,
            length);
}

static void check_snprintf(void)
{
    expect_text(1, snprintf(buf, sizeof buf, "%d", -42), "-42");
    expect_text(2, snprintf(buf, sizeof buf, "%u", 4000000000u), "4000000000");
    expect_text(3, snprintf(buf, sizeof buf, "%x %X", 0xbeefu, 0xbeefu), "beef BEEF");
    expect_text(4, snprintf(buf, sizeof buf, "<%s>", "ring 3"), "<ring 3>");
    expect_text(5, snprintf(buf, sizeof buf, "%p", (void *)0x401000), "0x0000000000401000");
    expect_text(6, snprintf(buf, sizeof buf, "%llu", 18446744073709551615ull),
                "18446744073709551615");
    expect_text(7, snprintf(buf, sizeof buf, "%ld", -9223372036854775807l - 1),
                "-9223372036854775808");
    expect_text(8, snprintf(buf, sizeof buf, "[%5d|%-5d|%05d]", 42, 42, 42), "[   42|42   |00042]");
    expect_text(9, snprintf(buf, sizeof buf, "%#x %c %.3s %%", 255u, 'k', "kilnx"), "0xff k kil %");
    expect_text(10, snprintf(buf, sizeof buf, "%zu", (size_t)1 << 40), "1099511627776");

    /* Cut to fit: 7 characters and the NUL, but the full length returned. */
    int length = snprintf(buf, 8, "%s", "0123456789");
    require(11, length == 10 && strcmp(buf, "0123456") == 0,
            "snprintf into 8 bytes: returned %d, made \"%s\"; expected 10 and \"0123456\"", length,
            buf);

    int printed = printf("printf returns the number of characters: %d\n", 42);
    require(12, printed == 44, "printf returned %d, expected 44", printed);
}

static void check_strings(void)
{
    require(20, strlen("") == 0 && strlen("kiln") == 4, "strlen");
    require(21, strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0,
            "strcmp");
    require(22, strcmp("a", "ab") < 0 && strcmp("\xff", "a") > 0,
            "strcmp: a prefix sorts first, bytes compare as unsigned");
    require(23, strncmp("kernel", "kerosene", 3) == 0 && strncmp("kernel", "kerosene", 4) != 0,
            "strncmp");
    const char *text = "user heap";
    require(24, strchr(text, 'h') == text + 5 && strchr(text, 'z') == NULL, "strchr");
    require(25, strstr(text, "heap") == text + 5 && strstr(text, "stack") == NULL, "strstr");

    char a[16];
    memset(a, 'x', sizeof a);
    require(26, a[0] == 'x' && a[15] == 'x', "memset");
    require(27, memcpy(a, "0123456789", 11) == a && strcmp(a, "0123456789") == 0, "memcpy");
    require(28, memcmp(a, "0123", 4) == 0 && memcmp(a, "0124", 4) < 0, "memcmp");
    memmove(a + 2, a, 8); /* overlapping, destination above the source */
    require(29, memcmp(a, "0101234567", 10) == 0, "memmove upward made \"%.10s\"", a);
    memmove(a, a + 2, 8); /* overlapping, destination below the source */
    require(30, memcmp(a, "0123456767", 10) == 0, "memmove downward made \"%.10s\"", a);
}

static void check_malloc(void)
{
    require(40, malloc(0) == NULL, "malloc(0) did not return NULL");
    kiln_errno = 0;
    require(41, malloc(KILN_ALLOC_MAX + 1) == NULL && kiln_errno == KILN_EINVAL,
            "malloc(KILN_ALLOC_MAX + 1): expected NULL and kiln_errno %d, got kiln_errno %d",
            KILN_EINVAL, kiln_errno);
    kiln_errno = 0;
    require(42, calloc(SIZE_MAX / 2, 4) == NULL && kiln_errno == KILN_EINVAL,
            "calloc(SIZE_MAX / 2, 4) must see the overflow: kiln_errno %d", kiln_errno);

    /* Dirty a block and give it back: calloc probably gets the same memory. */
    unsigned char *dirty = malloc(300);
    require(43, dirty != NULL, "malloc(300) failed");
    memset(dirty, 0xaa, 300);
    free(dirty);
    unsigned char *zeroed = calloc(30, 10);
    require(44, zeroed != NULL, "calloc(30, 10) failed");
    for (int i = 0; i < 300; i++)
        if (zeroed[i] != 0)
            fail(45, "calloc'd byte %d is %#x", i, zeroed[i]);
    free(zeroed);

    char *p = realloc(NULL, 40); /* realloc(NULL, n) is malloc(n) */
    require(46, p != NULL, "realloc(NULL, 40) failed");
    for (int i = 0; i < 40; i++)
        p[i] = (char)('A' + i % 26);
    p = realloc(p, 5000);
    require(47, p != NULL, "realloc to 5000 bytes failed");
    for (int i = 0; i < 40; i++)
        if (p[i] != (char)('A' + i % 26))
            fail(48, "realloc to 5000 lost byte %d", i);
    require(49, sys_block_size(p) >= 5000, "realloc to 5000 gave a block of %ld",
            sys_block_size(p));
    p = realloc(p, 10);
    require(50, p != NULL, "realloc to 10 bytes failed");
    require(51, memcmp(p, "ABCDEFGHIJ", 10) == 0, "realloc to 10 kept \"%.10s\"", p);
    require(52, realloc(p, 0) == NULL, "realloc(p, 0) must free p and return NULL");

    struct kiln_memstats stats;
    sys_memstats(&stats, NULL, 0);
    require(53, stats.heap_blocks == 0, "%lu block(s) still in use at the end", stats.heap_blocks);
}

int main(void)
{
    puts("checking snprintf, the string functions, malloc, calloc and realloc");
    check_snprintf();
    check_strings();
    check_malloc();
    puts("all checks passed");
    return 0;
}
