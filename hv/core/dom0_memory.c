/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's view of physical memory: which RAM it owns, its identity nested page table
 * (everything but hv's memory, the domU pool and the foreign window), and the e820 map it
 * boots with. Both views come from one partition of the address space, so they agree.
 */
#include "hv/hv.h"
#include "hv/dom0.h"
#include "hv/mm.h"
#include "arch/apic.h"
#include "arch/npt.h"
#include "arch/x86.h"
#include "linux_boot.h"

#define MAX_DOM0_RANGES 32
#define MAX_POINTS (4 * BOOT_MAX_REGIONS + 2 * MAX_DOM0_RANGES + 8)

static struct mem_range dom0_ram[MAX_DOM0_RANGES];
static unsigned nr_dom0_ram;
static uint64_t dom0_pages;

uint64_t dom0_nr_pages(void)
{
    return dom0_pages;
}

static void sort_ranges(struct mem_range *r, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && r[j].start < r[j - 1].start; j--) {
            struct mem_range t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
}

/* Adds [s, e) minus the excluded ranges to dom0, until `*left` bytes are taken. */
static void take(uint64_t s, uint64_t e, const struct mem_range *ex, unsigned nex, uint64_t *left)
{
    for (unsigned i = 0; i < nex && s < e; i++) {
        if (ex[i].end <= s || ex[i].start >= e)
            continue;
        if (ex[i].start > s)
            take(s, ex[i].start, ex + i + 1, nex - i - 1, left);
        s = MAX(s, ex[i].end);
    }
    if (s >= e || !*left || nr_dom0_ram == MAX_DOM0_RANGES)
        return;
    e = MIN(e, s + *left);
    dom0_ram[nr_dom0_ram++] = (struct mem_range){s, e};
    *left -= e - s;
    dom0_pages += (e - s) >> PAGE_SHIFT;
}

unsigned dom0_plan_memory(const struct boot_info *bi, uint64_t want, const struct mem_range *exclude,
                          unsigned nr_exclude, const struct mem_range **ranges)
{
    struct mem_range ram[BOOT_MAX_REGIONS], ex[8];
    unsigned n = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++)
        if (bi->regions[i].type == BOOT_MEM_RAM)
            ram[n++] = (struct mem_range){ALIGN_UP(bi->regions[i].base, PAGE_SIZE),
                                          ALIGN_DOWN(bi->regions[i].base + bi->regions[i].len,
                                                     PAGE_SIZE)};
    sort_ranges(ram, n);
    HV_ASSERT(nr_exclude <= ARRAY_SIZE(ex));
    memcpy(ex, exclude, nr_exclude * sizeof(*ex));
    sort_ranges(ex, nr_exclude);
    want = ALIGN_DOWN(want, PAGE_SIZE);
    for (unsigned i = 0; i < n && want; i++)
        if (ram[i].end > ram[i].start)
            take(ram[i].start, ram[i].end, ex, nr_exclude, &want);
    *ranges = dom0_ram;
    return nr_dom0_ram;
}

bool dom0_owns(uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < nr_dom0_ram; i++)
        if (start >= dom0_ram[i].start && end <= dom0_ram[i].end)
            return true;
    return false;
}

/* ---- the address-space partition ------------------------------------------------- */

enum span_class { SPAN_HOLE, SPAN_RAM, SPAN_OTHER, SPAN_APIC };

struct span {
    uint64_t start, end;
    enum span_class cls;
    uint32_t e820_type; /* for SPAN_OTHER: the firmware's type, 0 for a gap */
};

static uint64_t phys_top(void)
{
    uint32_t r[4];
    cpuid_count(0x80000008, 0, r);
    unsigned bits = r[0] & 0xff;
    return bits >= 40 || bits == 0 ? GiB(1024) : 1ull << bits;
}

static bool inside_ram_region(const struct boot_info *bi, uint64_t s, uint64_t e, uint32_t *type)
{
    *type = 0;
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (s >= r->base && s < r->base + r->len)
            *type = r->type;
        if (r->type == BOOT_MEM_RAM && s >= r->base && e <= r->base + r->len)
            return true;
    }
    return false;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_points(uint64_t *p, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && cmp_u64(&p[j], &p[j - 1]) < 0; j--) {
            uint64_t t = p[j];
            p[j] = p[j - 1];
            p[j - 1] = t;
        }
}

