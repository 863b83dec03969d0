/* The guest page walker translates through hand-built page tables in every paging mode
 * and page size, and reports not-present, reserved-bit, write, user, NX, SMEP and SMAP
 * faults with the #PF error code the CPU would give; guest_fetch() reads instruction
 * bytes across page boundaries and stops at the page that faults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/decode.h"
#include "arch/guest_walk.h"
#include "arch/x86.h"
#include "check.h"

#define RAM_SIZE (16u << 20)
#define TABLES_START 0x100000u /* page tables are allocated upwards from here */
#define CR4_PSE (1ul << 4)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)
#define RFLAGS_AC (1ul << 18)

static uint8_t *ram;
static uint64_t next_table;

static int ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    (void)opaque;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -1;
    memcpy(buf, ram + gpa, len);
    return 0;
}

static const struct guest_mem mem = {.read = ram_read};

enum fmt { FMT_32, FMT_PAE, FMT_LONG };

static unsigned entry_size(enum fmt f)
{
    return f == FMT_32 ? 4 : 8;
}

static unsigned shift_of(enum fmt f, unsigned level)
{
    return 12 + level * (f == FMT_32 ? 10 : 9);
}

static uint64_t *slot_u64(uint64_t gpa)
{
    return (uint64_t *)(ram + gpa);
}

static uint64_t get_entry(enum fmt f, uint64_t gpa)
{
    return f == FMT_32 ? *(uint32_t *)(ram + gpa) : *slot_u64(gpa);
}

static void set_entry(enum fmt f, uint64_t gpa, uint64_t e)
{
    if (f == FMT_32)
        *(uint32_t *)(ram + gpa) = (uint32_t)e;
    else
        *slot_u64(gpa) = e;
}

static uint64_t alloc_table(void)
{
    uint64_t t = next_table;

    next_table += 4096;
    memset(ram + t, 0, 4096);
    return t;
}

/* Fresh guest state and an empty root table for format f. */
static struct guest_paging setup(enum fmt f)
{
    struct guest_paging pg = {.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .maxphyaddr = 48};

    memset(ram, 0, RAM_SIZE);
    next_table = TABLES_START;
    pg.cr3 = alloc_table();
    if (f == FMT_PAE)
        pg.cr4 = X86_CR4_PAE;
    if (f == FMT_LONG) {
        pg.cr4 = X86_CR4_PAE;
        pg.efer = EFER_LME | EFER_LMA | EFER_NXE;
    }
    return pg;
}

static unsigned top_level(enum fmt f)
{
    return f == FMT_LONG ? 3 : f == FMT_PAE ? 2 : 1;
}

/* Address of the entry for `linear` at `level`, creating tables above it on the way. */
static uint64_t entry_slot(const struct guest_paging *pg, enum fmt f, uint64_t linear,
                           unsigned level, uint64_t table_flags)
{
    uint64_t table = f == FMT_PAE ? pg->cr3 & 0xffffffe0u : pg->cr3 & ~0xfffull;
    unsigned mask = f == FMT_32 ? 0x3ff : 0x1ff;

    for (unsigned l = top_level(f);; l--) {
        uint64_t slot = table + ((linear >> shift_of(f, l)) & mask) * entry_size(f);
        uint64_t e = get_entry(f, slot);
        if (l == level)
            return slot;
        if (!(e & PTE_P)) {
            /* Legacy PAE PDPTEs hold only P and the address. */
            e = alloc_table() | (f == FMT_PAE && l == 2 ? PTE_P : table_flags);
            set_entry(f, slot, e);
        }
        table = e & (f == FMT_32 ? 0xfffff000u : PTE_ADDR_MASK);
    }
}

/* Maps the page of `level` (0: 4 KiB, 1: 2/4 MiB, 2: 1 GiB) at linear to target. */
static void map(const struct guest_paging *pg, enum fmt f, uint64_t linear, uint64_t target,
                unsigned level, uint64_t flags)
{
    uint64_t slot = entry_slot(pg, f, linear, level, PTE_P | PTE_W | PTE_U);

    set_entry(f, slot, target | flags | (level ? PTE_PS : 0));
}

