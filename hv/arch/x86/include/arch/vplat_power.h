/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power of a platform domain as hv/core sees it: the toolstack's power button and the
 * ACPI PM device's context section (VIREO_PLAT_CTX_PM). vplat_power.c.
 */
#ifndef HV_ARCH_VPLAT_POWER_H
#define HV_ARCH_VPLAT_POWER_H

#include <stdbool.h>
#include <stddef.h>

struct domain;

/* VIREO_HC_DOMAIN_CONTROL on a platform domain: sets PWRBTN_STS (the SCI follows); with
 * `reboot`, the guest's next S5 ends the domain with VIREO_SHUTDOWN_REBOOT. */
void vplat_power_button(struct domain *d, bool reboot);
/* Writes the domain's struct vireo_plat_pm to buf; returns its size, or 0 if max is too
 * small (nothing written). */
size_t vacpi_pm_ctx_save(const struct domain *d, void *buf, size_t max);
/* Loads one struct vireo_plat_pm (len must be its size): 0, or -VIREO_EINVAL with the
 * device unchanged. buf need not be aligned. */
int vacpi_pm_ctx_load(struct domain *d, const void *buf, size_t len);

#endif
