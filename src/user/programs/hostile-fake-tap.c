/*
 * hostile-fake-tap - print lines that look like test results.
 *
 * The in-kernel tests report in TAP on the console ("ok 3 - pmm: ..."), and
 * ci/boot and ci/grade count those lines. A program that printed its own
 * "ok" lines could pass for tests, or claim a clean power-off. The kernel
 * puts "hostile-fake-tap: " before every line a program writes, so none of
 * these parse as TAP; if they did, ci/boot would see a second plan and
 * numbers reported twice, and fail the run.
 */
#include "stdio.h"

int main(void)
{
    puts("1..1");
    puts("ok 1 - pmm: a result the kernel never reported");
    puts("not ok 2 - vmm: another");
    puts("kiln: power off (success)");
    printf("# ktest: 1 tests, 1 passed, 0 failed\n");
    return 0;
}
