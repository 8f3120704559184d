/*
 * tests/bench_heap.c - the buddy heap, the list heap and glibc malloc, timed
 * on the same allocation traces.
 *
 * A trace is a list of operations made up in advance from a seeded random
 * generator ("allocate n bytes into slot s", "free slot s"), so every
 * allocator replays exactly the same requests:
 *
 *   fill64   allocate 100,000 blocks of 64 bytes, then free them in order
 *   churn    10,000 live blocks of 16 B to 64 KiB (log-uniform: each power of
 *            two equally likely); timed: 20,000 times free one at random and
 *            allocate a new one in its place
 *   kmalloc  4,096 live blocks of 16-512 bytes, most of them small (35% up
 *            to 32 B, 30% to 64, 20% to 128, 10% to 256, 5% to 512); timed:
 *            200,000 free-and-allocate steps
 *
 * Each allocator works behind the same struct allocator (glibc too, through a
 * small adapter), and the buddy and list heaps get a fresh 1 GiB region for
 * every run. Time is clock_gettime(CLOCK_MONOTONIC) around the timed part,
 * best of several runs, divided by the operations in it. Space is what the
 * heap has set aside (blocks with their rounding and headers; glibc's
 * mallinfo2 in-use bytes) over the bytes requested, at the moment the trace
 * has the most bytes requested.
 *
 *   bench_heap                                   every figure, one per line
 *   bench_heap --trace kmalloc --alloc buddy     only some of them (for profiling)
 *   bench_heap --pairs N --alloc buddy|list|glibc [--cold]
 *       only N allocate-then-free pairs of 64 bytes, inside
 *       heap_bench_alloc_free_pairs(), for
 *       valgrind --tool=callgrind --toggle-collect=heap_bench_alloc_free_pairs
 *       (ci/bench-heap). One 64-byte block is allocated first unless --cold.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mm/allocator.h"
#include "mm/buddy.h"
#include "mm/list_heap.h"

#define REGION_SIZE ((size_t)1 << 30)
#define REPEATS 5
#define SLOW_RUN_NS 4000000000.0 /* stop repeating a run this slow */

/* ---- The three allocators ------------------------------------------------ */

enum kind { BUDDY, LIST, GLIBC, KINDS };
static const char *const kind_names[KINDS] = {"buddy", "list", "glibc"};

static struct {
    void *region;
    uint8_t *meta;
    size_t meta_size;
    struct buddy buddy;
    struct list_heap list;
} bench;

static void *glibc_alloc(void *heap, size_t size)
{
    (void)heap;
    return malloc(size);
}

static int glibc_free(void *heap, void *p)
{
    (void)heap;
    free(p);
    return ALLOC_OK;
}

static void *glibc_calloc(void *heap, size_t n, size_t size)
{
    (void)heap;
    return calloc(n, size);
}

static void *glibc_realloc(void *heap, void *p, size_t size)
{
    (void)heap;
    return realloc(p, size);
}

static size_t glibc_block_size(const void *heap, const void *p)
{
    (void)heap;
    return malloc_usable_size((void *)p);
}

static void glibc_stats(const void *heap, struct alloc_stats *st)
{
    (void)heap;
    struct mallinfo2 mi = mallinfo2();
    *st = (struct alloc_stats){.used_bytes = mi.uordblks, .free_bytes = mi.fordblks};
}

static size_t glibc_picture(const void *heap, char *buf, size_t size)
{
    (void)heap;
    return (size_t)snprintf(buf, size, "glibc malloc\n");
}

static int glibc_last_error(const void *heap)
{
    (void)heap;
    return ALLOC_OK;
}

static const struct allocator_ops glibc_ops = {
    "glibc",          glibc_alloc, glibc_free,    glibc_calloc,     glibc_realloc,
    glibc_block_size, glibc_stats, glibc_picture, glibc_last_error,
};

/* A fresh heap of the given kind (glibc's is whatever malloc has now). */
static struct allocator heap_open(enum kind kind)
{
    uintptr_t base = (uintptr_t)bench.region;
    if (kind == BUDDY) {
        if (buddy_init(&bench.buddy, base, REGION_SIZE, bench.meta, bench.meta_size) != ALLOC_OK) {
            fprintf(stderr, "bench_heap: buddy_init failed\n");
            exit(1);
        }
        return allocator_buddy(&bench.buddy);
    }
    if (kind == LIST) {
        if (list_heap_init(&bench.list, base, REGION_SIZE) != ALLOC_OK) {
            fprintf(stderr, "bench_heap: list_heap_init failed\n");
            exit(1);
        }
        return allocator_list_heap(&bench.list);
    }
    return (struct allocator){&glibc_ops, NULL};
}

static void regions_create(void)
{
    bench.region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (bench.region == MAP_FAILED) {
        perror("bench_heap: mmap");
        exit(1);
    }
    bench.meta_size = buddy_metadata_size((uintptr_t)bench.region, REGION_SIZE);
    bench.meta = malloc(bench.meta_size);
    if (bench.meta == NULL)
        exit(1);
}

