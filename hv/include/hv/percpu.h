/* SPDX-License-Identifier: GPL-2.0-only */
/* Per physical CPU state, reached through GS (this_cpu()). */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

#include "hv/hv.h"

struct vcpu;
struct domain;

struct cpu {
    struct cpu *self; /* at GS:0 so this_cpu() is one load */
    unsigned index;   /* 0 .. nr_cpus-1; CPU 0 is the boot CPU (dom0's) */
    uint32_t apic_id;
    bool online;
    uint64_t stack_top;

    /* Scheduler. */
    struct vcpu *current;     /* vCPU being run, NULL when idle */
    uint64_t last_vmrun_uid;  /* vCPU whose translations the TLB may hold */
    volatile bool need_resched;
    bool idle;
    uint64_t slice_end_ns;
    uint64_t timer_sched_ns; /* the scheduler's next event on this CPU (hv time) */
    uint64_t timer_armed_ns; /* what the physical timer is armed for; ~0 once it fired */
    uint64_t idle_ns;

    /* Guest mode (core/tlb.c): odd while this CPU is between VMRUN and #VMEXIT, running
     * a vCPU of guest_dom. */
    uint64_t guest_epoch;
    struct domain *guest_dom;

    /* SVM. */
    uint64_t hsave_pa;     /* VM_HSAVE_PA area */
    uint64_t host_vmcb_pa; /* VMSAVE/VMLOAD area for hv's own FS/GS/TR/... */

    /* Descriptor tables (filled by arch code). */
    uint64_t gdt[8];
    uint8_t tss[104] __attribute__((aligned(16)));
};

extern struct cpu cpus[HV_MAX_CPUS];
extern unsigned nr_cpus;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

#endif
