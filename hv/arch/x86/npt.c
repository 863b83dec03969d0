/* SPDX-License-Identifier: GPL-2.0-only */
/* Nested page table construction and walks (see arch/npt.h). Table pages come from hv. */
#include "hv/hv.h"
#include "hv/mm.h"
#include "arch/npt.h"
#include "public/vireo.h"

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)
#define LEAF_FLAG_MASK (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | NPT_OWNED | NPT_RAM | PTE_NX)

static inline unsigned index_at(uint64_t gpa, int level)
{
    return (gpa >> (PAGE_SHIFT + 9 * level)) & 511;
}

uint64_t npt_create(void)
{
    void *root = page_alloc(1);
    return root ? virt_to_phys(root) : 0;
}

/* Returns the entry for gpa at `level` (3 = PML4 ... 0 = PT), creating tables if asked. */
static uint64_t *walk(uint64_t root, uint64_t gpa, int level, bool create)
{
    uint64_t *table = phys_to_virt(root);

    for (int l = 3; l > level; l--) {
        uint64_t *e = &table[index_at(gpa, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            void *next = page_alloc(1);
            if (!next)
                return NULL;
            *e = virt_to_phys(next) | TABLE_FLAGS;
        } else if (*e & PTE_PS) {
            return NULL; /* a large page covers this address */
        }
        table = phys_to_virt(*e & PTE_ADDR_MASK);
    }
    return &table[index_at(gpa, level)];
}

/* Page size of a leaf at a level (PT, PD, PDPT). */
static uint64_t leaf_size(int level)
{
    return 1ull << (PAGE_SHIFT + 9 * level);
}

static bool is_leaf(uint64_t e, int level)
{
    return level == 0 || (level <= 2 && (e & PTE_PS));
}

int npt_map(uint64_t root, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags)
{
    int level = size == HUGE_PAGE_SIZE ? 2 : size == LARGE_PAGE_SIZE ? 1 : 0;

    if (leaf_size(level) != size || !IS_ALIGNED(gpa | hpa, size))
        return -VIREO_EINVAL;
    uint64_t *e = walk(root, gpa, level, true);
    if (!e) {
        /* Either no memory for a table, or a large page is in the way. */
        uint64_t f;
        return npt_translate(root, gpa, &f) != ~0ull ? -VIREO_EEXIST : -VIREO_ENOMEM;
    }
    if (*e & PTE_P) /* a mapping, or (for a large page) a table of small ones */
        return -VIREO_EEXIST;
    *e = hpa | (flags & LEAF_FLAG_MASK) | PTE_P | (level ? PTE_PS : 0);
    return 0;
}

uint64_t npt_translate(uint64_t root, uint64_t gpa, uint64_t *flags)
{
    uint64_t *table = phys_to_virt(root);

    for (int l = 3; l >= 0; l--) {
        uint64_t e = table[index_at(gpa, l)];
        if (!(e & PTE_P))
            return ~0ull;
        if (is_leaf(e, l)) {
            uint64_t size = leaf_size(l);
            *flags = e & LEAF_FLAG_MASK;
            return (e & PTE_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
        }
        table = phys_to_virt(e & PTE_ADDR_MASK);
    }
    return ~0ull;
}

int npt_split_large(uint64_t root, uint64_t gpa)
{
    uint64_t *table = phys_to_virt(root);

    for (int l = 3; l >= 1; l--) {
        uint64_t *e = &table[index_at(gpa, l)];
        if (!(*e & PTE_P) || (l > 1 && is_leaf(*e, l)))
            return 0;
        if (l == 1) {
            if (!is_leaf(*e, 1))
                return 0; /* already a table */
            uint64_t *pt = page_alloc(1); /* before touching anything: all or nothing */
            if (!pt)
                return -VIREO_ENOMEM;
            uint64_t base = *e & PTE_ADDR_MASK & ~(LARGE_PAGE_SIZE - 1);
            uint64_t flags = *e & LEAF_FLAG_MASK;
            for (unsigned i = 0; i < 512; i++)
                pt[i] = (base + i * PAGE_SIZE) | flags | PTE_P;
            *e = virt_to_phys(pt) | TABLE_FLAGS;
            return 1;
        }
        table = phys_to_virt(*e & PTE_ADDR_MASK);
    }
    return 0;
}

static bool table_empty(const uint64_t *table)
{
    for (unsigned i = 0; i < 512; i++)
        if (table[i])
            return false;
    return true;
}

int npt_unmap(uint64_t root, uint64_t gpa, uint64_t *hpa, uint64_t *size, uint64_t *flags)
{
    uint64_t *entries[4]; /* the entry used at each level on the way down */
    uint64_t *table = phys_to_virt(root);

    for (int l = 3; l >= 0; l--) {
        uint64_t *e = entries[l] = &table[index_at(gpa, l)];
        if (!(*e & PTE_P))
            return -1;
        if (!is_leaf(*e, l)) {
            table = phys_to_virt(*e & PTE_ADDR_MASK);
            continue;
        }
        *size = leaf_size(l);
        *hpa = *e & PTE_ADDR_MASK & ~(*size - 1);
        *flags = *e & LEAF_FLAG_MASK;
        *e = 0;
        /* Tables left empty go back to hv, so mapping and unmapping leaves memory exactly
         * as it was. The caller flushes TLBs (npt_gen) before anything reuses them. */
        for (int up = l; up < 3; up++) {
            uint64_t *t = (uint64_t *)ALIGN_DOWN((uintptr_t)entries[up], PAGE_SIZE);
            if (!table_empty(t))
                break;
            page_free(t, 1);
            *entries[up + 1] = 0;
        }
        return 0;
    }
    return -1;
}

static void destroy_level(uint64_t table_pa, int level,
                          void (*leaf)(uint64_t, uint64_t, uint64_t, void *), void *arg)
{
    uint64_t *table = phys_to_virt(table_pa);

    for (unsigned i = 0; i < 512; i++) {
        uint64_t e = table[i];
        if (!(e & PTE_P))
            continue;
        if (is_leaf(e, level))
            leaf(e & PTE_ADDR_MASK, leaf_size(level), e & LEAF_FLAG_MASK, arg);
        else
            destroy_level(e & PTE_ADDR_MASK, level - 1, leaf, arg);
    }
    page_free(table, 1);
}

void npt_destroy(uint64_t root, void (*leaf)(uint64_t, uint64_t, uint64_t, void *), void *arg)
{
    destroy_level(root, 3, leaf, arg);
}
