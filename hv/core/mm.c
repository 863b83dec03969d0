/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot-time memory setup: the frame allocator from the memory map, minus the ranges the
 * boot sequence says are taken (core/main.c), and page allocation for hv objects.
 */
#include "hv/hv.h"
#include "hv/mm.h"
#include "arch/x86.h"

struct frame_allocator hv_frames;
uint64_t hv_total_pages;
uint64_t hv_own_pages;

#define MAX_PFN (1ull << (40 - PAGE_SHIFT)) /* hv handles up to 1 TiB */

/* Per-frame reference counts for foreign mappings; bit 7 marks an orphan (its domain
 * gave it back while references remained). */
#define FRAME_ORPHAN 0x80
#define FRAME_REF_MAX 0x7f
static uint8_t *frame_refs;
static spinlock_t refs_lock = SPINLOCK_INIT;

static bool overlaps(const struct mem_range *r, unsigned n, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < n; i++)
        if (start < r[i].end && r[i].start < end)
            return true;
    return false;
}

static uint64_t max_ram_pfn(const struct boot_info *bi)
{
    uint64_t max_pfn = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++)
        if (bi->regions[i].type == BOOT_MEM_RAM)
            max_pfn = MAX(max_pfn, (bi->regions[i].base + bi->regions[i].len) >> PAGE_SHIFT);
    if (max_pfn == 0)
        hv_fatal("the boot loader gave no memory map");
    return MIN(max_pfn, MAX_PFN);
}

/* The frame bitmap, then one reference-count byte per frame. */
static uint64_t bitmap_bytes(uint64_t max_pfn)
{
    return ALIGN_UP(frame_bitmap_bytes(max_pfn), PAGE_SIZE);
}

static uint64_t tables_bytes(uint64_t max_pfn)
{
    return bitmap_bytes(max_pfn) + ALIGN_UP(max_pfn, PAGE_SIZE);
}

struct mem_range mm_place_tables(const struct boot_info *bi, const struct mem_range *busy,
                                 unsigned nr_busy)
{
    uint64_t bytes = tables_bytes(max_ram_pfn(bi)), best = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct boot_region *reg = &bi->regions[i];
        if (reg->type != BOOT_MEM_RAM)
            continue;
        uint64_t lo = ALIGN_UP(MAX(reg->base, LOW_MEMORY), PAGE_SIZE);
        uint64_t hi = ALIGN_DOWN(MIN(reg->base + reg->len, GiB(4)), PAGE_SIZE);
        for (uint64_t at = hi >= bytes ? ALIGN_DOWN(hi - bytes, PAGE_SIZE) : 0;
             at >= lo && at > best && at + bytes <= hi; at -= PAGE_SIZE)
            if (!overlaps(busy, nr_busy, at, at + bytes)) {
                best = at;
                break;
            }
    }
    if (!best)
        hv_fatal("no room for the frame bitmap (%lu bytes)", (unsigned long)bytes);
    return (struct mem_range){best, best + bytes};
}

static uint64_t reserve_all(const struct mem_range *r, unsigned n)
{
    uint64_t pages = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t first = r[i].start >> PAGE_SHIFT;
        uint64_t nr = (ALIGN_UP(r[i].end, PAGE_SIZE) >> PAGE_SHIFT) - first;
        frame_reserve_range(&hv_frames, first, nr);
        pages += nr;
    }
    return pages;
}

void mm_init(const struct boot_info *bi, struct mem_range tables, const struct mem_range *hv_used,
             unsigned nr_hv_used, const struct mem_range *given, unsigned nr_given)
{
    uint64_t max_pfn = max_ram_pfn(bi);

    HV_ASSERT(tables.end - tables.start == tables_bytes(max_pfn));
    frame_init(&hv_frames, phys_to_virt(tables.start), max_pfn);
    frame_refs = phys_to_virt(tables.start + bitmap_bytes(max_pfn));
    memset(frame_refs, 0, max_pfn);

    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct boot_region *reg = &bi->regions[i];
        if (reg->type != BOOT_MEM_RAM)
            continue;
        uint64_t first = ALIGN_UP(reg->base, PAGE_SIZE) >> PAGE_SHIFT;
        uint64_t last = ALIGN_DOWN(reg->base + reg->len, PAGE_SIZE) >> PAGE_SHIFT;
        if (last > first) {
            frame_release_range(&hv_frames, first, last - first);
            hv_total_pages += last - first;
        }
    }
    reserve_all(hv_used, nr_hv_used);
    reserve_all(&tables, 1);
    uint64_t given_pages = reserve_all(given, nr_given);
    hv_own_pages = hv_total_pages - hv_frames.nr_free - given_pages;
    hv_log("memory: %lu MiB RAM, %lu MiB for dom0, %lu MiB free for domUs",
           (unsigned long)(hv_total_pages >> 8), (unsigned long)(given_pages >> 8),
           (unsigned long)(hv_frames.nr_free >> 8));
}

