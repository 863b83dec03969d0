/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU's FPU/SSE/AVX state for the platform context (guest_fpu.c). */
#ifndef HV_ARCH_GUEST_FPU_H
#define HV_ARCH_GUEST_FPU_H

#include <stdbool.h>

#include "public/vireo.h"

struct vcpu;

/* The vCPU must be switched out (its domain paused). */
void guest_fpu_save(struct vcpu *v, struct vireo_plat_fpu *out);
/* True when the section would load without a fault and could have come from a guest. */
bool guest_fpu_valid(const struct vireo_plat_fpu *in);
void guest_fpu_load(struct vcpu *v, const struct vireo_plat_fpu *in);

#endif
