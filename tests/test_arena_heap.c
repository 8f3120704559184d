/*
 * tests/test_arena_heap.c - host tests for the arena heap (src/mm/arena_heap.c).
 *
 * The arena heap is the layer where kmalloc and every user heap meet the VMM:
 * it maps arenas with vmm_alloc, puts an allocator on each, grows when they
 * are full and finds a pointer's arena on free. This file runs it unchanged
 * over the real PMM and VMM (src/mm/pmm.c, vmm.c), with a malloc'ed buffer as
 * the simulated RAM that frames and page tables come from.
 *
 * The heap's own range is a second host buffer, whose (user-half) address is
 * handed to the heap as its virtual range in a user address space: the VMM
 * records the mappings in its tables and takes frames for them, while the
 * allocators' reads and writes land in that buffer. So a test can check both
 * sides: what the heap hands out, and what it cost the PMM and the VMM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_panic.h"
#include "mm/arena_heap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)

#define RAM_BASE (64 * MiB) /* the simulated RAM's physical address */
#define RANGE (16 * MiB)    /* the heap's virtual range */

/* The simulated machine and the heap under test. */
static struct {
    uint8_t *ram;
    struct pmm pmm;
    struct vmm vmm;
    struct address_space kernel, space;
    uint8_t *range; /* the host memory behind the heap's virtual range */
    struct arena_heap heap;
    uint64_t free_before; /* PMM free bytes before the heap existed */
} t;

/* A machine with ram_size bytes of RAM, a user space, and an unmapped heap range. */
static void machine_up(uint64_t ram_size)
{
    t.ram = aligned_alloc(PAGE_SIZE, ram_size);
    assert_non_null(t.ram);
    struct phys_window window = {(uint64_t)(uintptr_t)t.ram - RAM_BASE};
    const struct mem_region map[] = {{RAM_BASE, ram_size, MEM_USABLE}};
    assert_int_equal(pmm_init(&t.pmm, window, map, 1, NULL, 0, PMM_NO_LIMIT), 0);
    vmm_setup(&t.vmm, &t.pmm, window, true, true);
    assert_int_equal(vmm_kernel_space_init(&t.vmm, &t.kernel), VMM_OK);
    assert_int_equal(vmm_space_create(&t.vmm, &t.space), VMM_OK);
    /* Aligned like a real heap range, so arenas (aligned to their size) start at its base. */
    t.range = aligned_alloc(RANGE, RANGE);
    assert_non_null(t.range);
    t.free_before = t.pmm.stats.free_bytes;
}

static int machine_down(void **state)
{
    (void)state;
    vmm_space_destroy(&t.space);
    free(t.range);
    free(t.ram);
    memset(&t, 0, sizeof(t));
    return 0;
}

static uintptr_t range_start(void)
{
    return (uintptr_t)t.range;
}

static bool in_range(const void *p, uintptr_t base, uint64_t size)
{
    return (uintptr_t)p >= base && (uintptr_t)p < base + size;
}

/* Frames the heap holds now, as the VMM counts them (vmm_alloc'd pages). */
static uint64_t frames_mapped(void)
{
    return t.space.owned_pages * PAGE_SIZE;
}

static struct arena_heap_stats stats(void)
{
    struct arena_heap_stats st;
    arena_heap_stats(&t.heap, &st);
    return st;
}

/* ---- start-up ----------------------------------------------------------- */

static void test_init_maps_the_first_arena(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    struct arena_heap_stats st = stats();
    assert_int_equal(st.arenas, 1);
    assert_int_equal(st.grows, 0);
    assert_int_equal(t.heap.arenas[0].base, range_start());
    assert_int_equal(t.heap.arenas[0].size, ARENA_HEAP_FIRST_ARENA);
    /* What the heap says it mapped is what the VMM took frames for. */
    assert_int_equal(st.mapped_bytes, frames_mapped());
    assert_true(st.mapped_bytes >= ARENA_HEAP_FIRST_ARENA);
    /* The buddy's bitmaps sit in the last eighth of the range, apart from the arenas. */
    assert_true(
        in_range((void *)t.heap.arenas[0].metadata, range_start() + RANGE - RANGE / 8, RANGE / 8));
    assert_int_equal(st.total.free_bytes, ARENA_HEAP_FIRST_ARENA);
}