/* Splits [0, top) where anything changes and classifies each piece. */
static unsigned partition(const struct boot_info *bi, struct span *out, unsigned max)
{
    static uint64_t pts[MAX_POINTS];
    unsigned np = 0, ns = 0;
    uint64_t top = phys_top();

    pts[np++] = 0;
    pts[np++] = top;
    pts[np++] = FOREIGN_WINDOW_GPA;
    pts[np++] = FOREIGN_WINDOW_GPA + FOREIGN_WINDOW_SIZE;
    pts[np++] = APIC_DEFAULT_BASE;
    pts[np++] = APIC_DEFAULT_BASE + PAGE_SIZE;
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        uint64_t s = bi->regions[i].base, e = s + bi->regions[i].len;
        pts[np++] = ALIGN_DOWN(s, PAGE_SIZE);
        pts[np++] = ALIGN_UP(s, PAGE_SIZE);
        pts[np++] = ALIGN_DOWN(e, PAGE_SIZE);
        pts[np++] = ALIGN_UP(e, PAGE_SIZE);
    }
    for (unsigned i = 0; i < nr_dom0_ram; i++) {
        pts[np++] = dom0_ram[i].start;
        pts[np++] = dom0_ram[i].end;
    }
    sort_points(pts, np);
    for (unsigned i = 0; i + 1 < np; i++) {
        uint64_t s = pts[i], e = pts[i + 1];
        if (s == e || s >= top)
            continue;
        e = MIN(e, top);
        struct span sp = {s, e, SPAN_OTHER, 0};
        uint32_t type;
        bool ram = inside_ram_region(bi, s, e, &type);
        if (s == APIC_DEFAULT_BASE)
            sp.cls = SPAN_APIC, sp.e820_type = type; /* read-only: ICR writes must trap */
        else if (s >= FOREIGN_WINDOW_GPA && e <= FOREIGN_WINDOW_GPA + FOREIGN_WINDOW_SIZE)
            sp.cls = SPAN_HOLE, sp.e820_type = BOOT_MEM_RESERVED;
        else if (dom0_owns(s, e))
            sp.cls = SPAN_RAM, sp.e820_type = BOOT_MEM_RAM;
        else if (ram)
            sp.cls = SPAN_HOLE, sp.e820_type = BOOT_MEM_RESERVED; /* hv or the domU pool */
        else
            sp.e820_type = type == BOOT_MEM_RAM ? BOOT_MEM_RESERVED : type; /* partial RAM page */
        if (ns && out[ns - 1].end == s && out[ns - 1].cls == sp.cls &&
            out[ns - 1].e820_type == sp.e820_type)
            out[ns - 1].end = e;
        else if (ns < max)
            out[ns++] = sp;
        else
            hv_fatal("dom0 memory map too fragmented");
    }
    return ns;
}

static void map_span(struct npt *npt, const struct span *sp)
{
    static const uint64_t sizes[] = {HUGE_PAGE_SIZE, LARGE_PAGE_SIZE, PAGE_SIZE};
    uint64_t flags = sp->cls == SPAN_RAM ? NPT_RW | NPT_RAM : sp->cls == SPAN_APIC ? NPT_READ : NPT_RW;

    for (uint64_t a = sp->start; a < sp->end;) {
        for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
            if (!IS_ALIGNED(a, sizes[i]) || a + sizes[i] > sp->end)
                continue;
            if (npt_map(npt, a, a, sizes[i], flags))
                hv_fatal("cannot build dom0's nested page table at 0x%lx", (unsigned long)a);
            a += sizes[i];
            break;
        }
    }
}

static struct span spans[4 * BOOT_MAX_REGIONS + 64];

void dom0_build_npt(const struct boot_info *bi, struct npt *npt)
{
    unsigned n = partition(bi, spans, ARRAY_SIZE(spans));
    for (unsigned i = 0; i < n; i++)
        if (spans[i].cls != SPAN_HOLE)
            map_span(npt, &spans[i]);
}

unsigned dom0_build_e820(const struct boot_info *bi, struct lb_e820 *e820, unsigned max)
{
    unsigned n = partition(bi, spans, ARRAY_SIZE(spans)), ne = 0;
    uint64_t map_end = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++)
        map_end = MAX(map_end, bi->regions[i].base + bi->regions[i].len);
    for (unsigned i = 0; i < n; i++) {
        const struct span *sp = &spans[i];
        bool window = sp->start >= FOREIGN_WINDOW_GPA &&
                      sp->end <= FOREIGN_WINDOW_GPA + FOREIGN_WINDOW_SIZE;
        if (!sp->e820_type || (sp->start >= map_end && !window))
            continue;
        if (ne && e820[ne - 1].addr + e820[ne - 1].size == sp->start &&
            e820[ne - 1].type == sp->e820_type) {
            e820[ne - 1].size += sp->end - sp->start;
            continue;
        }
        if (ne == max)
            hv_fatal("dom0 e820 map has more than %u entries", max);
        e820[ne++] = (struct lb_e820){sp->start, sp->end - sp->start, sp->e820_type};
    }
    return ne;
}
