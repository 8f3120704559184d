/*
 * mm/pmm_index.c - the search tree over the free runs (see include/mm/pmm_index.h).
 *
 * Nodes are the run headers themselves, compared by their addresses through
 * the window (the window's offset is the same for every frame, so virtual
 * order is physical order). Every function recurses at most as deep as the
 * tree, which is O(log runs) with high probability.
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

/* Put n into the tree rooted at t (n is below t's key space or above: any place). */
static struct pmm_run *insert(struct pmm_run *t, struct pmm_run *n)
{
    if (t == NULL)
        return n;
    if ((uintptr_t)n < (uintptr_t)t) {
        t->left = insert(t->left, n);
        if (priority(t->left) > priority(t)) { /* rotate right: the child rises */
            struct pmm_run *l = t->left;
            t->left = l->right;
            l->right = t;
            return l;
        }
    } else {
        t->right = insert(t->right, n);
        if (priority(t->right) > priority(t)) { /* rotate left */
            struct pmm_run *r = t->right;
            t->right = r->left;
            r->left = t;
            return r;
        }
    }
    return t;
}

/* One tree from a and b, every node of a below every node of b. */
static struct pmm_run *join(struct pmm_run *a, struct pmm_run *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    if (priority(a) > priority(b)) {
        a->right = join(a->right, b);
        return a;
    }
    b->left = join(a, b->left);
    return b;
}

static struct pmm_run *remove(struct pmm_run *t, struct pmm_run *n)
{
    if (t == NULL)
        return NULL; /* not in the tree: nothing to take out */
    if (t == n)
        return join(t->left, t->right);
    if ((uintptr_t)n < (uintptr_t)t)
        t->left = remove(t->left, n);
    else
        t->right = remove(t->right, n);
    return t;
}

void pmm_index_insert(struct pmm *pmm, struct pmm_run *run)
{
    run->left = run->right = NULL;
    pmm->index = insert(pmm->index, run);
}

void pmm_index_remove(struct pmm *pmm, struct pmm_run *run)
{
    pmm->index = remove(pmm->index, run);
    run->left = run->right = NULL;
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

static uint64_t count(const struct pmm_run *t)
{
    return t ? 1 + count(t->left) + count(t->right) : 0;
}

uint64_t pmm_index_count(const struct pmm *pmm)
{
    return count(pmm->index);
}
