/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's x87/SSE/AVX state, XCR0 and TSC_AUX as the platform context's FPU section
 * (public/vireo.h, VIREO_PLAT_CTX_FPU). The state lives in the vCPU's XSAVE area while it
 * is switched out, which a paused domain's vCPUs are. A loaded section is checked first
 * so that the XRSTOR of arch_vcpu_switch_in cannot fault on it.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/cpu.h"
#include "arch/guest_fpu.h"
#include "arch/x86.h"

#define LEGACY_SIZE 512u
#define HEADER_OFFSET 512u
#define HEADER_SIZE 64u
#define MXCSR_OFFSET 24u
#define MXCSR_DEFAULT_MASK 0xffbfu /* SDM: what a zero MXCSR_MASK field stands for */

/* Bytes of the XSAVE area hv keeps for each vCPU that the section carries. */
static uint32_t carried(void)
{
    return cpu_features.xsave ? VIREO_PLAT_FPU_XSAVE_SIZE : LEGACY_SIZE;
}

void guest_fpu_save(struct vcpu *v, struct vireo_plat_fpu *out)
{
    memset(out, 0, sizeof(*out));
    out->vcpu = v->id;
    out->xcr0 = v->arch.xcr0;
    out->tsc_aux = v->arch.tsc_aux;
    memcpy(out->xsave, v->arch.xsave, carried());
}

/* What the MXCSR may hold on this CPU: FXSAVE reports the mask the CPU implements. */
static uint32_t mxcsr_mask(void)
{
    static uint8_t area[LEGACY_SIZE] __attribute__((aligned(64)));
    static uint32_t mask;

    if (!mask) {
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
        memcpy(&mask, area + MXCSR_OFFSET + 4, sizeof(mask));
        if (!mask)
            mask = MXCSR_DEFAULT_MASK;
    }
    return mask;
}

bool guest_fpu_valid(const struct vireo_plat_fpu *in)
{
    uint64_t ok = cpu_features.xcr0_supported, xcr0 = in->xcr0;
    uint32_t mxcsr;

    if (in->pad)
        return false;
    memcpy(&mxcsr, in->xsave + MXCSR_OFFSET, sizeof(mxcsr));
    if (mxcsr & ~mxcsr_mask())
        return false;
    if (!cpu_features.xsave) {
        for (uint32_t i = LEGACY_SIZE; i < VIREO_PLAT_FPU_XSAVE_SIZE; i++)
            if (in->xsave[i])
                return false;
        return xcr0 == 1;
    }
    /* As XSETBV takes it (svm_exit.c's handle_xsetbv). */
    if (!(xcr0 & 1) || (xcr0 & ~ok) || ((xcr0 & 4) && !(xcr0 & 2)))
        return false;
    uint64_t xstate_bv;
    memcpy(&xstate_bv, in->xsave + HEADER_OFFSET, sizeof(xstate_bv));
    if (xstate_bv & ~ok)
        return false;
    for (uint32_t i = HEADER_OFFSET + 8; i < HEADER_OFFSET + HEADER_SIZE; i++)
        if (in->xsave[i])
            return false;
    return true;
}

void guest_fpu_load(struct vcpu *v, const struct vireo_plat_fpu *in)
{
    memcpy(v->arch.xsave, in->xsave, carried());
    v->arch.xcr0 = cpu_features.xsave ? in->xcr0 : 1;
    v->arch.tsc_aux = (uint32_t)in->tsc_aux;
}
