/*
 * proc/uaccess.c - checking user pointers and copying through them.
 *
 * Everything works page by page: permissions live in page-table entries, so
 * a range is as good as its worst page. vmm_translate() tells, for one
 * address, where its page's frame is, the page's VMM_* flags and its size
 * (4 KiB, 2 MiB or 1 GiB); the loops step from one page to the next with it.
 *
 * Lab 5 writes the parts marked for it: docs/labs/lab5-syscalls.md, docs/labs/README.md.
 */
#include "proc/uaccess.h"

#include "lib/string.h"

/* Why the page holding va may not be used; *pa and *room describe it if it may. */
static int check_page(const struct address_space *as, uint64_t va, bool write, paddr_t *pa,
                      uint64_t *room)
{
    /* LAB 5 BEGIN: one page: user half, mapped, VMM_USER, writable for a write; its room */
    /* LAB 5 STUB: return UACCESS_ERR_UNMAPPED; */
    /* Everything from VMM_USER_END up (non-canonical or kernel half) is off limits. */
    if (va >= VMM_USER_END)
        return UACCESS_ERR_KERNEL;
    unsigned flags;
    uint64_t page_size;
    if (vmm_translate(as, vaddr(va), pa, &flags, &page_size) != VMM_OK)
        return UACCESS_ERR_UNMAPPED;
    if (!(flags & VMM_USER))
        return UACCESS_ERR_NOT_USER;
    if (write && !(flags & VMM_WRITE))
        return UACCESS_ERR_READ_ONLY;
    *room = page_size - (va & (page_size - 1)); /* bytes from va to the end of its page */
    return UACCESS_OK;
    /* LAB 5 END */
}

int uaccess_check(const struct address_space *as, uint64_t ptr, uint64_t len, bool write)
{
    /* LAB 5 BEGIN: the whole range: NULL, wrap-around, user half, then page by page */
    /* LAB 5 STUB: return UACCESS_ERR_UNMAPPED; */
    if (len == 0)
        return UACCESS_OK;
    if (ptr == 0)
        return UACCESS_ERR_NULL;
    uint64_t last = ptr + (len - 1); /* the last byte, so a range ending at 2^64 is not a wrap */
    if (last < ptr)
        return UACCESS_ERR_WRAP;
    if (last >= VMM_USER_END)
        return UACCESS_ERR_KERNEL;

    /*
     * last < VMM_USER_END, so va + room below never passes 2^47 + 1 GiB: no
     * wrap. Each step is one page, and every page must be mapped: the loop
     * ends at the first hole, so its length is bounded by mapped memory.
     */
    uint64_t va = ptr;
    for (;;) {
        paddr_t pa;
        uint64_t room;
        int rc = check_page(as, va, write, &pa, &room);
        if (rc != UACCESS_OK)
            return rc;
        if (room > last - va)
            return UACCESS_OK; /* this page holds the last byte */
        va += room;
    }
    /* LAB 5 END */
}

/*
 * Copy between kernel memory and a checked user range, one page (one frame)
 * at a time: neighbouring user pages may live in frames far apart. `kernel`
 * is only read from when to_user is true.
 */
static int copy_pages(const struct address_space *as, struct phys_window window, uint64_t user,
                      uint8_t *kernel, uint64_t len, bool to_user)
{
    while (len > 0) {
        paddr_t pa;
        uint64_t room;
        /* Checked already, so this succeeds; if it did not, stop rather than loop. */
        int rc = check_page(as, user, to_user, &pa, &room);
        if (rc != UACCESS_OK)
            return rc;
        uint64_t n = room < len ? room : len;
        uint8_t *frame = phys_window_ptr(&window, pa);
        if (to_user)
            memcpy(frame, kernel, (size_t)n);
        else
            memcpy(kernel, frame, (size_t)n);
        user += n;
        kernel += n;
        len -= n;
    }
    return UACCESS_OK;
}

int uaccess_copy_from(const struct address_space *as, struct phys_window window, void *dst,
                      uint64_t src_user, uint64_t len)
{
    int rc = uaccess_check(as, src_user, len, false);
    if (rc != UACCESS_OK)
        return rc;
    return copy_pages(as, window, src_user, dst, len, false);
}

int uaccess_copy_to(const struct address_space *as, struct phys_window window, uint64_t dst_user,
                    const void *src, uint64_t len)
{
    int rc = uaccess_check(as, dst_user, len, true);
    if (rc != UACCESS_OK)
        return rc;
    return copy_pages(as, window, dst_user, (uint8_t *)(uintptr_t)src, len, true);
}

int uaccess_strncpy_from(const struct address_space *as, struct phys_window window, char *dst,
                         uint64_t src_user, size_t max)
{
    uint64_t limit = max > INT32_MAX ? INT32_MAX : max;
    int rc = UACCESS_ERR_TOO_LONG;
    if (src_user == 0)
        rc = UACCESS_ERR_NULL;

    uint64_t copied = 0;
    while (src_user != 0 && copied < limit) {
        paddr_t pa;
        uint64_t room;
        /* src_user + copied cannot wrap: check_page stops at VMM_USER_END first. */
        rc = check_page(as, src_user + copied, false, &pa, &room);
        if (rc != UACCESS_OK)
            break;
        const char *frame = phys_window_ptr(&window, pa);
        uint64_t n = room < limit - copied ? room : limit - copied;
        for (uint64_t i = 0; i < n; i++) {
            dst[copied] = frame[i];
            if (frame[i] == '\0')
                return (int)copied;
            copied++;
        }
        rc = UACCESS_ERR_TOO_LONG; /* if the limit ends the loop now */
    }
    if (max > 0)
        dst[0] = '\0';
    return rc;
}

const char *uaccess_strerror(int code)
{
    switch (code) {
    case UACCESS_OK:
        return "ok";
    case UACCESS_ERR_NULL:
        return "NULL pointer";
    case UACCESS_ERR_WRAP:
        return "range wraps around the address space";
    case UACCESS_ERR_KERNEL:
        return "address outside the user half";
    case UACCESS_ERR_UNMAPPED:
        return "address not mapped";
    case UACCESS_ERR_NOT_USER:
        return "page not accessible to user programs";
    case UACCESS_ERR_READ_ONLY:
        return "page is read-only";
    case UACCESS_ERR_TOO_LONG:
        return "string too long";
    default:
        return "unknown uaccess error";
    }
}
