/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one vIOAPIC call the platform's power devices make (vplat_power.c: the SCI). The
 * vIOAPIC (vioapic.c, with its full interface in vplat.h) lives on the platform-core
 * branch; this header goes away when the two meet.
 */
#ifndef HV_ARCH_VIOAPIC_LEVEL_H
#define HV_ARCH_VIOAPIC_LEVEL_H

#include <stdbool.h>

struct domain;

/* Drives GSI `gsi` of the domain's vIOAPIC to `level` (level-triggered pins). */
void vioapic_set_level(struct domain *d, unsigned gsi, bool level);

#endif
