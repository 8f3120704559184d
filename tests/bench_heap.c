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
 *   NAME     (with --trace-file NAME FILE) a trace from a file of "slot
 *            size" lines; ci/bench-heap records kiln's own kmalloc and kfree
 *            calls with heaptrace on the kernel command line; all timed
 *
 * Four allocators: slab (slab caches on the buddy), buddy, list and glibc.
 * Each works behind the same struct allocator (glibc too, through a small
 * adapter), and kiln's heaps get a fresh 1 GiB region for every run. Time is
 * clock_gettime(CLOCK_MONOTONIC) around the timed part, the minimum of
 * several runs in which the allocators take turns, divided by the operations
 * in it. Utilization is the peak of bytes requested over the peak of bytes
 * held (see utilization()).
 *
 *   bench_heap                                   every figure, one per line
 *   bench_heap --trace kmalloc --alloc buddy     only some of them (for profiling)
 *   bench_heap --pairs N --alloc buddy|list|glibc [--cold]
 *       only N allocate-then-free pairs of 64 bytes, inside
 *       heap_bench_alloc_free_pairs(), for
 *       valgrind --tool=callgrind --toggle-collect=heap_bench_alloc_free_pairs
 *       (ci/bench-heap). One 64-byte block is allocated first unless --cold.
 *   bench_heap --lookups N ORDER
 *       only N order lookups (buddy_block_size) of one block of that order,
 *       inside heap_bench_lookups(), for callgrind
 *   bench_heap --replay kmalloc --alloc slab
 *       only the timed part of one trace, inside heap_bench_replay(), for
 *       valgrind --tool=callgrind --toggle-collect=heap_bench_replay
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
#include "mm/slab.h"

#define REGION_SIZE ((size_t)1 << 30)
#define REPEATS 5
#define SLOW_RUN_NS 4000000000.0 /* stop repeating a run this slow */

/* ---- The three allocators ------------------------------------------------ */

enum kind { SLAB, BUDDY, LIST, GLIBC, KINDS };
static const char *const kind_names[KINDS] = {"slab", "buddy", "list", "glibc"};

