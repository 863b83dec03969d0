/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot-time memory setup: the frame allocator from the memory map (with the hv image,
 * the loader's data and the modules kept out of it) and page allocation for hv objects.
 */
#include "hv/hv.h"
#include "hv/mm.h"
#include "arch/x86.h"

struct frame_allocator hv_frames;
uint64_t hv_total_pages;
uint64_t hv_own_pages;

extern char hv_image_start[], hv_image_end[];

#define MAX_PFN (1ull << (40 - PAGE_SHIFT)) /* hv handles up to 1 TiB */
#define LOW_MEMORY MiB(1)                   /* firmware areas and the AP trampoline */

struct range {
    uint64_t start, end;
};

/* Everything already in use when hv starts. */
static unsigned busy_ranges(const struct boot_info *bi, struct range *r)
{
    unsigned n = 0;
    r[n++] = (struct range){0, LOW_MEMORY};
    r[n++] = (struct range){(uint64_t)hv_image_start, (uint64_t)hv_image_end};
    r[n++] = (struct range){bi->info_base, bi->info_base + bi->info_size};
    for (unsigned i = 0; i < bi->nr_modules; i++)
        r[n++] = (struct range){bi->modules[i].start, bi->modules[i].end};
    return n;
}

static bool overlaps(const struct range *r, unsigned n, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < n; i++)
        if (start < r[i].end && r[i].start < end)
            return true;
    return false;
}

/* Finds room for the allocator's bitmap in RAM that nothing else uses. */
static uint64_t place_bitmap(const struct boot_info *bi, const struct range *busy, unsigned nb,
                             uint64_t bytes)
{
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct boot_region *reg = &bi->regions[i];
        if (reg->type != BOOT_MEM_RAM)
            continue;
        uint64_t end = ALIGN_DOWN(reg->base + reg->len, PAGE_SIZE);
        for (uint64_t at = ALIGN_UP(reg->base, PAGE_SIZE); at + bytes <= end; at += PAGE_SIZE)
            if (at + bytes <= GiB(4) && !overlaps(busy, nb, at, at + bytes))
                return at;
    }
    hv_fatal("no room for the frame bitmap (%lu bytes)", (unsigned long)bytes);
}

void mm_init(const struct boot_info *bi)
{
    struct range busy[BOOT_MAX_MODULES + 4];
    unsigned nb = busy_ranges(bi, busy);
    uint64_t max_pfn = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++)
        if (bi->regions[i].type == BOOT_MEM_RAM)
            max_pfn = MAX(max_pfn, (bi->regions[i].base + bi->regions[i].len) >> PAGE_SHIFT);
    if (max_pfn == 0)
        hv_fatal("the boot loader gave no memory map");
    max_pfn = MIN(max_pfn, MAX_PFN);

    uint64_t bytes = ALIGN_UP(frame_bitmap_bytes(max_pfn), PAGE_SIZE);
    uint64_t at = place_bitmap(bi, busy, nb, bytes);
    frame_init(&hv_frames, phys_to_virt(at), max_pfn);

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
    uint64_t free_before = hv_frames.nr_free;
    for (unsigned i = 0; i < nb; i++) {
        uint64_t first = busy[i].start >> PAGE_SHIFT;
        frame_reserve_range(&hv_frames, first, (ALIGN_UP(busy[i].end, PAGE_SIZE) >> PAGE_SHIFT) - first);
    }
    frame_reserve_range(&hv_frames, at >> PAGE_SHIFT, bytes >> PAGE_SHIFT);
    hv_own_pages = free_before - hv_frames.nr_free;
    hv_log("memory: %lu MiB RAM, %lu MiB free after hv, loader data and modules",
           (unsigned long)(hv_total_pages >> 8), (unsigned long)(hv_frames.nr_free >> 8));
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
