/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSRs a domU reaches through exits. Those VMLOAD/VMSAVE switch never get here (see
 * the MSR permission map in svm.c); anything unknown raises #GP in the guest, as on a CPU
 * without that MSR, and is logged once (guest_absent.c).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

#define MSR_MTRR_CAP 0xfe
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_MISC_ENABLE 0x1a0
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)

static uint64_t apic_base(const struct vcpu *v)
{
    uint64_t val = 0xfee00000 | APIC_BASE_EN | (v->id == 0 ? APIC_BASE_BSP : 0);
    return v->dom->arch.plat ? val | APIC_BASE_EXTD : val; /* x2APIC on from the start */
}

/* The platform's MSRs: the x2APIC range, the TSC deadline, kvmclock. 1: not one of them. */
static int platform_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    if ((msr >= 0x800 && msr < 0x900) || msr == MSR_TSC_DEADLINE)
        return vlapic_rdmsr(v, msr, val);
    if (kvmclock_msr(msr))
        return kvmclock_rdmsr(v, msr, val);
    return 1;
}

static int platform_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if ((msr >= 0x800 && msr < 0x900) || msr == MSR_TSC_DEADLINE)
        return vlapic_wrmsr(v, msr, val);
    if (kvmclock_msr(msr))
        return kvmclock_wrmsr(v, msr, val);
    if (msr == MSR_APIC_BASE) /* x2APIC cannot be left, nor the APIC moved */
        return (val & ~(uint64_t)APIC_BASE_BSP) == (apic_base(v) & ~(uint64_t)APIC_BASE_BSP) ? 0 : -1;
    return 1;
}

int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vmcb_save *s = &v->arch.vmcb->save;

    if (v->dom->arch.plat) {
        int rc = platform_rdmsr(v, msr, val);
        if (rc <= 0)
            return rc;
    }
    switch (msr) {
    case MSR_EFER:
        *val = s->efer & ~EFER_SVME;
        return 0;
    case MSR_PAT:
        *val = s->g_pat;
        return 0;
    case MSR_TSC:
        *val = rdtsc() + v->arch.vmcb->control.tsc_offset;
        return 0;
    case MSR_APIC_BASE:
        *val = apic_base(v);
        return 0;
    case MSR_MTRR_CAP:
        *val = 0; /* no variable or fixed MTRRs: everything is write-back */
        return 0;
    case MSR_MTRR_DEF_TYPE:
        *val = 0xc06; /* MTRRs enabled, default type WB */
        return 0;
    case MSR_MISC_ENABLE:
        *val = 1; /* fast strings */
        return 0;
    case MSR_VM_CR:
        *val = VM_CR_SVMDIS | (1u << 3); /* SVM disabled and locked, as firmware may leave it */
        return 0;
    }
    guest_absent_note(v->dom, ABSENT_MSR, msr, false);
    return -1;
}

int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vmcb_save *s = &v->arch.vmcb->save;

    if (v->dom->arch.plat) {
        int rc = platform_wrmsr(v, msr, val);
        if (rc <= 0)
            return rc;
    }
    switch (msr) {
    case MSR_EFER: {
        uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
        if (val & ~allowed)
            return -1;
        /* Long mode cannot be switched on or off while paging is on (APM 14.6.1). */
        if ((s->cr0 & X86_CR0_PG) && ((val ^ s->efer) & EFER_LME))
            return -1;
        /* LMA is the CPU's to set; keep what it says. */
        s->efer = (val & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
        return 0;
    }
    case MSR_PAT:
        for (int i = 0; i < 8; i++) {
            uint8_t t = (val >> (i * 8)) & 0xff;
            if (t == 2 || t == 3 || t > 7)
                return -1;
        }
        s->g_pat = val;
        return 0;
    case MSR_TSC:
    case MSR_APIC_BASE:
    case MSR_MTRR_DEF_TYPE:
    case MSR_MISC_ENABLE:
        return 0; /* accepted and ignored: the platform has one fixed configuration */
    }
    guest_absent_note(v->dom, ABSENT_MSR, msr, true);
    return -1;
}
