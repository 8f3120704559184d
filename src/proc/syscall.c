/*
 * proc/syscall.c - the system calls: what a program may ask of the kernel.
 *
 * A program executes SYSCALL with a number in RAX and arguments in RDI, RSI,
 * RDX (include/kiln/syscall.h). asm/syscall.asm saves its registers and calls
 * syscall_dispatch(), which looks the number up in a table and runs the
 * handler. Each handler treats its arguments as what they are: numbers a
 * program chose. A pointer is checked with uaccess_check() (user half,
 * mapped, user-accessible, writable if the kernel writes, no wrap-around)
 * before a single byte moves, and the bytes move with uaccess_copy_from/_to,
 * which go through the page tables, never through the user address itself.
 *
 * The path of one malloc (docs/userspace.md draws it):
 *   user malloc(100) -> SYS_ALLOC -> sys_alloc -> arena_heap_alloc on the process's
 *   heap -> buddy_alloc in an arena -> (arena full) the arena heap grows: vmm_alloc
 *   maps a new arena in the process's space -> pmm_alloc_page for each frame.
 *
 * Lab 5 writes the parts marked for it: docs/labs/lab5-syscalls.md, docs/labs/README.md.
 */
#include "proc/syscall.h"

#include "dev/console.h"
#include "kiln/syscall.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/arena_heap.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"
#include "proc/strace.h"
#include "proc/uaccess.h"

static int64_t error(int code)
{
    return -(int64_t)code;
}

static int64_t sys_exit(struct process *p, const struct syscall_frame *f)
{
    if (syscall_trace) /* the only call with no result to trace */
        kprintf("strace: %s[%u]: exit(%d)\n", p->name, p->pid, (int)f->rdi);
    process_exit((int)f->rdi);
}

static int64_t sys_write(struct process *p, const struct syscall_frame *f)
{
    /* LAB 5 BEGIN: check len and the whole buffer, then copy it in chunks to the console */
    /* LAB 5 STUB: return error(KILN_ENOSYS); */
    uint64_t buf = f->rdi, len = f->rsi;
    if (len > KILN_WRITE_MAX)
        return error(KILN_EINVAL);
    if (uaccess_check(&p->space, buf, len, false) != UACCESS_OK)
        return error(KILN_EFAULT);
    char chunk[256];
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        if (uaccess_copy_from(&p->space, kernel_vmm.window, chunk, buf + done, n) != UACCESS_OK)
            return error(KILN_EFAULT); /* cannot happen: the whole range was checked */
        process_write(chunk, n);
        done += n;
    }
    return (int64_t)len;
    /* LAB 5 END */
}

static int64_t sys_alloc(struct process *p, const struct syscall_frame *f)
{
    /* LAB 5 BEGIN: check the size, allocate from the process's heap, map failures to errors */
    /* LAB 5 STUB: return error(KILN_ENOSYS); */
    uint64_t size = f->rdi;
    if (size == 0 || size > KILN_ALLOC_MAX)
        return error(KILN_EINVAL);
    void *block = arena_heap_alloc(&p->user_heap, size);
    if (!block)
        return error(p->user_heap.last_error == ALLOC_ERR_CORRUPT ? KILN_ECORRUPT : KILN_ENOMEM);
    return (int64_t)(uintptr_t)block;
    /* LAB 5 END */
}

static int free_error(int alloc_err)
{
    switch (alloc_err) {
    case ALLOC_ERR_DOUBLE_FREE: return KILN_EDOUBLEFREE;
    case ALLOC_ERR_MIDDLE: return KILN_EMIDDLE;
    case ALLOC_ERR_CORRUPT: return KILN_ECORRUPT;
    default: return KILN_ENOTHEAP;
    }
}

static int64_t sys_free(struct process *p, const struct syscall_frame *f)
{
    /* LAB 5 BEGIN: free through the heap's checks (never touching the block) and map the error */
    /* LAB 5 STUB: return error(KILN_ENOSYS); */
    /* The pointer is only compared with the arenas' ranges and looked up in
     * the bitmaps before the allocator writes to the block. */
    int err = arena_heap_try_free(&p->user_heap, (void *)(uintptr_t)f->rdi);
    return err ? error(free_error(err)) : 0;
    /* LAB 5 END */
}

static int64_t sys_block_size(struct process *p, const struct syscall_frame *f)
{
    size_t n = arena_heap_block_size(&p->user_heap, (const void *)(uintptr_t)f->rdi);
    return n ? (int64_t)n : error(KILN_ENOTHEAP);
}

#define PICTURE_MAX 8192 /* the kernel formats at most this much of the picture */

