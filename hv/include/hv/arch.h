/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything hv/core calls in hv/arch, in one place: a reader sees the whole seam, and a
 * second architecture would implement exactly this. Arch state hangs off struct vcpu
 * (struct arch_vcpu) and struct domain (struct arch_domain).
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;
struct domain;
struct vireo_vcpu_context;
struct vireo_domain_config;

/* One-time setup shared by all vCPUs (I/O and MSR permission maps). */
void svm_global_init(void);

/* vCPUs. */
int arch_vcpu_init(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/* Context changes need the vCPU off every CPU (its domain paused). */
int arch_vcpu_set_context(struct vcpu *v, const struct vireo_vcpu_context *ctx);
void arch_vcpu_get_context(struct vcpu *v, struct vireo_vcpu_context *ctx);
/* Enters the guest once and handles the exit. */
void arch_vcpu_run(struct vcpu *v);
/* FPU/SSE/AVX state switch when a CPU changes vCPU. */
void arch_vcpu_switch_in(struct vcpu *v);
void arch_vcpu_switch_out(struct vcpu *v);

/* Domains: the guest platform of VIREO_DOMCFG_PLATFORM (docs/guest-platform.md).
 * init runs before the vCPUs exist; destroy once no vCPU runs. */
int arch_domain_init(struct domain *d, const struct vireo_domain_config *cfg);
void arch_domain_destroy(struct domain *d);
/* Does vCPU v start when the builder gives it a context? (Platform APs wait for
 * INIT/SIPI from the guest instead.) */
bool arch_vcpu_starts_at_boot(const struct vcpu *v);

/* The platform context (VIREO_HC_PLATFORM_{GET,SET}_CONTEXT); the domain is paused.
 * size: its bytes now, or -VIREO_EINVAL for a domain without the platform; get writes
 * exactly that many; set checks everything, then loads: 0 or -VIREO_EINVAL. */
int64_t arch_platform_context_size(struct domain *d);
void arch_platform_context_get(struct domain *d, void *buf);
int arch_platform_context_set(struct domain *d, const void *buf, size_t len);

/* The device model of a platform domain (VIREO_HC_IOREQ_*, arch/x86/vdm.c): attach the
 * page `caller` shares (its RAM; dom0 is identity mapped), detach (crashing the domain if
 * it runs), complete a vCPU's request, drive a GSI. Results as the public header says. */
int arch_dm_attach(struct domain *d, struct domain *caller, uint64_t page_gpa);
int arch_dm_detach(struct domain *d);
int arch_dm_complete(struct domain *d, uint32_t vcpu);
int arch_dm_set_irq(struct domain *d, uint32_t gsi, uint32_t level);

#endif
