/*
 * hostile-demand-syscalls - system calls whose buffers lie in pages never touched.
 *
 * Under vm=demand those pages are not mapped yet; under vm=zero-page a page
 * only read is the shared page of zeroes, which the kernel must never write.
 * The kernel must back each buffer before it checks and copies (or return
 * -KILN_ENOMEM), never fault itself, never write the zero page, and say
 * -KILN_EFAULT for a buffer that runs out of every region as before. Under
 * every policy the results are the same and the program exits 0
 * (src/ktest/test_demand.c).
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "string.h"
#include "sys.h"

#define PAGE 4096UL

/* Page-aligned, never touched before the calls below. */
uint8_t untouched[16 * PAGE] __attribute__((aligned(4096)));

int main(void)
{
    puts("memstats into .bss pages never touched, and into the zero page");
    long pid = sys_getpid();

    /* 1. The stats straddle the boundary of two untouched pages. */
    struct kiln_memstats *st = (struct kiln_memstats *)&untouched[PAGE - 24];
    long r = sys_memstats(st, NULL, 0);
    require(1, !sys_is_error(r), "memstats into untouched pages: %ld (%s)", r, sys_error_name(r));
    require(2, st->pid == (uint32_t)pid, "memstats wrote pid %u, getpid says %ld", st->pid, pid);

    /* 2. A page only read so far (the zero page under vm=zero-page), then written by the kernel. */
    volatile uint8_t *read_only_so_far = &untouched[4 * PAGE];
    require(3, *read_only_so_far == 0, "an untouched .bss byte is %#x", *read_only_so_far);
    struct kiln_memstats *st2 = (struct kiln_memstats *)&untouched[4 * PAGE];
    r = sys_memstats(st2, NULL, 0);
    require(4, !sys_is_error(r) && st2->pid == (uint32_t)pid,
            "memstats into a page only read: %ld, pid %u", r, st2->pid);
    /* The kernel's write went to this page's own frame, not the shared zeroes. */
    volatile uint8_t *other = &untouched[6 * PAGE];
    for (size_t i = 0; i < PAGE; i++)
        require(5, other[i] == 0,
                "byte %zu of another untouched page is %#x after the kernel "
                "wrote a page that was only read",
                i, other[i]);

    /* 3. A picture across three untouched pages. */
    char *picture = (char *)&untouched[8 * PAGE + 100];
    r = sys_memstats(st, picture, 3 * PAGE);
    require(6, !sys_is_error(r), "memstats with its picture in untouched pages: %ld (%s)", r,
            sys_error_name(r));
    require(7, strlen(picture) > 0 && strlen(picture) < 3 * PAGE, "the picture is %zu bytes long",
            strlen(picture));

    /* 4. A buffer that runs past the end of the .bss and of every region: -KILN_EFAULT. */
    r = sys_memstats(st, (char *)&untouched[15 * PAGE], 1UL << 40);
    if (expect_result("memstats with a picture running out of every region", -KILN_EFAULT, r))
        return 8;

    /* 5. write() reading a buffer across the end of a page the program wrote
     * and the start of one never touched (the console shows its NUL as \x00). */
    untouched[12 * PAGE - 1] = '>';
    r = sys_write(&untouched[12 * PAGE - 1], 2);
    if (expect_result("write of 2 bytes, the second in an untouched page", 2, r))
        return 9;
    puts("");
    return 0;
}
