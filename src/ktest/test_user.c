/*
 * ktest/test_user.c - suites "user", "hostile" and "bigbss": real programs in ring 3.
 *
 * Each test runs one program from src/user/programs/ (GRUB loads them as
 * Multiboot2 modules, iso/grub.cfg) and checks how it ended: the exit status
 * it chose, or the fault it was killed for. Every test also checks that the
 * PMM has exactly as many free frames afterwards as before: everything a
 * process held (page tables, image, stack, heap arenas, kernel stack) came
 * back.
 *
 * "user" programs exercise every system call and check the results
 * themselves (a failed check prints "FAIL: ..." and exits nonzero).
 * "hostile" programs do what a program must not: touch kernel memory, run
 * their data, pass bad pointers, break their heap, run privileged
 * instructions. Each must end exactly as expected, and the kernel goes on.
 * "bigbss" programs have a .bss larger than the machine, or nearly as large:
 * refused with the loader's reason, or run, and every byte comes back.
 */
#include <stdint.h>

#include "arch/x86_64/trap.h"
#include "kiln/syscall.h"
#include "ktest/ktest.h"
#include "ktest/ktest_elf.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/elf.h"
#include "proc/process.h"

static struct process_result result; /* too big for a kernel stack */

static uint64_t free_frames(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes / PAGE_SIZE;
}

static const char *end_text(const struct process_result *r)
{
    static char text[320];
    switch (r->end) {
    case PROCESS_EXITED:
        ksnprintf(text, sizeof(text), "it exited with status %d", r->status);
        break;
    case PROCESS_KILLED:
        ksnprintf(text, sizeof(text), "it was killed: %s", r->reason);
        break;
    default:
        ksnprintf(text, sizeof(text), "it did not run: %s", r->reason);
    }
    return text;
}

/* Run a module; fail unless it ran and gave every frame back. */
static void run(const char *name)
{
    uint64_t before = free_frames();
    int err = process_run_module(name, &result);
    if (err != PROC_OK)
        ktest_fail(__FILE__, __LINE__, "expected %s to run, but %s", name, end_text(&result));
    uint64_t after = free_frames();
    if (after != before)
        ktest_fail(__FILE__, __LINE__,
                   "expected %s to give back every frame (%llu free before), but %llu free after",
                   name, (unsigned long long)before, (unsigned long long)after);
}

static void show_output(void)
{
    /* The program's own words say which check failed. */
    const char *line = result.output;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        ktest_diag("output: %.*s", (int)n, line);
        line += n + (nl ? 1 : 0);
    }
}

static void expect_exit(const char *name, int status)
{
    run(name);
    if (result.end != PROCESS_EXITED || result.status != status) {
        show_output();
        ktest_fail(__FILE__, __LINE__, "expected %s to exit with status %d, but %s", name, status,
                   end_text(&result));
    }
}

static void expect_kill(const char *name, unsigned vector)
{
    run(name);
    if (result.end != PROCESS_KILLED || result.vector != vector) {
        show_output();
        ktest_fail(__FILE__, __LINE__, "expected %s to be killed by #%s, but %s", name,
                   trap_mnemonic(vector), end_text(&result));
    }
    ktest_diag("%s: killed: %s", name, result.reason);
}

static void expect_reason(const char *words)
{
    if (!strstr(result.reason, words))
        ktest_fail(__FILE__, __LINE__, "expected the reason to say \"%s\", got \"%s\"", words,
                   result.reason);
}

/* ---- user: programs that use every system call correctly ------------------ */

KTEST(user, hello, "hello writes one line through SYS_WRITE and exits 0; the kernel kept its output")
{
    expect_exit("hello", 0);
    KT_ASSERT_STR_EQ("hello from ring 3\n", result.output);
    KT_ASSERT(result.syscalls >= 2); /* write, exit */
}

KTEST(user, exit_status, "the value main returns reaches the kernel as the exit status (42)")
{
    expect_exit("exit42", 42);
}

KTEST(user, pids, "each process gets the next pid")
{
    expect_exit("hello", 0);
    uint32_t first = result.pid;
    expect_exit("hello", 0);
    KT_ASSERT_EQ(first + 1, result.pid);
}

KTEST(user, every_syscall, "syscalls: write, alloc, block_size, memstats (with a cut picture), free, getpid give the documented results")
{
    expect_exit("syscalls", 0);
}

KTEST(user, heap_grows, "heapgrow: 4 x 512 KiB outgrow the first 256 KiB arena; the heap grows through the VMM and every frame comes back")
{
    expect_exit("heapgrow", 0);
    /* 2 MiB of blocks needed at least 512 frames while the program ran. */
    if (result.frames_held < 512)
        ktest_fail(__FILE__, __LINE__, "expected heapgrow to hold at least 512 frames, got %llu",
                   (unsigned long long)result.frames_held);
    ktest_diag("heapgrow held up to %llu frames", (unsigned long long)result.frames_held);
}