static int walk(const struct guest_paging *pg, uint64_t linear, unsigned access, uint64_t *gpa,
                struct guest_fault *fault)
{
    *gpa = ~0ull;
    *fault = (struct guest_fault){0};
    return guest_walk(pg, &mem, linear, access, gpa, fault);
}

/* True if the walk fails with a #PF carrying exactly `error` at `linear`. */
static bool page_fault(const struct guest_paging *pg, uint64_t linear, unsigned access,
                       uint32_t error)
{
    struct guest_fault fault;
    uint64_t gpa;
    int rc = walk(pg, linear, access, &gpa, &fault);

    if (rc != GUEST_WALK_PAGE_FAULT || fault.error != error || fault.addr != linear) {
        printf("  walk of %#llx: rc %d error %#x addr %#llx (expected #PF %#x)\n",
               (unsigned long long)linear, rc, fault.error, (unsigned long long)fault.addr, error);
        return false;
    }
    return true;
}

static bool translates(const struct guest_paging *pg, uint64_t linear, unsigned access,
                       uint64_t want)
{
    struct guest_fault fault;
    uint64_t gpa;
    int rc = walk(pg, linear, access, &gpa, &fault);

    if (rc != GUEST_WALK_OK || gpa != want) {
        printf("  walk of %#llx: rc %d gpa %#llx error %#x (expected %#llx)\n",
               (unsigned long long)linear, rc, (unsigned long long)gpa, fault.error,
               (unsigned long long)want);
        return false;
    }
    return true;
}

#define RW (PTE_P | PTE_W)
#define URW (PTE_P | PTE_W | PTE_U)

static void without_paging_linear_is_physical(void)
{
    struct guest_paging pg = setup(FMT_32);

    pg.cr0 = X86_CR0_PE;
    CHECK(translates(&pg, 0x12345678, GUEST_ACCESS_WRITE, 0x12345678));
    CHECK(translates(&pg, 0x100000123ull, GUEST_ACCESS_READ, 0x123));
}

static void long_mode_maps_4k_2m_and_1g_pages(void)
{
    struct guest_paging pg = setup(FMT_LONG);

    map(&pg, FMT_LONG, 0xffff800000001000ull, 0x5000, 0, URW);
    map(&pg, FMT_LONG, 0x40000000ull + 0x200000, 0x600000, 1, RW);
    map(&pg, FMT_LONG, 0x7f8000000000ull, 0x3c0000000ull, 2, URW);
    CHECK(translates(&pg, 0xffff800000001abcull, GUEST_ACCESS_WRITE | GUEST_ACCESS_USER, 0x5abc));
    CHECK(translates(&pg, 0x40000000ull + 0x2fedcb, GUEST_ACCESS_WRITE, 0x6fedcb));
    CHECK(translates(&pg, 0x7f8000000000ull + 0x3ffffff8, GUEST_ACCESS_USER,
                     0x3c0000000ull + 0x3ffffff8));
    /* PCID bits and the no-flush bit in CR3 are not part of the root. */
    pg.cr3 |= 0x8000000000000123ull;
    CHECK(translates(&pg, 0xffff800000001abcull, GUEST_ACCESS_READ, 0x5abc));
}

static void pae_maps_4k_and_2m_pages(void)
{
    struct guest_paging pg = setup(FMT_PAE);

    map(&pg, FMT_PAE, 0xc0001000u, 0x7000, 0, URW);
    map(&pg, FMT_PAE, 0x00400000u, 0x800000, 1, URW);
    CHECK(translates(&pg, 0xc0001ffc, GUEST_ACCESS_WRITE, 0x7ffc));
    CHECK(translates(&pg, 0x00512345, GUEST_ACCESS_READ, 0x912345));
    /* Outside long mode the linear address is 32 bits. */
    CHECK(translates(&pg, 0x1c0001ffcull, GUEST_ACCESS_READ, 0x7ffc));
}

