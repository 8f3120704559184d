/*
 * proc/uaccess.h - checking and using pointers that come from user programs.
 *
 * A system call's pointer argument is a number the program chose. Before the
 * kernel reads or writes through it, every byte of the range must be in the
 * user half, on a page that is mapped, marked for user access (VMM_USER) and,
 * for a write, writable; and the range must not wrap around the top of the
 * address space. A bad pointer is an error code returned to the program,
 * never a page fault inside the kernel (DESIGN.md, "Userspace and syscalls").
 *
 * The kernel never dereferences the user address itself: the copy functions
 * translate each page with vmm_translate() and go through a phys_window to
 * the frame (the direct map in the kernel, a buffer in the host tests). So a
 * copy touches exactly the frames the check approved, with the kernel's own
 * permissions, whatever CR3 holds.
 *
 * The check and the copy are not atomic: a second thread unmapping the pages
 * in between would matter. kiln runs one system call at a time with no
 * preemption inside it, so nothing can change the space in between.
 */
#ifndef KILN_PROC_UACCESS_H
#define KILN_PROC_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/addr.h"
#include "mm/vmm.h"

/* Results: 0, or one of these negative codes, each a different mistake. */
#define UACCESS_OK 0
#define UACCESS_ERR_NULL (-1)      /* the pointer is 0 and the length is not */
#define UACCESS_ERR_WRAP (-2)      /* ptr + len wraps past 2^64 */
#define UACCESS_ERR_KERNEL (-3)    /* some byte is outside the user half (or non-canonical) */
#define UACCESS_ERR_UNMAPPED (-4)  /* some page of the range is not mapped */
#define UACCESS_ERR_NOT_USER (-5)  /* some page is mapped but kernel-only (no VMM_USER) */
#define UACCESS_ERR_READ_ONLY (-6) /* a write to a page without VMM_WRITE */
#define UACCESS_ERR_TOO_LONG (-7)  /* uaccess_strncpy_from: no NUL within max bytes */

/*
 * May the kernel read (write = false) or write (write = true) the len bytes
 * at user address ptr in space as? len 0 is always allowed, even with ptr 0:
 * nothing is touched. Checks are made in the order of the codes above; for a
 * range with several bad pages, the lowest bad page decides.
 */
int uaccess_check(const struct address_space *as, uint64_t ptr, uint64_t len, bool write);

/* Check [src_user, src_user + len) for reading, then copy it to dst. Nothing is
 * copied if the check fails. */
int uaccess_copy_from(const struct address_space *as, struct phys_window window, void *dst,
                      uint64_t src_user, uint64_t len);

/* Check [dst_user, dst_user + len) for writing, then copy src to it. Nothing is
 * written if the check fails. */
int uaccess_copy_to(const struct address_space *as, struct phys_window window, uint64_t dst_user,
                    const void *src, uint64_t len);

/*
 * Copy the NUL-terminated string at src_user into dst (room for max bytes,
 * the NUL included), checking each page only when the copy reaches it, so a
 * string that ends just before an unmapped page is fine. Returns the string's
 * length (without the NUL, so at most max - 1), or a negative code:
 * UACCESS_ERR_TOO_LONG when the first max bytes hold no NUL. On any error,
 * dst holds an empty string (if max > 0). max above INT32_MAX counts as
 * INT32_MAX, so every length fits the int result.
 */
int uaccess_strncpy_from(const struct address_space *as, struct phys_window window, char *dst,
                         uint64_t src_user, size_t max);

/* A short description of a code: "address not mapped", ..., "unknown uaccess error". */
const char *uaccess_strerror(int code);

#endif
