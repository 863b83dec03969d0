/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's window: slots, routing by address, and the domain's doorbells.
 */
#include "vdm_bus.h"

#include <errno.h>
#include <string.h>

void vdm_bus_init(struct vdm_bus *bus, const struct vdm_bus_host *host, void *host_ctx)
{
    memset(bus, 0, sizeof(*bus));
    bus->host = host;
    bus->host_ctx = host_ctx;
}

int vdm_bus_attach(struct vdm_bus *bus, struct vdm_device *dev, unsigned slot)
{
    if (slot >= VIREO_PLAT_DM_SLOTS)
        return -EINVAL;
    if (bus->slot[slot] != NULL)
        return -EBUSY;
    dev->slot = slot;
    dev->base = VIREO_PLAT_DM_BASE + (uint64_t)slot * VIREO_PLAT_DM_SLOT_SIZE;
    dev->gsi = VIREO_PLAT_DM_GSI_FIRST + slot;
    bus->slot[slot] = dev;
    return 0;
}

void vdm_bus_destroy_devices(struct vdm_bus *bus)
{
    for (unsigned i = 0; i < VIREO_PLAT_DM_SLOTS; i++) {
        struct vdm_device *dev = bus->slot[i];

        bus->slot[i] = NULL;
        if (dev != NULL)
            dev->ops->destroy(dev);
    }
    memset(bus->doorbell, 0, sizeof(bus->doorbell));
}

/* The device whose slot holds gpa, and the offset in it; NULL outside any device. */
static struct vdm_device *lookup(struct vdm_bus *bus, uint64_t gpa, unsigned size,
                                 uint64_t *offset)
{
    uint64_t rel, slot;

    if (gpa < VIREO_PLAT_DM_BASE)
        return NULL;
    rel = gpa - VIREO_PLAT_DM_BASE;
    slot = rel / VIREO_PLAT_DM_SLOT_SIZE;
    *offset = rel % VIREO_PLAT_DM_SLOT_SIZE;
    if (slot >= VIREO_PLAT_DM_SLOTS || *offset + size > VIREO_PLAT_DM_SLOT_SIZE)
        return NULL;
    return bus->slot[slot];
}

static void stray(struct vdm_bus *bus, const char *what, uint64_t gpa)
{
    /* An empty bus reads 0 and drops writes, as hv does without a device model. */
    if (bus->stray_accesses++ == 0)
        g_message("%s outside any device at 0x%" G_GINT64_MODIFIER "x (logged once)", what,
                  gpa);
}

uint64_t vdm_bus_read(struct vdm_bus *bus, uint64_t gpa, unsigned size)
{
    uint64_t offset = 0;
    struct vdm_device *dev = lookup(bus, gpa, size, &offset);

    if (dev == NULL) {
        stray(bus, "read", gpa);
        return 0;
    }
    return dev->ops->read(dev, offset, size);
}

void vdm_bus_write(struct vdm_bus *bus, uint64_t gpa, unsigned size, uint64_t value)
{
    uint64_t offset = 0;
    struct vdm_device *dev = lookup(bus, gpa, size, &offset);

    if (dev == NULL) {
        stray(bus, "write", gpa);
        return;
    }
    dev->ops->write(dev, offset, size, value);
}

void vdm_bus_doorbell(struct vdm_bus *bus, unsigned index)
{
    struct vdm_bus_doorbell *d;

    if (index >= VIREO_IOREQ_DOORBELLS || bus->doorbell[index].dev == NULL)
        return;
    d = &bus->doorbell[index];
    if (d->dev->ops->doorbell != NULL)
        d->dev->ops->doorbell(d->dev, d->cookie);
}

int vdm_bus_share_memory(struct vdm_bus *bus, bool shared)
{
    return bus->host->share_memory != NULL ? bus->host->share_memory(bus->host_ctx, shared) : 0;
}

int vdm_bus_set_irq(struct vdm_bus *bus, unsigned gsi, bool level)
{
    if (bus->host == NULL || bus->host->set_irq == NULL)
        return 0;
    return bus->host->set_irq(bus->host_ctx, gsi, level);
}

int vdm_bus_doorbell_add(struct vdm_bus *bus, struct vdm_device *dev, unsigned cookie,
                         uint64_t gpa, unsigned size, uint32_t value)
{
    int ret;

    if (bus->host == NULL || bus->host->set_doorbell == NULL)
        return -ENOTSUP;
    for (unsigned i = 0; i < VIREO_IOREQ_DOORBELLS; i++) {
        if (bus->doorbell[i].dev != NULL)
            continue;
        /* Taken before the host call: hv may ring it as soon as it knows it. */
        bus->doorbell[i] = (struct vdm_bus_doorbell){ .dev = dev, .cookie = cookie };
        ret = bus->host->set_doorbell(bus->host_ctx, i, gpa, size, value);
        if (ret < 0) {
            bus->doorbell[i].dev = NULL;
            g_message("doorbell for 0x%" G_GINT64_MODIFIER "x refused (%d): plain writes",
                      gpa, ret);
            return ret;
        }
        return (int)i;
    }
    return -ENOSPC;
}
