/* SPDX-License-Identifier: GPL-2.0-only */
/* Application processor bring-up: INIT-SIPI-SIPI through the trampoline, one CPU at a time. */
#include "hv/hv.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "hv/setup.h"
#include "hv/time.h"
#include "hv/sched.h"
#include "arch/acpi.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/trampoline.h"
#include "arch/x86.h"

#define AP_STACK_PAGES 4

struct cpu cpus[HV_MAX_CPUS];
unsigned nr_cpus = 1;
static volatile bool released;

NORETURN void hv_start_ap(unsigned index);

NORETURN void hv_start_ap(unsigned index)
{
    struct cpu *c = &cpus[index];

    cpu_init(c);
    apic_init_cpu();
    WRITE_ONCE(c->online, true);
    while (!READ_ONCE(released))
        cpu_relax();
    sched_run_cpu();
}

static bool start_ap(unsigned index, uint32_t apic)
{
    struct cpu *c = &cpus[index];
    void *stack = page_alloc(AP_STACK_PAGES);
    struct trampoline_vars *vars =
        phys_to_virt(TRAMPOLINE_BASE + (tramp_vars - trampoline_start));

    if (!stack)
        return false;
    c->index = index;
    c->apic_id = apic;
    c->stack_top = (uint64_t)stack + AP_STACK_PAGES * PAGE_SIZE;
    vars->cr3 = hv_cr3;
    vars->stack = c->stack_top;
    vars->entry = (uint64_t)hv_start_ap;
    vars->cpu = index;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    apic_send_init(apic);
    time_udelay(10000);
    for (int i = 0; i < 2 && !READ_ONCE(c->online); i++) {
        apic_send_sipi(apic, TRAMPOLINE_BASE >> 12);
        time_udelay(200);
    }
    for (int ms = 0; ms < 1000 && !READ_ONCE(c->online); ms++)
        time_udelay(1000);
    if (!READ_ONCE(c->online)) {
        page_free(stack, AP_STACK_PAGES);
        hv_log("CPU with APIC ID %u did not start", apic);
        return false;
    }
    return true;
}

unsigned smp_boot(void)
{
    uint32_t ids[HV_MAX_CPUS];
    unsigned n = acpi_cpu_apic_ids(ids, HV_MAX_CPUS);

    memcpy(phys_to_virt(TRAMPOLINE_BASE), trampoline_start, trampoline_end - trampoline_start);
    for (unsigned i = 0; i < n && nr_cpus < HV_MAX_CPUS; i++) {
        if (ids[i] == cpus[0].apic_id)
            continue;
        if (start_ap(nr_cpus, ids[i]))
            nr_cpus++;
    }
    return nr_cpus;
}

void smp_release(void)
{
    WRITE_ONCE(released, true);
}
