/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O of the platform devices: one table of port ranges, so each device model adds
 * its row here and guest_io.c stays a plain I/O-exit decoder. Ports no row claims are an
 * empty bus (guest_io.c). An access is given to the row holding its first port.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "vplat.h"

struct vplat_port_range {
    uint16_t first, count;
    uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned size);
    void (*write)(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
};

static const struct vplat_port_range port_ranges[] = {
    {VIREO_PLAT_UART_PORT, 8, vuart_read, vuart_write},
};

static const struct vplat_port_range *find(uint16_t port)
{
    for (unsigned i = 0; i < ARRAY_SIZE(port_ranges); i++)
        if ((uint16_t)(port - port_ranges[i].first) < port_ranges[i].count)
            return &port_ranges[i];
    return NULL;
}

bool vplat_io_read(struct vcpu *v, uint16_t port, unsigned size, uint32_t *val)
{
    const struct vplat_port_range *r = find(port);
    if (!r)
        return false;
    *val = r->read(v, port, size);
    return true;
}

bool vplat_io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    const struct vplat_port_range *r = find(port);
    if (!r)
        return false;
    r->write(v, port, size, val);
    return true;
}
