/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLB shootdown for a domain's nested page tables. A CPU in guest mode may hold
 * translations of its domain's NPT; once it leaves guest mode it flushes before running
 * that domain again (arch_vcpu_run compares npt_gen). So a frame or table page that left
 * a domain's NPT may be reused as soon as every CPU that was in guest mode for that
 * domain has left it once: tlb_shootdown() waits for exactly that, and nothing else.
 *
 * The wait is bounded: a CPU in guest mode leaves it at the next physical interrupt
 * (domU VMCBs intercept INTR) and tlb_shootdown() sends it one. A CPU running hv code is
 * never waited for, so two CPUs shooting down at once cannot wait on each other.
 */
#ifndef HV_TLB_H
#define HV_TLB_H

#include "hv/percpu.h"

struct domain;

/* Around VMRUN on this CPU (arch code): enter returns the domain's NPT generation the
 * entry must reflect; exit marks the CPU out of guest mode again. */
uint64_t tlb_guest_enter(struct cpu *c, struct domain *d);
void tlb_guest_exit(struct cpu *c);
/* Bumps d's NPT generation and returns once no CPU can use a translation d's nested
 * tables held before the call. Call it after removing mappings, before freeing what
 * they pointed to. Safe from any CPU, with interrupts masked. */
void tlb_shootdown(struct domain *d);

#endif
