/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl internals: the ACPI tables of a Linux domU (docs/guest-platform.md). */
#ifndef VCTL_ACPI_H
#define VCTL_ACPI_H

#include <stdint.h>

/* Where the tables live in the guest: the BIOS area Linux scans for the RSDP. The e820
 * map reports it reserved. */
#define VCTL_ACPI_BASE 0xe0000u
#define VCTL_ACPI_SIZE 0x20000u

/*
 * Writes RSDP (at VCTL_ACPI_BASE, so the BIOS-area scan finds it), XSDT, FADT, FACS, MADT
 * (one local APIC per vCPU, APIC ID = vCPU index) and DSDT into area, which holds
 * VCTL_ACPI_SIZE bytes and is copied to guest-physical VCTL_ACPI_BASE. nr_vcpus is
 * 1..VIREO_MAX_VCPUS. The DSDT shows a virtio-mmio device (LNRO0005) for each bit n set in
 * dm_slots (n < VIREO_PLAT_DM_SLOTS; higher bits are ignored). Returns the RSDP's
 * guest-physical address.
 */
uint64_t vctl_acpi_build(uint8_t *area, uint32_t nr_vcpus, uint32_t dm_slots);

#endif /* VCTL_ACPI_H */
