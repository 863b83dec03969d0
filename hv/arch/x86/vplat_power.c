/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power of a platform domain: the ACPI PM device's ports, the 0xcf9 reset register and
 * the keyboard controller's reset command end the domain as the guest asks (poweroff or
 * reboot, the same domain_shutdown() as VIREO_HC_SCHED_SHUTDOWN); the toolstack presses
 * the power button; the SCI follows the PM1 status and enable bits.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/time.h"
#include "arch/vacpi_pm.h"
#include "arch/vplat_power.h"
#include "vplat.h"
#include "vplat_io.h"

#define KBC_CMD_PULSE_RESET 0xfeu /* 8042 command: pulse the CPU reset line */

/* pm lock held: the SCI follows status & enable, changed only on a change of level. */
static void sci_update(struct domain *d)
{
    bool level = vacpi_pm_sci_level(&d->pm);

    if (level == d->pm.sci_line)
        return;
    d->pm.sci_line = level;
    vioapic_set_level(d, VIREO_PLAT_SCI_GSI, level);
}

static void act(struct domain *d, enum vacpi_pm_action action)
{
    if (action == VACPI_PM_POWEROFF)
        domain_shutdown(d, VIREO_SHUTDOWN_POWEROFF);
    else if (action == VACPI_PM_REBOOT)
        domain_shutdown(d, VIREO_SHUTDOWN_REBOOT);
}

uint32_t vplat_pm_read(struct vcpu *v, uint16_t port, unsigned size)
{
    struct domain *d = v->dom;

    spin_lock(&d->pm.lock);
    uint32_t val = vacpi_pm_read(&d->pm, port - VIREO_PLAT_PM1A_EVT_PORT, size, hv_now_ns());
    sci_update(d);
    spin_unlock(&d->pm.lock);
    return val;
}

void vplat_pm_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    struct domain *d = v->dom;

    spin_lock(&d->pm.lock);
    enum vacpi_pm_action action =
        vacpi_pm_write(&d->pm, port - VIREO_PLAT_PM1A_EVT_PORT, size, val, hv_now_ns());
    sci_update(d);
    spin_unlock(&d->pm.lock);
    act(d, action);
}

uint32_t vplat_reset_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)port;
    spin_lock(&v->dom->pm.lock);
    uint32_t val = vacpi_pm_reset_reg_read(&v->dom->pm);
    spin_unlock(&v->dom->pm.lock);
    return size == 1 ? val : val | ~0xffu; /* one byte wide: the rest is an empty bus */
}

void vplat_reset_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    (void)port, (void)size;
    spin_lock(&v->dom->pm.lock);
    enum vacpi_pm_action action = vacpi_pm_reset_reg_write(&v->dom->pm, (uint8_t)val);
    spin_unlock(&v->dom->pm.lock);
    act(v->dom, action);
}

void vplat_kbc_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    (void)port, (void)size;
    if ((uint8_t)val == KBC_CMD_PULSE_RESET)
        act(v->dom, VACPI_PM_REBOOT);
}

void vplat_power_button(struct domain *d, bool reboot)
{
    spin_lock(&d->pm.lock);
    vacpi_pm_press_power_button(&d->pm, reboot);
    sci_update(d);
    spin_unlock(&d->pm.lock);
}

size_t vacpi_pm_ctx_save(const struct domain *d, void *buf, size_t max)
{
    struct vacpi_pm *pm = (struct vacpi_pm *)&d->pm; /* only the lock is written */
    struct vireo_plat_pm out;

    if (max < sizeof(out))
        return 0;
    spin_lock(&pm->lock);
    vacpi_pm_save(pm, hv_now_ns(), &out);
    spin_unlock(&pm->lock);
    memcpy(buf, &out, sizeof(out));
    return sizeof(out);
}

int vacpi_pm_ctx_load(struct domain *d, const void *buf, size_t len)
{
    struct vireo_plat_pm in;

    if (len != sizeof(in))
        return -VIREO_EINVAL;
    memcpy(&in, buf, sizeof(in));
    spin_lock(&d->pm.lock);
    int rc = vacpi_pm_load(&d->pm, hv_now_ns(), &in);
    sci_update(d);
    spin_unlock(&d->pm.lock);
    return rc;
}