static int64_t sys_memstats(struct process *p, const struct syscall_frame *f)
{
    uint64_t stats_ptr = f->rdi, picture = f->rsi, picture_len = f->rdx;
    if (uaccess_check(&p->space, stats_ptr, sizeof(struct kiln_memstats), true) != UACCESS_OK ||
        uaccess_check(&p->space, picture, picture_len, true) != UACCESS_OK)
        return error(KILN_EFAULT);

    struct pmm_stats ps;
    pmm_get_stats(&kernel_pmm, &ps);
    struct arena_heap_stats hs;
    arena_heap_stats(&p->user_heap, &hs);
    struct kiln_memstats st = {
        .pmm_free_frames = ps.free_bytes / PAGE_SIZE,
        .pmm_total_frames =
            (ps.usable_bytes - ps.reserved_bytes - ps.unreachable_bytes) / PAGE_SIZE,
        .heap_mapped = hs.mapped_bytes,
        .heap_free = hs.total.free_bytes,
        .heap_used = hs.total.used_bytes,
        .heap_blocks = hs.total.used_blocks,
        .heap_arenas = hs.arenas,
        .heap_grows = hs.grows,
        .heap_largest_free = hs.total.largest_free,
        .fragmentation = hs.total.fragmentation,
        .pid = p->pid,
    };
    if (uaccess_copy_to(&p->space, kernel_vmm.window, stats_ptr, &st, sizeof(st)) != UACCESS_OK)
        return error(KILN_EFAULT);

    size_t full = arena_heap_picture(&p->user_heap, NULL, 0);
    if (picture_len > 0) {
        size_t n = picture_len < PICTURE_MAX ? (size_t)picture_len : PICTURE_MAX;
        char *text = kmalloc(n);
        if (!text)
            return error(KILN_ENOMEM);
        arena_heap_picture(&p->user_heap, text, n);
        int err = uaccess_copy_to(&p->space, kernel_vmm.window, picture, text, strlen(text) + 1);
        kfree(text);
        if (err != UACCESS_OK)
            return error(KILN_EFAULT);
    }
    return (int64_t)full;
}

static int64_t sys_getpid(struct process *p, const struct syscall_frame *f)
{
    (void)f;
    return p->pid;
}

/* The handlers by number; src/proc/strace.c names them for the trace. */
static int64_t (*const handlers[SYS_COUNT])(struct process *p, const struct syscall_frame *f) = {
    [SYS_EXIT] = sys_exit,
    [SYS_WRITE] = sys_write,
    [SYS_ALLOC] = sys_alloc,
    [SYS_FREE] = sys_free,
    [SYS_MEMSTATS] = sys_memstats,
    [SYS_GETPID] = sys_getpid,
    [SYS_BLOCK_SIZE] = sys_block_size,
};

/*
 * Under vm=demand or vm=zero-page the heap is set up by the first call that
 * needs it, and a buffer may lie in pages not backed yet (or on the shared
 * zero page, which the kernel must never write): back them first, so the
 * pointer checks see them mapped and writable. No frame for either is
 * -KILN_ENOMEM. Under vm=immediate this does nothing.
 */
static int prepare(struct process *p, uint64_t nr, const struct syscall_frame *f)
{
    if ((nr == SYS_ALLOC || nr == SYS_MEMSTATS) && process_heap_ready(p) != VMM_OK)
        return -KILN_ENOMEM;
    if (nr == SYS_WRITE && f->rsi <= KILN_WRITE_MAX)
        return process_back_user_range(p, f->rdi, f->rsi, false);
    if (nr == SYS_MEMSTATS) {
        int err = process_back_user_range(p, f->rdi, sizeof(struct kiln_memstats), true);
        return err ? err : process_back_user_range(p, f->rsi, f->rdx, true);
    }
    return 0;
}

void syscall_dispatch(struct syscall_frame *f)
{
    struct process *p = process_current();
    p->result->syscalls++;
    uint64_t nr = f->rax;
    int prepared = prepare(p, nr, f);
    int64_t result = prepared ? prepared : nr < SYS_COUNT ? handlers[nr](p, f) : error(KILN_ENOSYS);
    if (syscall_trace)
        strace_print(p->name, p->pid, f, result);
    f->rax = (uint64_t)result;
    process_note_frames(p);
    /* SYSRET to a non-canonical RIP would fault in ring 0 on the user's
     * stack; asm/syscall.asm checks too, but end the process here, cleanly. */
    if (!vmm_is_canonical(f->rip))
        syscall_bad_return(f->rip);
}
