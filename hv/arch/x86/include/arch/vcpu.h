/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86/SVM part of a vCPU. */
#ifndef HV_ARCH_VCPU_H
#define HV_ARCH_VCPU_H

#include <stdint.h>
#include <stdbool.h>

/* Guest registers VMRUN does not switch (RAX, RSP, RIP live in the VMCB). Order is ABI
 * with svm_entry.S. */
struct guest_regs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

struct vmcb;

struct arch_vcpu {
    struct vmcb *vmcb;
    uint64_t vmcb_pa;
    struct guest_regs regs;
    void *xsave;          /* 64-byte aligned XSAVE area for the guest's FPU/SSE/AVX state */
    uint64_t xcr0;        /* the guest's XCR0 */
    uint64_t uid;         /* unique over hv's lifetime: decides TLB flushes */
    uint64_t npt_gen;     /* domain NPT generation this vCPU's TLB reflects */
    bool initialised;     /* has a context: may run when online */
};

struct vcpu;
struct vireo_vcpu_context;

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
/* One-time setup shared by all vCPUs (I/O and MSR permission maps). */
void svm_global_init(void);

#endif