static void test_init_fails_cleanly_without_frames(void **state)
{
    (void)state;
    machine_up(64 * KiB); /* fewer frames than the first arena needs */
    uint64_t free_before = t.pmm.stats.free_bytes;
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE),
                     VMM_ERR_NO_MEMORY);
    assert_int_equal(t.heap.count, 0);
    assert_int_equal(frames_mapped(), 0);
    assert_int_equal(t.pmm.stats.free_bytes, free_before); /* nothing leaked */
}

/* ---- growth --------------------------------------------------------------- */

static void test_grows_when_the_arena_is_full(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    /* 64 KiB blocks: four fill the first 256 KiB arena, the fifth needs another. */
    void *p[5];
    for (int i = 0; i < 5; i++) {
        p[i] = arena_heap_alloc(&t.heap, 64 * KiB);
        assert_non_null(p[i]);
    }
    struct arena_heap_stats st = stats();
    assert_int_equal(st.arenas, 2);
    assert_int_equal(st.grows, 1);
    /* The new arena is twice the last, aligned to its size, after the first. */
    const struct heap_arena *second = &t.heap.arenas[1];
    assert_int_equal(second->size, 2 * ARENA_HEAP_FIRST_ARENA);
    assert_int_equal(second->base % second->size, 0);
    assert_true(second->base >= t.heap.arenas[0].base + t.heap.arenas[0].size);
    for (int i = 0; i < 4; i++)
        assert_true(in_range(p[i], t.heap.arenas[0].base, t.heap.arenas[0].size));
    assert_true(in_range(p[4], second->base, second->size));
    assert_int_equal(st.mapped_bytes, frames_mapped());
}

static void test_a_large_request_gets_an_arena_that_fits(void **state)
{
    (void)state;
    machine_up(12 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    void *big = arena_heap_alloc(&t.heap, 3 * MiB);
    assert_non_null(big);
    assert_int_equal(t.heap.count, 2);
    assert_int_equal(t.heap.arenas[1].size, 4 * MiB); /* the power of two that holds 3 MiB */
    assert_int_equal(arena_heap_block_size(&t.heap, big), 4 * MiB);
    memset(big, 0x5A, 3 * MiB); /* all of it is usable memory */
}

static void test_running_out_of_frames_returns_null_and_leaks_nothing(void **state)
{
    (void)state;
    machine_up(1 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    uint64_t free_before = t.pmm.stats.free_bytes, tables_before = t.space.table_pages;
    assert_null(arena_heap_alloc(&t.heap, 2 * MiB)); /* more than the machine has */
    assert_int_equal(t.heap.last_error, ALLOC_ERR_NO_MEMORY);
    assert_int_equal(t.heap.count, 1);
    assert_int_equal(t.pmm.stats.free_bytes + PAGE_SIZE * (t.space.table_pages - tables_before),
                     free_before);
    /* The heap still serves what fits. */
    void *p = arena_heap_alloc(&t.heap, 100);
    assert_non_null(p);
    assert_int_equal(arena_heap_try_free(&t.heap, p), ALLOC_OK);
}

static void test_the_range_bounds_the_heap(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    /* 1 MiB of range: 896 KiB for arenas, 128 KiB for bitmaps. */
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), MiB), VMM_OK);
    assert_non_null(arena_heap_alloc(&t.heap, 200 * KiB)); /* fills the first arena */
    /* The next arena would be 512 KiB at 512 KiB: past 896 KiB. Nothing smaller holds 400 KiB. */
    assert_null(arena_heap_alloc(&t.heap, 400 * KiB));
    assert_int_equal(t.heap.last_error, ALLOC_ERR_NO_MEMORY);
    /* A smaller request gets a halved arena where the doubled one does not fit. */
    assert_non_null(arena_heap_alloc(&t.heap, 200 * KiB)); /* 256 KiB at 256 KiB */
    assert_non_null(arena_heap_alloc(&t.heap, 200 * KiB)); /* 256 KiB at 512 KiB */
    assert_null(arena_heap_alloc(&t.heap, 200 * KiB));     /* 768 + 256 KiB > 896 KiB */
    assert_int_equal(t.heap.count, 3);
    assert_int_equal(t.heap.arenas[1].size, 256 * KiB);
    assert_int_equal(t.heap.arenas[2].base, range_start() + 512 * KiB);
    assert_true(t.heap.next <= t.heap.meta_start);
}

