/*
 * ktest/test_pmm.c - suite "pmm": the physical memory manager on real RAM.
 *
 * The host tests check the free-list logic over simulated memory; these check
 * it over the machine's own memory map, through the real direct map: every
 * frame handed out is RAM that can be written and read back, nothing withheld
 * at boot (kernel, boot information, modules, first MiB) is ever handed out,
 * and giving everything back returns the counts to where they started.
 *
 * The tests that take every frame check each of the first TOUCH_ALL_FRAMES
 * (256 MiB) one by one; above that they take the rest in runs and check one
 * frame in SAMPLE_STRIDE, so that a machine with gigabytes is tested in about
 * the time 256 MiB takes, without the emulator touching (and keeping) all its RAM.
 */
#include <stdint.h>

#include "kernel/boot_report.h"
#include "ktest/ktest.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/addr.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"

/* Written into every frame a test holds; a frame handed out twice shows it. */
#define HELD_MARK 0x6b696c6e48454c44ull /* "kilnHELD" */

/* What a held frame's first bytes hold while a test owns it. */
struct held_frame {
    uint64_t mark;
    uint64_t self;
    uint64_t next;  /* the frames a test holds form a list, like the free list */
    uint64_t pages; /* 1, or a run of frames taken at once (its sampled frames: 0) */
};

#define TOUCH_ALL_FRAMES 65536u /* 256 MiB of frames taken and checked one by one */
/* Above that, one frame in SAMPLE_STRIDE (128 MiB): QEMU backs guest RAM with
 * 2 MiB host pages, so a denser sample would make all of it resident. */
#define SAMPLE_STRIDE 32768u
#define LARGEST_RUN (1ull << 18) /* 1 GiB: the first size tried when taking runs */

static struct held_frame *frame_ptr(uint64_t frame)
{
    return phys_to_virt(paddr(frame));
}

static uint64_t free_bytes(void)
{
    struct pmm_stats s;
    pmm_get_stats(&kernel_pmm, &s);
    return s.free_bytes;
}

static bool withheld(uint64_t frame)
{
    if (frame < LOW_MEMORY_END)
        return true;
    for (size_t i = 0; i < pmm_withheld_count; i++)
        if (frame + PAGE_SIZE > pmm_withheld[i].base && frame < pmm_withheld[i].end)
            return true;
    return false;
}

struct drain {
    uint64_t list; /* held frames and runs, newest first */
    uint64_t count;
    uint64_t lowest, highest;
    uint64_t sampled; /* frames taken in runs, of which one in SAMPLE_STRIDE is checked */
};

static void give_back(struct drain *d);

/* Why a frame handed out is wrong, or NULL when it is fine. */
static const char *frame_problem(uint64_t f)
{
    if (f % PAGE_SIZE != 0)
        return "is not page-aligned";
    if (withheld(f))
        return "lies in a withheld range";
    if (!pmm_is_usable(&kernel_pmm, paddr(f)))
        return "is not usable RAM";
    const struct held_frame *h = frame_ptr(f);
    if (h->mark == HELD_MARK && h->self == f)
        return "was handed out twice";
    return 0;
}

/* Check frame f and mark it held; on a bad frame give everything back first
 * (so the following tests still have memory) and fail. */
static void check_and_mark(struct drain *d, uint64_t f, uint64_t next, uint64_t pages)
{
    const char *problem = frame_problem(f);
    if (problem) {
        give_back(d);
        ktest_fail(__FILE__, __LINE__, "frame %#llx %s", (unsigned long long)f, problem);
    }
    *frame_ptr(f) = (struct held_frame){HELD_MARK, f, next, pages};
}

static void hold(struct drain *d, uint64_t base, uint64_t pages)
{
    check_and_mark(d, base, d->list, pages);
    d->list = base;
    d->count += pages;
    uint64_t last = base + (pages - 1) * PAGE_SIZE;
    d->lowest = base < d->lowest ? base : d->lowest;
    d->highest = last > d->highest ? last : d->highest;
}

/* Take every free frame: the first TOUCH_ALL_FRAMES one at a time, each
 * checked; the rest in runs as long as the PMM has, one frame in
 * SAMPLE_STRIDE of each checked (and marked, so a frame handed out twice shows). */
static void drain_all(struct drain *d)
{
    *d = (struct drain){PMM_NO_FRAME.addr, 0, UINT64_MAX, 0, 0};
    for (uint64_t f; d->count < TOUCH_ALL_FRAMES &&
                     (f = pmm_alloc_page(&kernel_pmm).addr) != PMM_NO_FRAME.addr;)
        hold(d, f, 1);
    for (uint64_t n = LARGEST_RUN; n > 0;) {
        uint64_t base = pmm_alloc_pages(&kernel_pmm, n, 0).addr;
        if (base == PMM_NO_FRAME.addr) {
            n /= 2;
            continue;
        }
        for (uint64_t i = SAMPLE_STRIDE; i < n; i += SAMPLE_STRIDE)
            check_and_mark(d, base + i * PAGE_SIZE, 0, 0);
        hold(d, base, n);
        d->sampled += n;
    }
    if (d->sampled)
        ktest_diag("%llu frames checked one by one, then 1 in %u of %llu taken in runs",
                   (unsigned long long)(d->count - d->sampled), SAMPLE_STRIDE,
                   (unsigned long long)d->sampled);
}

