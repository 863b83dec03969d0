/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O of the guest platform's devices (VIREO_DOMCFG_PLATFORM domains): one table of
 * port ranges in vplat_io.c that guest_io.c consults before answering as an empty bus.
 */
#ifndef HV_ARCH_VPLAT_IO_H
#define HV_ARCH_VPLAT_IO_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* A device's ports [first, first + count). An access belongs to the range holding its
 * first port; size is 1, 2 or 4 and the handler decides what the other bytes mean. */
struct vplat_ports {
    uint16_t first, count;
    /* NULL: write-only ports; reads meet the empty bus (and the absent-access log). */
    uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned size);
    /* NULL: read-only ports; writes are dropped (and logged as absent). */
    void (*write)(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
};

/* Platform port access: false if no device answers it (the caller answers as absent). */
bool vplat_io_read(struct vcpu *v, uint16_t port, unsigned size, uint32_t *val);
bool vplat_io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

/* The handlers in the table (vplat_power.c: ACPI PM, reset register, keyboard reset). */
uint32_t vplat_pm_read(struct vcpu *v, uint16_t port, unsigned size);
void vplat_pm_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
uint32_t vplat_reset_read(struct vcpu *v, uint16_t port, unsigned size);
void vplat_reset_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
void vplat_kbc_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
