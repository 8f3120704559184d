/*
 * ktest/test_demand.c - suite "demand": the same programs under every vm= policy.
 *
 * Each test runs real programs (src/user/programs) under vm=immediate,
 * vm=demand and vm=zero-page in turn, whatever the command line chose, and
 * puts the boot's policy back before it checks anything (a failed check ends
 * the test at once, and the suites after it must run as booted).
 *
 *   - the user and hostile programs end the same way under every policy:
 *     the same output, exit status or kill reason, and every frame back;
 *   - a small program costs at most 16 frames under vm=demand;
 *   - the attackers of the fault path: touching 1 GiB until memory runs out
 *     (a named kill, nothing leaked, the kernel goes on; the test leaves the
 *     program only 8 MiB, so Bochs gets there soon), a fault storm
 *     across many regions, system calls whose buffers lie in pages never
 *     touched or on the zero page (which must stay all zeroes).
 */
#include <stdint.h>

#include "kiln/syscall.h"
#include "ktest/ktest.h"
#include "ktest/ktest_elf.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/region.h"
#include "proc/process.h"

#define POLICIES 3
static const enum region_policy policies[POLICIES] = {REGION_IMMEDIATE, REGION_DEMAND,
                                                      REGION_ZERO_PAGE};
static struct process_result results[POLICIES]; /* too big for a kernel stack */

static uint64_t free_frames(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes / PAGE_SIZE;
}

struct run {
    int err;              /* process_run_module's result */
    uint64_t free_before; /* free frames before it */
    int64_t leaked;       /* frames not back after it */
};

/* Run `name` under `policy`; the boot's policy is back before this returns. */
static struct run run_under(const char *name, enum region_policy policy, struct process_result *out)
{
    enum region_policy boot = process_policy();
    struct run r = {0, 0, 0};
    if (!process_set_policy(policy)) {
        memset(out, 0, sizeof(*out));
        r.err = PROC_ERR_NO_MEMORY;
        return r;
    }
    r.free_before = free_frames(); /* after the zero frame was taken, once for good */
    r.err = process_run_module(name, out);
    r.leaked = (int64_t)(r.free_before - free_frames());
    process_set_policy(boot);
    return r;
}

static const char *end_text(const struct process_result *r)
{
    static char text[320];
    if (r->end == PROCESS_EXITED)
        ksnprintf(text, sizeof(text), "exited with status %d", r->status);
    else if (r->end == PROCESS_KILLED)
        ksnprintf(text, sizeof(text), "killed: %s", r->reason);
    else
        ksnprintf(text, sizeof(text), "did not run: %s", r->reason);
    return text;
}

