/*
 * tests/test_pmm_index.c - host tests of the search tree over the free runs.
 *
 * src/mm/pmm_index.c is compiled unchanged. The runs are headers at the start
 * of the pages of a buffer standing in for RAM; the test keeps which pages
 * hold a run, and gives each new run its list neighbours (prev, next) as the
 * PMM's new_run does. The tree must stay a search tree and a heap with right
 * parent links (pmm_index_check), answer every floor query as a look along
 * the pages does, and do its work where the interface promises: taking out
 * the lowest run changes at most two other headers, runs added in address
 * order cost O(1) each on the whole, and any change costs O(1) on average.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/layout.h"
#include "mm/pmm_index.h"

#define PAGES 512
#define ORIGIN (1ULL << 32) /* the buffer's physical address: above 4 GiB */

static uint8_t ram[PAGES * PAGE_SIZE] __attribute__((aligned(4096)));
static bool present[PAGES];
static size_t present_count;
static struct pmm pmm;

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct pmm_run *run_at(size_t page)
{
    return (struct pmm_run *)(ram + page * PAGE_SIZE);
}

static void reset(void)
{
    memset(&pmm, 0, sizeof(pmm));
    pmm.window.offset = (uint64_t)(uintptr_t)ram - ORIGIN;
    memset(present, 0, sizeof(present));
    present_count = 0;
    memset(ram, 0xCC, sizeof(ram)); /* headers start as garbage, as free memory does */
}

/* The run below page (NULL if none) and the one above: what the list would say. */
static struct pmm_run *neighbour(size_t page, int step)
{
    for (long p = (long)page + step; p >= 0 && p < PAGES; p += step)
        if (present[p])
            return run_at((size_t)p);
    return NULL;
}

static void add(size_t page)
{
    struct pmm_run *run = run_at(page);
    run->pages = 1;
    run->prev = neighbour(page, -1);
    run->next = neighbour(page, +1);
    pmm_index_insert(&pmm, run);
    present[page] = true;
    present_count++;
}

static void take(size_t page)
{
    pmm_index_remove(&pmm, run_at(page));
    present[page] = false;
    present_count--;
}

static void assert_tree_sound(const char *after)
{
    uint64_t count = 0;
    const char *err = pmm_index_check(&pmm, &count);
    if (err)
        fail_msg("after %s: pmm_index_check says: %s", after, err);
    if (count != present_count)
        fail_msg("after %s: the tree holds %llu runs, the test added %zu", after,
                 (unsigned long long)count, present_count);
}

/* ---- How much of the tree a change touched ------------------------------- */

struct links {
    struct pmm_run *parent, *left, *right;
};
static struct links saved[PAGES];

static void save_links(void)
{
    for (size_t p = 0; p < PAGES; p++)
        if (present[p])
            saved[p] = (struct links){run_at(p)->parent, run_at(p)->left, run_at(p)->right};
}

/* How many runs (other than except) that were in the tree before have other tree links now. */
static size_t changed_since_save(size_t except)
{
    size_t changed = 0;
    for (size_t p = 0; p < PAGES; p++) {
        if (!present[p] || p == except)
            continue;
        const struct pmm_run *r = run_at(p);
        if (r->parent != saved[p].parent || r->left != saved[p].left || r->right != saved[p].right)
            changed++;
    }
    return changed;
}

static size_t depth_below(const struct pmm_run *t)
{
    if (t == NULL)
        return 0;
    size_t l = depth_below(t->left), r = depth_below(t->right);
    return 1 + (l > r ? l : r);
}

/* ---- Tests ---------------------------------------------------------------- */

/* 60,000 random additions and removals; floor answers checked against the pages. */
static void test_random_changes_keep_a_sound_tree(void **state)
{
    (void)state;
    reset();
    uint64_t changed = 0, ops = 0;
    for (unsigned i = 0; i < 60000; i++) {
        size_t page = next_random() % PAGES;
        save_links();
        if (present[page]) {
            take(page);
            changed += changed_since_save(page);
        } else {
            add(page);
            changed += changed_since_save(page);
        }
        ops++;
        if (i % 1000 == 0)
            assert_tree_sound("a random change");
        uint64_t probe = next_random() % (PAGES * PAGE_SIZE + 2 * PAGE_SIZE);
        const struct pmm_run *want = NULL;
        for (long p = (long)(probe / PAGE_SIZE < PAGES ? probe / PAGE_SIZE : PAGES - 1); p >= 0;
             p--)
            if (present[p]) {
                want = run_at((size_t)p);
                break;
            }
        const struct pmm_run *got = pmm_index_floor(&pmm, ORIGIN + probe);
        if (got != want)
            fail_msg("floor(%#llx) is the run at page %ld, the pages say %ld",
                     (unsigned long long)(ORIGIN + probe),
                     got ? (long)(((const uint8_t *)got - ram) / PAGE_SIZE) : -1L,
                     want ? (long)(((const uint8_t *)want - ram) / PAGE_SIZE) : -1L);
    }
    assert_tree_sound("60,000 random changes");
    /* A rotation changes three or four headers; a treap needs fewer than two
     * rotations per change on average, so this stays a small constant
     * however many runs there are (about 256 here). */
    double average = (double)changed / (double)ops;
    if (average > 6.0)
        fail_msg("a change rewrote the tree links of %.2f other runs on average (expected "
                 "at most 6: O(1) expected work)",
                 average);
}