/* ---- finding a pointer's arena ----------------------------------------------- */

static void test_frees_find_the_right_arena(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    void *a = arena_heap_alloc(&t.heap, 200 * KiB);
    void *b = arena_heap_alloc(&t.heap, 200 * KiB); /* in the second arena */
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(t.heap.count, 2);
    assert_int_equal(arena_heap_block_size(&t.heap, a), 256 * KiB);
    assert_int_equal(arena_heap_try_free(&t.heap, b), ALLOC_OK);
    assert_int_equal(arena_heap_try_free(&t.heap, a), ALLOC_OK);
    assert_int_equal(stats().total.used_blocks, 0);
}

static void test_bad_frees_are_named(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    char *p = arena_heap_alloc(&t.heap, 100);
    assert_non_null(p);
    int outside = 0;
    assert_int_equal(arena_heap_try_free(&t.heap, &outside), ALLOC_ERR_NOT_OURS);
    assert_int_equal(arena_heap_try_free(&t.heap, p + 32), ALLOC_ERR_MIDDLE);
    assert_int_equal(arena_heap_try_free(&t.heap, NULL), ALLOC_OK);
    assert_int_equal(arena_heap_try_free(&t.heap, p), ALLOC_OK);
    assert_int_equal(arena_heap_try_free(&t.heap, p), ALLOC_ERR_DOUBLE_FREE);
    assert_int_equal(arena_heap_block_size(&t.heap, &outside), 0);
}

static void test_kernel_style_frees_panic_with_the_mistake(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init(&t.heap, HEAP_BUDDY, &t.space, range_start(), RANGE), VMM_OK);
    char *p = arena_heap_alloc(&t.heap, 100);
    assert_non_null(p);
    int outside = 0;
    void *caller = (void *)0x1234;
    EXPECT_PANIC(arena_heap_free(&t.heap, &outside, caller), "kfree", "never returned", "0x1234");
    EXPECT_PANIC(arena_heap_free(&t.heap, p + 32, caller), "kfree", "middle of a block");
    arena_heap_free(&t.heap, p, caller);
    EXPECT_PANIC(arena_heap_free(&t.heap, p, caller), "kfree", "double free");
}

/* ---- realloc, calloc, both allocators ----------------------------------------- */

static void test_realloc_moves_to_a_new_arena_keeping_the_bytes(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    uint8_t *p = arena_heap_alloc(&t.heap, 1000);
    assert_non_null(p);
    for (int i = 0; i < 1000; i++)
        p[i] = (uint8_t)i;
    uint8_t *q = arena_heap_realloc(&t.heap, p, 300 * KiB, NULL); /* too big for arena 0 */
    assert_non_null(q);
    assert_true(in_range(q, t.heap.arenas[1].base, t.heap.arenas[1].size));
    for (int i = 0; i < 1000; i++)
        assert_int_equal(q[i], (uint8_t)i);
    assert_int_equal(arena_heap_try_free(&t.heap, p), ALLOC_ERR_DOUBLE_FREE); /* p was freed */
}

static void test_calloc_zeroes_and_refuses_overflow(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    uint8_t *p = arena_heap_alloc(&t.heap, 4096);
    memset(p, 0xFF, 4096);
    assert_int_equal(arena_heap_try_free(&t.heap, p), ALLOC_OK);
    uint8_t *z = arena_heap_calloc(&t.heap, 64, 64);
    assert_non_null(z);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(z[i], 0);
    /* n * size wraps round to 16 bytes: a heap that multiplied blindly would hand them out. */
    assert_null(arena_heap_calloc(&t.heap, SIZE_MAX / 16 + 2, 16));
}

