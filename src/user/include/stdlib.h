/*
 * stdlib.h - memory allocation and ending the program, for kiln's user programs.
 *
 * malloc() and free() are thin: each is one system call (SYS_ALLOC,
 * SYS_FREE), and the allocator itself - a buddy allocator whose free lists
 * live inside this program's heap pages - runs in the kernel. So a student
 * can watch every block in the heap picture SYS_MEMSTATS draws.
 */
#ifndef KILN_USER_STDLIB_H
#define KILN_USER_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define ABORT_STATUS 134 /* abort()'s exit status: 128 + 6, what a shell shows for SIGABRT */

/*
 * Why the last malloc, calloc or realloc returned NULL: a positive KILN_E*
 * code (KILN_ENOMEM, KILN_EINVAL, ...). Only set on failure, like C's errno.
 */
extern int kiln_errno;

/* A block of at least size bytes, 16-byte aligned; NULL for size 0 or on failure. */
void *malloc(size_t size);

/*
 * Give a block back; NULL does nothing. A pointer malloc did not return, or
 * one already freed, is a bug in the program: free prints what the kernel
 * said (double free, not a heap pointer, middle of a block) and aborts.
 */
void free(void *ptr);

/* n * size zeroed bytes; NULL (kiln_errno = KILN_EINVAL) if n * size overflows. */
void *calloc(size_t n, size_t size);

/*
 * Resize a block, keeping min(old, new) bytes of its contents: in place when
 * the new size still fits and would not leave most of the block idle,
 * otherwise by moving it. realloc(NULL, n) is malloc(n); realloc(p, 0) frees
 * p and returns NULL. On failure p is left as it was and NULL returned.
 */
void *realloc(void *ptr, size_t size);

/* End the program with this status (SYS_EXIT). */
__attribute__((noreturn)) void exit(int status);

/* Say "abort" on the console and exit with ABORT_STATUS. */
__attribute__((noreturn)) void abort(void);

#endif