KTEST(user, many_allocations, "manyalloc: 2000 blocks of random sizes, contents checked, all freed: heap empty, frames back")
{
    expect_exit("manyalloc", 0);
}

KTEST(user, libc, "libc: printf formats, string functions, calloc zeroes, realloc keeps contents")
{
    expect_exit("libc", 0);
}

KTEST(user, demo, "the demo prints its heap picture before and after freeing, and exits 0")
{
    expect_exit("demo", 0);
    if (!strstr(result.output, "arena 0 at 0x100000000000"))
        ktest_fail(__FILE__, __LINE__, "expected the demo's output to show arena 0 at "
                                       "0x100000000000 (USER_HEAP_BASE), got:\n%s",
                   result.output);
}

KTEST(user, missing_program, "a program GRUB did not load is refused with a message, not a crash")
{
    int err = process_run_module("no-such-program", &result);
    KT_ASSERT_INT_EQ(PROC_ERR_NOT_FOUND, err);
    expect_reason("no program 'no-such-program'");
}

/* A copy of hello's file, changed by `patch`, for the loader's refusals. */
static void run_patched_hello(void (*patch)(uint8_t *image))
{
    const struct boot_module *m = process_find_module("hello");
    if (!m)
        ktest_fail(__FILE__, __LINE__, "expected GRUB to have loaded 'hello'");
    size_t size = (size_t)(m->end - m->start);
    uint8_t *copy = kmalloc(size);
    KT_ASSERT(copy != NULL);
    memcpy(copy, phys_to_virt(paddr(m->start)), size);
    patch(copy);
    uint64_t before = free_frames();
    int err = process_run("hello-patched", copy, size, &result);
    kfree(copy);
    KT_ASSERT_INT_EQ(PROC_ERR_ELF, err);
    KT_ASSERT_EQ(PROCESS_NOT_RUN, result.end);
    KT_ASSERT_EQ(before, free_frames());
    ktest_diag("refused: %s", result.reason);
}

static void entry_in_kernel(uint8_t *image)
{
    uint64_t entry = image_phys_to_virt(paddr(KERNEL_LOAD_PHYS)).addr;
    memcpy(image + 24, &entry, sizeof(entry)); /* e_entry */
}

static void not_x86_64(uint8_t *image)
{
    image[18] = 3; /* e_machine = EM_386 */
    image[19] = 0;
}

KTEST(user, refuses_bad_elf, "the loader refuses a program whose entry point is in the kernel, or built for another CPU, naming the problem")
{
    run_patched_hello(entry_in_kernel);
    expect_reason("entry point 0xffffffff80100000");
    run_patched_hello(not_x86_64);
    expect_reason("e_machine is 3");
}

/* ---- hostile: programs that misbehave; the kernel must not ----------------- */

/*
 * A program no linker would make: one page of code at the very top of the
 * user half, ending in SYSCALL, so the return address in RCX is
 * 0x800000000000, the first non-canonical address. SYSRET there would raise
 * #GP in ring 0 on the user's stack; the kernel must end the process instead.
 */
static void build_top_of_user_half(uint8_t *file, size_t size)
{
    KT_ASSERT(size == KTEST_ELF_SIZE);
    static const uint8_t code[7] = {0xB8, SYS_GETPID, 0, 0, 0, 0x0F, 0x05};
    /* mov eax, SYS_GETPID; syscall: the last 7 bytes of the user half */
    ktest_elf_one_page(file, VMM_USER_END - PAGE_SIZE, VMM_USER_END - sizeof(code), code,
                       sizeof(code));
}

KTEST(hostile, syscall_at_top, "SYSCALL as the last instruction of the user half (return address 0x800000000000, not canonical): the process is killed, never SYSRET")
{
    size_t size = 2 * PAGE_SIZE;
    uint8_t *file = kmalloc(size);
    KT_ASSERT(file != NULL);
    build_top_of_user_half(file, size);
    uint64_t before = free_frames();
    int err = process_run("top-of-user-half", file, size, &result);
    kfree(file);
    KT_ASSERT_INT_EQ(PROC_OK, err);
    KT_ASSERT_EQ(before, free_frames());
    if (result.end != PROCESS_KILLED)
        ktest_fail(__FILE__, __LINE__, "expected the process to be killed, but %s",
                   end_text(&result));
    KT_ASSERT_EQ(VMM_USER_END, result.rip);
    KT_ASSERT_EQ(1, result.syscalls); /* the call itself was served */
    expect_reason("not canonical");
    ktest_diag("killed: %s", result.reason);
}