static void test_list_backend_grows_too(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init(&t.heap, HEAP_LIST, &t.space, range_start(), RANGE), VMM_OK);
    /* A list arena cannot hold a block of its own size beside the block's header. */
    void *p = arena_heap_alloc(&t.heap, ARENA_HEAP_FIRST_ARENA);
    assert_non_null(p);
    assert_int_equal(t.heap.count, 2);
    assert_int_equal(t.heap.arenas[1].size, 2 * ARENA_HEAP_FIRST_ARENA);
    assert_int_equal(t.heap.arenas[0].metadata, 0); /* the list heap keeps no bitmaps */
    assert_int_equal(stats().mapped_bytes, frames_mapped());
}

static void test_slab_backend_grows_and_frees_across_arenas(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init(&t.heap, HEAP_SLAB, &t.space, range_start(), RANGE), VMM_OK);
    /* 12,000 objects of 40 B (class 48): about 570 KiB, more than the first arena. */
    enum { N = 12000 };
    static void *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = arena_heap_alloc(&t.heap, 40);
        assert_non_null(p[i]);
        assert_int_equal(arena_heap_block_size(&t.heap, p[i]), 48);
    }
    assert_true(t.heap.count >= 2);
    assert_true(t.heap.arenas[0].metadata != 0); /* the buddy bitmaps and the slab tables */
    assert_int_equal(arena_heap_try_free(&t.heap, (uint8_t *)p[5] + 16), ALLOC_ERR_MIDDLE);
    for (int i = 0; i < N; i++)
        assert_int_equal(arena_heap_try_free(&t.heap, p[i]), ALLOC_OK);
    assert_int_equal(arena_heap_try_free(&t.heap, p[0]), ALLOC_ERR_DOUBLE_FREE);
    struct arena_heap_stats st = stats();
    assert_int_equal(st.total.used_blocks, 0);
    assert_int_equal(st.total.free_bytes, st.total.total_bytes); /* every slab went back */
    assert_int_equal(st.mapped_bytes, frames_mapped());
}

/* ---- giving emptied arenas back ------------------------------------------------ */

/* The heap's and the machine's figures, to compare before and after. */
struct footprint {
    uint64_t mapped, owned, pmm_free, tables;
    unsigned arenas;
};

static struct footprint footprint(void)
{
    return (struct footprint){stats().mapped_bytes, frames_mapped(), t.pmm.stats.free_bytes,
                              t.space.table_pages, stats().arenas};
}

/* Back where it was: the same arenas and bytes mapped, every frame back in the PMM
 * except page tables the VMM keeps for the space (counted apart). */
static void expect_footprint(struct footprint was)
{
    struct footprint now = footprint();
    assert_int_equal(now.arenas, was.arenas);
    assert_int_equal(now.mapped, was.mapped);
    assert_int_equal(now.owned, was.owned);
    assert_int_equal(now.pmm_free + PAGE_SIZE * (now.tables - was.tables), was.pmm_free);
}

static void heap_up(enum heap_backend backend)
{
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init(&t.heap, backend, &t.space, range_start(), RANGE), VMM_OK);
}

/* Almost all of an empty arena 0, with every backend's overhead (a list block's header) */
#define BIG (ARENA_HEAP_FIRST_ARENA - 64)

/* A small block in arena 0 and a BIG one that cannot fit beside it: a second arena. */
static void grow_past_arena_0(void **small, void **big)
{
    *small = arena_heap_alloc(&t.heap, 100);
    *big = arena_heap_alloc(&t.heap, BIG);
    assert_non_null(*small);
    assert_non_null(*big);
    assert_int_equal(stats().arenas, 2);
    assert_false(in_range(*big, t.heap.arenas[0].base, t.heap.arenas[0].size));
}

