/* SPDX-License-Identifier: GPL-2.0-only */
/* dom0's hypercalls (numbers >= VIREO_HC_PRIVILEGED_BASE); the caller is dom0 at CPL 0. */
#ifndef HV_HYPERCALL_PRIV_H
#define HV_HYPERCALL_PRIV_H

#include <stdint.h>

struct vcpu;

int64_t hypercall_privileged(struct vcpu *v, uint64_t nr, const uint64_t args[5]);

#endif
