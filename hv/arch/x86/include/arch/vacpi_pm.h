/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI PM device of the guest platform (docs/guest-platform.md): the PM1a event and
 * control blocks, the PM timer and the 0xcf9 reset register, as registers over a state.
 * Pure code: the caller gives hv time, holds the lock, and acts on what a write asks for
 * (vplat_power.c ends the domain and drives the SCI). A zeroed struct is the device at
 * power-on: nothing pending, SCI low, the timer counting hv time from an arbitrary value.
 */
#ifndef HV_ARCH_VACPI_PM_H
#define HV_ARCH_VACPI_PM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/spinlock.h"
#include "public/vireo.h"

struct vacpi_pm {
    spinlock_t lock;       /* taken by vplat_power.c around every call below */
    uint16_t status;       /* VIREO_PM1_STS_* */
    uint16_t enable;       /* VIREO_PM1_EN_* */
    uint16_t control;      /* BM_RLD and SLP_TYP as written (SCI_EN is added on read) */
    uint8_t reset_value;   /* port 0xcf9 as last written, reset bit clear */
    bool reboot_requested; /* the toolstack's REBOOT pressed the button: S5 means reboot */
    bool sci_line;         /* the level last driven on the SCI's GSI */
    uint8_t tmr_msb;       /* 1 + bit 23 of the timer when last looked at (0: never): a
                            * change sets TMR_STS */
    uint32_t tmr_offset;   /* ticks added to hv time's tick count, mod 2^24 */
};

/* What a register write asks of the platform. */
enum vacpi_pm_action {
    VACPI_PM_NONE,
    VACPI_PM_POWEROFF, /* S5 */
    VACPI_PM_REBOOT,   /* S5 after the toolstack's reboot request, or a reset register */
};

/* Register offsets from VIREO_PLAT_PM1A_EVT_PORT: the three blocks are one port range. */
#define VACPI_PM_EVT_OFF 0u /* status (2 bytes) then enable (2 bytes) */
#define VACPI_PM_CNT_OFF 4u /* control, 2 bytes */
#define VACPI_PM_TMR_OFF 8u /* timer, 4 bytes */
#define VACPI_PM_PORTS 12u  /* 0x600..0x60b; 0x606/0x607 are not decoded */

/* PM timer ticks in hv time now_ns (3.579545 MHz; exact, no overflow for any u64). */
uint64_t vacpi_pm_ticks(uint64_t now_ns);
/* `size` bytes (1, 2 or 4) at offset `off`; undecoded bytes read as all ones. */
uint32_t vacpi_pm_read(struct vacpi_pm *pm, unsigned off, unsigned size, uint64_t now_ns);
enum vacpi_pm_action vacpi_pm_write(struct vacpi_pm *pm, unsigned off, unsigned size, uint32_t val,
                                    uint64_t now_ns);
/* The reset register at 0xcf9 (one byte). */
uint8_t vacpi_pm_reset_reg_read(const struct vacpi_pm *pm);
enum vacpi_pm_action vacpi_pm_reset_reg_write(struct vacpi_pm *pm, uint8_t val);
/* The toolstack presses the power button; with `reboot` the next S5 is a reboot. */
void vacpi_pm_press_power_button(struct vacpi_pm *pm, bool reboot);
/* The level the SCI should have now: a status bit whose enable bit is set. */
bool vacpi_pm_sci_level(const struct vacpi_pm *pm);
/* The context section (VIREO_PLAT_CTX_PM) of the device, and back: load refuses
 * (-VIREO_EINVAL) what save could not have produced and then changes nothing. */
void vacpi_pm_save(const struct vacpi_pm *pm, uint64_t now_ns, struct vireo_plat_pm *out);
/* Whether a context section is one the device could have produced itself. */
bool vacpi_pm_ctx_valid(const struct vireo_plat_pm *in);
int vacpi_pm_load(struct vacpi_pm *pm, uint64_t now_ns, const struct vireo_plat_pm *in);

#endif
