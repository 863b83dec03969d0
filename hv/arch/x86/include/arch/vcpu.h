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
    struct vmcb *vmcb_entered; /* dom0 only: its VMCB as last entered (svm.c, reentry) */
    struct guest_regs regs;
    void *xsave;          /* 64-byte aligned XSAVE area for the guest's FPU/SSE/AVX state */
    uint64_t xcr0;        /* the guest's XCR0 */
    uint64_t uid;         /* unique over hv's lifetime: decides TLB flushes */
    uint64_t npt_gen;     /* domain NPT generation this vCPU's TLB reflects */
    uint64_t tsc_aux;     /* the guest's TSC_AUX (RDTSCP), loaded while it holds the CPU */
    bool initialised;     /* has a context: may run when online */
};

/* Its functions are declared with the rest of the core/arch seam in hv/arch.h. */
#include "hv/arch.h"

#endif
