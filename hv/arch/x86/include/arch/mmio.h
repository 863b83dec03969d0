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

/* A device that answers later (the device model in dom0): the access did not happen yet,
 * the instruction stays where it is and is executed again once the answer is in. */
#define MMIO_RETRY 1

struct mmio_ops {
    /* size is 1, 2, 4 or 8; an access the device refuses returns -1 (the domain crashes),
     * one it will answer later MMIO_RETRY. */
    int (*read)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val);
    int (*write)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
    bool no_strings; /* string instructions here crash the domain (see vdm.c) */
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
/* The device model's window of a platform domain (vdm.c). */
extern const struct mmio_ops vdm_mmio_ops;

#endif