static void legacy_32bit_maps_4k_and_pse_4m_pages(void)
{
    struct guest_paging pg = setup(FMT_32);

    map(&pg, FMT_32, 0xc0001000u, 0x9000, 0, URW);
    CHECK(translates(&pg, 0xc0001004, GUEST_ACCESS_WRITE, 0x9004));
    /* PSE: a 4 MiB page, with PSE-36 bits 20:13 giving physical bits 39:32. */
    pg.cr4 |= CR4_PSE;
    map(&pg, FMT_32, 0x80000000u, 0xc00000 | (0x12ull << 13), 1, URW);
    CHECK(translates(&pg, 0x80123456u, GUEST_ACCESS_READ, 0x1200c00000ull + 0x123456));
    /* Without CR4.PSE the PS bit is ignored and the entry points to a page table. */
    pg.cr4 &= ~CR4_PSE;
    map(&pg, FMT_32, 0x00800000u, 0, 1, URW);     /* PDE with PS pointing at page 0 */
    set_entry(FMT_32, 0x0 + 5 * 4, 0x3000 | URW); /* ... whose entry 5 maps 0x3000 */
    CHECK(translates(&pg, 0x00805010u, GUEST_ACCESS_READ, 0x3010));
}

static void missing_entries_fault_at_every_level(void)
{
    struct guest_paging pg = setup(FMT_LONG);
    const unsigned uw = GUEST_ACCESS_USER | GUEST_ACCESS_WRITE;

    CHECK(page_fault(&pg, 0x1000, uw, PF_ERR_USER | PF_ERR_WRITE)); /* empty PML4 */
    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW);
    CHECK(page_fault(&pg, 0x8000000000ull, GUEST_ACCESS_READ, 0));  /* next PML4E */
    CHECK(page_fault(&pg, 0x40000000ull, GUEST_ACCESS_READ, 0));    /* next PDPTE */
    CHECK(page_fault(&pg, 0x200000ull, GUEST_ACCESS_READ, 0));      /* next PDE */
    CHECK(page_fault(&pg, 0x2000, uw, PF_ERR_USER | PF_ERR_WRITE)); /* next PTE */
    CHECK(translates(&pg, 0x1000, uw, 0x5000));
}

static void reserved_bits_fault_with_rsvd(void)
{
    const uint32_t rsvd = PF_ERR_PRESENT | PF_ERR_RSVD;
    struct guest_paging pg = setup(FMT_LONG);
    uint64_t pte, pde;

    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW);
    pte = entry_slot(&pg, FMT_LONG, 0x1000, 0, 0);
    *slot_u64(pte) |= 1ull << 48; /* above MAXPHYADDR */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_READ, rsvd));
    pg.maxphyaddr = 52;
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_READ, (1ull << 48) | 0x5000));
    *slot_u64(pte) = 0x5000 | URW | PTE_NX;
    pg.efer &= ~EFER_NXE; /* NX is reserved without EFER.NXE */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_WRITE, rsvd | PF_ERR_WRITE));
    pg.efer |= EFER_NXE;
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_READ, 0x5000));
    *slot_u64(pg.cr3) |= PTE_PS; /* PS in a PML4E */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_READ, rsvd));

    pg = setup(FMT_LONG);
    map(&pg, FMT_LONG, 0x200000, 0x400000 | (1ull << 13), 1, URW); /* 2 MiB, bit 13 */
    CHECK(page_fault(&pg, 0x200000, GUEST_ACCESS_READ, rsvd));
    pde = entry_slot(&pg, FMT_LONG, 0x200000, 1, 0);
    *slot_u64(pde) = 0x400000 | URW | PTE_PS | (1ull << 12); /* bit 12 is PAT: fine */
    CHECK(translates(&pg, 0x200000, GUEST_ACCESS_READ, 0x400000));
    map(&pg, FMT_LONG, 0x40000000, 0x40000000 | (1ull << 29), 2, URW); /* 1 GiB, bit 29 */
    CHECK(page_fault(&pg, 0x40000000, GUEST_ACCESS_READ, rsvd));

    pg = setup(FMT_PAE);
    map(&pg, FMT_PAE, 0x1000, 0x5000, 0, URW);
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_READ, 0x5000));
    *slot_u64(pg.cr3) |= PTE_W; /* a legacy PAE PDPTE has no R/W bit */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_READ, rsvd));

    pg = setup(FMT_32);
    pg.cr4 |= CR4_PSE;
    pg.maxphyaddr = 36;
    map(&pg, FMT_32, 0x400000, 0x400000 | (1ull << 21), 1, URW); /* bit 21 is reserved */
    CHECK(page_fault(&pg, 0x400000, GUEST_ACCESS_READ, rsvd));
    map(&pg, FMT_32, 0x400000, 0x400000 | (0x10ull << 13), 1, URW); /* physical bit 36 */
    CHECK(page_fault(&pg, 0x400000, GUEST_ACCESS_READ, rsvd));
    map(&pg, FMT_32, 0x400000, 0x400000 | (0x8ull << 13), 1, URW); /* physical bit 35 */
    CHECK(translates(&pg, 0x400000, GUEST_ACCESS_READ, 0x800400000ull));
}