KTEST(hostile, read_kernel, "reading the kernel image from ring 3: killed by #PF naming the kernel address")
{
    expect_kill("hostile-read-kernel", VEC_PAGE_FAULT);
    KT_ASSERT_EQ(image_phys_to_virt(paddr(KERNEL_LOAD_PHYS)).addr, result.cr2);
    expect_reason("kernel address");
}

KTEST(hostile, write_kernel, "writing the kernel's direct map from ring 3: killed by #PF")
{
    expect_kill("hostile-write-kernel", VEC_PAGE_FAULT);
    KT_ASSERT_EQ(vaddr_of(phys_to_virt(paddr(KERNEL_LOAD_PHYS))).addr, result.cr2);
    KT_ASSERT(result.error_code & PF_ERR_WRITE);
}

KTEST(hostile, exec_kernel, "jumping into kernel code from ring 3: killed by #PF at the kernel address")
{
    expect_kill("hostile-exec-kernel", VEC_PAGE_FAULT);
    KT_ASSERT_EQ(image_phys_to_virt(paddr(KERNEL_LOAD_PHYS)).addr, result.cr2);
    KT_ASSERT_EQ(image_phys_to_virt(paddr(KERNEL_LOAD_PHYS)).addr, result.rip);
}

KTEST(hostile, write_code, "writing its own code: killed by #PF, a protection violation on a present page")
{
    expect_kill("hostile-write-code", VEC_PAGE_FAULT);
    const uint64_t present_write_user = PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER;
    KT_ASSERT_EQ(present_write_user, result.error_code & present_write_user);
    expect_reason("read-only");
}

static void expect_no_execute(const char *name)
{
    if (kernel_vmm.nx) {
        expect_kill(name, VEC_PAGE_FAULT);
        KT_ASSERT(result.error_code & PF_ERR_FETCH);
        expect_reason("not executable");
    } else {
        ktest_diag("this CPU has no NX: data is executable, so %s runs its byte", name);
        expect_exit(name, 3);
    }
}

KTEST(hostile, exec_stack, "running code from the stack: killed by #PF (instruction fetch, NX)")
{
    expect_no_execute("hostile-exec-stack");
}

KTEST(hostile, exec_heap, "running code from the heap: killed by #PF (instruction fetch, NX)")
{
    expect_no_execute("hostile-exec-heap");
}

KTEST(hostile, bad_pointers, "kernel, unmapped, NULL, wrapping, read-only and huge pointers and lengths: each syscall returns the documented error")
{
    expect_exit("hostile-bad-pointers", 0);
}

KTEST(hostile, bad_syscall, "unknown system-call numbers (7, 1000, -1, 2^32) return -KILN_ENOSYS")
{
    expect_exit("hostile-bad-syscall", 0);
}

KTEST(hostile, double_free, "double free, free into the middle, free of stack and kernel pointers: error codes, heap intact")
{
    expect_exit("hostile-double-free", 0);
}

KTEST(hostile, out_of_memory, "allocating until the heap cannot grow ends in -KILN_ENOMEM; every frame comes back at exit")
{
    expect_exit("hostile-oom", 0);
    ktest_diag("hostile-oom held up to %llu frames", (unsigned long long)result.frames_held);
}

KTEST(hostile, stack_overflow, "endless recursion runs into the guard below the user stack: killed by #PF, named a stack overflow")
{
    expect_kill("hostile-stack-overflow", VEC_PAGE_FAULT);
    KT_ASSERT(result.cr2 < USER_STACK_TOP - USER_STACK_SIZE);
    KT_ASSERT(result.cr2 >= USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD);
    expect_reason("stack overflow");
}

KTEST(hostile, divide_by_zero, "dividing by zero: killed by #DE")
{
    expect_kill("hostile-divide-zero", VEC_DIVIDE);
}

KTEST(hostile, cli, "cli in ring 3: killed by #GP")
{
    expect_kill("hostile-cli", VEC_GENERAL_PROTECTION);
}

KTEST(hostile, hlt, "hlt in ring 3: killed by #GP")
{
    expect_kill("hostile-hlt", VEC_GENERAL_PROTECTION);
}

KTEST(hostile, out, "out to QEMU's exit port in ring 3: killed by #GP (the emulator keeps running)")
{
    expect_kill("hostile-out", VEC_GENERAL_PROTECTION);
}

KTEST(hostile, lgdt, "lgdt in ring 3: killed by #GP")
{
    expect_kill("hostile-lgdt", VEC_GENERAL_PROTECTION);
}

