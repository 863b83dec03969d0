/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv's memory: the machine frame allocator and page allocation for hv's own objects.
 * hv identity-maps all physical memory, so a frame's address is also its pointer.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include "hv/frame.h"
#include "hv/boot.h"
#include "arch/x86.h" /* PAGE_SIZE, LARGE_PAGE_SIZE */

/* A range of physical addresses [start, end), page aligned. */
struct mem_range {
    uint64_t start, end;
};

#define LOW_MEMORY MiB(1) /* firmware areas and the AP trampoline: never allocated */

extern struct frame_allocator hv_frames;
extern uint64_t hv_total_pages; /* RAM frames in the memory map */
extern uint64_t hv_own_pages;   /* frames hv keeps (image, tables, its objects) */

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

static inline uint64_t virt_to_phys(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* Zeroed, page-aligned memory for hv's own use, or NULL. Counted in hv_own_pages. */
void *page_alloc(uint64_t nr);
void page_free(void *p, uint64_t nr);

/*
 * Extra references to domain frames (dom0's foreign mappings). A frame with references
 * is not returned to the pool when its domain lets it go: it becomes an orphan, freed by
 * the last frame_ref_put().
 */
int frame_ref_get(pfn_t pfn);  /* 0, or -1 if the count is saturated */
void frame_ref_put(pfn_t pfn);
/* A domain gives frames back: free them, or orphan those still referenced. */
void frame_release_owned(pfn_t first, uint64_t nr);

/* Where the allocator's own tables (frame bitmap, reference counts) go: RAM as high as
 * possible below 4 GiB outside `busy` (dom0 takes memory from the bottom). */
struct mem_range mm_place_tables(const struct boot_info *bi, const struct mem_range *busy,
                                 unsigned nr_busy);
/*
 * Builds the frame allocator from the memory map: every RAM frame is free except the
 * tables and the ranges it is given, which it never hands out. `hv_used` is what hv
 * itself holds (low memory, its image, the loader's data, modules) and counts as hv's;
 * `given` is RAM handed to someone else (dom0).
 */
void mm_init(const struct boot_info *bi, struct mem_range tables, const struct mem_range *hv_used,
             unsigned nr_hv_used, const struct mem_range *given, unsigned nr_given);
/* Identity-maps all memory found in the map (and the low 4 GiB) with large pages. */
void paging_init(const struct boot_info *bi);
extern uint64_t hv_cr3;

#endif
