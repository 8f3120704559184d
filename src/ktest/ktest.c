/*
 * ktest/ktest.c - the in-kernel test runner.
 *
 * Output is TAP (the Test Anything Protocol), one line per test:
 *
 *     TAP version 13
 *     1..12
 *     ok 1 - format: %d and %lld print negative and extreme values
 *     # /path/to/src/ktest/test_traps.c:40: rec.vector: expected 6 (0x6), got 13 (0xd)
 *     not ok 2 - traps: ud2 raises #UD at its own address; skipping it resumes
 *     # ktest: 12 tests, 11 passed, 1 failed (36 compiled in)
 *     # suite format: 10512 cycles, 1 tests
 *     # suite traps: 98211 cycles, 11 tests
 *
 * Each test runs under a saved context (ksetjmp): a failed assertion or a
 * panic jumps back here, the test is reported as "not ok", and the next one
 * runs. The runner never hangs on a failing test; a test that hangs is caught
 * by the per-boot timeout of ci/boot.
 */
#include "ktest/ktest.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "lib/cmdline.h"
#include "lib/kjmp.h"

extern const struct ktest_case __ktest_cases_start[], __ktest_cases_end[];

static struct kjmp_buf test_exit;
static bool in_test;

bool ktest_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void ktest_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    console_write("# ");
    kvprintf(fmt, ap);
    console_write("\n");
    va_end(ap);
}

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("# %s:%d: ", file, line);
    kvprintf(fmt, ap);
    console_write("\n");
    va_end(ap);
    if (!in_test)
        panic("ktest_fail called outside a test (%s:%d)", file, line);
    klongjmp(&test_exit, 1);
}

static void fail_on_panic(const char *message)
{
    kprintf("# panic: %s\n", message);
    klongjmp(&test_exit, 1);
}

static struct {
    struct kjmp_buf resume;
    char *message;
    size_t size;
} panic_catcher;

static void catch_panic(const char *message)
{
    size_t i = 0;
    for (; i + 1 < panic_catcher.size && message[i]; i++)
        panic_catcher.message[i] = message[i];
    if (panic_catcher.size)
        panic_catcher.message[i] = '\0';
    klongjmp(&panic_catcher.resume, 1);
}

bool ktest_catch_panic(void (*fn)(void *), void *arg, char *message, size_t size)
{
    panic_catcher.message = message;
    panic_catcher.size = size;
    panic_set_hook(catch_panic);
    bool panicked = ksetjmp(&panic_catcher.resume) != 0;
    if (!panicked)
        fn(arg);
    panic_set_hook(in_test ? fail_on_panic : 0);
    return panicked;
}

static size_t case_count(void)
{
    return (size_t)(__ktest_cases_end - __ktest_cases_start);
}

static bool suite_exists(const char *name)
{
    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++)
        if (ktest_streq(c->suite, name))
            return true;
    return false;
}

/* Suite "broken" fails on purpose (test_broken.c): only run when named. */
#define DELIBERATELY_FAILING_SUITE "broken"

static bool selected(const struct ktest_case *c, const char *selection)
{
    if (ktest_streq(selection, "all"))
        return !ktest_streq(c->suite, DELIBERATELY_FAILING_SUITE);
    return cmdline_list_contains(selection, c->suite);
}

static void list_suites(void)
{
    const char *last = 0;
    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++) {
        if (last && ktest_streq(last, c->suite))
            continue;
        kprintf(" %s", c->suite);
        last = c->suite;
    }
}

/* Every named suite must exist: a typo must not silently run nothing. */
static bool selection_valid(const char *selection)
{
    if (ktest_streq(selection, "all"))
        return true;
    const char *cursor = selection;
    char word[64];
    bool ok = true;
    size_t words = 0;
    while (cmdline_list_next(&cursor, word, sizeof(word))) {
        words++;
        if (!suite_exists(word)) {
            kprintf("Bail out! unknown ktest suite '%s' (known:", word);
            list_suites();
            kprintf(")\n");
            ok = false;
        }
    }
    if (words == 0) {
        kprintf("Bail out! ktest= names no suite (use ktest=all or ktest=SUITE[,SUITE])\n");
        ok = false;
    }
    return ok;
}

