/*
 * mm/pmm_index.c - the search tree over the free runs (see include/mm/pmm_index.h).
 *
 * Nodes are the run headers themselves, compared by their addresses through
 * the window (the window's offset is the same for every frame, so virtual
 * order is physical order). Each node also has a priority, computed from its
 * address; a parent never has a lower priority than its children.
 *
 * Changing the tree never starts at the root. A new run is hung where the
 * list says it belongs, as a leaf beside its list neighbour, and rotated up
 * while it outranks its parent. A run that leaves is rotated down until it
 * has at most one child, then its child takes its place. One rotation turns
 * an edge around and keeps the address order:
 *
 *          p                 n
 *         / \               / \
 *        n   c    <-->     a   p
 *       / \                   / \
 *      a   b                 b   c
 *
 * Only the search (pmm_index_floor) walks down from the root.
 */
#include "mm/pmm_index.h"

#include <stdint.h>

/* A run's priority: its frame number run through the splitmix64 finaliser, a
 * mix in which every input bit changes about half the output bits, so runs
 * spaced evenly (every 144 frames, say) still get unrelated priorities and
 * the tree stays O(log runs) deep. */
static uint64_t priority(const struct pmm_run *run)
{
    uint64_t x = (uint64_t)(uintptr_t)run >> 12;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* Put n where old was under parent (at the root when parent is NULL). */
static void replace_child(struct pmm *pmm, struct pmm_run *parent, struct pmm_run *old,
                          struct pmm_run *n)
{
    if (parent == NULL)
        pmm->index = n;
    else if (parent->left == old)
        parent->left = n;
    else
        parent->right = n;
    if (n)
        n->parent = parent;
}

/* Rotate n above its parent p (the picture at the top of the file). */
static void rotate_up(struct pmm *pmm, struct pmm_run *n)
{
    struct pmm_run *p = n->parent;
    replace_child(pmm, p->parent, p, n);
    if (p->left == n) { /* n was the left child: p becomes its right child */
        p->left = n->right;
        if (p->left)
            p->left->parent = p;
        n->right = p;
    } else {
        p->right = n->left;
        if (p->right)
            p->right->parent = p;
        n->left = p;
    }
    p->parent = n;
}

void pmm_index_insert(struct pmm *pmm, struct pmm_run *run)
{
    struct pmm_run *below = run->prev, *above = run->next;
    run->left = run->right = NULL;
    /*
     * In a search tree, the run just below has no right child, or else the
     * run just above lies in that right subtree as its lowest node and so has
     * no left child. Either free place is where run belongs.
     */
    if (below && below->right == NULL) {
        below->right = run;
        run->parent = below;
    } else if (above) {
        above->left = run;
        run->parent = above;
    } else {
        run->parent = NULL; /* the only run */
        pmm->index = run;
    }
    uint64_t rank = priority(run);
    while (run->parent && rank > priority(run->parent))
        rotate_up(pmm, run);
}

void pmm_index_remove(struct pmm *pmm, struct pmm_run *run)
{
    /* Sink below the child that must rise, until one side is empty. The
     * lowest run has no left child, so it never sinks. */
    while (run->left && run->right)
        rotate_up(pmm, priority(run->left) > priority(run->right) ? run->left : run->right);
    replace_child(pmm, run->parent, run, run->left ? run->left : run->right);
    run->parent = run->left = run->right = NULL;
}

struct pmm_run *pmm_index_floor(const struct pmm *pmm, uint64_t p)
{
    const struct pmm_run *key = phys_window_ptr(&pmm->window, paddr(p));
    struct pmm_run *best = NULL;
    for (struct pmm_run *t = pmm->index; t != NULL;) {
        if ((uintptr_t)t <= (uintptr_t)key) {
            best = t;
            t = t->right;
        } else {
            t = t->left;
        }
    }
    return best;
}

/* Check the subtree at t, whose nodes must lie in (low, high), and count it. */
static const char *check(const struct pmm_run *t, uintptr_t low, uintptr_t high, uint64_t *count)
{
    if (t == NULL)
        return NULL;
    if ((uintptr_t)t <= low || (uintptr_t)t >= high)
        return "a run is on the wrong side of a search-tree node";
    const struct pmm_run *child[2] = {t->left, t->right};
    for (int i = 0; i < 2; i++) {
        if (child[i] && child[i]->parent != t)
            return "a search-tree child's parent link does not name its parent";
        if (child[i] && priority(child[i]) > priority(t))
            return "a search-tree child outranks its parent";
    }
    ++*count;
    const char *err = check(t->left, low, (uintptr_t)t, count);
    return err ? err : check(t->right, (uintptr_t)t, high, count);
}

const char *pmm_index_check(const struct pmm *pmm, uint64_t *count)
{
    *count = 0;
    if (pmm->index && pmm->index->parent != NULL)
        return "the search tree's root has a parent";
    return check(pmm->index, 0, UINTPTR_MAX, count);
}