/* The frames of a held entry that were checked and marked: its first, and
 * for a run one in SAMPLE_STRIDE. Returns the next after f, or 0 at the end. */
static uint64_t next_checked(uint64_t base, uint64_t pages, uint64_t f)
{
    uint64_t i = (f - base) / PAGE_SIZE + SAMPLE_STRIDE;
    return i < pages ? base + i * PAGE_SIZE : 0;
}

/*
 * Give every held frame back. The first few go back one by one (pmm_free_page);
 * the rest as runs of consecutive frames (pmm_free_pages): one call per run
 * instead of one per frame keeps the suite quick on machines with gigabytes.
 */
#define SINGLE_FREES 512

static void give_back(struct drain *d)
{
    uint64_t singles = 0;
    while (d->list != PMM_NO_FRAME.addr) {
        uint64_t base = d->list;
        struct held_frame *h = frame_ptr(base);
        uint64_t next = h->next;
        size_t n = 1;
        if (h->pages > 1) { /* a run taken whole goes back whole */
            for (uint64_t f = base; f; f = next_checked(base, h->pages, f))
                frame_ptr(f)->mark = 0;
            pmm_free_pages(&kernel_pmm, paddr(base), h->pages);
            d->list = next;
            continue;
        }
        h->mark = 0;
        /* A run hands out its last frame first, so the newest-first list
         * climbs upwards through each run: base, base + 1 page, ... */
        while (singles >= SINGLE_FREES && next == base + n * PAGE_SIZE &&
               frame_ptr(next)->pages == 1) {
            h = frame_ptr(next);
            next = h->next;
            h->mark = 0;
            n++;
        }
        pmm_free_pages(&kernel_pmm, paddr(base), n);
        singles++;
        d->list = next;
    }
}

KTEST(pmm, usable_matches_map, "usable RAM equals the map's type-1 regions, shrunk to pages")
{
    uint64_t expected = 0;
    for (size_t i = 0; i < boot_info.region_count; i++) {
        const struct mem_region *r = &boot_info.regions[i];
        if (r->type == MEM_USABLE && r->length)
            expected += PAGE_ALIGN_DOWN(r->base + r->length) - PAGE_ALIGN_UP(r->base);
    }
    struct pmm_stats s;
    pmm_get_stats(&kernel_pmm, &s);
    KT_ASSERT_EQ(expected, s.usable_bytes);
}

KTEST(pmm, kernel_image_reserved, "the kernel image and boot information are counted as reserved")
{
    /* Right after start-up every usable byte was free, reserved or unreachable
     * (later layers have taken frames since, so look at that moment). */
    struct pmm_stats s = pmm_boot_stats;
    KT_ASSERT(pmm_withheld_count >= 2);
    uint64_t image = pmm_withheld[0].end - pmm_withheld[0].base;
    KT_ASSERT(s.reserved_bytes >= LOW_MEMORY_END + image - 0x80000 /* holes below 1 MiB */);
    KT_ASSERT_EQ(s.usable_bytes, s.free_bytes + s.reserved_bytes + s.unreachable_bytes);
    /* No frame of any withheld range (kernel, MBI, modules) is on the free list. */
    for (size_t i = 0; i < pmm_withheld_count; i++)
        for (uint64_t f = PAGE_ALIGN_DOWN(pmm_withheld[i].base); f < pmm_withheld[i].end;
             f += PAGE_SIZE)
            if (pmm_is_free(&kernel_pmm, paddr(f)))
                ktest_fail(__FILE__, __LINE__, "frame %#llx of the %s is on the free list",
                           (unsigned long long)f, pmm_withheld_what[i]);
}

/* Every frame of [start, end) is withheld at boot and not on the free list. */
static void check_module_frames(uint64_t start, uint64_t end, const char *what)
{
    for (uint64_t f = PAGE_ALIGN_DOWN(start); f < end; f += PAGE_SIZE) {
        if (!withheld(f))
            ktest_fail(__FILE__, __LINE__, "frame %#llx of %s is not withheld",
                       (unsigned long long)f, what);
        if (pmm_is_free(&kernel_pmm, paddr(f)))
            ktest_fail(__FILE__, __LINE__, "frame %#llx of %s is on the free list",
                       (unsigned long long)f, what);
    }
}