static void emptied_arena_is_given_back_at_once(enum heap_backend backend)
{
    heap_up(backend);
    struct footprint start = footprint();
    void *small, *big;
    grow_past_arena_0(&small, &big);
    assert_true(footprint().mapped > start.mapped);
    assert_true(footprint().pmm_free < start.pmm_free);
    assert_int_equal(arena_heap_try_free(&t.heap, small), ALLOC_OK); /* arena 0 has room now */
    assert_int_equal(stats().arenas, 2); /* arena 0, empty, is never given back */
    assert_int_equal(arena_heap_try_free(&t.heap, big), ALLOC_OK);
    /* Arena 1 emptied while arena 0 could hold its BIG block: unmapped, frames back. */
    expect_footprint(start);
    assert_int_equal(stats().releases, 1);
    assert_int_equal(t.heap.count, 1);
    assert_int_equal(t.heap.arenas[0].base, range_start()); /* the first arena stays */
    assert_int_equal(t.heap.arenas[0].size, ARENA_HEAP_FIRST_ARENA);
    assert_int_equal(t.heap.spare, -1);
}

static void test_emptied_arena_is_given_back_buddy(void **state)
{
    (void)state;
    emptied_arena_is_given_back_at_once(HEAP_BUDDY);
}

static void test_emptied_arena_is_given_back_list(void **state)
{
    (void)state;
    emptied_arena_is_given_back_at_once(HEAP_LIST);
}

static void test_emptied_arena_is_given_back_slab(void **state)
{
    (void)state;
    emptied_arena_is_given_back_at_once(HEAP_SLAB);
}

/* Arena 0 full: an alloc/free pair at its edge keeps one spare instead of mapping and
 * unmapping each time; a free in arena 0 that makes room gives the spare back. */
static void spare_waits_for_room(enum heap_backend backend)
{
    heap_up(backend);
    struct footprint start = footprint();
    void *small, *big;
    grow_past_arena_0(&small, &big);
    struct footprint grown = footprint();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(arena_heap_try_free(&t.heap, big), ALLOC_OK);
        /* Arena 0 still cannot hold BIG: arena 1 stays, empty, as the spare. */
        assert_int_equal(footprint().mapped, grown.mapped);
        assert_int_equal(footprint().arenas, 2);
        assert_int_equal(t.heap.spare, 1);
        big = arena_heap_alloc(&t.heap, BIG);
        assert_non_null(big);
        assert_int_equal(stats().grows, 1); /* the spare served it: no new arena */
    }
    assert_int_equal(arena_heap_try_free(&t.heap, big), ALLOC_OK);
    assert_int_equal(stats().releases, 0);
    assert_int_equal(arena_heap_try_free(&t.heap, small), ALLOC_OK); /* room in arena 0 */
    expect_footprint(start);
    assert_int_equal(stats().releases, 1);
    assert_int_equal(t.heap.spare, -1);
}

static void test_spare_waits_for_room_buddy(void **state)
{
    (void)state;
    spare_waits_for_room(HEAP_BUDDY);
}

static void test_spare_waits_for_room_list(void **state)
{
    (void)state;
    spare_waits_for_room(HEAP_LIST);
}

static void test_spare_waits_for_room_slab(void **state)
{
    (void)state;
    spare_waits_for_room(HEAP_SLAB);
}

