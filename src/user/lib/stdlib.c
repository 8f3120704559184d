/*
 * src/user/lib/stdlib.c - malloc, free, calloc, realloc, exit and abort.
 *
 * The heap allocator is in the kernel (SYS_ALLOC, SYS_FREE; see
 * docs/heap.md): these functions only translate between the C library's
 * conventions (NULL and errno) and the system calls' (a negative KILN_E*
 * result). realloc asks the kernel how big a block really is
 * (SYS_BLOCK_SIZE), so it can grow or shrink in place when that is enough.
 */
#include "stdlib.h"

#include <stdint.h>

#include "stdio.h"
#include "string.h"
#include "sys.h"

int kiln_errno;

void *malloc(size_t size)
{
    if (size == 0)
        return NULL;
    long result = sys_alloc(size);
    if (sys_is_error(result)) {
        kiln_errno = (int)-result;
        return NULL;
    }
    return (void *)(uintptr_t)result;
}

void free(void *ptr)
{
    long result = sys_free(ptr); /* the kernel takes NULL and does nothing */
    if (sys_is_error(result)) {
        printf("free(%p): %s: the pointer is not a block from malloc\n", ptr,
               sys_error_name(result));
        abort();
    }
}

void *calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) { /* n * size would wrap around */
        kiln_errno = KILN_EINVAL;
        return NULL;
    }
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size); /* blocks are reused: they hold old data */
    return p;
}

void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    long capacity = sys_block_size(ptr);
    if (sys_is_error(capacity)) {
        kiln_errno = (int)-capacity;
        return NULL;
    }
    /*
     * The kernel's buddy allocator hands out blocks of a power of two. If
     * the new size still fits and fills more than half of the block, the
     * next smaller block would be too small: keep this one.
     */
    size_t old_size = (size_t)capacity;
    if (size <= old_size && size > old_size / 2)
        return ptr;
    void *moved = malloc(size);
    if (!moved)
        return NULL;
    memcpy(moved, ptr, size < old_size ? size : old_size);
    free(ptr);
    return moved;
}

void exit(int status)
{
    sys_exit(status);
}

void abort(void)
{
    puts("abort: the program stopped itself");
    sys_exit(ABORT_STATUS);
}
