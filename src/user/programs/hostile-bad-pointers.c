/*
 * hostile-bad-pointers - hand the kernel pointers and lengths it must refuse.
 *
 * A system call that takes a pointer makes the kernel read or write memory
 * on the program's behalf. If the kernel believed any pointer, a program
 * could have it read kernel memory (write), overwrite it (memstats), or
 * fault inside the kernel. So before touching anything, the kernel checks
 * the whole range: in the user half, no wrap-around, every page mapped and
 * user-accessible, and writable if the kernel writes there. Each call below
 * breaks exactly one of those rules and must get exactly the error
 * include/kiln/syscall.h documents. The raw kiln_syscall stubs let any
 * 64-bit value through. Exit status: the number of wrong results.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "sys.h"

#define UNMAPPED_ADDRESS 0x300000000ull         /* 12 GiB: between the image and the heap */
#define NON_CANONICAL_ADDRESS 0x800000000000ull /* bits 63..47 not all equal: no address */
#define WRAPPING_ADDRESS 0xffffffffffffff00ull  /* + 0x200 wraps past 2^64 */
#define HUGE_LENGTH (1ull << 40)

static long write_raw(uint64_t buf, uint64_t len)
{
    return kiln_syscall2(SYS_WRITE, buf, len);
}

static long memstats_raw(uint64_t stats, uint64_t picture, uint64_t picture_len)
{
    return kiln_syscall3(SYS_MEMSTATS, stats, picture, picture_len);
}

#define ADDRESS(p) ((uint64_t)(uintptr_t)(p))

int main(void)
{
    static const char message[] = "a good buffer\n";
    struct kiln_memstats stats;
    char picture[64];
    uint64_t code = ADDRESS(&main); /* read-only: the kernel may not write there */
    const long efault = -KILN_EFAULT, einval = -KILN_EINVAL;
    int wrong = 0;

    puts("passing bad pointers and lengths to write and memstats");

    /* write reads the buffer: it must be user memory, mapped, all of it. */
    wrong += expect_result("write(kernel pointer)", efault, write_raw(KERNEL_CODE_ADDRESS, 8));
    wrong +=
        expect_result("write(direct map pointer)", efault, write_raw(KERNEL_DIRECT_MAP_ADDRESS, 8));
    wrong += expect_result("write(unmapped user pointer)", efault, write_raw(UNMAPPED_ADDRESS, 8));
    wrong += expect_result("write(NULL, 8)", efault, write_raw(0, 8));
    wrong +=
        expect_result("write(non-canonical pointer)", efault, write_raw(NON_CANONICAL_ADDRESS, 8));
    wrong += expect_result("write(last 4 bytes of the stack, 8)", efault,
                           write_raw(USER_STACK_TOP - 4, 8));
    wrong += expect_result("write(good buffer, 2^40 bytes)", einval,
                           write_raw(ADDRESS(message), HUGE_LENGTH));

    /* memstats writes *stats and the picture: both must be writable user memory. */
    wrong += expect_result("memstats(stats = kernel pointer)", efault,
                           memstats_raw(KERNEL_CODE_ADDRESS, 0, 0));
    wrong +=
        expect_result("memstats(stats = unmapped)", efault, memstats_raw(UNMAPPED_ADDRESS, 0, 0));
    wrong += expect_result("memstats(stats = its own code)", efault, memstats_raw(code, 0, 0));
    wrong += expect_result("memstats(stats = NULL)", efault, memstats_raw(0, 0, 0));
    wrong += expect_result("memstats(stats straddling the stack top)", efault,
                           memstats_raw(USER_STACK_TOP - 8, 0, 0));
    wrong += expect_result("memstats(picture wrapping past 2^64)", efault,
                           memstats_raw(ADDRESS(&stats), WRAPPING_ADDRESS, 0x200));
    wrong += expect_result("memstats(picture = kernel pointer)", efault,
                           memstats_raw(ADDRESS(&stats), KERNEL_CODE_ADDRESS, 16));
    wrong += expect_result("memstats(picture = its own code)", efault,
                           memstats_raw(ADDRESS(&stats), code, 16));
    wrong += expect_result("memstats(64-byte picture, picture_len 2^40)", efault,
                           memstats_raw(ADDRESS(&stats), ADDRESS(picture), HUGE_LENGTH));

    /* The heap's buddy bitmaps sit in the user half but are kernel-only
     * pages: mapped, so only the user bit can refuse them. */
    const uint64_t bitmaps = USER_HEAP_BASE + USER_HEAP_RANGE - USER_HEAP_RANGE / 8;
    wrong += expect_result("write(the heap's kernel-only bitmaps)", efault, write_raw(bitmaps, 8));
    wrong += expect_result("memstats(stats = the heap's kernel-only bitmaps)", efault,
                           memstats_raw(bitmaps, 0, 0));

    /* After all that, a good call still works. */
    wrong += expect_result(
        "memstats(good pointers) is not an error", 0,
        sys_is_error(memstats_raw(ADDRESS(&stats), ADDRESS(picture), sizeof picture)));
    printf("%d wrong result(s)\n", wrong);
    return wrong;
}
