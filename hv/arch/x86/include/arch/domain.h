/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86 part of a domain: its guest platform, if it has one. */
#ifndef HV_ARCH_DOMAIN_H
#define HV_ARCH_DOMAIN_H

struct vplat;

struct arch_domain {
    struct vplat *plat; /* vLAPICs, vIOAPIC, UART, kvmclock; NULL without the platform */
};

#endif
