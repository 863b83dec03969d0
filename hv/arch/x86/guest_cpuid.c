/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What CPUID tells a domU: the host CPU minus what hv does not virtualise (SVM, MONITOR,
 * machine checks; x2APIC and TSC-deadline unless the domain has the platform's vLAPIC),
 * plus the hypervisor leaves: the KVM signature at 0x40000000 (stock kernels key their
 * paravirtual support on it; kvmclock.c) and Vireo's own at VIREO_CPUID_BASE_DOMU.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/cpu.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_MCA (1u << 14)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static bool hypervisor_leaf(struct vcpu *v, uint32_t leaf, uint32_t out[4])
{
    uint32_t base = v->dom->privileged ? VIREO_CPUID_BASE_DOM0 : VIREO_CPUID_BASE_DOMU;

    if (leaf == base) {
        out[0] = base + 1;
        out[1] = VIREO_CPUID_SIG_EBX, out[2] = VIREO_CPUID_SIG_ECX, out[3] = VIREO_CPUID_SIG_EDX;
        return true;
    }
    if (leaf == base + 1) {
        out[0] = VIREO_ABI_VERSION, out[1] = v->dom->id, out[2] = v->id, out[3] = 0;
        return true;
    }
    if (!v->dom->privileged && (leaf == 0x40000000 || leaf == 0x40000001)) {
        kvmclock_cpuid(leaf, out);
        if (leaf == 0x40000001 && !v->dom->arch.plat)
            out[0] = 0; /* no clock MSRs without the platform */
        return true;
    }
    if ((leaf & 0xffffff00) == 0x40000000 || (leaf & 0xffffff00) == 0x40000100) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return true;
    }
    return false;
}

void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    if (hypervisor_leaf(v, leaf, out))
        return;
    cpuid_count(leaf, sub, out);
    switch (leaf) {
    case 1:
        out[1] = (out[1] & 0x00ffffff) | (v->id << 24); /* initial APIC ID = vCPU index */
        out[2] &= ~((1u << 3) | (1u << 5) | (1u << 21) | (1u << 24)); /* MONITOR VMX x2APIC TSC-DL */
        out[2] |= 1u << 31;                                         /* hypervisor present */
        out[3] &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA); /* no machine-check MSRs for guests */
        if (v->dom->arch.plat) /* the vLAPIC is x2APIC with a TSC-deadline timer */
            out[2] |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
        if (!(v->arch.vmcb->save.cr4 & X86_CR4_OSXSAVE))
            out[2] &= ~(1u << 27);                                  /* OSXSAVE mirrors CR4 */
        else
            out[2] |= 1u << 27;
        break;
    case 5:
        out[0] = out[1] = out[2] = out[3] = 0; /* MONITOR/MWAIT leaf */
        break;
    case 0xd:
        if (sub == 0) {
            out[0] &= (uint32_t)cpu_features.xcr0_supported;
            out[3] &= (uint32_t)(cpu_features.xcr0_supported >> 32);
        }
        break;
    case 0x80000001:
        out[2] &= ~(1u << 2); /* SVM */
        break;
    case 0x8000000a:
        out[0] = out[1] = out[2] = out[3] = 0;
        break;
    }
}
