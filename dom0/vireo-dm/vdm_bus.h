/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's window (VIREO_PLAT_DM_*): which device sits in which slot, routing of
 * the guest's reads, writes and doorbells to them, and the doorbell indexes of the domain.
 * Interrupt lines and doorbell registration reach hv through vdm_bus_host (vdm_hv.c), or a
 * test's fake.
 */
#ifndef VDM_BUS_H
#define VDM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "public/vireo.h"
#include "vdm_device.h"

struct vdm_bus_host {
    /* Drives the domain's line gsi. */
    int (*set_irq)(void *ctx, unsigned gsi, bool level);
    /* Makes doorbell `index` ring on a guest write of `size` bytes of `value` at gpa. */
    int (*set_doorbell)(void *ctx, unsigned index, uint64_t gpa, unsigned size,
                        uint32_t value);
    /* Lets the toolstack map the domain's memory too (a save), or takes it back.
     * Optional: a host without it has nothing to share. */
    int (*share_memory)(void *ctx, bool shared);
};

struct vdm_bus_doorbell {
    struct vdm_device *dev; /* NULL: free */
    unsigned cookie;
};

struct vdm_bus {
    const struct vdm_bus_host *host;
    void *host_ctx;
    struct vdm_device *slot[VIREO_PLAT_DM_SLOTS];
    struct vdm_bus_doorbell doorbell[VIREO_IOREQ_DOORBELLS];
    unsigned stray_accesses; /* accesses outside any device, for the log */
    /* The domain's RAM, whose dirty log "dm dirty-log" drives; set by the bus's owner
     * (NULL: none to log). */
    struct vdm_guest_mem *mem;
};

void vdm_bus_init(struct vdm_bus *bus, const struct vdm_bus_host *host, void *host_ctx);
/* Puts dev in slot (sets its slot, base and gsi). -EINVAL out of range, -EBUSY taken. */
int vdm_bus_attach(struct vdm_bus *bus, struct vdm_device *dev, unsigned slot);
/* Destroys every device. */
void vdm_bus_destroy_devices(struct vdm_bus *bus);

uint64_t vdm_bus_read(struct vdm_bus *bus, uint64_t gpa, unsigned size);
void vdm_bus_write(struct vdm_bus *bus, uint64_t gpa, unsigned size, uint64_t value);
void vdm_bus_doorbell(struct vdm_bus *bus, unsigned index);

int vdm_bus_set_irq(struct vdm_bus *bus, unsigned gsi, bool level);
int vdm_bus_share_memory(struct vdm_bus *bus, bool shared);
/* Allocates a doorbell for dev's register at gpa; ringing it calls dev->ops->doorbell with
 * cookie. Returns the index, or -ENOSPC / the host's error (the plain write path remains). */
int vdm_bus_doorbell_add(struct vdm_bus *bus, struct vdm_device *dev, unsigned cookie,
                         uint64_t gpa, unsigned size, uint32_t value);

#endif /* VDM_BUS_H */
