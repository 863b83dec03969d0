/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall dispatch (public/vireo.h is the ABI). */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>

struct vcpu;

/* Runs hypercall nr for the calling vCPU (already checked to be at CPL 0). */
int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[5]);

#endif