static struct {
    void *region;
    uint8_t *meta;
    size_t meta_size;
    struct buddy buddy;
    struct list_heap list;
    uint64_t *slab_meta;
    size_t slab_meta_size;
    struct slab_heap slab;
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
    /* Chunks in use with their headers, in the arena and mmap'ed apart. */
    *st = (struct alloc_stats){.used_bytes = mi.uordblks + mi.hblkhd, .free_bytes = mi.fordblks};
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
    if (kind == SLAB) {
        if (slab_heap_init(&bench.slab, base, REGION_SIZE, bench.slab_meta, bench.slab_meta_size) !=
            ALLOC_OK) {
            fprintf(stderr, "bench_heap: slab_heap_init failed\n");
            exit(1);
        }
        return allocator_slab_heap(&bench.slab);
    }
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
    bench.slab_meta_size = slab_heap_metadata_size((uintptr_t)bench.region, REGION_SIZE);
    bench.slab_meta = malloc(bench.slab_meta_size);
    if (bench.meta == NULL || bench.slab_meta == NULL)
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

/* The time per timed operation of one run, in ns. */
static double time_run(enum kind kind, const struct trace *t)
{
    struct allocator a = heap_open(kind);
    replay(&a, t, 0, t->timed_from);
    double start = now_ns();
    replay(&a, t, t->timed_from, t->timed_to);
    double took = now_ns() - start;
    replay(&a, t, t->timed_to, t->n);
    return took / (double)(t->timed_to - t->timed_from);
}

/*
 * Utilization: the most bytes the trace has requested at once over the most
 * bytes the heap held at once: blocks in use with their rounding and headers
 * (glibc: its chunks in use), and for the slab heap every slab whole, free
 * objects and all. Sampled after every operation (the list heap, whose
 * statistics walk every block: every 256th, and at the trace's peak).
 */
static struct slab_stats slab_at_peak; /* the slab heap when it held the most */

static double utilization(enum kind kind, const struct trace *t)
{
    struct allocator a = heap_open(kind);
    struct alloc_stats st;
    allocator_stats(&a, &st);
    size_t base = st.used_bytes, peak = 0;
    size_t stride = kind == LIST ? 256 : 1;
    for (size_t i = 0; i < t->n; i++) {
        replay(&a, t, i, i + 1);
        if (i % stride == 0 || i + 1 == t->peak_at) {
            allocator_stats(&a, &st);
            if (st.used_bytes > base && st.used_bytes - base > peak) {
                peak = st.used_bytes - base;
                if (kind == SLAB)
                    slab_heap_stats(&bench.slab, &slab_at_peak);
            }
        }
    }
    return (double)t->peak_bytes / (double)peak;
}

static void line(const char *name, const char *value, const char *note)
{
    printf("%-44s %12s%s%s\n", name, value, note[0] ? "  " : "", note);
}

static const char *describe_name(const char *trace, const char *what)
{
    static char name[96];
    snprintf(name, sizeof(name), "heap.%s.%s", trace, what);
    return name;
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

/* --utilization: no timing; --timing: no utilization. ci/bench-heap measures
 * utilization in a fresh process per trace: glibc's in-use figure depends on
 * what its caches (tcache) still hold from earlier runs. */
static bool utilization_only, timing_only;

static bool kind_wanted(int k)
{
    return only_kind < 0 || k == only_kind;
}

/* Time (the minimum over REPEATS runs, the allocators taking turns) and
 * utilization of every allocator on trace t. */
static void run_trace(struct trace t, const char *time_goal, const char *use_goal)
{
    if (only_trace != NULL && strcmp(only_trace, t.name) != 0) {
        free(t.ops);
        return;
    }
    find_peak(&t);
    slot_ptrs = calloc(t.slots, sizeof(void *));
    double ns[KINDS] = {0};
    size_t failed[KINDS] = {0};
    bool done[KINDS] = {false};
    for (int r = 0; r < (utilization_only ? 0 : REPEATS); r++) {
        for (int k = 0; k < KINDS; k++) {
            if (!kind_wanted(k) || done[k])
                continue;
            failures = 0;
            double took = time_run((enum kind)k, &t);
            failed[k] = failures;
            if (r == 0 || took < ns[k])
                ns[k] = took;
            if (took * (double)(t.timed_to - t.timed_from) > SLOW_RUN_NS)
                done[k] = true; /* one run of the list heap's fill64 is enough */
        }
    }
    char what[64];
    for (int k = 0; k < KINDS; k++) {
        if (!kind_wanted(k) || utilization_only)
            continue;
        snprintf(what, sizeof(what), "ns_per_op.%s", kind_names[k]);
        figure(t.name, what, ns[k], 1, "");
        if (failed[k] != 0) {
            snprintf(what, sizeof(what), "failed_allocations.%s", kind_names[k]);
            figure(t.name, what, (double)failed[k], 0, "(the region ran out: figures are off)");
        }
    }
    if (only_kind < 0 && !utilization_only) {
        figure(t.name, "time_ratio.slab/glibc", ns[SLAB] / ns[GLIBC], 3, time_goal);
        figure(t.name, "time_ratio.buddy/glibc", ns[BUDDY] / ns[GLIBC], 3, "");
    }
    for (int k = 0; k < KINDS; k++) {
        if (!kind_wanted(k))
            continue;
        if (timing_only)
            continue;
        snprintf(what, sizeof(what), "utilization.%s", kind_names[k]);
        figure(t.name, what, utilization((enum kind)k, &t), 3, k == 0 ? use_goal : "");
        if (k == SLAB) {
            char text[96];
            snprintf(text, sizeof(text),
                     "(objects %zu B at class sizes, %zu slabs %zu B, large blocks %zu B)",
                     slab_at_peak.object_bytes, slab_at_peak.slabs, slab_at_peak.slab_bytes,
                     slab_at_peak.large_bytes);
            line(describe_name(t.name, "slab.at_peak"), "", text);
        }
    }
    free(slot_ptrs);
    free(t.ops);
}

/* A trace from a file: one operation per line, "slot size" (size 0: free). */
static struct trace trace_file(const char *name, const char *path)
{
    struct trace t = {.name = name};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    unsigned long slot, size;
    while (fscanf(f, "%lu %lu", &slot, &size) == 2) {
        push(&t, (uint32_t)slot, (uint32_t)size);
        if (slot + 1 > t.slots)
            t.slots = slot + 1;
    }
    fclose(f);
    t.timed_to = t.n;
    return t;
}

/* What callgrind counts for --replay (--toggle-collect=heap_bench_replay):
 * the timed operations of a trace, through struct allocator. */
__attribute__((noinline)) void heap_bench_replay(const struct allocator *a, const struct trace *t)
{
    replay(a, t, t->timed_from, t->timed_to);
}

static int run_replay(struct trace t, enum kind kind)
{
    slot_ptrs = calloc(t.slots, sizeof(void *));
    struct allocator a = heap_open(kind);
    replay(&a, &t, 0, t.timed_from);
    heap_bench_replay(&a, &t);
    replay(&a, &t, t.timed_to, t.n);
    printf("%zu operations of %s replayed with %s\n", t.timed_to - t.timed_from, t.name,
           kind_names[kind]);
    return 0;
}

/* ---- Alloc/free pairs, for instruction counts --------------------------- */

void *volatile bench_sink; /* keeps the compiler from dropping malloc/free pairs */

/* What callgrind counts (--toggle-collect): n pairs, direct calls, no adapter.
 * Besides the two calls, each pair costs the loop about 6 instructions. */
__attribute__((noinline)) void heap_bench_alloc_free_pairs(enum kind kind, size_t n)
{
    uint64_t *p;
    if (kind == SLAB) {
        for (size_t i = 0; i < n; i++) {
            bench_sink = p = slab_heap_alloc(&bench.slab, 64);
            *p = i;
            slab_heap_free(&bench.slab, p);
        }
    } else if (kind == BUDDY) {
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

/* What callgrind counts for --lookups (--toggle-collect=heap_bench_lookups):
 * n times the order lookup free() does first, through buddy_block_size. */
__attribute__((noinline)) size_t heap_bench_lookups(const void *p, size_t n)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += buddy_block_size(&bench.buddy, p);
    return sum;
}

static int run_lookups(size_t n, unsigned order)
{
    heap_open(BUDDY);
    void *p = buddy_alloc(&bench.buddy, BUDDY_BLOCK_BYTES(order));
    bench_sink = buddy_alloc(&bench.buddy, 32); /* a neighbour, as in a used heap */
    size_t sum = heap_bench_lookups(p, n);
    printf("%zu lookups of an order-%u block: %zu bytes each\n", n, order, sum / n);
    return 0;
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
    fprintf(stderr, "usage: bench_heap [--trace NAME] [--alloc slab|buddy|list|glibc]"
                    " [--trace-file NAME FILE]... [--utilization|--timing]\n"
                    "       bench_heap --pairs N --alloc slab|buddy|list|glibc [--cold]\n"
                    "       bench_heap --replay NAME --alloc KIND [--trace-file NAME FILE]...\n"
                    "       bench_heap --lookups N ORDER\n");
    return 2;
}

/* Traces recorded elsewhere: --trace-file NAME FILE (ci/bench-heap records kiln's own). */
#define MAX_TRACE_FILES 4
static struct {
    const char *name, *path;
} trace_files[MAX_TRACE_FILES];
static unsigned trace_file_count;

/* The trace called name (the seeded ones are made in order, from one seed,
 * so each is the same whichever is asked for); ops == NULL if unknown. */
static struct trace make_trace(const char *name)
{
    rng = 0x9E3779B97F4A7C15ULL;
    if (strcmp(name, "fill64") == 0)
        return trace_fill64();
    struct trace churn = trace_churn("churn", 10000, 20000, log_uniform_16_to_64k);
    if (strcmp(name, "churn") == 0)
        return churn;
    free(churn.ops);
    if (strcmp(name, "kmalloc") == 0)
        return trace_churn("kmalloc", 4096, 200000, kmalloc_like);
    for (unsigned i = 0; i < trace_file_count; i++)
        if (strcmp(name, trace_files[i].name) == 0)
            return trace_file(trace_files[i].name, trace_files[i].path);
    return (struct trace){.name = name};
}

int main(int argc, char **argv)
{
    size_t pairs = 0;
    int kind = -1;
    bool cold = false;
    const char *replay_name = NULL;
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
        } else if (strcmp(argv[i], "--replay") == 0 && i + 1 < argc) {
            replay_name = argv[++i];
        } else if (strcmp(argv[i], "--lookups") == 0 && i + 2 < argc) {
            size_t n = strtoull(argv[i + 1], NULL, 10);
            unsigned order = (unsigned)strtoul(argv[i + 2], NULL, 10);
            regions_create();
            return order <= 20 ? run_lookups(n, order) : usage();
        } else if (strcmp(argv[i], "--trace-file") == 0 && i + 2 < argc &&
                   trace_file_count < MAX_TRACE_FILES) {
            trace_files[trace_file_count].name = argv[i + 1];
            trace_files[trace_file_count++].path = argv[i + 2];
            i += 2;
        } else if (strcmp(argv[i], "--cold") == 0) {
            cold = true;
        } else if (strcmp(argv[i], "--utilization") == 0) {
            utilization_only = true;
        } else if (strcmp(argv[i], "--timing") == 0) {
            timing_only = true;
        } else {
            return usage();
        }
    }
    /* glibc's default mmap threshold, but fixed: otherwise freeing one large
     * mmap'ed block (a trace's array) raises it, and later arrays land in the
     * arena beside the trace's blocks. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    regions_create();
    if (pairs > 0) {
        if (kind < 0)
            return usage();
        return run_pairs(pairs, (enum kind)kind, cold);
    }
    if (replay_name != NULL) {
        struct trace t = make_trace(replay_name);
        if (kind < 0 || t.ops == NULL)
            return usage();
        return run_replay(t, (enum kind)kind);
    }
    only_kind = kind;

    printf("# ns_per_op: the minimum of %d runs, the allocators taking turns; time_ratio < 1: "
           "faster than glibc; utilization: peak bytes requested / peak bytes held\n",
           REPEATS);
    const char *time_goal = "(slab+buddy / glibc time)";
    run_trace(make_trace("fill64"), time_goal, "");
    run_trace(make_trace("churn"), time_goal, "");
    run_trace(make_trace("kmalloc"), time_goal, "(goal: slab at least glibc's)");
    for (unsigned i = 0; i < trace_file_count; i++)
        run_trace(make_trace(trace_files[i].name), time_goal, "");
    return 0;
}
