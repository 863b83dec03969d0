/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest platform's ACPI PM device (ACPI 6.3 §4.8): PM1a status/enable at 0x600,
 * control at 0x604, the 24-bit PM timer at 0x608 and the 0xcf9 reset register, exactly
 * as the FADT the builder writes describes them. The registers are one byte array to the
 * guest, so an access of any width at any offset composes like the hardware's.
 */
#include "arch/vacpi_pm.h"

#define NS_PER_S 1000000000ull
#define STS_W1C (VIREO_PM1_STS_TMR | VIREO_PM1_STS_PWRBTN)
#define EN_WRITABLE VIREO_PM1_EN_PWRBTN
#define CNT_KEPT (VIREO_PM1_CNT_BM_RLD | VIREO_PM1_CNT_SLP_TYP)
#define RESET_KEPT 0x0au /* SYS_RST (bit 1) and FULL_RST (bit 3); bit 2 resets */
#define RESET_CPU 0x04u

uint64_t vacpi_pm_ticks(uint64_t now_ns)
{
    /* Split at whole seconds so the product never overflows. */
    return now_ns / NS_PER_S * VIREO_PM_TMR_HZ + now_ns % NS_PER_S * VIREO_PM_TMR_HZ / NS_PER_S;
}

static uint32_t timer_value(const struct vacpi_pm *pm, uint64_t now_ns)
{
    return (uint32_t)(vacpi_pm_ticks(now_ns) + pm->tmr_offset) & VIREO_PM_TMR_MASK;
}

/* TMR_STS is set when bit 23 flips; hv notices it when the guest next looks. */
static uint32_t timer_observe(struct vacpi_pm *pm, uint64_t now_ns)
{
    uint32_t t = timer_value(pm, now_ns);
    uint8_t msb = (uint8_t)(1 + (t >> 23));

    if (pm->tmr_msb && msb != pm->tmr_msb)
        pm->status |= VIREO_PM1_STS_TMR;
    pm->tmr_msb = msb;
    return t;
}

/* One byte of the register block, as the guest reads it. */
static uint8_t register_byte(const struct vacpi_pm *pm, unsigned off, uint32_t timer)
{
    uint16_t control = pm->control | VIREO_PM1_CNT_SCI_EN;

    switch (off) {
    case 0:
    case 1:
        return (uint8_t)(pm->status >> (8 * off));
    case 2:
    case 3:
        return (uint8_t)(pm->enable >> (8 * (off - 2)));
    case 4:
    case 5:
        return (uint8_t)(control >> (8 * (off - 4)));
    case 8:
    case 9:
    case 10:
    case 11:
        return (uint8_t)(timer >> (8 * (off - 8)));
    }
    return 0xff; /* 0x606-0x607 and beyond the block: nothing decodes them */
}

uint32_t vacpi_pm_read(struct vacpi_pm *pm, unsigned off, unsigned size, uint64_t now_ns)
{
    uint32_t timer = timer_observe(pm, now_ns), val = 0;

    for (unsigned i = 0; i < size && i < 4; i++)
        val |= (uint32_t)register_byte(pm, off + i, timer) << (8 * i);
    return val;
}

/* The bytes of an access that fall into register [reg, reg + len): their value and mask. */
static uint32_t bytes_in(unsigned off, unsigned size, uint32_t val, unsigned reg, unsigned len,
                         uint32_t *mask)
{
    uint32_t bits = 0;

    *mask = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        if (off + i < reg || off + i >= reg + len)
            continue;
        unsigned shift = 8 * (off + i - reg);
        bits |= ((val >> (8 * i)) & 0xffu) << shift;
        *mask |= 0xffu << shift;
    }
    return bits;
}

