/*
 * syscalls - every system call once, with good arguments, and its result checked.
 *
 * The first failed check prints "FAIL: ..." and exits with the check's
 * number; exit status 0 means every call did what include/kiln/syscall.h
 * promises.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "string.h"
#include "sys.h"

#define BLOCK_REQUEST 100
#define SMALL_PICTURE 16 /* too small for any picture: the kernel must cut it */

static char picture[2048];
static char small[2 * SMALL_PICTURE]; /* the second half must stay untouched */

static void check_write(void)
{
    static const char line[] = "write returns the length it printed\n";
    long n = sys_write(line, sizeof line - 1);
    require(1, n == (long)(sizeof line - 1), "write(%zu bytes) returned %ld", sizeof line - 1, n);
    n = sys_write(line, 0);
    require(2, n == 0, "write(0 bytes) returned %ld, expected 0", n);
}

static long check_getpid(void)
{
    long pid = sys_getpid();
    require(3, pid > 0, "getpid returned %ld, expected a positive pid", pid);
    printf("getpid = %ld\n", pid);
    return pid;
}

static void *check_alloc(void)
{
    long result = sys_alloc(BLOCK_REQUEST);
    require(4, !sys_is_error(result), "alloc(%d) failed: %s", BLOCK_REQUEST,
            sys_error_name(result));
    uintptr_t address = (uintptr_t)result;
    require(5, address % 16 == 0, "alloc(%d) = %#lx is not 16-byte aligned", BLOCK_REQUEST,
            address);
    require(6, address >= USER_HEAP_BASE && address < USER_HEAP_BASE + USER_HEAP_RANGE,
            "alloc(%d) = %#lx is outside the heap [%#llx, %#llx)", BLOCK_REQUEST, address,
            USER_HEAP_BASE, USER_HEAP_BASE + USER_HEAP_RANGE);
    void *block = (void *)address;
    long size = sys_block_size(block);
    require(7, size >= BLOCK_REQUEST, "block_size(%p) = %ld, expected at least %d", block, size,
            BLOCK_REQUEST);
    /* Every byte of the block is ours to write and read back. */
    memset(block, 0x5a, (size_t)size);
    for (long i = 0; i < size; i++)
        if (((unsigned char *)block)[i] != 0x5a)
            fail(8, "block byte %ld did not keep 0x5a", i);
    printf("alloc(%d) = %p, block_size = %ld\n", BLOCK_REQUEST, block, size);
    return block;
}

/* memstats while the block is held. */
static void check_memstats(long pid)
{
    struct kiln_memstats stats;
    long length = sys_memstats(&stats, picture, sizeof picture);
    require(9, length > 0, "memstats returned %ld, expected a picture length > 0", length);
    require(10, stats.pid == pid, "memstats pid %u, getpid %ld", stats.pid, pid);
    require(11, stats.heap_used > 0 && stats.heap_blocks > 0,
            "memstats with a block held: heap_used %lu, heap_blocks %lu", stats.heap_used,
            stats.heap_blocks);
    require(12, stats.pmm_free_frames > 0 && stats.pmm_free_frames <= stats.pmm_total_frames,
            "memstats: pmm_free_frames %lu, pmm_total_frames %lu", stats.pmm_free_frames,
            stats.pmm_total_frames);
    if ((size_t)length < sizeof picture)
        require(13, strlen(picture) == (size_t)length,
                "the picture's strlen is %zu, memstats returned %ld", strlen(picture), length);
    else
        require(13, picture[sizeof picture - 1] == '\0', "a cut picture is not NUL-terminated");
    printf("memstats: heap_used %lu in %lu block(s), picture %ld bytes\n", stats.heap_used,
           stats.heap_blocks, length);

    /* The same picture into 16 bytes: 15 characters and the NUL, nothing more. */
    memset(small, 'X', sizeof small);
    long cut = sys_memstats(&stats, small, SMALL_PICTURE);
    require(14, cut == length, "memstats into %d bytes returned %ld, expected the full %ld",
            SMALL_PICTURE, cut, length);
    require(15, cut < SMALL_PICTURE || small[SMALL_PICTURE - 1] == '\0',
            "the cut picture's last byte is %#x, expected the NUL",
            (unsigned char)small[SMALL_PICTURE - 1]);
    require(16, strncmp(small, picture, SMALL_PICTURE - 1) == 0,
            "the cut picture \"%.15s\" is not the start of the full one", small);
    for (int i = SMALL_PICTURE; i < (int)sizeof small; i++)
        require(17, small[i] == 'X', "memstats wrote byte %d of a %d-byte picture buffer", i,
                SMALL_PICTURE);

    /* No picture buffer at all: still the full length. */
    long none = sys_memstats(&stats, NULL, 0);
    require(18, none == length, "memstats(picture NULL, length 0) returned %ld, expected %ld", none,
            length);
}

static void check_free(void *block)
{
    long result = sys_free(block);
    require(19, result == 0, "free(%p) returned %ld (%s)", block, result, sys_error_name(result));
    struct kiln_memstats stats;
    sys_memstats(&stats, NULL, 0);
    require(20, stats.heap_used == 0 && stats.heap_blocks == 0,
            "after freeing the only block: heap_used %lu, heap_blocks %lu", stats.heap_used,
            stats.heap_blocks);
    result = sys_free(NULL);
    require(21, result == 0, "free(NULL) returned %ld (%s)", result, sys_error_name(result));
}

int main(void)
{
    puts("calling write, getpid, alloc, block_size, memstats and free");
    check_write();
    long pid = check_getpid();
    void *block = check_alloc();
    check_memstats(pid);
    check_free(block);
    puts("all system calls returned what they should");
    return 0;
}
