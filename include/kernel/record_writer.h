/*
 * kernel/record_writer.h - the kernel's state as data: JSON records, one per line.
 *
 * The boot report, walk= and the monitor print pictures for people. Records
 * say the same things for programs: each is one line of JSON (one object,
 * ASCII only, at most RECORD_LINE_MAX bytes) that the kernel prints after the
 * prefix RECORD_PREFIX, so a script picks them out of the serial output and
 * ci/boot and the grader skip them. ci/picture draws them; docs/records.md
 * lists every kind and field. Every record has "v" (RECORD_VERSION) and
 * "kind". Addresses are strings of hexadecimal ("0xffff800000000000"): a
 * JSON number cannot hold every 64-bit value exactly. Counts and sizes are
 * numbers.
 *
 * Pure C over the layers' own structures (no kprintf, no globals), so the
 * host tests (tests/test_records.c) check exactly what the kernel prints.
 * The kernel's side - what to emit when, over the serial port - is in
 * src/kernel/records.c.
 */
#ifndef KILN_KERNEL_RECORD_WRITER_H
#define KILN_KERNEL_RECORD_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "lib/text.h"
#include "mm/arena_heap.h"
#include "mm/buddy.h"
#include "mm/list_heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define RECORD_VERSION 1
#define RECORD_PREFIX "@kiln-record "
#define RECORD_LINE_MAX 640 /* bytes of JSON in one record, without prefix and newline */
#define RECORD_DEPTH 4      /* objects and arrays nested inside the record */

/* Where finished records go: called once per record with its JSON (no newline). */
typedef void (*record_emit_fn)(void *ctx, const char *json);

struct record_sink {
    record_emit_fn emit;
    void *ctx;
    uint64_t records; /* emitted so far, "cut" records included */
    uint64_t cut;     /* records that did not fit in RECORD_LINE_MAX */
};

/* One record being built. */
struct record {
    struct text t;
    const char *kind;
    int depth;                     /* open objects and arrays, the record itself included */
    bool first[RECORD_DEPTH + 1];  /* nothing written yet at that depth: no comma needed */
    char close[RECORD_DEPTH + 1];  /* '}' or ']' for each open level */
    bool broken;                   /* nested too deep, or closed too often */
    char buf[RECORD_LINE_MAX + 1]; /* + the NUL */
};

/* Start a record {"v":1,"kind":KIND. kind must be a constant string. */
void record_start(struct record *r, const char *kind);
void record_str(struct record *r, const char *key, const char *value);
void record_u64(struct record *r, const char *key, uint64_t value);
void record_hex(struct record *r, const char *key, uint64_t value);
void record_bool(struct record *r, const char *key, bool value);
/* "key":[ or "key":{ ; key NULL inside an array. record_close ends the innermost. */
void record_open(struct record *r, const char *key, char bracket);
void record_close(struct record *r);
/* Finish the record and hand it to the sink. A record that would be longer
 * than RECORD_LINE_MAX, or whose nesting went wrong, is not emitted: a short
 * record {"v":1,"kind":"cut","of":KIND,"length":N} says so instead. Returns
 * whether the record itself was emitted. */
bool record_emit(struct record *r, struct record_sink *sink);

/* Write s as a JSON string (quotes included): ", \ and control characters
 * escaped, bytes above 0x7e as \u00XX, so the output is printable ASCII. */
void record_json_string(struct text *t, const char *s);

/* ---- the layers' records ------------------------------------------------- */

/* "memmap" records: the bootloader's map, in its order. */
void records_memmap(struct record_sink *s, const struct mem_region *map, size_t count);
/* "withheld" records: ranges kept from the PMM, with what each is. */
void records_withheld(struct record_sink *s, const struct pmm_range *ranges,
                      const char *const *what, size_t count);
/* One "free_run" record. */
void record_free_run(struct record_sink *s, uint64_t base, uint64_t pages);
/* The "pmm" record: its totals. */
void record_pmm(struct record_sink *s, const struct pmm_stats *st, uint64_t limit);

/*
 * The page-table tree of a space: one "space" record, then for every table
 * reached a "table" record and its "entries" records (a run of present
 * entries that are alike: consecutive leaves with the same size and
 * permission bits, or one entry pointing to a next table). With user_only,
 * only the lower half is followed (a process's space shares the kernel's
 * upper half: its PML4 entries there are recorded, not followed). Returns
 * the number of tables recorded.
 */
uint64_t records_space(struct record_sink *s, const char *name, const struct address_space *as,
                       bool user_only);
/* One "walk" record: the entries the translation of va reads, and the result;
 * `what` says what lives at va ("kernel .text"), or NULL. */
void record_walk(struct record_sink *s, const char *name, const struct address_space *as,
                 uint64_t va, const char *what);

/* One "region" record: [start, end) of a space, what it is for and its rights
 * ("r-x", "rw-"), and how it is backed ("immediate"). */
void record_region(struct record_sink *s, const char *space, uint64_t start, uint64_t end,
                   const char *purpose, const char *perm, const char *policy);

/* A "heap" record, then per arena an "arena" record and its "block" records. */
void records_arena_heap(struct record_sink *s, const char *name, const struct arena_heap *h,
                        const char *label);
/* The arena and block records of one buddy or list heap, as arena number `arena` of `name`. */
void records_buddy(struct record_sink *s, const char *name, unsigned arena, const struct buddy *b);
void records_list_heap(struct record_sink *s, const char *name, unsigned arena,
                       const struct list_heap *l);

/*
 * The buddy allocator at work: a private buddy over `region` (size bytes,
 * 32-byte aligned, a power of two from 512 bytes; metadata as buddy_init
 * wants), recorded as a "heap" named "buddy-demo/N" with its blocks after
 * each step N of a fixed sequence of allocations and frees (step 0: empty).
 * Returns the number of steps recorded, 0 if the buddy could not be set up.
 */
unsigned records_buddy_demo(struct record_sink *s, void *region, size_t size, void *metadata,
                            size_t metadata_size);

#endif
