/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical frame allocator: one bit per 4 KiB frame of the machine, set when in use.
 * Fed from the multiboot2 memory map at boot; serves hv's own pages and domain memory.
 * Pure logic (no arch code) so the host unit tests exercise the real thing.
 */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#include <stdint.h>
#include "hv/spinlock.h"

typedef uint64_t pfn_t;
#define PFN_INVALID ((pfn_t)-1)

struct frame_allocator {
    uint64_t *bitmap;   /* bit n set: frame n in use or not RAM */
    uint64_t nr_frames; /* frames covered: [0, nr_frames) */
    uint64_t nr_free;   /* frames free now */
    uint64_t hint;      /* bitmap word where the next search starts */
    spinlock_t lock;
};

/* Bytes of bitmap needed to cover nr_frames. */
static inline uint64_t frame_bitmap_bytes(uint64_t nr_frames)
{
    return (nr_frames + 63) / 64 * 8;
}

/* Starts with every frame in use; frame_release_range() then adds the RAM. */
void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nr_frames);
/* Marks frames free (boot: RAM from the memory map). Frames past the end are ignored. */
void frame_release_range(struct frame_allocator *fa, pfn_t first, uint64_t nr);
/* Marks frames in use (boot: hv image, modules, firmware areas). */
void frame_reserve_range(struct frame_allocator *fa, pfn_t first, uint64_t nr);

/*
 * Allocates nr contiguous frames whose first pfn is a multiple of align (a power of two).
 * Returns the first pfn or PFN_INVALID.
 */
pfn_t frame_alloc(struct frame_allocator *fa, uint64_t nr, uint64_t align);
/* Returns frames to the pool; returns how many of them were in use (== nr unless a bug). */
uint64_t frame_free(struct frame_allocator *fa, pfn_t first, uint64_t nr);
/* True if the frame is marked in use. */
int frame_in_use(const struct frame_allocator *fa, pfn_t pfn);

#endif
