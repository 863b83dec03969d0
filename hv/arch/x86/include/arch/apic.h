/* SPDX-License-Identifier: GPL-2.0-only */
/* Local APIC in xAPIC mode (TCG offers no x2APIC): timer and IPIs for hv's CPUs. */
#ifndef HV_ARCH_APIC_H
#define HV_ARCH_APIC_H

#include <stdint.h>

#define APIC_DEFAULT_BASE 0xfee00000ul

void apic_init_cpu(void);          /* enable this CPU's APIC, mask LVTs */
void apic_calibrate_timer(void);   /* once, on the BSP, after the TSC is known */
uint32_t apic_id(void);
void apic_eoi(void);
/* One-shot timer firing HV_VECTOR_TIMER after ns (0 stops it). */
void apic_timer_oneshot(uint64_t ns);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
/* Sends ICR low word `lo` (vector, mode, level, trigger) to a physical destination. */
void apic_send_raw(uint32_t apic_id, uint32_t lo);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t page);

#endif