static void write_protection_honours_cr0_wp(void)
{
    struct guest_paging pg = setup(FMT_LONG);
    const uint32_t prot = PF_ERR_PRESENT | PF_ERR_WRITE;

    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, PTE_P | PTE_U); /* read-only leaf */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_WRITE, prot));
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_WRITE | GUEST_ACCESS_USER, prot | PF_ERR_USER));
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_READ | GUEST_ACCESS_USER, 0x5000));
    pg.cr0 &= ~X86_CR0_WP; /* the supervisor may write read-only pages */
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_WRITE, 0x5000));
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_WRITE | GUEST_ACCESS_USER, prot | PF_ERR_USER));
    /* Read-only at an upper level covers the whole range below it. */
    pg = setup(FMT_LONG);
    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW);
    *slot_u64(entry_slot(&pg, FMT_LONG, 0x1000, 1, 0)) &= ~PTE_W;
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_WRITE, prot));
}

static void user_access_needs_user_at_every_level(void)
{
    struct guest_paging pg = setup(FMT_LONG);

    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW);
    *slot_u64(entry_slot(&pg, FMT_LONG, 0x1000, 2, 0)) &= ~PTE_U; /* PDPTE */
    CHECK(page_fault(&pg, 0x1000, GUEST_ACCESS_USER, PF_ERR_PRESENT | PF_ERR_USER));
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_WRITE, 0x5000));
}

static void no_execute_smep_and_smap(void)
{
    struct guest_paging pg = setup(FMT_LONG);
    const unsigned fetch = GUEST_ACCESS_FETCH;

    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW | PTE_NX);
    map(&pg, FMT_LONG, 0x2000, 0x6000, 0, URW);
    CHECK(page_fault(&pg, 0x1000, fetch, PF_ERR_PRESENT | PF_ERR_FETCH));
    CHECK(translates(&pg, 0x1000, GUEST_ACCESS_READ, 0x5000));
    CHECK(page_fault(&pg, 0x3000, fetch, PF_ERR_FETCH)); /* not present, still I/D */
    /* SMEP: the supervisor may not execute user pages. */
    CHECK(translates(&pg, 0x2000, fetch, 0x6000));
    pg.cr4 |= CR4_SMEP;
    CHECK(page_fault(&pg, 0x2000, fetch, PF_ERR_PRESENT | PF_ERR_FETCH));
    CHECK(translates(&pg, 0x2000, fetch | GUEST_ACCESS_USER, 0x6000));
    /* SMAP: nor read or write them unless RFLAGS.AC is set. */
    CHECK(translates(&pg, 0x2000, GUEST_ACCESS_WRITE, 0x6000));
    pg.cr4 |= CR4_SMAP;
    CHECK(page_fault(&pg, 0x2000, GUEST_ACCESS_WRITE, PF_ERR_PRESENT | PF_ERR_WRITE));
    pg.rflags |= RFLAGS_AC;
    CHECK(translates(&pg, 0x2000, GUEST_ACCESS_WRITE, 0x6000));
    /* Legacy 32-bit paging has no NX: a fetch fault does not say I/D (without SMEP). */
    pg = setup(FMT_32);
    pg.efer = EFER_NXE;
    CHECK(page_fault(&pg, 0x1000, fetch, 0));
}

