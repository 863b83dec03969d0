/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The credit scheduler: multiplexes domU vCPUs over the CPUs dom0 does not own. Each
 * accounting period, active domains receive CPU time in proportion to their weight,
 * limited by their cap; a running vCPU burns its credit and the CPU picks the runnable
 * vCPU with the most credit. Decisions live in sched_credit.c (pure, unit-tested);
 * this interface is the glue with CPUs, timers and domains.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include "hv/hv.h"

struct vcpu;
struct domain;

#define SCHED_PERIOD_NS 30000000ull /* credit accounting period */
#define SCHED_SLICE_NS 10000000ull  /* longest run before the CPU reconsiders */
#define SCHED_DEFAULT_WEIGHT 256

void sched_init(unsigned first_domu_cpu, unsigned nr_domu_cpus);
/* Every vCPU is known to the scheduler from creation until its domain is freed. */
/* Fails with -VIREO_ENOSPC when the scheduler's table is full. */
int sched_add_vcpus(struct vcpu *const *v, unsigned n);
void sched_remove_vcpu(struct vcpu *v);
/* Runs vCPUs on this CPU forever. */
NORETURN void sched_run_cpu(void);

/* A vCPU may now run (created, unpaused, woken): put it on the run queue. */
void sched_wake(struct vcpu *v);
/* The current vCPU stops until sched_wake() or its deadline (0: none). */
void sched_block(struct vcpu *v, uint64_t deadline_ns);
void sched_yield(struct vcpu *v);
/* An interrupt is pending for v: wake it if it is blocked, make its next block return at
 * once if not, and get it out of guest mode if it runs on another CPU. */
void sched_kick_vcpu(struct vcpu *v);
/* The running vCPU needs this CPU back by deadline_ns (hv time; ~0: no need): arms the
 * physical timer for the earlier of that and the scheduler's own next event. */
void sched_guest_timer(uint64_t deadline_ns);
/* Wakes blocked vCPUs of d (an event arrived). */
void sched_notify_domain(struct domain *d);
/* Makes every CPU running one of d's vCPUs reschedule; with wait, until none does. */
void sched_kick_domain(struct domain *d, bool wait);
/* Domain state changed (pause, unpause, shutdown): requeue or drop its vCPUs. */
void sched_domain_changed(struct domain *d);
/* Pause count +1; returns once no vCPU of d is on a CPU. Must not be called by d. */
void sched_pause_domain(struct domain *d);
void sched_unpause_domain(struct domain *d);
void sched_timer_interrupt(void);
/* Take/release the scheduler lock around domain state changes. */
void sched_lock(void);
void sched_unlock(void);

#endif
