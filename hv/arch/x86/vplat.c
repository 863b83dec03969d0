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
#include "arch/mmio.h"
#include "arch/svm.h"
#include "vplat.h"

#define VPLAT_PAGES ((sizeof(struct vplat) + PAGE_SIZE - 1) / PAGE_SIZE)
#define FOUR_GIB 0x100000000ull

int arch_domain_init(struct domain *d, const struct vireo_domain_config *cfg)
{
    if (!(cfg->flags & VIREO_DOMCFG_PLATFORM))
        return 0;
    struct vplat *p = page_alloc(VPLAT_PAGES);
    if (!p)
        return -VIREO_ENOMEM;
    p->d = d;
    p->wallclock_ns = cfg->wallclock_ns;
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

void vplat_note_absent(struct vcpu *v, enum vplat_absent kind, uint64_t addr)
{
    static const char *const what[] = {
        [VPLAT_ABSENT_MMIO] = "MMIO at gpa 0x%lx (rip 0x%lx): absent, reads all-ones",
        [VPLAT_ABSENT_PORT] = "port 0x%lx (rip 0x%lx): absent, reads all-ones",
        [VPLAT_ABSENT_MSR] = "MSR 0x%lx (rip 0x%lx): absent, #GP",
    };
    char line[96];

    if (__atomic_fetch_or(&vplat_of(v)->absent_logged, 1u << kind, __ATOMIC_RELAXED) &
        (1u << kind))
        return;
    snprintf(line, sizeof(line), what[kind], (unsigned long)addr,
             (unsigned long)v->arch.vmcb->save.rip);
    hv_log("d%u: %s (first one only)", v->dom->id, line);
}

static int open_bus_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    vplat_note_absent(v, VPLAT_ABSENT_MMIO, gpa);
    *val = ~0ull;
    return 0;
}

static int open_bus_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    vplat_note_absent(v, VPLAT_ABSENT_MMIO, gpa);
    return 0;
}

static const struct mmio_ops open_bus_ops = {open_bus_read, open_bus_write};

bool vplat_mmio(struct vcpu *v, uint64_t gpa)
{
    const char *why = NULL;
    const struct mmio_ops *ops;

    if (ALIGN_DOWN(gpa, PAGE_SIZE) == VIREO_PLAT_IOAPIC_BASE)
        ops = &vioapic_mmio_ops;
    else if (gpa >= VIREO_PLAT_LOW_RAM_END && gpa < FOUR_GIB)
        ops = &open_bus_ops; /* the PCI hole: devices hv does not emulate are absent */
    else
        return false;
    if (mmio_emulate(v, gpa, ops, &why))
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at gpa 0x%lx rip 0x%lx", why,
                     (unsigned long)gpa, (unsigned long)v->arch.vmcb->save.rip);
    return true;
}