/* ---- Traces ------------------------------------------------------------ */

struct op {
    uint32_t slot;
    uint32_t size; /* 0: free the slot */
};

struct trace {
    const char *name;
    struct op *ops;
    size_t n, cap;
    size_t slots;
    size_t timed_from, timed_to; /* the operations that are timed */
    size_t peak_at;              /* the operation after which the most bytes are requested */
    size_t peak_bytes;
};

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12; /* xorshift64* */
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static void push(struct trace *t, uint32_t slot, uint32_t size)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->ops = realloc(t->ops, t->cap * sizeof(*t->ops));
        if (t->ops == NULL)
            exit(1);
    }
    t->ops[t->n++] = (struct op){slot, size};
}

/* Find the peak of requested bytes (sizes are remembered per slot). */
static void find_peak(struct trace *t)
{
    size_t *live = calloc(t->slots, sizeof(size_t)), now = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct op o = t->ops[i];
        now -= live[o.slot];
        live[o.slot] = o.size;
        now += o.size;
        if (now > t->peak_bytes) {
            t->peak_bytes = now;
            t->peak_at = i + 1;
        }
    }
    free(live);
}

static struct trace trace_fill64(void)
{
    struct trace t = {.name = "fill64", .slots = 100000};
    for (uint32_t s = 0; s < t.slots; s++)
        push(&t, s, 64);
    for (uint32_t s = 0; s < t.slots; s++)
        push(&t, s, 0);
    t.timed_to = t.n;
    return t;
}

/* Fill every slot with size(), free-and-allocate `steps` times, free all. */
static struct trace trace_churn(const char *name, size_t slots, size_t steps,
                                uint32_t (*size)(void))
{
    struct trace t = {.name = name, .slots = slots};
    for (uint32_t s = 0; s < slots; s++)
        push(&t, s, size());
    t.timed_from = t.n;
    for (size_t i = 0; i < steps; i++) {
        uint32_t s = (uint32_t)(rnd() % slots);
        push(&t, s, 0);
        push(&t, s, size());
    }
    t.timed_to = t.n;
    for (uint32_t s = 0; s < slots; s++)
        push(&t, s, 0);
    return t;
}

static uint32_t log_uniform_16_to_64k(void)
{
    uint32_t low = 16u << (rnd() % 12); /* 16, 32, ... 32 KiB */
    return low + (uint32_t)(rnd() % low);
}

static uint32_t kmalloc_like(void)
{
    uint64_t r = rnd() % 100;
    uint32_t low = r < 35 ? 16 : r < 65 ? 33 : r < 85 ? 65 : r < 95 ? 129 : 257;
    return low + (uint32_t)(rnd() % (low < 32 ? 17 : low - 1));
}

/* ---- Replaying --------------------------------------------------------- */

static void **slot_ptrs;
static size_t failures;

