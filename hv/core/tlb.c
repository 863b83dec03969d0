/* SPDX-License-Identifier: GPL-2.0-only */
/* TLB shootdown for a domain's nested page tables (hv/tlb.h). */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/tlb.h"
#include "arch/apic.h"
#include "arch/x86.h"

/*
 * The two sides pair like Dekker's: enter makes the CPU's epoch odd, then reads npt_gen;
 * shootdown bumps npt_gen, then reads the epochs (both with full barriers). Either the
 * shootdown sees the CPU in guest mode and waits for it to leave, or the CPU sees the new
 * generation and flushes on entry.
 */
uint64_t tlb_guest_enter(struct cpu *c, struct domain *d)
{
    WRITE_ONCE(c->guest_dom, d);
    __atomic_add_fetch(&c->guest_epoch, 1, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&d->npt_gen, __ATOMIC_SEQ_CST);
}

void tlb_guest_exit(struct cpu *c)
{
    __atomic_add_fetch(&c->guest_epoch, 1, __ATOMIC_RELEASE);
}

void tlb_shootdown(struct domain *d)
{
    struct cpu *self = this_cpu();
    uint64_t seen[HV_MAX_CPUS];
    bool wait[HV_MAX_CPUS] = {false};

    __atomic_add_fetch(&d->npt_gen, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < nr_cpus; i++) {
        struct cpu *c = &cpus[i];
        if (c == self || !c->online)
            continue;
        seen[i] = __atomic_load_n(&c->guest_epoch, __ATOMIC_SEQ_CST);
        /* A CPU that entered another domain since flushed then: d's entries are gone. */
        if ((seen[i] & 1) && READ_ONCE(c->guest_dom) == d) {
            wait[i] = true;
            apic_send_ipi(c->apic_id, HV_VECTOR_KICK);
        }
    }
    for (unsigned i = 0; i < nr_cpus; i++)
        while (wait[i] && __atomic_load_n(&cpus[i].guest_epoch, __ATOMIC_ACQUIRE) == seen[i])
            cpu_relax();
}
