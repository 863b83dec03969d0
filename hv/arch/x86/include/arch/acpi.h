/* SPDX-License-Identifier: GPL-2.0-only */
/* The ACPI tables hv reads: the MADT, for the APIC IDs of the CPUs to bring up. */
#ifndef HV_ARCH_ACPI_H
#define HV_ARCH_ACPI_H

#include <stdint.h>

/* rsdp: the loader's copy (0: search the BIOS areas). Returns 0 or -1 if no usable MADT. */
int acpi_init(uint64_t rsdp);
/* APIC IDs of enabled processors, in MADT order. */
unsigned acpi_cpu_apic_ids(uint32_t *ids, unsigned max);
/* Marks every processor but `keep` disabled (and not online-capable) in the firmware's MADT,
 * so dom0 sees one CPU and never sends INIT/SIPI to hv's CPUs. */
void acpi_hide_cpus_from_dom0(uint32_t keep);

#endif
