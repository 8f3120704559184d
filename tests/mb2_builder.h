/*
 * tests/mb2_builder.h - build synthetic Multiboot2 information blocks.
 *
 * Host tests need boot information that GRUB never sends: good blocks with
 * chosen contents, and bad ones with one field wrong. The builder writes
 * tags into a caller's buffer the way GRUB lays them out (8-byte header
 * { total_size, reserved }, tags padded to 8 bytes, an end tag last); tests
 * then break whatever they want with mb2b_poke_u32().
 *
 * Typical use:
 *     mb2b_init(&b, buf, sizeof(buf));
 *     mb2b_string_tag(&b, MB2_TAG_CMDLINE, "console=serial");
 *     mb2b_mmap_begin(&b, 24);
 *     mb2b_mmap_entry(&b, 0, 0x9fc00, MEM_USABLE);
 *     mb2b_end(&b);
 *     size_t total = mb2b_finish(&b);
 */
#ifndef KILN_TESTS_MB2_BUILDER_H
#define KILN_TESTS_MB2_BUILDER_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boot/multiboot2.h"

struct mb2_builder {
    uint8_t *buf; /* should be 8-aligned, like GRUB's block */
    size_t cap;
    size_t len;         /* bytes written so far */
    size_t open;        /* offset of the tag being written */
    uint32_t mmap_step; /* entry_size of the open mmap tag */
};

static inline void mb2b_poke_u32(void *buf, size_t off, uint32_t v)
{
    uint8_t *p = (uint8_t *)buf + off;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void mb2b_put(struct mb2_builder *b, const void *data, size_t n)
{
    assert(b->len + n <= b->cap && "mb2 builder buffer too small");
    memcpy(b->buf + b->len, data, n);
    b->len += n;
}

static inline void mb2b_put_zeros(struct mb2_builder *b, size_t n)
{
    assert(b->len + n <= b->cap && "mb2 builder buffer too small");
    memset(b->buf + b->len, 0, n);
    b->len += n;
}

static inline void mb2b_put_u8(struct mb2_builder *b, uint8_t v)
{
    mb2b_put(b, &v, 1);
}

static inline void mb2b_put_u32(struct mb2_builder *b, uint32_t v)
{
    uint8_t bytes[4];
    mb2b_poke_u32(bytes, 0, v);
    mb2b_put(b, bytes, 4);
}

static inline void mb2b_put_u64(struct mb2_builder *b, uint64_t v)
{
    mb2b_put_u32(b, (uint32_t)v);
    mb2b_put_u32(b, (uint32_t)(v >> 32));
}

/* A string with its NUL, as Multiboot2 stores them. */
static inline void mb2b_put_str(struct mb2_builder *b, const char *s)
{
    mb2b_put(b, s, strlen(s) + 1);
}

/* Start the block: total_size is filled in by mb2b_finish(). */
static inline void mb2b_init(struct mb2_builder *b, void *buf, size_t cap)
{
    memset(buf, 0, cap);
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->open = 0;
    b->mmap_step = 0;
    mb2b_put_u32(b, 0); /* total_size */
    mb2b_put_u32(b, 0); /* reserved */
}

/* Pad to the next 8-byte boundary and write a tag header; returns its offset. */
static inline size_t mb2b_begin(struct mb2_builder *b, uint32_t type)
{
    mb2b_put_zeros(b, (8 - b->len % 8) % 8);
    b->open = b->len;
    mb2b_put_u32(b, type);
    mb2b_put_u32(b, 0); /* size, patched by mb2b_end() */
    return b->open;
}

/* Close the open tag: its size is everything written since mb2b_begin(). */
static inline void mb2b_end(struct mb2_builder *b)
{
    mb2b_poke_u32(b->buf, b->open + 4, (uint32_t)(b->len - b->open));
}

static inline size_t mb2b_tag(struct mb2_builder *b, uint32_t type, const void *data, size_t n)
{
    size_t off = mb2b_begin(b, type);
    mb2b_put(b, data, n);
    mb2b_end(b);
    return off;
}

static inline size_t mb2b_string_tag(struct mb2_builder *b, uint32_t type, const char *s)
{
    return mb2b_tag(b, type, s, strlen(s) + 1);
}

static inline size_t mb2b_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *s)
{
    size_t off = mb2b_begin(b, MB2_TAG_MODULE);
    mb2b_put_u32(b, start);
    mb2b_put_u32(b, end);
    mb2b_put_str(b, s);
    mb2b_end(b);
    return off;
}

/* Open an mmap tag; add entries with mmap_entry, then close with mb2b_end(). */
static inline size_t mb2b_mmap_begin(struct mb2_builder *b, uint32_t entry_size)
{
    size_t off = mb2b_begin(b, MB2_TAG_MMAP);
    mb2b_put_u32(b, entry_size);
    mb2b_put_u32(b, 0); /* entry_version */
    b->mmap_step = entry_size;
    return off;
}

/* One entry, padded with zeros to the tag's entry_size. */
static inline void mb2b_mmap_entry(struct mb2_builder *b, uint64_t base, uint64_t length,
                                   uint32_t type)
{
    assert(b->mmap_step >= 24);
    mb2b_put_u64(b, base);
    mb2b_put_u64(b, length);
    mb2b_put_u32(b, type);
    mb2b_put_u32(b, 0);
    mb2b_put_zeros(b, b->mmap_step - 24);
}

/* Append the end tag and write total_size; returns total_size. */
static inline size_t mb2b_finish(struct mb2_builder *b)
{
    mb2b_begin(b, MB2_TAG_END);
    mb2b_end(b);
    mb2b_poke_u32(b->buf, 0, (uint32_t)b->len);
    return b->len;
}

/* Write total_size without an end tag, for blocks that must lack one. */
static inline size_t mb2b_finish_without_end(struct mb2_builder *b)
{
    mb2b_poke_u32(b->buf, 0, (uint32_t)b->len);
    return b->len;
}

#endif
