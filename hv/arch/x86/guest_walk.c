/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest page-table walker (see arch/guest_walk.h): one loop over the levels of the
 * guest's paging format, reserved-bit checks per level, then the permission checks on
 * the rights gathered along the way (AMD APM vol. 2, 5.3-5.6).
 */
#include "arch/guest_walk.h"
#include "arch/x86.h"

#ifndef X86_CR4_PSE
#define X86_CR4_PSE (1ul << 4)
#endif
#ifndef X86_CR4_SMEP
#define X86_CR4_SMEP (1ul << 20)
#endif
#ifndef X86_CR4_SMAP
#define X86_CR4_SMAP (1ul << 21)
#endif
#define X86_RFLAGS_AC (1ul << 18)

enum paging_format { PAGING_32BIT, PAGING_PAE, PAGING_LONG };

/* Rights gathered over every level of a walk. */
struct rights {
    bool writable;
    bool user;
    bool no_exec;
};

static uint64_t bit_range(unsigned lo, unsigned hi)
{
    return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

static unsigned index_bits(enum paging_format fmt)
{
    return fmt == PAGING_32BIT ? 10 : 9;
}

/* Level 0 maps 4 KiB pages; each level above covers index_bits more of the address. */
static unsigned level_shift(enum paging_format fmt, unsigned level)
{
    return PAGE_SHIFT + level * index_bits(fmt);
}

static uint64_t root_table(const struct guest_paging *pg, enum paging_format fmt)
{
    switch (fmt) {
    case PAGING_32BIT:
        return pg->cr3 & 0xfffff000u;
    case PAGING_PAE:
        return pg->cr3 & 0xffffffe0u; /* four 8-byte PDPTEs, 32-byte aligned */
    default:
        return pg->cr3 & PTE_ADDR_MASK;
    }
}

static bool is_large_page(const struct guest_paging *pg, enum paging_format fmt, unsigned level,
                          uint64_t e)
{
    if (!(e & PTE_PS))
        return false;
    if (fmt == PAGING_32BIT)
        return level == 1 && (pg->cr4 & X86_CR4_PSE);
    return level == 1 || (fmt == PAGING_LONG && level == 2);
}

/*
 * Bits that must be zero in an entry at `level`. Where AMD and Intel differ (bit 8 of
 * AMD's upper non-leaf entries) the walker stays lenient, as QEMU's CPU is: a stricter
 * walker would inject faults the real access never took.
 */
static uint64_t reserved_bits(const struct guest_paging *pg, enum paging_format fmt, unsigned level,
                              uint64_t e)
{
    uint64_t rsvd;

    if (fmt == PAGING_32BIT) {
        if (!is_large_page(pg, fmt, level, e))
            return 0;
        /* PSE-36/40: bits 20:13 carry physical bits 39:32, bit 21 is reserved. */
        unsigned high = pg->maxphyaddr >= 40 ? 8 : pg->maxphyaddr > 32 ? pg->maxphyaddr - 32 : 0;
        return bit_range(13 + high, 21);
    }
    rsvd = pg->maxphyaddr < 52 ? bit_range(pg->maxphyaddr, 51) : 0;
    if (!(pg->efer & EFER_NXE))
        rsvd |= PTE_NX;
    if (fmt == PAGING_PAE && level == 2)
        rsvd |= PTE_NX | bit_range(52, 62) | bit_range(5, 8) | bit_range(1, 2);
    if (fmt == PAGING_LONG && level == 3)
        rsvd |= PTE_PS;
    if (is_large_page(pg, fmt, level, e))
        rsvd |= bit_range(13, level_shift(fmt, level) - 1); /* below the frame, above PAT */
    return rsvd;
}

/* The physical address a leaf entry maps at this level, without the page offset. */
static uint64_t leaf_frame(enum paging_format fmt, unsigned level, uint64_t e)
{
    if (fmt == PAGING_32BIT && level == 1)
        return (e & 0xffc00000u) | ((e >> 13) & 0xff) << 32;
    if (fmt == PAGING_32BIT)
        return e & 0xfffff000u;
    return e & PTE_ADDR_MASK & ~((1ull << level_shift(fmt, level)) - 1);
}

static int fail(struct guest_fault *fault, uint64_t addr, uint32_t error, int result)
{
    fault->addr = addr;
    fault->error = error;
    return result;
}

static int read_entry(const struct guest_mem *mem, enum paging_format fmt, uint64_t table,
                      uint64_t linear, unsigned level, uint64_t *e, struct guest_fault *fault)
{
    unsigned size = fmt == PAGING_32BIT ? 4 : 8;
    uint64_t index = (linear >> level_shift(fmt, level)) & ((1u << index_bits(fmt)) - 1);
    uint8_t raw[8];

    if (mem->read(mem->opaque, table + index * size, raw, size))
        return fail(fault, table + index * size, 0, GUEST_WALK_NOT_RAM);
    *e = 0;
    for (unsigned i = 0; i < size; i++)
        *e |= (uint64_t)raw[i] << (8 * i);
    return GUEST_WALK_OK;
}

/* The error code bits that describe the access itself. */
static uint32_t access_error_bits(const struct guest_paging *pg, unsigned access)
{
    uint32_t error = access & (PF_ERR_WRITE | PF_ERR_USER);
    bool nx_enabled = (pg->efer & EFER_NXE) && (pg->cr4 & X86_CR4_PAE);

    if ((access & GUEST_ACCESS_FETCH) && (nx_enabled || (pg->cr4 & X86_CR4_SMEP)))
        error |= PF_ERR_FETCH;
    return error;
}

/* Whether an access with these gathered rights is allowed (APM 5.6). */
static bool access_permitted(const struct guest_paging *pg, unsigned access, const struct rights *r)
{
    bool user = access & GUEST_ACCESS_USER;
    bool fetch = access & GUEST_ACCESS_FETCH;

    if (user && !r->user)
        return false;
    if ((access & GUEST_ACCESS_WRITE) && !r->writable && (user || (pg->cr0 & X86_CR0_WP)))
        return false;
    if (fetch && r->no_exec)
        return false;
    if (!user && r->user && fetch && (pg->cr4 & X86_CR4_SMEP))
        return false;
    if (!user && r->user && !fetch && (pg->cr4 & X86_CR4_SMAP) && !(pg->rflags & X86_RFLAGS_AC))
        return false;
    return true;
}

static enum paging_format paging_format(const struct guest_paging *pg)
{
    if (pg->efer & EFER_LMA)
        return PAGING_LONG;
    return pg->cr4 & X86_CR4_PAE ? PAGING_PAE : PAGING_32BIT;
}

int guest_walk(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
               unsigned access, uint64_t *gpa, struct guest_fault *fault)
{
    enum paging_format fmt = paging_format(pg);
    uint32_t error = access_error_bits(pg, access);
    struct rights r = {.writable = true, .user = true};
    uint64_t table = root_table(pg, fmt), e;
    unsigned level = fmt == PAGING_LONG ? 3 : fmt == PAGING_PAE ? 2 : 1;
    int rc;

    if (!(pg->cr0 & X86_CR0_PG)) {
        *gpa = (uint32_t)linear;
        return GUEST_WALK_OK;
    }
    if (fmt == PAGING_LONG && (uint64_t)((int64_t)(linear << 16) >> 16) != linear)
        return fail(fault, linear, 0, GUEST_WALK_NONCANONICAL);
    if (fmt != PAGING_LONG)
        linear = (uint32_t)linear;

    for (;; level--) {
        if ((rc = read_entry(mem, fmt, table, linear, level, &e, fault)))
            return rc;
        if (!(e & PTE_P))
            return fail(fault, linear, error, GUEST_WALK_PAGE_FAULT);
        if (e & reserved_bits(pg, fmt, level, e))
            return fail(fault, linear, error | PF_ERR_PRESENT | PF_ERR_RSVD, GUEST_WALK_PAGE_FAULT);
        if (!(fmt == PAGING_PAE && level == 2)) { /* PAE PDPTEs carry no rights */
            r.writable &= !!(e & PTE_W);
            r.user &= !!(e & PTE_U);
            r.no_exec |= fmt != PAGING_32BIT && (e & PTE_NX);
        }
        if (level == 0 || is_large_page(pg, fmt, level, e))
            break;
        table = fmt == PAGING_32BIT ? e & 0xfffff000u : e & PTE_ADDR_MASK;
    }
    if (!access_permitted(pg, access, &r))
        return fail(fault, linear, error | PF_ERR_PRESENT, GUEST_WALK_PAGE_FAULT);
    *gpa = leaf_frame(fmt, level, e) | (linear & ((1ull << level_shift(fmt, level)) - 1));
    return GUEST_WALK_OK;
}

int guest_read_linear(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
                      unsigned access, void *buf, size_t len, size_t *copied,
                      struct guest_fault *fault)
{
    uint8_t *out = buf;
    size_t done = 0;
    int rc = GUEST_WALK_OK;

    while (done < len) {
        uint64_t addr = linear + done, gpa; /* guest_walk() wraps it outside long mode */
        size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));

        if (chunk > len - done)
            chunk = len - done;
        if ((rc = guest_walk(pg, mem, addr, access, &gpa, fault)))
            break;
        if (mem->read(mem->opaque, gpa, out + done, chunk)) {
            rc = fail(fault, gpa, 0, GUEST_WALK_NOT_RAM);
            break;
        }
        done += chunk;
    }
    *copied = done;
    return rc;
}

