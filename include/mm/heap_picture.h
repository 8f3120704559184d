/*
 * mm/heap_picture.h - text pictures of the heaps, for people to read.
 *
 * Drawn from each heap's public walk (buddy_for_each_block_in,
 * list_heap_for_each_block), never from its private bookkeeping, so the
 * pictures show exactly what the allocator would report to any other caller.
 * Every function is snprintf-style: it writes at most size - 1 characters
 * and a NUL (when size > 0) and returns the length the whole picture needs.
 */
#ifndef KILN_MM_HEAP_PICTURE_H
#define KILN_MM_HEAP_PICTURE_H

#include <stddef.h>

#include "mm/buddy.h"
#include "mm/list_heap.h"
#include "mm/slab.h"

/*
 * A text picture of the heap, snprintf-style: writes at most size - 1
 * characters and a NUL (when size > 0), and returns the length the whole
 * picture needs. One line per top-order block ("slot") of address space:
 *
 *   0x10000 |##+.............| 64u 64f 128u 256f 512f 1Kf 2Kf
 *
 * The bar between | | shows the slot at a fixed scale (stated in the legend
 * line): '#' in use, '.' free, '+' partly in use, ' ' not in the region.
 * After it come the slot's blocks in address order: size (K = KiB, M = MiB,
 * G = GiB), then 'u' for in use or 'f' for free. At most 32 blocks per line;
 * the rest are counted as "(+N more)".
 */
size_t buddy_picture(const struct buddy *b, char *buf, size_t size);

/*
 * A text picture, snprintf-style (see buddy_picture): a bar of at most 64
 * characters for the whole region ('#' in use, '.' free, '+' both), then the
 * blocks in address order, 16 per line: whole size with header, then 'u' in
 * use or 'f' free.
 */
size_t list_heap_picture(const struct list_heap *l, char *buf, size_t size);

/*
 * A text picture of a slab heap, snprintf-style (see buddy_picture): a
 * summary line, one line per cache that holds slabs (object size, objects
 * per slab, slab size, slabs, objects in use), one line per slab (at most 8
 * per cache) with a bar of its objects ('#' in use, '.' free, '+' both) and
 * its count, then the picture of the buddy allocator underneath.
 */
size_t slab_heap_picture(const struct slab_heap *s, char *buf, size_t size);

#endif
