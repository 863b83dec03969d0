/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting dom0 (Debian's stock bzImage through the 64-bit boot protocol) as the
 * passthrough domain on CPU 0, running it, and the services only dom0 uses: physical
 * information and foreign mappings of domU memory into its window.
 */
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/cmdline.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "arch/acpi.h"
#include "arch/npt.h"
#include "linux_boot.h"

#define BOOTDOM_TAG "vireo.domain"
#define FOREIGN_MAX_FRAMES (1u << 18) /* per call */

static struct domain *dom0;

/* dom0's kernel and initrd: the first two modules that are not boot-time domains. */
static const struct boot_module *dom0_module(const struct boot_info *bi, unsigned nth)
{
    for (unsigned i = 0; i < bi->nr_modules; i++)
        if (!cmdline_first_word_is(bi->modules[i].cmdline, BOOTDOM_TAG) && nth-- == 0)
            return &bi->modules[i];
    return NULL;
}

bool dom0_configured(const struct boot_info *bi)
{
    return dom0_module(bi, 0) != NULL;
}

static bool overlaps(uint64_t s, uint64_t e, uint64_t s2, uint64_t e2)
{
    return s < e2 && s2 < e;
}

/* Is [s, e) dom0 RAM that no boot module or hv structure still occupies? */
static bool free_for_dom0(const struct boot_info *bi, uint64_t s, uint64_t e)
{
    if (!dom0_owns(s, e))
        return false;
    for (unsigned i = 0; i < bi->nr_modules; i++)
        if (overlaps(s, e, bi->modules[i].start, bi->modules[i].end))
            return false;
    return !overlaps(s, e, bi->info_base, bi->info_base + bi->info_size);
}

/* Lowest aligned [addr - below, addr + size) at or above `from` that is free for dom0. */
static uint64_t find_space(const struct boot_info *bi, uint64_t from, uint64_t below, uint64_t size,
                           uint64_t align, uint64_t avoid_s, uint64_t avoid_e)
{
    for (uint64_t a = ALIGN_UP(MAX(from, below), align); a + size <= GiB(4); a += align)
        if (free_for_dom0(bi, a - below, a + size) && !overlaps(a - below, a + size, avoid_s, avoid_e))
            return a;
    return 0;
}

static int write_dom0(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    (void)ctx;
    if (!dom0_owns(ALIGN_DOWN(gpa, PAGE_SIZE), ALIGN_UP(gpa + len, PAGE_SIZE)))
        return -1;
    if (src)
        memmove(phys_to_virt(gpa), src, len);
    else
        memset(phys_to_virt(gpa), 0, len);
    return 0;
}

static struct domain *create_dom0(void)
{
    struct vireo_domain_config cfg = {.name = "dom0", .nr_vcpus = 1, .max_pages = dom0_nr_pages()};
    int err;
    struct domain *d = domain_create(&cfg, true, &err);
    if (!d)
        hv_fatal("cannot create dom0 (error %d)", err);
    d->tot_pages = dom0_nr_pages();
    return d;
}

NORETURN void dom0_start(const struct boot_info *bi)
{
    const struct boot_module *kmod = dom0_module(bi, 0), *imod = dom0_module(bi, 1);
    const void *kimg = phys_to_virt(kmod->start);
    uint64_t ksize = kmod->end - kmod->start;
    static struct lb_e820 e820[LB_E820_MAX];
    struct lb_kernel k;
    struct vireo_vcpu_context ctx;
    const char *err;

    if (lb_parse(kimg, ksize, &k, &err))
        hv_fatal("dom0 kernel: %s", err);
    uint64_t load = find_space(bi, k.pref_address, LB_BOOT_AREA_SIZE, k.init_size,
                               MAX(k.kernel_alignment, (uint32_t)LARGE_PAGE_SIZE), 0, 0);
    if (!load)
        hv_fatal("no room in dom0's memory for its kernel (%u MiB needed)", k.init_size >> 20);

    struct lb_params p = {.load_addr = load, .boot_area = load - LB_BOOT_AREA_SIZE,
                          .cmdline = kmod->cmdline};
    if (imod) {
        p.initrd_size = imod->end - imod->start;
        p.initrd_addr = imod->start;
        if (!dom0_owns(ALIGN_DOWN(imod->start, PAGE_SIZE), ALIGN_UP(imod->end, PAGE_SIZE)) ||
            overlaps(imod->start, imod->end, p.boot_area, load + k.init_size)) {
            /* Out of dom0's reach where GRUB put it: copy it into dom0's memory. */
            p.initrd_addr = find_space(bi, MiB(1), 0, ALIGN_UP(p.initrd_size, PAGE_SIZE), PAGE_SIZE,
                                       p.boot_area, load + k.init_size);
            if (!p.initrd_addr)
                hv_fatal("no room in dom0's memory for its initrd");
            memmove(phys_to_virt(p.initrd_addr), phys_to_virt(imod->start), p.initrd_size);
        }
    }
    p.e820 = e820;
    p.nr_e820 = dom0_build_e820(bi, e820, LB_E820_MAX);

    dom0 = create_dom0();
    dom0_build_npt(bi, &dom0->npt);
    acpi_hide_cpus_from_dom0(cpus[0].apic_id);
    if (lb_load(kimg, ksize, &k, &p, write_dom0, NULL, &ctx, &err))
        hv_fatal("dom0 kernel: %s", err);
    struct vcpu *v = dom0->vcpus[0];
    if (arch_vcpu_set_context(v, &ctx))
        hv_fatal("dom0: start context refused");
    v->state = VCPU_RUNNABLE;
    v->running = true;
    dom0->pause_count = 0;
    hv_have_dom0 = true;
    hv_log("dom0 started: %lu MiB, kernel at 0x%lx, initrd %lu KiB at 0x%lx, e820 %u entries",
           (unsigned long)(dom0_nr_pages() >> 8), (unsigned long)load,
           (unsigned long)(p.initrd_size >> 10), (unsigned long)p.initrd_addr, p.nr_e820);
    hv_log("dom0 command line: %s", kmod->cmdline);

    this_cpu()->current = v;
    arch_vcpu_switch_in(v);
    while (READ_ONCE(dom0->state) == DOM_RUNNING)
        arch_vcpu_run(v);
    hv_log("dom0 stopped: CPU 0 halts, domUs keep running unmanaged");
    halt_forever();
}

void dom0_fill_physinfo(struct vireo_physinfo *pi)
{
    pi->dom0_pages = dom0_nr_pages();
    pi->foreign_window_gfn = FOREIGN_WINDOW_GPA >> PAGE_SHIFT;
    pi->foreign_window_pages = FOREIGN_WINDOW_SIZE >> PAGE_SHIFT;
}

static bool window_range_ok(uint64_t gfn, uint64_t nr)
{
    uint64_t first = FOREIGN_WINDOW_GPA >> PAGE_SHIFT, count = FOREIGN_WINDOW_SIZE >> PAGE_SHIFT;
    return nr && nr <= FOREIGN_MAX_FRAMES && gfn >= first && gfn - first < count &&
           nr <= count - (gfn - first);
}

static void unmap_window(uint64_t dom0_gfn, uint64_t nr)
{
    for (uint64_t i = 0; i < nr; i++) {
        struct npt_unmapped u;
        if (npt_unmap(&dom0->npt, (dom0_gfn + i) << PAGE_SHIFT, &u))
            continue;
        /* dom0 runs only on this CPU, which flushes before dom0 resumes: nothing else
         * can walk these tables or reach the frame any more. */
        for (unsigned t = 0; t < u.nr_tables; t++)
            page_free(u.tables[t], 1);
        frame_ref_put(u.hpa >> PAGE_SHIFT);
    }
    __atomic_add_fetch(&dom0->npt_gen, 1, __ATOMIC_RELEASE); /* flushed before dom0 resumes */
}

/* (domid, gfn, nr, dom0_gfn) */
int64_t dom0_map_foreign(struct vcpu *caller, const uint64_t *a)
{
    (void)caller;
    uint64_t gfn = a[1], nr = a[2], dom0_gfn = a[3];
    int64_t rc = 0;

    if (!window_range_ok(dom0_gfn, nr) || gfn + nr < gfn)
        return -VIREO_EINVAL;
    struct domain *d = a[0] <= VIREO_DOMID_MAX ? domain_get((uint32_t)a[0]) : NULL;
    if (!d)
        return -VIREO_ESRCH;
    if (d->privileged || d->dying) {
        rc = d->privileged ? -VIREO_EPERM : -VIREO_ESRCH;
        domain_put(d);
        return rc;
    }
    uint64_t i;
    spin_lock(&d->lock);
    for (i = 0; i < nr && !rc; i++) {
        uint64_t flags, hpa = npt_translate(&d->npt, (gfn + i) << PAGE_SHIFT, &flags);
        if (hpa == ~0ull || !(flags & NPT_OWNED)) {
            rc = -VIREO_EFAULT;
        } else if (frame_ref_get(hpa >> PAGE_SHIFT)) {
            rc = -VIREO_EBUSY;
        } else if ((rc = npt_map(&dom0->npt, (dom0_gfn + i) << PAGE_SHIFT, hpa, PAGE_SIZE,
                                 NPT_RW))) {
            frame_ref_put(hpa >> PAGE_SHIFT);
        }
    }
    spin_unlock(&d->lock);
    if (rc)
        unmap_window(dom0_gfn, i - 1); /* all or nothing */
    domain_put(d);
    return rc;
}

/* (dom0_gfn, nr) */
int64_t dom0_unmap_foreign(struct vcpu *caller, const uint64_t *a)
{
    (void)caller;
    if (!window_range_ok(a[0], a[1]))
        return -VIREO_EINVAL;
    unmap_window(a[0], a[1]);
    return 0;
}
