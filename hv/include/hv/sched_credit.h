/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Credit accounting and the pick decision, free of CPUs and timers so that the host unit
 * tests run the very code hv runs. Callers hold the scheduler lock.
 */
#ifndef HV_SCHED_CREDIT_H
#define HV_SCHED_CREDIT_H

#include "hv/domain.h"

/* CPU time a capped domain may use per period (0: uncapped). */
uint64_t credit_cap_budget(const struct domain *d, uint64_t period_ns);
/* Charges ran_ns to v and its domain; parks the domain once its cap is used up. */
void credit_charge(struct vcpu *v, uint64_t ran_ns, uint64_t period_ns);
/*
 * Starts a period: the capacity of nr_cpus CPUs is shared among domains with vCPUs that
 * want to run (or ran last period) in proportion to weight, no domain getting more than
 * its active vCPUs can use or its cap allows; each active vCPU gets its domain's share
 * divided evenly. Balances stay within one period either way so nothing hoards.
 */
void credit_new_period(struct vcpu *const *vcpus, unsigned n, unsigned nr_cpus, uint64_t period_ns);
/* May v be given a CPU now? */
bool credit_eligible(const struct vcpu *v);
/* The eligible vCPU with the most credit in the run queue (first on ties), or NULL. */
struct vcpu *credit_pick(struct vcpu *runq);

#endif