static void bad_addresses_and_tables_outside_ram(void)
{
    struct guest_paging pg = setup(FMT_LONG);
    struct guest_fault fault;
    uint64_t gpa;

    CHECK(walk(&pg, 0x0000800000000000ull, GUEST_ACCESS_READ, &gpa, &fault) ==
          GUEST_WALK_NONCANONICAL);
    CHECK(walk(&pg, 0xffff7fffffffffffull, GUEST_ACCESS_READ, &gpa, &fault) ==
          GUEST_WALK_NONCANONICAL);
    pg.cr3 = 0x40000000; /* beyond RAM */
    CHECK(walk(&pg, 0x1000, GUEST_ACCESS_READ, &gpa, &fault) == GUEST_WALK_NOT_RAM);
    CHECK(fault.addr == 0x40000000);
    pg = setup(FMT_LONG);
    map(&pg, FMT_LONG, 0x1000, 0x5000, 0, URW);
    *slot_u64(entry_slot(&pg, FMT_LONG, 0x1000, 1, 0)) = 0x7ffff000ull | URW; /* PT off RAM */
    CHECK(walk(&pg, 0x1000, GUEST_ACCESS_READ, &gpa, &fault) == GUEST_WALK_NOT_RAM);
    CHECK(fault.addr == 0x7ffff000ull + 8); /* the PTE it could not read */
}

static void fetch_crosses_a_page_boundary_and_stops_at_a_fault(void)
{
    /* movl $0x12345678, 0x10(%rip): 10 bytes, split 4 + 6 over two pages that are not
     * adjacent in guest-physical memory. */
    static const uint8_t insn_bytes[] = {0xc7, 0x05, 0x10, 0x00, 0x00,
                                         0x00, 0x78, 0x56, 0x34, 0x12};
    struct guest_paging pg = setup(FMT_LONG);
    struct guest_fault fault;
    uint8_t buf[15];
    struct insn in;
    size_t got;

    map(&pg, FMT_LONG, 0x400000, 0x9000, 0, URW);
    map(&pg, FMT_LONG, 0x401000, 0x3000, 0, URW);
    memcpy(ram + 0x9ffc, insn_bytes, 4);
    memcpy(ram + 0x3000, insn_bytes + 4, 6);
    CHECK(guest_fetch(&pg, &mem, 0x400ffc, false, buf, &got, &fault) == GUEST_WALK_OK);
    CHECK(got == 15 && memcmp(buf, insn_bytes, sizeof(insn_bytes)) == 0);
    CHECK(insn_decode(buf, got, CPU_MODE_64, &in) == 10 && in.imm == 0x12345678);

    /* The second page goes: the first four bytes arrive, the fault names the next page. */
    *slot_u64(entry_slot(&pg, FMT_LONG, 0x401000, 0, 0)) = 0;
    CHECK(guest_fetch(&pg, &mem, 0x400ffc, true, buf, &got, &fault) == GUEST_WALK_PAGE_FAULT);
    CHECK(got == 4 && fault.addr == 0x401000 && fault.error == (PF_ERR_USER | PF_ERR_FETCH));
    CHECK(insn_decode(buf, got, CPU_MODE_64, &in) == -INSN_E_TRUNCATED);
    /* A fault on the first page fetches nothing. */
    CHECK(guest_fetch(&pg, &mem, 0x401000, false, buf, &got, &fault) == GUEST_WALK_PAGE_FAULT);
    CHECK(got == 0 && fault.addr == 0x401000);
    /* Code in a page that is not RAM (say, MMIO) is reported as such. */
    map(&pg, FMT_LONG, 0x402000, 0x7fff0000ull, 0, URW);
    CHECK(guest_fetch(&pg, &mem, 0x402000, false, buf, &got, &fault) == GUEST_WALK_NOT_RAM);
    CHECK(got == 0 && fault.addr == 0x7fff0000ull);
}

