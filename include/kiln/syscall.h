/*
 * kiln/syscall.h - the system-call interface between user programs and kiln.
 *
 * This one header is compiled into the kernel (src/proc/syscall.c) and into
 * every user program (src/user/lib/syscall.c), so the two sides can never
 * disagree about a number, an error code or a structure's layout. It uses
 * only <stdint.h>, <stddef.h> and plain C.
 *
 * Calling convention (the same registers Linux uses on x86_64):
 *
 *   rax  system-call number            in: SYS_*       out: the result
 *   rdi, rsi, rdx, r10, r8, r9         arguments 1 to 6
 *   rcx, r11                           overwritten (the SYSCALL instruction
 *                                      keeps the return address and RFLAGS there)
 *
 * A result from -1 to -4095 is an error: minus one of the KILN_E* codes
 * below. Every other value is a success (a count, a pointer, a pid). A
 * user-half pointer is always below 2^47, so it can never look like an error.
 *
 * The kernel checks every pointer and length before using it (inside the
 * user half, mapped, user-accessible, writable when the kernel writes, no
 * wrap-around): a bad one is -KILN_EFAULT, never a kernel fault. See
 * docs/userspace.md. Under vm=demand or vm=zero-page (docs/demand.md) a
 * buffer in pages not backed yet is backed before the checks; when no frame
 * is left for one, the call returns -KILN_ENOMEM.
 */
#ifndef KILN_SYSCALL_H
#define KILN_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

/* ---- system-call numbers ------------------------------------------------ */

/* exit(status): end the process; the kernel reports status. Never returns. */
#define SYS_EXIT 0
/* write(buf, len): print len bytes on the console. Returns len. len above
 * KILN_WRITE_MAX is -KILN_EINVAL; a bad buffer is -KILN_EFAULT. */
#define SYS_WRITE 1
/* alloc(size): a block of at least size bytes from the process's heap,
 * 16-byte aligned, contents undefined. Returns its address; size 0 or above
 * KILN_ALLOC_MAX is -KILN_EINVAL; no memory left is -KILN_ENOMEM. */
#define SYS_ALLOC 2
/* free(ptr): give a block back. Returns 0. ptr 0 does nothing and returns 0.
 * A block already free is -KILN_EDOUBLEFREE; a pointer the heap never handed
 * out is -KILN_ENOTHEAP; one into the middle of a block is -KILN_EMIDDLE. */
#define SYS_FREE 3
/* memstats(stats, picture, picture_len): fill *stats (struct kiln_memstats);
 * if picture_len > 0, also write the heap's picture (text, NUL-terminated,
 * cut to fit, and to at most 8 KiB) to picture. Returns the picture's full length without the NUL,
 * so a caller can see whether it was cut. */
#define SYS_MEMSTATS 4
/* getpid(): the process's id (1 for the first process the kernel runs). */
#define SYS_GETPID 5
/* block_size(ptr): how many bytes the block at ptr can hold (realloc uses
 * it). A pointer that is not the start of a block in use is -KILN_ENOTHEAP. */
#define SYS_BLOCK_SIZE 6

#define SYS_COUNT 7 /* numbers at or above this are -KILN_ENOSYS */

/* ---- error codes (a failed call returns minus one of these) ------------- */

#define KILN_ENOSYS 1      /* no such system call */
#define KILN_EFAULT 2      /* a pointer or length names memory the program may not use */
#define KILN_EINVAL 3      /* an argument out of range (size 0, too large, ...) */
#define KILN_ENOMEM 4      /* the heap cannot grow: no frames or no address space left */
#define KILN_EDOUBLEFREE 5 /* free: the block is already free */
#define KILN_ENOTHEAP 6    /* free: the pointer was never handed out by the heap */
#define KILN_EMIDDLE 7     /* free: the pointer is inside a block, not at its start */
#define KILN_ECORRUPT 8    /* the heap's free lists (in the program's memory) are damaged */

#define KILN_ERRNO_MAX 4095 /* results in [-KILN_ERRNO_MAX, -1] are errors */

/* ---- limits ------------------------------------------------------------- */

#define KILN_WRITE_MAX (1u << 20)           /* bytes one write may print */
#define KILN_ALLOC_MAX ((uint64_t)1 << 30)  /* the buddy allocator's largest block */

/* ---- structures --------------------------------------------------------- */

/* What SYS_MEMSTATS reports. Fixed-size fields only: same layout everywhere. */
struct kiln_memstats {
    uint64_t pmm_free_frames;  /* physical frames free in the whole machine */
    uint64_t pmm_total_frames; /* physical frames the PMM manages */
    uint64_t heap_mapped;      /* bytes of this process's heap the VMM has mapped */
    uint64_t heap_free;        /* bytes free inside those arenas */
    uint64_t heap_used;        /* bytes in blocks handed out */
    uint64_t heap_blocks;      /* blocks in use */
    uint64_t heap_arenas;      /* arenas (the heap grows by adding one) */
    uint64_t heap_grows;       /* times it grew after the first arena */
    uint64_t heap_largest_free; /* the largest block alloc could return without growing */
    uint32_t fragmentation;    /* per mille: 0 = all free memory in one block */
    uint32_t pid;
};

/* ---- the user address space (docs/userspace.md draws it) ---------------- */

/* Nothing is mapped below this: a NULL pointer (or a small offset from one) faults. */
#define USER_IMAGE_MIN 0x400000ULL
/* The heap's arenas are mapped from here, growing upward on request. */
#define USER_HEAP_BASE 0x0000100000000000ULL
/* The range the heap may use (its top eighth holds the kernel-only buddy
 * bitmaps): a per-process limit. Arenas of 256 KiB, 512 KiB, ... 16 MiB and
 * smaller ones after them fit in the other 56 MiB, so a program's heap grows
 * until the machine's frames run out or, on a machine with more than that to
 * spare, to about 56 MiB. The limit keeps what one program can take (and what
 * the hostile oom test costs) the same on every machine. */
#define USER_HEAP_RANGE (64ULL << 20)
/* The stack: [USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP) is mapped at start. */
#define USER_STACK_TOP 0x00007FFF00000000ULL
#define USER_STACK_SIZE (64ULL << 10)
/* Below the stack, this much is never mapped: running off the stack faults there. */
#define USER_STACK_GUARD (1ULL << 20)

#endif
