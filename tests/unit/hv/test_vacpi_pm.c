/* The guest platform's ACPI PM device (hv/arch/x86/vacpi_pm.c) as the FADT promises it:
 * W1C status, the writable enable bit, S5 and the reboot request, the SCI level, the
 * reset register, the PM timer against hv time, and context save/load that refuses
 * anything hostile without changing the device. */
#include <stdlib.h>
#include <string.h>
#include "arch/vacpi_pm.h"
#include "check.h"

#define S 1000000000ull
#define EVT 0u
#define EN 2u
#define CNT 4u
#define TMR 8u

static void test_status_enable_and_sci(void)
{
    struct vacpi_pm pm = {0};

    CHECK(vacpi_pm_read(&pm, EVT, 2, 0) == 0);
    CHECK(!vacpi_pm_sci_level(&pm));
    vacpi_pm_press_power_button(&pm, false);
    CHECK(vacpi_pm_read(&pm, EVT, 2, 0) == VIREO_PM1_STS_PWRBTN);
    CHECK(!vacpi_pm_sci_level(&pm)); /* not enabled */
    vacpi_pm_write(&pm, EN, 2, 0xffff, 0);
    CHECK(vacpi_pm_read(&pm, EN, 2, 0) == VIREO_PM1_EN_PWRBTN);
    CHECK(vacpi_pm_sci_level(&pm));
    vacpi_pm_write(&pm, EVT, 2, 0, 0); /* writing 0 clears nothing */
    CHECK(vacpi_pm_read(&pm, EVT, 2, 0) == VIREO_PM1_STS_PWRBTN);
    vacpi_pm_write(&pm, EVT, 1, 0xff, 0); /* the low byte does not hold PWRBTN_STS */
    CHECK(vacpi_pm_read(&pm, EVT, 2, 0) == VIREO_PM1_STS_PWRBTN);
    vacpi_pm_write(&pm, EVT + 1, 1, 0x01, 0); /* bit 8, written as byte 1 bit 0 */
    CHECK(vacpi_pm_read(&pm, EVT, 2, 0) == 0);
    CHECK(!vacpi_pm_sci_level(&pm));
    /* A 4-byte write of 0x600 is status (W1C) and enable at once. */
    vacpi_pm_press_power_button(&pm, false);
    vacpi_pm_write(&pm, EVT, 4, VIREO_PM1_STS_PWRBTN, 0);
    CHECK(vacpi_pm_read(&pm, EVT, 4, 0) == 0);
    /* Undecoded bytes (0x606-0x607) read as all ones; a read past the block too. */
    CHECK(vacpi_pm_read(&pm, 6, 2, 0) == 0xffff);
    CHECK(vacpi_pm_read(&pm, CNT, 4, 0) == (0xffff0000u | VIREO_PM1_CNT_SCI_EN));
}

static void test_control_and_sleep(void)
{
    struct vacpi_pm pm = {0};
    uint32_t s5 = (VIREO_PLAT_SLP_TYP_S5 << VIREO_PM1_CNT_SLP_TYP_SHIFT) | VIREO_PM1_CNT_SLP_EN;

    CHECK(vacpi_pm_read(&pm, CNT, 2, 0) == VIREO_PM1_CNT_SCI_EN);
    /* SLP_TYP alone, or another sleep type with SLP_EN, does nothing. */
    CHECK(vacpi_pm_write(&pm, CNT, 2, s5 & ~VIREO_PM1_CNT_SLP_EN, 0) == VACPI_PM_NONE);
    CHECK(vacpi_pm_read(&pm, CNT, 2, 0) ==
          ((VIREO_PLAT_SLP_TYP_S5 << VIREO_PM1_CNT_SLP_TYP_SHIFT) | VIREO_PM1_CNT_SCI_EN));
    CHECK(vacpi_pm_write(&pm, CNT, 2, (1u << 10) | VIREO_PM1_CNT_SLP_EN, 0) == VACPI_PM_NONE);
    CHECK(!(vacpi_pm_read(&pm, CNT, 2, 0) & VIREO_PM1_CNT_SLP_EN)); /* write-only */
    /* S5 as one word, and as the high byte alone (ACPICA may write either). */
    CHECK(vacpi_pm_write(&pm, CNT, 2, s5, 0) == VACPI_PM_POWEROFF);
    CHECK(vacpi_pm_write(&pm, CNT + 1, 1, s5 >> 8, 0) == VACPI_PM_POWEROFF);
    CHECK(vacpi_pm_write(&pm, CNT, 1, s5, 0) == VACPI_PM_NONE); /* low byte: no SLP_EN */
    /* The toolstack's reboot turns the next S5 into a reboot. */
    vacpi_pm_press_power_button(&pm, true);
    CHECK(vacpi_pm_write(&pm, CNT, 2, s5, 0) == VACPI_PM_REBOOT);
    /* SCI_EN is hardwired: writing 0 keeps it. */
    vacpi_pm_write(&pm, CNT, 2, 0, 0);
    CHECK(vacpi_pm_read(&pm, CNT, 2, 0) == VIREO_PM1_CNT_SCI_EN);
}

