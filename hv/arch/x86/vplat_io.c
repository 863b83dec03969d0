/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which platform device owns which port (docs/guest-platform.md, VIREO_PLAT_* in
 * vireo.h). A device is one line of vplat_ports[]; everything not listed is an empty bus.
 */
#include "hv/hv.h"
#include "public/vireo.h"
#include "arch/vacpi_pm.h"
#include "vplat.h"
#include "vplat_io.h"

#define KBC_COMMAND_PORT 0x64u

static const struct vplat_ports vplat_ports[] = {
    {VIREO_PLAT_UART_PORT, 8, vuart_read, vuart_write},
    {VIREO_PLAT_PM1A_EVT_PORT, VACPI_PM_PORTS, vplat_pm_read, vplat_pm_write},
    {VIREO_PLAT_RESET_PORT, 1, vplat_reset_read, vplat_reset_write},
    {KBC_COMMAND_PORT, 1, NULL, vplat_kbc_write}, /* the reset command only: no 8042 */
};

static const struct vplat_ports *owner(uint16_t port)
{
    for (size_t i = 0; i < ARRAY_SIZE(vplat_ports); i++)
        if (port >= vplat_ports[i].first && port - vplat_ports[i].first < vplat_ports[i].count)
            return &vplat_ports[i];
    return NULL;
}

bool vplat_io_read(struct vcpu *v, uint16_t port, unsigned size, uint32_t *val)
{
    const struct vplat_ports *p = owner(port);

    if (!p || !p->read)
        return false;
    *val = p->read(v, port, size);
    return true;
}

bool vplat_io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    const struct vplat_ports *p = owner(port);

    if (!p || !p->write)
        return false;
    p->write(v, port, size, val);
    return true;
}