void *page_alloc(uint64_t nr)
{
    pfn_t pfn = frame_alloc(&hv_frames, nr, 1);
    if (pfn == PFN_INVALID)
        return NULL;
    __atomic_add_fetch(&hv_own_pages, nr, __ATOMIC_RELAXED);
    void *p = phys_to_virt(pfn << PAGE_SHIFT);
    memset(p, 0, nr * PAGE_SIZE);
    return p;
}

void page_free(void *p, uint64_t nr)
{
    if (!p)
        return;
    uint64_t freed = frame_free(&hv_frames, virt_to_phys(p) >> PAGE_SHIFT, nr);
    HV_ASSERT(freed == nr);
    __atomic_sub_fetch(&hv_own_pages, nr, __ATOMIC_RELAXED);
}

int frame_ref_get(pfn_t pfn)
{
    int rc = -1;
    spin_lock(&refs_lock);
    if (pfn < hv_frames.nr_frames && (frame_refs[pfn] & FRAME_REF_MAX) < FRAME_REF_MAX) {
        frame_refs[pfn]++;
        rc = 0;
    }
    spin_unlock(&refs_lock);
    return rc;
}

void frame_ref_put(pfn_t pfn)
{
    bool free_it = false;
    spin_lock(&refs_lock);
    HV_ASSERT(pfn < hv_frames.nr_frames && (frame_refs[pfn] & FRAME_REF_MAX));
    if (--frame_refs[pfn] == FRAME_ORPHAN) {
        frame_refs[pfn] = 0;
        free_it = true;
    }
    spin_unlock(&refs_lock);
    if (free_it)
        HV_ASSERT(frame_free(&hv_frames, pfn, 1) == 1);
}

void frame_release_owned(pfn_t first, uint64_t nr)
{
    uint64_t run = 0; /* frames at the end of [first, first+i) to free in one call */

    spin_lock(&refs_lock);
    for (uint64_t i = 0; i < nr; i++) {
        if (frame_refs[first + i]) {
            frame_refs[first + i] |= FRAME_ORPHAN;
            if (run)
                HV_ASSERT(frame_free(&hv_frames, first + i - run, run) == run);
            run = 0;
        } else {
            run++;
        }
    }
    if (run)
        HV_ASSERT(frame_free(&hv_frames, first + nr - run, run) == run);
    spin_unlock(&refs_lock);
}

uint64_t hv_cr3;

void paging_init(const struct boot_info *bi)
{
    uint64_t top = GiB(4);

    for (unsigned i = 0; i < bi->nr_regions; i++)
        top = MAX(top, bi->regions[i].base + bi->regions[i].len);
    top = MIN(ALIGN_UP(top, GiB(1)), MAX_PFN << PAGE_SHIFT);

    uint64_t *pml4 = page_alloc(1);
    HV_ASSERT(pml4 && virt_to_phys(pml4) < GiB(4)); /* APs load CR3 in 32-bit mode */
    for (uint64_t gb = 0; gb < top / GiB(1); gb++) {
        uint64_t *pdpt;
        if (!(pml4[gb / 512] & PTE_P)) {
            pdpt = page_alloc(1);
            HV_ASSERT(pdpt);
            pml4[gb / 512] = virt_to_phys(pdpt) | PTE_P | PTE_W;
        }
        pdpt = phys_to_virt(pml4[gb / 512] & PTE_ADDR_MASK);
        uint64_t *pd = page_alloc(1);
        HV_ASSERT(pd);
        for (unsigned i = 0; i < 512; i++)
            pd[i] = (gb * GiB(1) + i * LARGE_PAGE_SIZE) | PTE_P | PTE_W | PTE_PS;
        pdpt[gb % 512] = virt_to_phys(pd) | PTE_P | PTE_W;
    }
    hv_cr3 = virt_to_phys(pml4);
    write_cr3(hv_cr3);
}
