/*
 * ktest/test_broken.c - suite "broken": tests that fail on purpose.
 *
 * They check the runner itself: a panic inside a test, a failed assertion and
 * an unexpected exception must each become a "not ok" line with the reason,
 * and the run must go on to the next test. `ktest=all` skips this suite; it
 * runs only when named (CTest: qemu.ktest-failures-reported).
 */
#include "ktest/ktest.h"
#include "kernel/panic.h"

KTEST(broken, panics, "a panic inside a test is reported as a failure")
{
    panic("a deliberate panic inside a test");
}

KTEST(broken, assertion, "a failed assertion prints expected and got")
{
    KT_ASSERT_EQ(1, 1 + 1);
}

KTEST(broken, unexpected_fault, "an unexpected exception inside a test is a failure")
{
    __asm__ volatile("ud2");
}

KTEST(broken, still_running, "the runner goes on after failures")
{
    KT_ASSERT(true);
}