KTEST(hostile, ud2, "an invalid opcode: killed by #UD")
{
    expect_kill("hostile-ud2", VEC_INVALID_OPCODE);
}

KTEST(hostile, null, "reading address 0: killed by #PF, named a NULL pointer")
{
    expect_kill("hostile-null", VEC_PAGE_FAULT);
    KT_ASSERT_EQ(0, result.cr2);
    expect_reason("NULL pointer");
}

KTEST(hostile, nested_task, "a program that leaves RFLAGS.NT set exits normally and the next program still starts (SFMASK clears NT)")
{
    expect_exit("hostile-nt", 0);
    expect_exit("hello", 0);
}

KTEST(hostile, x87, "an x87 instruction (no FPU state is kept per process): killed by #NM")
{
    expect_kill("hostile-x87", VEC_NO_FPU);
    expect_exit("hello", 0);
}

KTEST(hostile, fake_tap, "a program printing TAP lines and a fake power-off: each line gets its name in front, so no test harness can count them")
{
    expect_exit("hostile-fake-tap", 0);
    /* The kernel kept the bytes as written; the console copy had the prefix. */
    if (!strstr(result.output, "ok 1 - pmm: a result the kernel never reported\n"))
        ktest_fail(__FILE__, __LINE__, "expected the program's output to be kept, got:\n%s",
                   result.output);
}

KTEST(hostile, corrupt_heap, "overwriting the free-list links in a freed block: alloc returns -KILN_ECORRUPT, the kernel goes on")
{
    expect_exit("hostile-corrupt-heap", 0);
}

/* ---- bigbss: images larger than the machine, and nearly as large ------------ */

/*
 * The loader maps a program's whole .bss before it starts (immediate
 * mapping). A .bss larger than the free frames must be refused with the
 * loader's reason before any frame is taken (the loader counts first; the
 * rollback of a mapping that runs dry half-way is the vmm suite's
 * exhaustion_rolls_back), and every byte must be free again; one that fits must run and give
 * everything back at exit. Which case applies depends on the machine: below
 * the image size free, the program cannot fit; with BIGBSS_ROOM more than the
 * image free (page tables, stack, heap arena, kernel stack) it must fit; in
 * between either ending is right, and only the frames are checked. Under
 * vm=demand or vm=zero-page the .bss is not mapped up front: both run.
 */
#define BIGBSS_ROOM (16ULL << 20)

static uint64_t free_bytes(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes;
}

static void expect_fits_or_refused(const char *name, uint64_t bss_bytes)
{
    uint64_t before = free_bytes();
    int err = process_run_module(name, &result);
    uint64_t after = free_bytes();
    if (after != before)
        ktest_fail(__FILE__, __LINE__,
                   "expected %s to give back every byte (%llu free before), but %llu free after",
                   name, (unsigned long long)before, (unsigned long long)after);
    /* Under vm=demand or vm=zero-page the .bss costs only the pages touched: it must run. */
    bool lazy = process_policy() != REGION_IMMEDIATE;
    bool cannot_fit = !lazy && before < bss_bytes;
    bool must_fit = lazy || before >= bss_bytes + BIGBSS_ROOM;
    if (err == PROC_OK && !cannot_fit) {
        if (result.end != PROCESS_EXITED || result.status != 0) {
            show_output();
            ktest_fail(__FILE__, __LINE__, "expected %s to exit with status 0, but %s", name,
                       end_text(&result));
        }
        ktest_diag("%s ran (vm=%s) with %llu MiB free and held up to %llu frames", name,
                   region_policy_name(result.policy), (unsigned long long)(before >> 20),
                   (unsigned long long)result.frames_held);
        return;
    }
    if (must_fit || err != PROC_ERR_NO_MEMORY || result.end != PROCESS_NOT_RUN)
        ktest_fail(__FILE__, __LINE__, "with %llu MiB free, expected %s to %s, but %s",
                   (unsigned long long)(before >> 20), name,
                   must_fit ? "run and exit 0" : "be refused for want of memory",
                   end_text(&result));
    expect_reason("mapping a segment failed: out of physical memory");
    ktest_diag("%s refused with %llu MiB free: %s", name, (unsigned long long)(before >> 20),
               result.reason);
}

KTEST(bigbss, refused, "bigbss-refused: a 1 GiB .bss on a smaller machine is refused (\"mapping a segment failed\"), every free byte back; on a larger one it runs and exits 0")
{
    expect_fits_or_refused("bigbss-refused", 1ULL << 30);
}

KTEST(bigbss, fits, "bigbss-96m: a 96 MiB .bss runs to exit 0 where it fits (128 MiB), is refused where it cannot; every free byte back")
{
    expect_fits_or_refused("bigbss-96m", 96ULL << 20);
}