KTEST(pmm, modules_withheld, "every module GRUB loaded is withheld, frame by frame")
{
    for (size_t m = 0; m < boot_info.module_count; m++)
        check_module_frames(boot_info.modules[m].start, boot_info.modules[m].end,
                            boot_info.modules[m].cmdline);
    /* Modules beyond BOOT_MAX_MODULES are not listed, only spanned: check the span. */
    if (boot_info.modules_dropped)
        check_module_frames(boot_info.dropped_start, boot_info.dropped_end,
                            "the modules beyond the limit");
    ktest_diag("%zu module(s) checked, and a span for %zu beyond the limit", boot_info.module_count,
               boot_info.modules_dropped);
}

KTEST(pmm, exhaust_and_return, "allocate until exhausted, every frame distinct and usable; free all")
{
    uint64_t before = free_bytes();
    struct drain d;
    drain_all(&d);
    KT_ASSERT_EQ(before / PAGE_SIZE, d.count);
    KT_ASSERT_EQ(0, free_bytes());
    KT_ASSERT_EQ(PMM_NO_FRAME.addr, pmm_alloc_page(&kernel_pmm).addr);
    ktest_diag("held %llu frames between %#llx and %#llx", (unsigned long long)d.count,
               (unsigned long long)d.lowest, (unsigned long long)d.highest);
    give_back(&d);
    KT_ASSERT_EQ(before, free_bytes());
}

KTEST(pmm, write_read_every_frame, "every frame can be written and read back through the direct map")
{
    struct drain d;
    drain_all(&d);
    /* Fill each checked frame's last word too, then check both after all are written. */
    for (uint64_t e = d.list; e != PMM_NO_FRAME.addr; e = frame_ptr(e)->next)
        for (uint64_t f = e; f; f = next_checked(e, frame_ptr(e)->pages, f))
            *(volatile uint64_t *)phys_to_virt(paddr(f + PAGE_SIZE - 8)) = ~f;
    uint64_t bad = 0;
    for (uint64_t e = d.list; e != PMM_NO_FRAME.addr; e = frame_ptr(e)->next)
        for (uint64_t f = e; f; f = next_checked(e, frame_ptr(e)->pages, f)) {
            const struct held_frame *h = frame_ptr(f);
            uint64_t tail = *(volatile uint64_t *)phys_to_virt(paddr(f + PAGE_SIZE - 8));
            bad += h->mark != HELD_MARK || h->self != f || tail != ~f;
        }
    give_back(&d);
    KT_ASSERT_EQ(0, bad);
}

KTEST(pmm, exhaustion_is_not_corruption, "after running out, a freed frame can be allocated again")
{
    struct drain d;
    drain_all(&d);
    KT_ASSERT_EQ(PMM_NO_FRAME.addr, pmm_alloc_page(&kernel_pmm).addr);
    KT_ASSERT_EQ(PMM_NO_FRAME.addr, pmm_alloc_pages(&kernel_pmm, 2, 0).addr);
    /* A frame held on its own (the runs, when there are any, come first). */
    uint64_t *link = &d.list;
    while (frame_ptr(*link)->pages != 1)
        link = &frame_ptr(*link)->next;
    uint64_t one = *link;
    *link = frame_ptr(one)->next;
    frame_ptr(one)->mark = 0;
    pmm_free_page(&kernel_pmm, paddr(one));
    KT_ASSERT_EQ(one, pmm_alloc_page(&kernel_pmm).addr);
    pmm_free_page(&kernel_pmm, paddr(one));
    give_back(&d);
}

KTEST(pmm, merge_reuse, "a freed frame merges back into its run and is the next one handed out")
{
    uint64_t runs = kernel_pmm.stats.free_runs;
    uint64_t a = pmm_alloc_page(&kernel_pmm).addr;
    KT_ASSERT(a != PMM_NO_FRAME.addr);
    pmm_free_page(&kernel_pmm, paddr(a));
    KT_ASSERT_EQ(runs, kernel_pmm.stats.free_runs); /* merged: no one-frame run */
    uint64_t b = pmm_alloc_page(&kernel_pmm).addr;
    KT_ASSERT_EQ(a, b);
    pmm_free_page(&kernel_pmm, paddr(b));
}

KTEST(pmm, frees_coalesce, "frames freed in any order merge back into the runs they came from")
{
    enum { N = 64 };
    uint64_t runs = kernel_pmm.stats.free_runs, before = free_bytes();
    uint64_t frames[N];
    for (int i = 0; i < N; i++) {
        frames[i] = pmm_alloc_page(&kernel_pmm).addr;
        KT_ASSERT(frames[i] != PMM_NO_FRAME.addr);
    }
    for (int i = 0; i < N; i++) /* 5 and 64 share no factor: every index once */
        pmm_free_page(&kernel_pmm, paddr(frames[(i * 5) % N]));
    KT_ASSERT_EQ(before, free_bytes());
    KT_ASSERT_EQ(runs, kernel_pmm.stats.free_runs);
    const char *broken = pmm_check(&kernel_pmm);
    if (broken)
        ktest_fail(__FILE__, __LINE__, "pmm_check: %s", broken);
}

