/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical frame allocator (see hv/frame.h): a bitmap with word-at-a-time scans. */
#include "hv/frame.h"

static void set_bits(uint64_t *bm, pfn_t first, uint64_t nr, int used)
{
    while (nr) {
        uint64_t word = first / 64, bit = first % 64;
        uint64_t n = 64 - bit < nr ? 64 - bit : nr;
        uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << bit;
        if (used)
            bm[word] |= mask;
        else
            bm[word] &= ~mask;
        first += n;
        nr -= n;
    }
}

static uint64_t count_used(const uint64_t *bm, pfn_t first, uint64_t nr)
{
    uint64_t used = 0;

    for (uint64_t i = 0; i < nr; i++)
        used += (bm[(first + i) / 64] >> ((first + i) % 64)) & 1;
    return used;
}

void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nr_frames)
{
    fa->bitmap = bitmap;
    fa->nr_frames = nr_frames;
    fa->nr_free = 0;
    fa->hint = 0;
    fa->lock = (spinlock_t)SPINLOCK_INIT;
    for (uint64_t i = 0; i < frame_bitmap_bytes(nr_frames) / 8; i++)
        bitmap[i] = ~0ull;
}

static uint64_t clamp(const struct frame_allocator *fa, pfn_t first, uint64_t nr)
{
    if (first >= fa->nr_frames)
        return 0;
    return nr < fa->nr_frames - first ? nr : fa->nr_frames - first;
}

void frame_release_range(struct frame_allocator *fa, pfn_t first, uint64_t nr)
{
    nr = clamp(fa, first, nr);
    spin_lock(&fa->lock);
    fa->nr_free += count_used(fa->bitmap, first, nr);
    set_bits(fa->bitmap, first, nr, 0);
    spin_unlock(&fa->lock);
}

void frame_reserve_range(struct frame_allocator *fa, pfn_t first, uint64_t nr)
{
    nr = clamp(fa, first, nr);
    spin_lock(&fa->lock);
    fa->nr_free -= nr - count_used(fa->bitmap, first, nr);
    set_bits(fa->bitmap, first, nr, 1);
    spin_unlock(&fa->lock);
}

/* First free frame at or after pfn, or nr_frames. Skips full words quickly. */
static pfn_t next_free(const struct frame_allocator *fa, pfn_t pfn)
{
    while (pfn < fa->nr_frames) {
        uint64_t w = fa->bitmap[pfn / 64] | ((1ull << (pfn % 64)) - 1);
        if (w != ~0ull)
            return pfn / 64 * 64 + __builtin_ctzll(~w);
        pfn = (pfn / 64 + 1) * 64;
    }
    return fa->nr_frames;
}

/* Searches [start, end) for nr free frames at an aligned pfn. */
static pfn_t search(const struct frame_allocator *fa, pfn_t start, pfn_t end, uint64_t nr,
                    uint64_t align)
{
    pfn_t pfn = next_free(fa, start);

    while (pfn < end) {
        pfn = (pfn + align - 1) & ~(align - 1);
        if (pfn + nr > end || pfn + nr > fa->nr_frames)
            return PFN_INVALID;
        uint64_t i = 0;
        while (i < nr && !((fa->bitmap[(pfn + i) / 64] >> ((pfn + i) % 64)) & 1)) {
            /* Whole free words at once. */
            if ((pfn + i) % 64 == 0 && nr - i >= 64 && fa->bitmap[(pfn + i) / 64] == 0)
                i += 64;
            else
                i++;
        }
        if (i >= nr)
            return pfn;
        pfn = next_free(fa, pfn + i + 1);
    }
    return PFN_INVALID;
}

pfn_t frame_alloc(struct frame_allocator *fa, uint64_t nr, uint64_t align)
{
    if (nr == 0 || align == 0 || (align & (align - 1)))
        return PFN_INVALID;
    spin_lock(&fa->lock);
    pfn_t start = fa->hint * 64;
    pfn_t pfn = search(fa, start, fa->nr_frames, nr, align);
    if (pfn == PFN_INVALID && start)
        pfn = search(fa, 0, start + nr + align, nr, align);
    if (pfn != PFN_INVALID) {
        set_bits(fa->bitmap, pfn, nr, 1);
        fa->nr_free -= nr;
        if (nr == 1)
            fa->hint = pfn / 64;
    }
    spin_unlock(&fa->lock);
    return pfn;
}

uint64_t frame_free(struct frame_allocator *fa, pfn_t first, uint64_t nr)
{
    nr = clamp(fa, first, nr);
    spin_lock(&fa->lock);
    uint64_t used = count_used(fa->bitmap, first, nr);
    set_bits(fa->bitmap, first, nr, 0);
    fa->nr_free += used;
    if (first / 64 < fa->hint)
        fa->hint = first / 64;
    spin_unlock(&fa->lock);
    return used;
}

int frame_in_use(const struct frame_allocator *fa, pfn_t pfn)
{
    if (pfn >= fa->nr_frames)
        return 1;
    return (fa->bitmap[pfn / 64] >> (pfn % 64)) & 1;
}