int guest_write_linear(const struct guest_paging *pg, const struct guest_mem *mem,
                       uint64_t linear, bool user, const void *buf, size_t len,
                       struct guest_fault *fault)
{
    unsigned access = GUEST_ACCESS_WRITE | (user ? GUEST_ACCESS_USER : 0);
    uint64_t gpa[2];
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1)), pieces = 1 + (len > first);
    int rc;

    if (len > 16)
        return fail(fault, linear, 0, GUEST_WALK_NOT_RAM);
    for (size_t i = 0; i < pieces; i++)
        if ((rc = guest_walk(pg, mem, i ? linear + first : linear, access, &gpa[i], fault)))
            return rc;
    const uint8_t *in = buf;
    size_t head = len < first ? len : first;
    if (mem->write(mem->opaque, gpa[0], in, head) ||
        (pieces > 1 && mem->write(mem->opaque, gpa[1], in + head, len - head)))
        return fail(fault, gpa[0], 0, GUEST_WALK_NOT_RAM);
    return GUEST_WALK_OK;
}

int guest_fetch(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
                bool user, uint8_t buf[15], size_t *fetched, struct guest_fault *fault)
{
    unsigned access = GUEST_ACCESS_FETCH | (user ? GUEST_ACCESS_USER : 0);

    return guest_read_linear(pg, mem, linear, access, buf, 15, fetched, fault);
}
