/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest platform of a VIREO_DOMCFG_PLATFORM domain as a whole: creating and freeing
 * its devices, who starts at boot (vCPU 0; the others wait for INIT/SIPI), and the
 * guest-physical map outside RAM (the IOAPIC; the rest of the MMIO hole reads as an
 * empty bus). Each device lives in its own file (vplat.h).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/time.h"
#include "arch/mmio.h"
#include "arch/svm.h"
#include "vplat.h"

#define VPLAT_PAGES ((sizeof(struct vplat) + PAGE_SIZE - 1) / PAGE_SIZE)

int arch_domain_init(struct domain *d, const struct vireo_domain_config *cfg)
{
    if (!(cfg->flags & VIREO_DOMCFG_PLATFORM))
        return 0;
    struct vplat *p = page_alloc(VPLAT_PAGES);
    if (!p)
        return -VIREO_ENOMEM;
    p->d = d;
    p->host_wallclock_ns = p->wallclock_ns = cfg->wallclock_ns;
    p->anchor_tsc = hv_time.tsc_base; /* guest time is hv time until a clock loads */
    vioapic_reset(&p->ioapic);
    vuart_reset(&p->uart);
    d->arch.plat = p;
    return 0;
}

/* Each vLAPIC starts as after RESET (vlapic_reset needs the vCPU, so it runs here). */
void vplat_vcpu_init(struct vcpu *v)
{
    if (v->dom->arch.plat)
        vlapic_reset(v);
}

void arch_domain_destroy(struct domain *d)
{
    page_free(d->arch.plat, VPLAT_PAGES);
    d->arch.plat = NULL;
}

bool arch_vcpu_starts_at_boot(const struct vcpu *v)
{
    return !v->dom->arch.plat || v->id == 0;
}

bool vplat_mmio(struct vcpu *v, uint64_t gpa)
{
    const char *why = NULL;
    const struct mmio_ops *ops;

    if (vdm_window(v, gpa)) {
        vdm_mmio(v, gpa);
        return true;
    }
    if (ALIGN_DOWN(gpa, PAGE_SIZE) == VIREO_PLAT_IOAPIC_BASE)
        ops = &vioapic_mmio_ops;
    else if (vplat_mmio_hole(gpa))
        ops = &vplat_hole_ops; /* devices hv does not emulate are absent */
    else
        return false;
    if (mmio_emulate(v, gpa, ops, &why))
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at gpa 0x%lx rip 0x%lx", why,
                     (unsigned long)gpa, (unsigned long)v->arch.vmcb->save.rip);
    return true;
}