static bool run_one(const struct ktest_case *c)
{
    in_test = true;
    panic_set_hook(fail_on_panic);
    bool passed = false;
    if (ksetjmp(&test_exit) == 0) {
        c->fn();
        passed = true;
    }
    panic_set_hook(0);
    in_test = false;
    return passed;
}

/* Which layer each suite needs; a suite not listed needs only the boot layer. */
static const struct {
    const char *suite;
    enum ktest_layer layer;
} suite_layers[] = {
    {"pmm", KTEST_LAYER_PMM},   {"vmm", KTEST_LAYER_VMM},      {"heap", KTEST_LAYER_HEAP},
    {"user", KTEST_LAYER_USER}, {"hostile", KTEST_LAYER_USER}, {"bigbss", KTEST_LAYER_USER},
    {"records", KTEST_LAYER_HEAP},
    {"demand", KTEST_LAYER_USER},
};

static enum ktest_layer layer_of(const char *suite)
{
    for (size_t i = 0; i < sizeof(suite_layers) / sizeof(suite_layers[0]); i++)
        if (ktest_streq(suite_layers[i].suite, suite))
            return suite_layers[i].layer;
    return KTEST_LAYER_BOOT;
}

enum ktest_layer ktest_layer_needed(const char *selection)
{
    enum ktest_layer deepest = KTEST_LAYER_BOOT;
    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++)
        if (selected(c, selection) && layer_of(c->suite) > deepest)
            deepest = layer_of(c->suite);
    return deepest;
}

const char *ktest_layer_name(enum ktest_layer layer)
{
    static const char *const names[] = {"boot", "pmm", "vmm", "heap", "user"};
    return layer <= KTEST_LAYER_USER ? names[layer] : "?";
}

/*
 * Cycles spent in each suite (rdtsc around every test, summed by suite).
 * Printed after the summary line, as TAP diagnostics that no result follows,
 * so a test's own diagnostics never include them. Under QEMU -icount the
 * time stamp counter counts instructions: ci/bench reads these lines.
 */
#define MAX_TIMED_SUITES 32

static struct suite_time {
    const char *suite;
    uint64_t cycles;
    size_t tests;
} suite_times[MAX_TIMED_SUITES];
static size_t suite_time_count;

static void add_suite_time(const char *suite, uint64_t cycles)
{
    size_t i = 0;
    while (i < suite_time_count && !ktest_streq(suite_times[i].suite, suite))
        i++;
    if (i == MAX_TIMED_SUITES)
        return;
    if (i == suite_time_count)
        suite_times[suite_time_count++] = (struct suite_time){suite, 0, 0};
    suite_times[i].cycles += cycles;
    suite_times[i].tests++;
}

static void print_suite_times(void)
{
    for (size_t i = 0; i < suite_time_count; i++)
        kprintf("# suite %s: %llu cycles, %zu tests\n", suite_times[i].suite,
                (unsigned long long)suite_times[i].cycles, suite_times[i].tests);
}

bool ktest_run(const char *selection)
{
    if (!selection_valid(selection))
        return false;
    size_t planned = 0;
    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++)
        planned += selected(c, selection);

    kprintf("TAP version 13\n1..%zu\n", planned);
    size_t number = 0, failed = 0;
    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++) {
        if (!selected(c, selection))
            continue;
        uint64_t start = rdtsc();
        bool passed = run_one(c);
        add_suite_time(c->suite, rdtsc() - start);
        failed += !passed;
        kprintf("%s %zu - %s: %s\n", passed ? "ok" : "not ok", ++number, c->suite,
                c->description);
    }
    kprintf("# ktest: %zu tests, %zu passed, %zu failed (%zu compiled in)\n", number,
            number - failed, failed, case_count());
    print_suite_times();
    return failed == 0;
}
