/*
 * mm/pmm_index.h - finding a free run by address, in O(log runs).
 *
 * When frames come back, the PMM must find the free runs right below and
 * right above them, to merge with them. Walking the address-ordered list to
 * get there costs O(runs) per free; this index is a search tree over the same
 * run headers (their parent, left and right fields), kept in address order, so
 * the walk becomes a descent of O(log runs) steps.
 *
 * The tree is a treap: a binary search tree by address that is also a heap by
 * a "priority" computed from each run's address with a hash. Because the
 * priorities look random, the tree is balanced with high probability whatever
 * order runs are added in, and no balance information is stored: the shape
 * follows from the addresses alone.
 *
 * Adding and taking out a run never searches: the list already says where a
 * run belongs (between prev and next), and the parent links let a run rise or
 * sink by rotations from there. A treap needs fewer than two rotations per
 * change on average, and none at all to take out the lowest run (it has no
 * left child), so allocating a frame stays O(1) even when it empties a run.
 */
#ifndef KILN_MM_PMM_INDEX_H
#define KILN_MM_PMM_INDEX_H

#include "mm/pmm.h"

/* Add run to the index. Its pages, prev and next must be set already, and
 * every other run on the list must be in the index: prev and next say where
 * run belongs. Expected O(1); O(1) amortised when runs arrive in address
 * order, as at start-up. */
void pmm_index_insert(struct pmm *pmm, struct pmm_run *run);

/* Take run out of the index. Expected O(1); O(1) for the lowest run. */
void pmm_index_remove(struct pmm *pmm, struct pmm_run *run);

/* The run with the highest address at or below p (through the window), or NULL.
 * O(log runs) expected. */
struct pmm_run *pmm_index_floor(const struct pmm *pmm, uint64_t p);

/*
 * Check the whole tree, for pmm_check and tests: every child's parent link
 * names its parent, left children lie below and right children above, no
 * child outranks its parent, the root has no parent. Sets *count to the
 * number of runs in the tree; returns NULL, or what is wrong. O(runs).
 */
const char *pmm_index_check(const struct pmm *pmm, uint64_t *count);

#endif
