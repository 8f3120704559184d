/*
 * mm/pmm_index.h - finding a free run by address, in O(log runs).
 *
 * When frames come back, the PMM must find the free runs right below and
 * right above them, to merge with them. Walking the address-ordered list to
 * get there costs O(runs) per free; this index is a search tree over the same
 * run headers (their left and right fields), kept in address order, so the
 * walk becomes a descent of O(log runs) steps.
 *
 * The tree is a treap: a binary search tree by address that is also a heap by
 * a "priority" computed from each run's address with a multiplicative hash.
 * Because the priorities look random, the tree is balanced with high
 * probability whatever order runs are added in, and no balance information is
 * stored: the shape follows from the addresses alone.
 */
#ifndef KILN_MM_PMM_INDEX_H
#define KILN_MM_PMM_INDEX_H

#include "mm/pmm.h"

/* Add run (its pages and list links already set) to the index. */
void pmm_index_insert(struct pmm *pmm, struct pmm_run *run);

/* Take run out of the index. */
void pmm_index_remove(struct pmm *pmm, struct pmm_run *run);

/* How many runs the tree holds (a check for tests: it must be stats.free_runs). */
uint64_t pmm_index_count(const struct pmm *pmm);

/* The run with the highest address at or below p (through the window), or NULL. */
struct pmm_run *pmm_index_floor(const struct pmm *pmm, uint64_t p);

#endif