static void fetch_wraps_at_4g_outside_long_mode(void)
{
    struct guest_paging pg = setup(FMT_32);
    struct guest_fault fault;
    uint8_t buf[15];
    size_t got;

    map(&pg, FMT_32, 0xfffff000u, 0x9000, 0, URW);
    map(&pg, FMT_32, 0x00000000u, 0xa000, 0, URW);
    memset(ram + 0x9ffa, 0xaa, 6);
    memset(ram + 0xa000, 0xbb, 9);
    CHECK(guest_fetch(&pg, &mem, 0xfffffffau, false, buf, &got, &fault) == GUEST_WALK_OK);
    CHECK(got == 15 && buf[5] == 0xaa && buf[6] == 0xbb && buf[14] == 0xbb);
    /* A fault after the wrap names the low address, as CR2 would. */
    *(uint32_t *)(ram + entry_slot(&pg, FMT_32, 0, 0, 0)) = 0;
    CHECK(guest_fetch(&pg, &mem, 0xfffffffau, false, buf, &got, &fault) == GUEST_WALK_PAGE_FAULT);
    CHECK(got == 6 && fault.addr == 0 && fault.error == 0);
}

static uint32_t next_random(void)
{
    static uint32_t seed = 7;

    seed = seed * 1664525u + 1013904223u;
    return seed;
}

/* Many random mappings of every size in every format each translate where they were put. */
static void random_mappings_translate_where_they_were_mapped(void)
{
    static const enum fmt fmts[] = {FMT_32, FMT_PAE, FMT_LONG};
    unsigned checked = 0;

    for (unsigned fi = 0; fi < 3; fi++) {
        enum fmt f = fmts[fi];
        struct guest_paging pg = setup(f);
        unsigned region_shift = shift_of(f, f == FMT_LONG ? 2 : 1);
        struct {
            uint64_t linear, target, size;
        } maps[64];
        unsigned n = 0;

        pg.cr4 |= CR4_PSE;
        while (n < 64 && next_table < RAM_SIZE - 0x10000) {
            unsigned level = next_random() % (f == FMT_LONG ? 3 : 2);
            uint64_t size = 1ull << shift_of(f, level);
            uint64_t space = f == FMT_LONG ? 1ull << 47 : 1ull << 32;
            uint64_t r = ((uint64_t)next_random() << 32) | next_random();
            uint64_t linear = (r % space) & ~(size - 1);
            uint64_t target = ((r >> 7) % (1ull << (f == FMT_32 ? 32 : 34))) & ~(size - 1);
            bool clash = false;

            /* One mapping per largest-page region: a large leaf never replaces a table. */
            for (unsigned i = 0; i < n; i++)
                clash |= linear >> region_shift == maps[i].linear >> region_shift;
            if (clash)
                continue;
            map(&pg, f, linear, target, level, URW);
            maps[n].linear = linear, maps[n].target = target, maps[n].size = size, n++;
        }
        for (unsigned i = 0; i < n; i++) {
            uint64_t off = (maps[i].size - 1) & ((uint64_t)i * 0x9e3779b97f4a7c15ull);
            uint64_t linear = maps[i].linear + off;

            if (f == FMT_LONG && (linear & (1ull << 47)))
                linear |= 0xffff000000000000ull; /* canonical upper half */
            CHECK(translates(&pg, linear, GUEST_ACCESS_WRITE | GUEST_ACCESS_USER,
                             maps[i].target + off));
            checked++;
        }
    }
    printf("%u random mappings translated\n", checked);
    CHECK(checked > 100);
}

int main(void)
{
    ram = aligned_alloc(4096, RAM_SIZE);
    if (!ram)
        return 2;
    without_paging_linear_is_physical();
    long_mode_maps_4k_2m_and_1g_pages();
    pae_maps_4k_and_2m_pages();
    legacy_32bit_maps_4k_and_pse_4m_pages();
    missing_entries_fault_at_every_level();
    reserved_bits_fault_with_rsvd();
    write_protection_honours_cr0_wp();
    user_access_needs_user_at_every_level();
    no_execute_smep_and_smap();
    bad_addresses_and_tables_outside_ram();
    fetch_crosses_a_page_boundary_and_stops_at_a_fault();
    fetch_wraps_at_4g_outside_long_mode();
    random_mappings_translate_where_they_were_mapped();
    free(ram);
    return check_done("guest_walk_translates_and_faults_like_the_cpu");
}