/* Allocating one frame may empty the lowest run; taking it out must not
 * search or rebalance: at most its parent and its right child change. */
static void test_taking_out_the_lowest_run_is_constant_work(void **state)
{
    (void)state;
    for (unsigned trial = 0; trial < 200; trial++) {
        reset();
        for (size_t p = 0; p < PAGES; p++)
            if (next_random() % 3 == 0)
                add(p);
        while (present_count > 0) {
            size_t lowest = 0;
            while (!present[lowest])
                lowest++;
            save_links();
            take(lowest);
            size_t changed = changed_since_save(lowest);
            if (changed > 2)
                fail_msg("taking out the lowest run (page %zu) rewrote %zu other runs' tree "
                         "links (expected at most 2: its parent and its right child)",
                         lowest, changed);
        }
        assert_null(pmm.index);
    }
}

/* Start-up adds runs lowest first. Each is hung below the last one and rises
 * by rotations; a run rotated off the right edge of the tree never comes back
 * to it, so all the additions together cost O(runs). Evenly spaced runs once
 * made a weaker hash build a tree hundreds of levels deep: the depth is
 * checked too. */
static void test_runs_in_address_order_cost_constant_each(void **state)
{
    (void)state;
    const size_t spacings[] = {1, 2, 3, 4};
    for (size_t s = 0; s < sizeof(spacings) / sizeof(spacings[0]); s++) {
        reset();
        uint64_t changed = 0;
        size_t runs = 0;
        for (size_t p = 0; p < PAGES; p += spacings[s]) {
            save_links();
            add(p);
            changed += changed_since_save(p);
            runs++;
        }
        assert_tree_sound("adding runs in address order");
        if (changed > 3 * runs)
            fail_msg("adding %zu runs %zu page(s) apart in address order rewrote %llu runs' tree "
                     "links (expected at most 3 per run: O(1) amortised)",
                     runs, spacings[s], (unsigned long long)changed);
        size_t depth = depth_below(pmm.index);
        if (depth > 40)
            fail_msg("%zu runs %zu page(s) apart make a tree %zu levels deep (expected about "
                     "2 log2(runs), at most 40)",
                     runs, spacings[s], depth);
    }
}

/* A run added between two others, and the only run, and the tree emptied
 * from the top: the edge cases of hanging a new run in place. */
static void test_edges_of_the_tree(void **state)
{
    (void)state;
    reset();
    assert_null(pmm_index_floor(&pmm, ORIGIN + PAGE_SIZE));
    add(10);
    assert_ptr_equal(pmm.index, run_at(10));
    assert_null(run_at(10)->parent);
    assert_null(pmm_index_floor(&pmm, ORIGIN + 9 * PAGE_SIZE));
    assert_ptr_equal(pmm_index_floor(&pmm, ORIGIN + 10 * PAGE_SIZE), run_at(10));
    add(20);
    add(15); /* between two runs */
    add(5);  /* below all */
    add(30); /* above all */
    assert_tree_sound("five additions");
    assert_ptr_equal(pmm_index_floor(&pmm, ORIGIN + 19 * PAGE_SIZE + 4095), run_at(15));
    while (present_count > 0) { /* always the root: the case with two children */
        size_t root = (size_t)(((uint8_t *)pmm.index - ram) / PAGE_SIZE);
        take(root);
        assert_tree_sound("taking out the root");
        assert_null(run_at(root)->parent);
        assert_null(run_at(root)->left);
        assert_null(run_at(root)->right);
    }
    assert_null(pmm.index);
}

/* pmm_index_check must notice each kind of damage. */
static void test_check_finds_damage(void **state)
{
    (void)state;
    reset();
    for (size_t p = 0; p < 64; p++)
        add(p * 3);
    uint64_t count;
    assert_null(pmm_index_check(&pmm, &count));
    assert_int_equal(count, 64);

    struct pmm_run *root = pmm.index;
    struct pmm_run *child = root->left ? root->left : root->right;
    struct pmm_run *saved_parent = child->parent;
    child->parent = NULL;
    assert_string_equal(pmm_index_check(&pmm, &count),
                        "a search-tree child's parent link does not name its parent");
    child->parent = saved_parent;

    root->parent = child;
    assert_string_equal(pmm_index_check(&pmm, &count), "the search tree's root has a parent");
    root->parent = NULL;

    struct pmm_run *l = root->left, *r = root->right; /* swapping sides breaks the order */
    root->left = r;
    root->right = l;
    assert_string_equal(pmm_index_check(&pmm, &count),
                        "a run is on the wrong side of a search-tree node");
    root->left = l;
    root->right = r;

    /* A child above its parent in priority: hang the root below one of its children. */
    pmm.index = child;
    child->parent = NULL;
    if (root->left == child) {
        root->left = child->right;
        child->right = root;
    } else {
        root->right = child->left;
        child->left = root;
    }
    if (root->left)
        root->left->parent = root;
    if (root->right)
        root->right->parent = root;
    root->parent = child;
    assert_string_equal(pmm_index_check(&pmm, &count), "a search-tree child outranks its parent");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_changes_keep_a_sound_tree),
        cmocka_unit_test(test_taking_out_the_lowest_run_is_constant_work),
        cmocka_unit_test(test_runs_in_address_order_cost_constant_each),
        cmocka_unit_test(test_edges_of_the_tree),
        cmocka_unit_test(test_check_finds_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