static void test_reset_register(void)
{
    struct vacpi_pm pm = {0};

    CHECK(vacpi_pm_reset_reg_write(&pm, 0x02) == VACPI_PM_NONE);
    CHECK(vacpi_pm_reset_reg_read(&pm) == 0x02);
    CHECK(vacpi_pm_reset_reg_write(&pm, VIREO_PLAT_RESET_VALUE) == VACPI_PM_REBOOT);
    CHECK(vacpi_pm_reset_reg_write(&pm, 0x04) == VACPI_PM_REBOOT);
    CHECK(vacpi_pm_reset_reg_read(&pm) == 0x00); /* bit 2 is not kept */
}

static void test_timer(void)
{
    struct vacpi_pm pm = {0};

    CHECK(vacpi_pm_ticks(0) == 0);
    CHECK(vacpi_pm_ticks(S) == VIREO_PM_TMR_HZ);
    CHECK(vacpi_pm_ticks(S / 2) == VIREO_PM_TMR_HZ / 2);
    CHECK(vacpi_pm_ticks(1000) == 3); /* 3.579545 ticks in a microsecond, floored */
    /* Exact for any u64: 2^64-1 ns = 18446744073.709551615 s. */
    CHECK(vacpi_pm_ticks(~0ull) == 18446744073ull * VIREO_PM_TMR_HZ + 709551615ull * 3579545 / S);
    /* The timer is 24 bits of the ticks, read at any width. */
    uint64_t t = 7 * S + 123456789;
    uint32_t want = (uint32_t)vacpi_pm_ticks(t) & VIREO_PM_TMR_MASK;
    CHECK(vacpi_pm_read(&pm, TMR, 4, t) == want);
    CHECK(vacpi_pm_read(&pm, TMR, 2, t) == (want & 0xffff));
    CHECK(vacpi_pm_read(&pm, TMR + 2, 2, t) == (want >> 16));
    /* TMR_STS: set when bit 23 flips between two looks, W1C, never set at the first look. */
    uint64_t flip = 0x800000ull * S / VIREO_PM_TMR_HZ + 1; /* ticks(flip) = 2^23 */
    struct vacpi_pm p2 = {0};
    CHECK((vacpi_pm_read(&p2, EVT, 2, flip + 10) & VIREO_PM1_STS_TMR) == 0);
    struct vacpi_pm p3 = {0};
    vacpi_pm_read(&p3, TMR, 4, flip - 1000);
    CHECK(vacpi_pm_read(&p3, EVT, 2, flip + 1000) & VIREO_PM1_STS_TMR);
    CHECK(!vacpi_pm_sci_level(&p3)); /* no TMR_EN: the timer raises no SCI */
    vacpi_pm_write(&p3, EVT, 2, VIREO_PM1_STS_TMR, flip + 1000);
    CHECK((vacpi_pm_read(&p3, EVT, 2, flip + 2000) & VIREO_PM1_STS_TMR) == 0);
}

static void test_context(void)
{
    struct vacpi_pm pm = {0}, copy;
    struct vireo_plat_pm ctx, back;
    uint64_t now = 5 * S;

    vacpi_pm_press_power_button(&pm, true);
    vacpi_pm_write(&pm, EN, 2, VIREO_PM1_EN_PWRBTN, now);
    vacpi_pm_reset_reg_write(&pm, 0x0a);
    vacpi_pm_save(&pm, now, &ctx);
    CHECK(ctx.pm1_status == VIREO_PM1_STS_PWRBTN && ctx.pm1_enable == VIREO_PM1_EN_PWRBTN);
    CHECK(ctx.pm1_control == VIREO_PM1_CNT_SCI_EN && ctx.reboot_requested == 1);
    CHECK(ctx.reset_value == 0x0a && ctx.pad == 0);
    /* Loaded into a fresh device at the same hv time, it reads the same. */
    struct vacpi_pm fresh = {0};
    CHECK(vacpi_pm_load(&fresh, now, &ctx) == 0);
    CHECK(vacpi_pm_read(&fresh, TMR, 4, now) == vacpi_pm_read(&pm, TMR, 4, now));
    CHECK(vacpi_pm_sci_level(&fresh));
    vacpi_pm_save(&fresh, now, &back);
    CHECK(!memcmp(&back, &ctx, sizeof(ctx)));

    /* Hostile input: every rejected load leaves the device as it was; every accepted one
     * saves back to exactly what was loaded. */
    srand(7);
    unsigned accepted = 0, refused = 0;
    for (unsigned i = 0; i < 200000; i++) {
        uint8_t raw[sizeof(ctx)];
        for (size_t b = 0; b < sizeof(raw); b++)
            raw[b] = (uint8_t)rand();
        if (i & 1) { /* mostly valid, one field broken: reach every check */
            memcpy(raw, &ctx, sizeof(ctx));
            raw[rand() % sizeof(raw)] ^= (uint8_t)(1u << (rand() % 8));
        }
        struct vireo_plat_pm in;
        memcpy(&in, raw, sizeof(in));
        copy = fresh;
        if (vacpi_pm_load(&fresh, now, &in)) {
            CHECK(!memcmp(&copy, &fresh, sizeof(fresh)));
            refused++;
            continue;
        }
        accepted++;
        vacpi_pm_save(&fresh, now, &back);
        CHECK(!memcmp(&back, &in, sizeof(in)));
    }
    CHECK(accepted > 0 && refused > 0);
}

int main(void)
{
    test_status_enable_and_sci();
    test_control_and_sleep();
    test_reset_register();
    test_timer();
    test_context();
    return check_done("vacpi_pm");
}