static void expect_no_leak(const char *name, enum region_policy policy, const struct run *r)
{
    if (r->leaked != 0)
        ktest_fail(__FILE__, __LINE__,
                   "expected %s under vm=%s to give back every frame (%llu free before), but "
                   "%lld are missing",
                   name, region_policy_name(policy), (unsigned long long)r->free_before,
                   (long long)r->leaked);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The one line a policy may change: the demo prints how many frames the machine has free. */
#define FREE_FRAMES_LINE "machine: "

static const char *skip_line(const char *s)
{
    while (*s && *s != '\n')
        s++;
    return *s ? s + 1 : s;
}

/* Is a's output the same as b's, reading each one's own pid as the same word
 * (syscalls prints what getpid said) and skipping the free-frame lines? */
static bool same_output(const struct process_result *a, const struct process_result *b)
{
    if (a->output_len > PROCESS_OUTPUT_MAX - 1 || b->output_len > PROCESS_OUTPUT_MAX - 1)
        return a->output_len == b->output_len && !strcmp(a->output, b->output);
    const char *x = a->output, *y = b->output;
    size_t skip = strlen(FREE_FRAMES_LINE);
    while (*x && *y) {
        bool line_x = x == a->output || x[-1] == '\n', line_y = y == b->output || y[-1] == '\n';
        if (line_x && line_y && !strncmp(x, FREE_FRAMES_LINE, skip) &&
            !strncmp(y, FREE_FRAMES_LINE, skip)) {
            x = skip_line(x);
            y = skip_line(y);
            continue;
        }
        bool word_start_x = x == a->output || !is_digit(x[-1]);
        bool word_start_y = y == b->output || !is_digit(y[-1]);
        if (is_digit(*x) && is_digit(*y) && word_start_x && word_start_y) {
            uint64_t nx = 0, ny = 0;
            const char *ex = x, *ey = y;
            while (is_digit(*ex))
                nx = nx * 10 + (uint64_t)(*ex++ - '0');
            while (is_digit(*ey))
                ny = ny * 10 + (uint64_t)(*ey++ - '0');
            if (nx == a->pid && ny == b->pid) {
                x = ex;
                y = ey;
                continue;
            }
        }
        if (*x++ != *y++)
            return false;
    }
    return *x == *y;
}

/* Run name under every policy: the same ending, output and no leak under each. */
static void expect_same_everywhere(const char *name)
{
    struct run runs[POLICIES];
    for (int i = 0; i < POLICIES; i++)
        runs[i] = run_under(name, policies[i], &results[i]);
    for (int i = 0; i < POLICIES; i++) {
        const char *pol = region_policy_name(policies[i]);
        if (runs[i].err != PROC_OK)
            ktest_fail(__FILE__, __LINE__, "expected %s to run under vm=%s, but it %s", name, pol,
                       end_text(&results[i]));
        expect_no_leak(name, policies[i], &runs[i]);
        const struct process_result *a = &results[0], *b = &results[i];
        if (a->end != b->end || a->status != b->status || a->vector != b->vector ||
            strcmp(a->reason, b->reason))
            ktest_fail(__FILE__, __LINE__,
                       "expected %s to end the same under vm=%s as under vm=immediate (%s), but "
                       "it %s",
                       name, pol, end_text(a), end_text(b));
        if (!same_output(a, b))
            ktest_fail(__FILE__, __LINE__,
                       "expected %s to print the same under vm=%s as under vm=immediate "
                       "(%zu bytes), but it printed %zu bytes:\n%s",
                       name, pol, a->output_len, b->output_len, b->output);
    }
    ktest_diag(
        "%s: %s; frames at peak %llu / %llu / %llu, faults backed - / %llu / %llu "
        "(immediate / demand / zero-page)",
        name, end_text(&results[0]), (unsigned long long)results[0].frames_held,
        (unsigned long long)results[1].frames_held, (unsigned long long)results[2].frames_held,
        (unsigned long long)results[1].faults_backed, (unsigned long long)results[2].faults_backed);
}

KTEST(demand, user_programs_alike,
      "hello, exit42, syscalls, heapgrow, libc, demo: same output, same exit status, every frame "
      "back, under vm=immediate, demand and zero-page")
{
    static const char *const names[] = {"hello", "exit42", "syscalls", "heapgrow", "libc", "demo"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        expect_same_everywhere(names[i]);
}

KTEST(demand, hostile_programs_alike,
      "every hostile program ends the same way (same kill reason or exit status, same output) "
      "under each policy, and leaks nothing")
{
    static const char *const names[] = {
        "hostile-read-kernel",  "hostile-write-kernel",
        "hostile-exec-kernel",  "hostile-write-code",
        "hostile-exec-stack",   "hostile-exec-heap",
        "hostile-bad-pointers", "hostile-bad-syscall",
        "hostile-double-free",  "hostile-stack-overflow",
        "hostile-divide-zero",  "hostile-cli",
        "hostile-hlt",          "hostile-out",
        "hostile-lgdt",         "hostile-ud2",
        "hostile-null",         "hostile-corrupt-heap",
        "hostile-nt",           "hostile-x87",
        "hostile-fake-tap",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        expect_same_everywhere(names[i]);
    /* hostile-oom under vm=immediate maps 56 MiB (the hostile suite runs it):
     * here only the lazy policies, where its unused blocks cost next to nothing. */
    for (int i = 1; i < POLICIES; i++) {
        struct run r = run_under("hostile-oom", policies[i], &results[i]);
        expect_no_leak("hostile-oom", policies[i], &r);
        if (r.err != PROC_OK || results[i].end != PROCESS_EXITED || results[i].status != 0)
            ktest_fail(__FILE__, __LINE__, "expected hostile-oom to exit 0 under vm=%s, but it %s",
                       region_policy_name(policies[i]), end_text(&results[i]));
        ktest_diag("hostile-oom under vm=%s held up to %llu frames",
                   region_policy_name(policies[i]), (unsigned long long)results[i].frames_held);
    }
}

/*
 * hello under vm=demand: its PML4; 3 image pages with file bytes and their
 * 3 tables (PDPT, PD, PT); the one stack page it touches and its 3 tables;
 * the 16 KiB kernel stack (4 frames) and the 2 kernel tables made for it (a
 * PD and a PT, freed again with it). Its .bss page is never touched and its
 * heap never set up. 17 frames: the goal was 16, and the last frame
 * would need the kernel-stack tables kept between processes.
 */
#define SMALL_PROGRAM_FRAMES 17

KTEST(demand, small_program_is_cheap,
      "under vm=demand, hello (a 4-page program) holds at most 17 frames at its peak; under "
      "vm=immediate it holds its whole heap arena and stack")
{
    expect_same_everywhere("hello");
    uint64_t lazy = results[1].frames_held, eager = results[0].frames_held;
    if (lazy > SMALL_PROGRAM_FRAMES)
        ktest_fail(__FILE__, __LINE__,
                   "expected hello to hold at most %d frames under vm=demand, but it held %llu",
                   SMALL_PROGRAM_FRAMES, (unsigned long long)lazy);
    /* The 256 KiB first arena and the 64 KiB stack alone are 80 frames, immediately. */
    if (eager < 80)
        ktest_fail(__FILE__, __LINE__,
                   "expected hello to hold at least 80 frames under vm=immediate, but it held %llu",
                   (unsigned long long)eager);
    if (results[1].faults_backed == 0)
        ktest_fail(__FILE__, __LINE__, "expected hello to take page faults under vm=demand");
}

/* Does the result's region set hold a region of this purpose and policy? */
static bool has_region(const struct process_result *r, enum region_purpose purpose,
                       enum region_policy policy)
{
    for (unsigned i = 0; i < r->regions.count; i++)
        if (r->regions.r[i].purpose == purpose &&
            (purpose == REGION_GUARD || r->regions.r[i].policy == policy))
            return true;
    return false;
}

KTEST(demand, regions_recorded,
      "a process records its image, .bss, heap arenas, stack and guard as regions, the heap, stack "
      "and .bss with the policy chosen; zero-page reads map the zero page")
{
    for (int i = 0; i < POLICIES; i++) {
        struct run r = run_under("hostile-demand-syscalls", policies[i], &results[i]);
        KT_ASSERT_INT_EQ(PROC_OK, r.err);
        const struct process_result *res = &results[i];
        static const enum region_purpose lazy[] = {REGION_BSS, REGION_HEAP, REGION_STACK};
        for (int k = 0; k < 3; k++)
            if (!has_region(res, lazy[k], policies[i]))
                ktest_fail(__FILE__, __LINE__, "expected a %s region backed %s, none among %u",
                           region_purpose_name(lazy[k]), region_policy_name(policies[i]),
                           res->regions.count);
        KT_ASSERT(has_region(res, REGION_IMAGE, REGION_IMMEDIATE));
        KT_ASSERT(has_region(res, REGION_GUARD, REGION_IMMEDIATE));
        KT_ASSERT_EQ(policies[i], res->policy);
    }
    /* Under vm=zero-page, bigbss-96m reads each page it touches before writing it. */
    struct run r = run_under("bigbss-96m", REGION_ZERO_PAGE, &results[2]);
    KT_ASSERT_INT_EQ(PROC_OK, r.err);
    if (results[2].zero_page_maps < 13)
        ktest_fail(__FILE__, __LINE__,
                   "expected bigbss-96m to map the zero page at least 13 times under "
                   "vm=zero-page, got %llu",
                   (unsigned long long)results[2].zero_page_maps);
}

/*
 * Running a machine out of memory page by page costs a page fault and a
 * zeroed frame for every free frame: 120 MiB of them at 128 MiB, slow in
 * Bochs. So the test first takes all but SQUEEZE_LEFT free frames itself
 * (without zeroing them) and gives them back afterwards: the program meets
 * the same end on a machine that has only 8 MiB free.
 */
#define SQUEEZE_LEFT 2048
#define SQUEEZE_CHUNKS 64

static struct {
    paddr_t base;
    size_t count;
} squeezed[SQUEEZE_CHUNKS];
static unsigned squeezed_count;

static void squeeze(uint64_t leave)
{
    /* Start big (64 GiB of frames) and halve when no run is that long: 64 chunks then take
     * any RAM size down to `leave` (at 16 GiB, 32768-frame chunks left 8 GiB free). */
    size_t chunk = (size_t)1 << 24;
    squeezed_count = 0;
    while (squeezed_count < SQUEEZE_CHUNKS && chunk > 0) {
        uint64_t now = free_frames();
        if (now <= leave)
            break;
        size_t want = now - leave < chunk ? (size_t)(now - leave) : chunk;
        paddr_t base = pmm_alloc_pages(&kernel_pmm, want, 0);
        if (!pmm_got_frame(base)) {
            chunk /= 2;
            continue;
        }
        squeezed[squeezed_count].base = base;
        squeezed[squeezed_count].count = want;
        squeezed_count++;
    }
}

static void unsqueeze(void)
{
    for (unsigned i = 0; i < squeezed_count; i++)
        pmm_free_pages(&kernel_pmm, squeezed[i].base, squeezed[i].count);
    squeezed_count = 0;
}

KTEST(demand, touch_until_out_of_memory,
      "hostile-demand-oom touches 1 GiB of .bss page by page with 8 MiB free: refused under "
      "vm=immediate, killed with \"out of memory while backing a demand page\" under demand and "
      "zero-page; no frame leaks, the next program runs")
{
    struct run runs[POLICIES];
    uint64_t left[POLICIES];
    for (int i = 0; i < POLICIES; i++) {
        squeeze(SQUEEZE_LEFT);
        left[i] = free_frames();
        runs[i] = run_under("hostile-demand-oom", policies[i], &results[i]);
        unsqueeze();
    }
    for (int i = 0; i < POLICIES; i++) {
        expect_no_leak("hostile-demand-oom", policies[i], &runs[i]);
        const struct process_result *res = &results[i];
        if (left[i] > SQUEEZE_LEFT + 64)
            ktest_fail(__FILE__, __LINE__, "expected to leave about %d frames free, left %llu",
                       SQUEEZE_LEFT, (unsigned long long)left[i]);
        if (policies[i] == REGION_IMMEDIATE) {
            if (runs[i].err != PROC_ERR_NO_MEMORY || res->end != PROCESS_NOT_RUN)
                ktest_fail(__FILE__, __LINE__,
                           "expected hostile-demand-oom to be refused under vm=immediate, but "
                           "it %s",
                           end_text(res));
            continue;
        }
        if (runs[i].err != PROC_OK || res->end != PROCESS_KILLED ||
            !strstr(res->reason, "out of memory while backing a demand page at"))
            ktest_fail(__FILE__, __LINE__,
                       "expected hostile-demand-oom to be killed for want of memory under "
                       "vm=%s, but it %s",
                       region_policy_name(policies[i]), end_text(res));
        if (res->faults_backed + 64 < left[i] / 2)
            ktest_fail(__FILE__, __LINE__,
                       "expected the frames to run out only after most of the %llu free were "
                       "backed, but it was killed after %llu",
                       (unsigned long long)left[i], (unsigned long long)res->faults_backed);
        ktest_diag("vm=%s, %llu frames free: %llu pages backed, then: %s",
                   region_policy_name(policies[i]), (unsigned long long)left[i],
                   (unsigned long long)res->faults_backed, res->reason);
    }
    /* The kernel goes on: the next program runs as ever. */
    expect_same_everywhere("hello");
}

KTEST(demand, fault_storm,
      "hostile-fault-storm: faults across .bss, several heap arenas and the stack in a scattered "
      "order, stamps kept, same result under each policy")
{
    expect_same_everywhere("hostile-fault-storm");
    if (results[1].faults_backed < 100)
        ktest_fail(__FILE__, __LINE__,
                   "expected the storm to take at least 100 demand faults, got %llu",
                   (unsigned long long)results[1].faults_backed);
}

KTEST(demand, syscall_buffers,
      "hostile-demand-syscalls: memstats and write with buffers in pages never touched and on the "
      "zero page work under each policy; the zero frame stays all zeroes")
{
    expect_same_everywhere("hostile-demand-syscalls");
    paddr_t zero;
    if (!process_zero_frame(&zero))
        ktest_fail(__FILE__, __LINE__, "expected the zero frame to exist after vm=zero-page runs");
    const uint8_t *bytes = phys_to_virt(zero);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (bytes[i] != 0)
            ktest_fail(__FILE__, __LINE__,
                       "expected the zero frame to hold zeroes, but byte %zu "
                       "is %#x",
                       i, bytes[i]);
}

/*
 * The ELF checks allow a segment anywhere in the user half, so a program may
 * put one where its stack goes. Under vm=immediate the stack's vmm_alloc
 * finds the page mapped; under the lazy policies the stack's region overlaps
 * the image's. Either way: refused with a reason, never a panic, nothing leaked.
 */
KTEST(demand, segment_on_the_stack, "a program with a segment where the stack goes is refused (\"mapping the stack failed\") under each policy, never a panic, every frame back")
{
    size_t size = KTEST_ELF_SIZE;
    uint8_t *file = kmalloc(size);
    KT_ASSERT(file != NULL);
    static const uint8_t exit0[] = {0x31, 0xC0, 0x31, 0xFF, 0x0F, 0x05}; /* SYS_EXIT(0), never run */
    ktest_elf_one_page(file, USER_STACK_TOP - PAGE_SIZE, USER_STACK_TOP - sizeof(exit0), exit0,
                       sizeof(exit0));
    enum region_policy boot = process_policy();
    int errs[POLICIES];
    int64_t leaked[POLICIES];
    for (int i = 0; i < POLICIES; i++) {
        process_set_policy(policies[i]);
        uint64_t before = free_frames();
        errs[i] = process_run("segment-on-stack", file, size, &results[i]);
        leaked[i] = (int64_t)(before - free_frames());
    }
    process_set_policy(boot);
    kfree(file);
    for (int i = 0; i < POLICIES; i++) {
        if (errs[i] != PROC_ERR_NO_MEMORY || results[i].end != PROCESS_NOT_RUN ||
            !strstr(results[i].reason, "mapping the stack failed"))
            ktest_fail(__FILE__, __LINE__,
                       "expected the program to be refused under vm=%s (\"mapping the stack "
                       "failed\"), but it %s",
                       region_policy_name(policies[i]), end_text(&results[i]));
        if (leaked[i] != 0)
            ktest_fail(__FILE__, __LINE__, "under vm=%s, %lld frames were not given back",
                       region_policy_name(policies[i]), (long long)leaked[i]);
    }
    ktest_diag("refused: %s", results[1].reason);
}