KTEST(pmm, list_consistent, "the free list is in address order, coalesced, and matches its search tree")
{
    const char *broken = pmm_check(&kernel_pmm);
    if (broken)
        ktest_fail(__FILE__, __LINE__, "pmm_check: %s", broken);
    KT_ASSERT(kernel_pmm.stats.free_runs > 0);
}

KTEST(pmm, zeroing, "PMM_ZERO hands out a frame full of zero bytes")
{
    uint64_t f = pmm_alloc_page(&kernel_pmm).addr;
    KT_ASSERT(f != PMM_NO_FRAME.addr);
    memset(phys_to_virt(paddr(f)), 0xA5, PAGE_SIZE);
    pmm_free_page(&kernel_pmm, paddr(f));
    uint64_t g = pmm_alloc_page_flags(&kernel_pmm, PMM_ZERO).addr;
    KT_ASSERT_EQ(f, g); /* the dirty frame came back... */
    const uint8_t *p = phys_to_virt(paddr(g));
    size_t nonzero = 0;
    for (size_t i = 0; i < PAGE_SIZE; i++)
        nonzero += p[i] != 0;
    KT_ASSERT_EQ(0, nonzero); /* ...and clean */
    pmm_free_page(&kernel_pmm, paddr(g));
}

KTEST(pmm, contiguous, "pmm_alloc_pages(16) returns 16 aligned, usable, consecutive frames")
{
    uint64_t before = free_bytes();
    uint64_t base = pmm_alloc_pages(&kernel_pmm, 16, PMM_ZERO).addr;
    KT_ASSERT(base != PMM_NO_FRAME.addr);
    KT_ASSERT_EQ(0, base % PAGE_SIZE);
    for (int i = 0; i < 16; i++) {
        KT_ASSERT(pmm_is_usable(&kernel_pmm, paddr(base + (uint64_t)i * PAGE_SIZE)));
        KT_ASSERT(!withheld(base + (uint64_t)i * PAGE_SIZE));
        KT_ASSERT(!pmm_is_free(&kernel_pmm, paddr(base + (uint64_t)i * PAGE_SIZE)));
    }
    KT_ASSERT_EQ(before - 16 * PAGE_SIZE, free_bytes());
    pmm_free_pages(&kernel_pmm, paddr(base), 16);
    KT_ASSERT_EQ(before, free_bytes());
}

static void free_address(void *arg)
{
    pmm_free_page(&kernel_pmm, paddr(*(uint64_t *)arg));
}

static void expect_free_panics(uint64_t frame, const char *words)
{
    char message[200];
    uint64_t before = free_bytes();
    if (!ktest_catch_panic(free_address, &frame, message, sizeof(message)))
        ktest_fail(__FILE__, __LINE__, "freeing %#llx: expected a panic saying '%s', got none",
                   (unsigned long long)frame, words);
    if (!strstr(message, words) || !strstr(message, "pmm_free_page"))
        ktest_fail(__FILE__, __LINE__, "freeing %#llx: expected a panic saying '%s', got '%s'",
                   (unsigned long long)frame, words, message);
    KT_ASSERT_EQ(before, free_bytes()); /* the bad call changed nothing */
}

KTEST(pmm, bad_frees_panic, "freeing unaligned, reserved or non-RAM frames panics, naming the frame")
{
    uint64_t f = pmm_alloc_page(&kernel_pmm).addr;
    KT_ASSERT(f != PMM_NO_FRAME.addr);
    expect_free_panics(f + 8, "not page-aligned");
    expect_free_panics(pmm_withheld[0].base, "reserved");      /* the kernel image */
    expect_free_panics(0x0000000100000000ull * 1024, "outside usable RAM"); /* 4 TiB */
    expect_free_panics(0x1000, "reserved");                     /* below 1 MiB */
    pmm_free_page(&kernel_pmm, paddr(f));
}

KTEST(pmm, double_free_panics, "freeing a frame twice, or one inside a free run, panics")
{
    uint64_t f = pmm_alloc_page(&kernel_pmm).addr;
    KT_ASSERT(f != PMM_NO_FRAME.addr);
    pmm_free_page(&kernel_pmm, paddr(f));
    expect_free_panics(f, "already free");
    /* the middle of the lowest free run: never handed out */
    uint64_t lowest = virt_to_phys(kernel_pmm.free_list).addr;
    if (kernel_pmm.free_list->pages > 2)
        expect_free_panics(lowest + PAGE_SIZE, "already free");
}
