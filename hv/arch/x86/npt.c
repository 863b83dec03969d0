/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page table construction and walks (see arch/npt.h). Table pages come from hv's
 * pool and are counted per tree, so a domain cannot grow its tables past its limit.
 */
#include "hv/hv.h"
#include "hv/mm.h"
#include "arch/npt.h"
#include "public/vireo.h"

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)
#define LEAF_FLAG_MASK                                                                             \
    (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | NPT_OWNED | NPT_RAM | NPT_LOGGED | PTE_NX)

static inline unsigned index_at(uint64_t gpa, int level)
{
    return (gpa >> (PAGE_SHIFT + 9 * level)) & 511;
}

int npt_init(struct npt *t, uint64_t table_limit)
{
    void *root = page_alloc(1);
    *t = (struct npt){root ? virt_to_phys(root) : 0, root ? 1 : 0, table_limit, root ? 1 : 0};
    return root ? 0 : -VIREO_ENOMEM;
}

/* A new table page charged to the tree, or NULL (no memory, or over its limit). */
static void *table_alloc(struct npt *t)
{
    if (t->table_limit && t->table_pages >= t->table_limit)
        return NULL;
    void *p = page_alloc(1);
    if (p && ++t->table_pages > t->table_peak)
        t->table_peak = t->table_pages;
    return p;
}

/* Returns the entry for gpa at `level` (3 = PML4 ... 0 = PT), creating tables if asked. */
static uint64_t *walk(struct npt *t, uint64_t gpa, int level, bool create)
{
    uint64_t *table = phys_to_virt(t->root_pa);

    for (int l = 3; l > level; l--) {
        uint64_t *e = &table[index_at(gpa, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            void *next = table_alloc(t);
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

int npt_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags)
{
    int level = size == HUGE_PAGE_SIZE ? 2 : size == LARGE_PAGE_SIZE ? 1 : 0;

    if (leaf_size(level) != size || !IS_ALIGNED(gpa | hpa, size) || gpa >= NPT_GPA_LIMIT)
        return -VIREO_EINVAL;
    uint64_t *e = walk(t, gpa, level, true);
    if (!e) {
        /* Either no memory for a table, or a large page is in the way. */
        uint64_t f;
        return npt_translate(t, gpa, &f) != ~0ull ? -VIREO_EEXIST : -VIREO_ENOMEM;
    }
    if (*e & PTE_P) /* a mapping, or (for a large page) a table of small ones */
        return -VIREO_EEXIST;
    *e = hpa | (flags & LEAF_FLAG_MASK) | PTE_P | (level ? PTE_PS : 0);
    return 0;
}

uint64_t npt_translate(const struct npt *t, uint64_t gpa, uint64_t *flags)
{
    const uint64_t *table = phys_to_virt(t->root_pa);

    if (gpa >= NPT_GPA_LIMIT)
        return ~0ull;
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

int npt_split_large(struct npt *t, uint64_t gpa)
{
    uint64_t *table = phys_to_virt(t->root_pa);

    for (int l = 3; l >= 1; l--) {
        uint64_t *e = &table[index_at(gpa, l)];
        if (!(*e & PTE_P) || (l > 1 && is_leaf(*e, l)))
            return 0;
        if (l == 1) {
            if (!is_leaf(*e, 1))
                return 0; /* already a table */
            uint64_t *pt = table_alloc(t); /* before touching anything: all or nothing */
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

int npt_log_protect(struct npt *t, uint64_t gpa)
{
    if (gpa >= NPT_GPA_LIMIT)
        return 0;
    uint64_t *e = walk(t, gpa, 0, false);
    if (!e) {
        int rc = npt_split_large(t, gpa); /* NULL: a 2 MiB leaf, or no table at all */
        if (rc <= 0)
            return rc;
        e = walk(t, gpa, 0, false);
    }
    if ((*e & (PTE_P | PTE_W | NPT_RAM)) != (PTE_P | PTE_W | NPT_RAM))
        return 0;
    *e = (*e & ~PTE_W) | NPT_LOGGED;
    return 1;
}

bool npt_log_unprotect(struct npt *t, uint64_t gpa)
{
    uint64_t *e = gpa < NPT_GPA_LIMIT ? walk(t, gpa, 0, false) : NULL;
    if (!e || !(*e & PTE_P) || !(*e & NPT_LOGGED))
        return false;
    *e = (*e & ~NPT_LOGGED) | PTE_W;
    return true;
}

static bool table_empty(const uint64_t *table)
{
    for (unsigned i = 0; i < 512; i++)
        if (table[i])
            return false;
    return true;
}

int npt_unmap(struct npt *t, uint64_t gpa, struct npt_unmapped *out)
{
    uint64_t *entries[4]; /* the entry used at each level on the way down */
    uint64_t *table = phys_to_virt(t->root_pa);

    out->nr_tables = 0;
    if (gpa >= NPT_GPA_LIMIT)
        return -1;
    for (int l = 3; l >= 0; l--) {
        uint64_t *e = entries[l] = &table[index_at(gpa, l)];
        if (!(*e & PTE_P))
            return -1;
        if (!is_leaf(*e, l)) {
            table = phys_to_virt(*e & PTE_ADDR_MASK);
            continue;
        }
        out->size = leaf_size(l);
        out->hpa = *e & PTE_ADDR_MASK & ~(out->size - 1);
        out->flags = *e & LEAF_FLAG_MASK;
        *e = 0;
        /* Tables left empty leave the tree, so mapping and unmapping leaves memory exactly
         * as it was; the caller frees them once no TLB can still walk them. */
        for (int up = l; up < 3; up++) {
            uint64_t *tp = (uint64_t *)ALIGN_DOWN((uintptr_t)entries[up], PAGE_SIZE);
            if (!table_empty(tp))
                break;
            out->tables[out->nr_tables++] = tp;
            t->table_pages--;
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

void npt_destroy(struct npt *t, void (*leaf)(uint64_t, uint64_t, uint64_t, void *), void *arg)
{
    if (t->root_pa)
        destroy_level(t->root_pa, 3, leaf, arg);
    t->root_pa = 0;
    t->table_pages = 0;
}