enum vacpi_pm_action vacpi_pm_write(struct vacpi_pm *pm, unsigned off, unsigned size, uint32_t val,
                                    uint64_t now_ns)
{
    uint32_t mask, bits;

    timer_observe(pm, now_ns); /* a pending TMR_STS is set before a write can clear it */
    bits = bytes_in(off, size, val, VACPI_PM_EVT_OFF, 2, &mask);
    pm->status &= (uint16_t) ~(bits & mask & STS_W1C);
    bits = bytes_in(off, size, val, VACPI_PM_EVT_OFF + 2, 2, &mask);
    pm->enable = (uint16_t)(((pm->enable & ~mask) | (bits & mask)) & EN_WRITABLE);

    bits = bytes_in(off, size, val, VACPI_PM_CNT_OFF, 2, &mask);
    if (!mask)
        return VACPI_PM_NONE;
    uint32_t control = (pm->control & ~mask) | (bits & mask);
    pm->control = (uint16_t)(control & CNT_KEPT);
    if (!(control & VIREO_PM1_CNT_SLP_EN))
        return VACPI_PM_NONE;
    unsigned slp_typ = (control & VIREO_PM1_CNT_SLP_TYP) >> VIREO_PM1_CNT_SLP_TYP_SHIFT;
    if (slp_typ != VIREO_PLAT_SLP_TYP_S5)
        return VACPI_PM_NONE; /* the DSDT offers no other sleep state */
    return pm->reboot_requested ? VACPI_PM_REBOOT : VACPI_PM_POWEROFF;
}

uint8_t vacpi_pm_reset_reg_read(const struct vacpi_pm *pm)
{
    return pm->reset_value;
}

enum vacpi_pm_action vacpi_pm_reset_reg_write(struct vacpi_pm *pm, uint8_t val)
{
    pm->reset_value = val & RESET_KEPT;
    return val & RESET_CPU ? VACPI_PM_REBOOT : VACPI_PM_NONE;
}

void vacpi_pm_press_power_button(struct vacpi_pm *pm, bool reboot)
{
    pm->status |= VIREO_PM1_STS_PWRBTN;
    if (reboot)
        pm->reboot_requested = true;
}

bool vacpi_pm_sci_level(const struct vacpi_pm *pm)
{
    return (pm->status & pm->enable) != 0;
}

void vacpi_pm_save(const struct vacpi_pm *pm, uint64_t now_ns, struct vireo_plat_pm *out)
{
    (void)now_ns; /* the offset is relative to hv time already */
    *out = (struct vireo_plat_pm){
        .pm1_status = pm->status,
        .pm1_enable = pm->enable,
        .pm1_control = (uint16_t)(pm->control | VIREO_PM1_CNT_SCI_EN),
        .reset_value = pm->reset_value,
        .reboot_requested = pm->reboot_requested,
        .pm_tmr_offset = pm->tmr_offset,
    };
}

bool vacpi_pm_ctx_valid(const struct vireo_plat_pm *in)
{
    return !((in->pm1_status & ~STS_W1C) || (in->pm1_enable & ~EN_WRITABLE) ||
             !(in->pm1_control & VIREO_PM1_CNT_SCI_EN) ||
             (in->pm1_control & ~(CNT_KEPT | VIREO_PM1_CNT_SCI_EN)) ||
             (in->reset_value & ~RESET_KEPT) || in->reboot_requested > 1 ||
             in->pm_tmr_offset > VIREO_PM_TMR_MASK || in->pad);
}

int vacpi_pm_load(struct vacpi_pm *pm, uint64_t now_ns, const struct vireo_plat_pm *in)
{
    if (!vacpi_pm_ctx_valid(in))
        return -VIREO_EINVAL;
    pm->status = in->pm1_status;
    pm->enable = in->pm1_enable;
    pm->control = in->pm1_control & CNT_KEPT;
    pm->reset_value = in->reset_value;
    pm->reboot_requested = in->reboot_requested;
    pm->tmr_offset = in->pm_tmr_offset;
    pm->tmr_msb = (uint8_t)(1 + (timer_value(pm, now_ns) >> 23));
    return 0;
}