/* An arena in the middle is given back; its slot and address range are used again. */
static void test_a_given_back_slot_is_reused(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    void *small, *b;
    grow_past_arena_0(&small, &b);                  /* arena 1: 512 KiB */
    void *c = arena_heap_alloc(&t.heap, 400 * KiB); /* fits no arena: arena 2, 1 MiB */
    assert_non_null(c);
    assert_int_equal(t.heap.count, 3);
    uintptr_t hole = t.heap.arenas[1].base;
    assert_int_equal(arena_heap_try_free(&t.heap, b), ALLOC_OK); /* arena 2 has room for it */
    assert_int_equal(t.heap.count, 3);
    assert_false(arena_heap_slot_live(&t.heap.arenas[1]));
    assert_int_equal(stats().arenas, 2);
    assert_int_equal(stats().mapped_bytes, frames_mapped());
    /* A pointer into the given-back arena is no longer the heap's. */
    assert_int_equal(arena_heap_try_free(&t.heap, b), ALLOC_ERR_NOT_OURS);
    /* Fill arena 2, then grow: the new arena takes the vacant slot 1. */
    void *d = arena_heap_alloc(&t.heap, 400 * KiB);
    assert_non_null(d);
    void *e = arena_heap_alloc(&t.heap, 100 * KiB); /* arena 0 (128 KiB free) */
    void *f = arena_heap_alloc(&t.heap, 300 * KiB); /* nowhere: a new arena */
    assert_non_null(e);
    assert_non_null(f);
    assert_true(arena_heap_slot_live(&t.heap.arenas[1]));
    assert_true(in_range(f, t.heap.arenas[1].base, t.heap.arenas[1].size));
    assert_int_equal(t.heap.count, 3);
    assert_int_equal(stats().mapped_bytes, frames_mapped());
    assert_true(t.heap.arenas[1].base != hole); /* 2 MiB, aligned to 2 MiB */
    void *all[] = {f, e, d, c};
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        assert_int_equal(arena_heap_try_free(&t.heap, all[i]), ALLOC_OK);
    /* f's arena went back once d's made room in arena 2; arena 2, made for 400 KiB,
     * stays as the spare while arena 0 (small in it) has no 400 KiB block. */
    assert_int_equal(stats().arenas, 2);
    assert_int_equal(t.heap.spare, 2);
    assert_int_equal(stats().mapped_bytes, frames_mapped());
    assert_int_equal(arena_heap_try_free(&t.heap, small), ALLOC_OK);
    assert_int_equal(t.heap.spare, 2); /* 256 KiB free in arena 0: still no room for it */
}

static void test_destroy_returns_every_frame(void **state)
{
    (void)state;
    machine_up(8 * MiB);
    uint64_t tables_before = t.space.table_pages;
    assert_int_equal(arena_heap_init_user(&t.heap, &t.space, range_start(), RANGE), VMM_OK);
    for (int i = 0; i < 40; i++)
        assert_non_null(arena_heap_alloc(&t.heap, 50 * KiB));
    assert_true(t.heap.count >= 3);
    arena_heap_destroy(&t.heap);
    assert_int_equal(t.heap.count, 0);
    assert_int_equal(frames_mapped(), 0);
    /* Every frame is back; only page tables the VMM keeps for the space remain. */
    assert_int_equal(t.pmm.stats.free_bytes + PAGE_SIZE * (t.space.table_pages - tables_before),
                     t.free_before);
}

int main(void)
{
#define TEST(fn) cmocka_unit_test_teardown(fn, machine_down)
    const struct CMUnitTest tests[] = {
        TEST(test_init_maps_the_first_arena),
        TEST(test_init_fails_cleanly_without_frames),
        TEST(test_grows_when_the_arena_is_full),
        TEST(test_a_large_request_gets_an_arena_that_fits),
        TEST(test_running_out_of_frames_returns_null_and_leaks_nothing),
        TEST(test_the_range_bounds_the_heap),
        TEST(test_frees_find_the_right_arena),
        TEST(test_bad_frees_are_named),
        TEST(test_kernel_style_frees_panic_with_the_mistake),
        TEST(test_realloc_moves_to_a_new_arena_keeping_the_bytes),
        TEST(test_calloc_zeroes_and_refuses_overflow),
        TEST(test_list_backend_grows_too),
        TEST(test_slab_backend_grows_and_frees_across_arenas),
        TEST(test_emptied_arena_is_given_back_buddy),
        TEST(test_emptied_arena_is_given_back_list),
        TEST(test_emptied_arena_is_given_back_slab),
        TEST(test_spare_waits_for_room_buddy),
        TEST(test_spare_waits_for_room_list),
        TEST(test_spare_waits_for_room_slab),
        TEST(test_a_given_back_slot_is_reused),
        TEST(test_destroy_returns_every_frame),
    };
#undef TEST
    return cmocka_run_group_tests_name("arena heap", tests, NULL, NULL);
}
