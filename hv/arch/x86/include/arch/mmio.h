/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulation of a guest access to trapped MMIO: fetch and decode the faulting instruction
 * (TCG gives no decode assists), let a device model do the access, update the registers.
 */
#ifndef HV_ARCH_MMIO_H
#define HV_ARCH_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct mmio_ops {
    /* size is 1, 2, 4 or 8; an access the device refuses returns -1 (the domain crashes). */
    int (*read)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val);
    int (*write)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
};

/* Handles the NPF on gpa. Returns 0 when the instruction completed (or the guest got the
 * exception the CPU would raise), -1 with *why set when the domain must be crashed. */
int mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops, const char **why);

/* dom0's local APIC page: reads are direct, writes trap here (dom0_apic.c). */
extern const struct mmio_ops dom0_apic_ops;
/* Addresses hidden from dom0: reads all-ones, writes dropped (dom0_open_bus.c). */
extern const struct mmio_ops dom0_open_bus_ops;
/* A platform domain's MMIO hole where no device answers: an empty bus (vplat_mmio.c). */
extern const struct mmio_ops vplat_hole_ops;
bool vplat_mmio_hole(uint64_t gpa);

#endif