static void replay(const struct allocator *a, const struct trace *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        struct op o = t->ops[i];
        if (o.size == 0) {
            allocator_free(a, slot_ptrs[o.slot]);
            slot_ptrs[o.slot] = NULL;
            continue;
        }
        uint64_t *p = allocator_alloc(a, o.size);
        if (p == NULL)
            failures++;
        else
            *p = i; /* the memory is used, as a real program would */
        slot_ptrs[o.slot] = p;
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best time per timed operation over a few runs, in ns. */
static double time_trace(enum kind kind, const struct trace *t)
{
    double best = 0;
    for (int r = 0; r < REPEATS; r++) {
        struct allocator a = heap_open(kind);
        replay(&a, t, 0, t->timed_from);
        double start = now_ns();
        replay(&a, t, t->timed_from, t->timed_to);
        double took = now_ns() - start;
        replay(&a, t, t->timed_to, t->n);
        if (r == 0 || took < best)
            best = took;
        if (took > SLOW_RUN_NS)
            break;
    }
    return best / (double)(t->timed_to - t->timed_from);
}

/* Bytes set aside over bytes requested, when the most bytes are requested. */
static double space_at_peak(enum kind kind, const struct trace *t)
{
    struct allocator a = heap_open(kind);
    struct alloc_stats before, at_peak;
    allocator_stats(&a, &before);
    replay(&a, t, 0, t->peak_at);
    allocator_stats(&a, &at_peak);
    replay(&a, t, t->peak_at, t->n);
    return (double)(at_peak.used_bytes - before.used_bytes) / (double)t->peak_bytes;
}

static void line(const char *name, const char *value, const char *note)
{
    printf("%-44s %12s%s%s\n", name, value, note[0] ? "  " : "", note);
}

static void figure(const char *trace, const char *what, double value, int decimals,
                   const char *note)
{
    char name[96], text[32];
    snprintf(name, sizeof(name), "heap.%s.%s", trace, what);
    snprintf(text, sizeof(text), "%.*f", decimals, value);
    line(name, text, note);
}

/* --trace and --alloc pick what runs; by default everything does. */
static const char *only_trace;
static int only_kind = -1;

static void run_trace(struct trace t, const char *list_goal, const char *glibc_goal)
{
    if (only_trace != NULL && strcmp(only_trace, t.name) != 0) {
        free(t.ops);
        return;
    }
    find_peak(&t);
    slot_ptrs = calloc(t.slots, sizeof(void *));
    double ns[KINDS];
    for (int k = 0; k < KINDS; k++) {
        if (only_kind >= 0 && k != only_kind)
            continue;
        failures = 0;
        ns[k] = time_trace((enum kind)k, &t);
        char what[64];
        snprintf(what, sizeof(what), "ns_per_op.%s", kind_names[k]);
        figure(t.name, what, ns[k], 1, "");
        if (failures != 0) {
            snprintf(what, sizeof(what), "failed_allocations.%s", kind_names[k]);
            figure(t.name, what, (double)failures, 0, "(the region ran out: figures are off)");
        }
    }
    if (only_kind < 0) {
        figure(t.name, "time_ratio.buddy/list", ns[BUDDY] / ns[LIST], 5, list_goal);
        figure(t.name, "time_ratio.buddy/glibc", ns[BUDDY] / ns[GLIBC], 3, glibc_goal);
    }
    for (int k = 0; k < KINDS; k++) {
        if (only_kind >= 0 && k != only_kind)
            continue;
        char what[64];
        snprintf(what, sizeof(what), "space.%s", kind_names[k]);
        figure(t.name, what, space_at_peak((enum kind)k, &t), 3,
               k == 0 ? "(bytes set aside / bytes requested, at the peak)" : "");
    }
    free(slot_ptrs);
    free(t.ops);
}

/* ---- Alloc/free pairs, for instruction counts --------------------------- */

void *volatile bench_sink; /* keeps the compiler from dropping malloc/free pairs */

/* What callgrind counts (--toggle-collect): n pairs, direct calls, no adapter.
 * Besides the two calls, each pair costs the loop about 6 instructions. */
__attribute__((noinline)) void heap_bench_alloc_free_pairs(enum kind kind, size_t n)
{
    uint64_t *p;
    if (kind == BUDDY) {
        for (size_t i = 0; i < n; i++) {
            bench_sink = p = buddy_alloc(&bench.buddy, 64);
            *p = i;
            buddy_free(&bench.buddy, p);
        }
    } else if (kind == LIST) {
        for (size_t i = 0; i < n; i++) {
            bench_sink = p = list_heap_alloc(&bench.list, 64);
            *p = i;
            list_heap_free(&bench.list, p);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            bench_sink = p = malloc(64);
            *p = i;
            free(p);
        }
    }
}

static int run_pairs(size_t n, enum kind kind, bool cold)
{
    struct allocator a = heap_open(kind);
    if (!cold)
        bench_sink = allocator_alloc(&a, 64); /* a neighbour that stays */
    double start = now_ns();
    heap_bench_alloc_free_pairs(kind, n);
    double took = now_ns() - start;
    printf("%zu alloc/free pairs of 64 B with %s (%s heap): %.1f ns per pair\n", n,
           kind_names[kind], cold ? "fresh" : "warm", took / (double)n);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_heap [--trace fill64|churn|kmalloc] [--alloc buddy|list|glibc]\n"
                    "       bench_heap --pairs N --alloc buddy|list|glibc [--cold]\n");
    return 2;
}

int main(int argc, char **argv)
{
    size_t pairs = 0;
    int kind = -1;
    bool cold = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc) {
            pairs = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--alloc") == 0 && i + 1 < argc) {
            i++;
            for (int k = 0; k < KINDS; k++)
                if (strcmp(argv[i], kind_names[k]) == 0)
                    kind = k;
            if (kind < 0)
                return usage();
        } else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
            only_trace = argv[++i];
        } else if (strcmp(argv[i], "--cold") == 0) {
            cold = true;
        } else {
            return usage();
        }
    }
    regions_create();
    if (pairs > 0) {
        if (kind < 0)
            return usage();
        return run_pairs(pairs, (enum kind)kind, cold);
    }
    only_kind = kind;

    printf("# ns_per_op: best of %d runs; time_ratio < 1: buddy is faster; space: bytes set aside "
           "/ bytes requested at the peak\n",
           REPEATS);
    rng = 0x9E3779B97F4A7C15ULL;
    run_trace(trace_fill64(), "", "(goal <= 2: within 2x of glibc)");
    run_trace(trace_churn("churn", 10000, 20000, log_uniform_16_to_64k),
              "(goal <= 0.1: buddy at least 10x faster than list)", "");
    run_trace(trace_churn("kmalloc", 4096, 200000, kmalloc_like), "",
              "(goal <= 2: within 2x of glibc)");
    return 0;
}
