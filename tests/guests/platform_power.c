/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * platform_power: the ACPI PM and reset devices of the guest platform, as a guest driver
 * uses them (run with platform=1; docs/guest-platform.md). Command line `mode=`:
 *  0  registers: the PM timer counts 3.579545 MHz of hv time (bracketed by the pvclock
 *     read before and after), PM1 control reads SCI_EN, only PWRBTN_EN is writable,
 *     TMR_STS is set when timer bit 23 flips and cleared only by writing 1 to it; absent
 *     ports read all ones however wide and however often; an unknown MSR raises #GP;
 *     then 40 more absent ports, more than hv logs for one domain.
 *     Then S5 (SLP_TYP 5 | SLP_EN): hv must power the domain off.
 *  1  the FADT reset register: 0xcf9 keeps 0x02 (no reset), then 0x06 resets. With
 *     `absent=1` (a domain without the platform) 0xcf9 is an empty bus and nothing ends.
 *  2  the keyboard controller's reset command, 0xfe to port 0x64.
 *  3  waits for the power button (PWRBTN_STS, with PWRBTN_EN set), acknowledges it,
 *     then S5: what an ACPI-aware init does on `vireo-ctl shutdown`.
 */
#include "guest.h"
#include "trap.h"

#define PM1_STS 0x600
#define PM1_EN 0x602
#define PM1_CNT 0x604
#define PM_TMR 0x608
#define RESET_REG 0xcf9
#define KBC_CMD 0x64
#define STS_TMR (1u << 0)
#define STS_PWRBTN (1u << 8)
#define EN_PWRBTN (1u << 8)
#define CNT_SCI_EN (1u << 0)
#define CNT_S5 ((5u << 10) | (1u << 13))
#define TMR_HZ 3579545u
#define TMR_MASK 0xffffffu
#define ABSENT_PORT 0x1234
#define ABSENT_MSR 0x1234u
#define ABSENT_READS 300
#define ABSENT_MANY 0x1300 /* 40 ports from here: past hv's log of 32 per domain */

static unsigned checks;

static void want(int ok, const char *what, uint64_t got)
{
    if (!ok)
        guest_fail("%s (got %#llx)", what, (unsigned long long)got);
    checks++;
}

/* PM timer ticks in `ns` of hv time: the CPU's 128-bit MUL and DIV, not hv's method. */
static uint64_t ticks(uint64_t ns)
{
    uint64_t lo, hi, q, r;

    __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(ns), "r"((uint64_t)TMR_HZ));
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "r"(1000000000ull));
    return q;
}

static uint32_t pm_timer(void)
{
    return port_in(PM_TMR, 4);
}

/* The timer's count between two reads lies between the pvclock's shortest and longest
 * interval around them (one tick either way for the two roundings). */
static void check_timer_rate(struct guest_vcpu *v)
{
    for (unsigned i = 0; i < 5; i++) {
        uint64_t a0 = time_now_ns(v);
        uint32_t p0 = pm_timer();
        uint64_t a1 = time_now_ns(v);
        time_sleep_ms(v, 40);
        uint64_t b0 = time_now_ns(v);
        uint32_t p1 = pm_timer();
        uint64_t b1 = time_now_ns(v);
        uint64_t d = (p1 - p0) & TMR_MASK, lo = ticks(b0) - ticks(a1), hi = ticks(b1) - ticks(a0);

        if (d + 1 < lo || d > hi + 1)
            guest_fail("PM timer counted %llu ticks in [%llu, %llu] of hv time",
                       (unsigned long long)d, (unsigned long long)lo, (unsigned long long)hi);
        checks++;
    }
    want((pm_timer() & ~TMR_MASK) == 0, "PM timer is 24 bits wide", pm_timer());
}

/* Waits (at most 4 s of hv time) for bit 23 of the timer to flip. */
static void wait_timer_msb_flip(struct guest_vcpu *v)
{
    uint32_t msb = pm_timer() >> 23;
    uint64_t end = time_now_ns(v) + 4000000000ull;

    while (pm_timer() >> 23 == msb)
        if (time_now_ns(v) > end)
            guest_fail("PM timer bit 23 did not flip in 4 s");
}

static void check_registers(struct guest_vcpu *v)
{
    want(port_in(PM1_CNT, 2) & CNT_SCI_EN, "PM1 control reads SCI_EN", port_in(PM1_CNT, 2));
    port_out(PM1_EN, 2, 0xffff);
    want(port_in(PM1_EN, 2) == EN_PWRBTN, "only PWRBTN_EN is writable", port_in(PM1_EN, 2));
    port_out(PM1_EN, 2, 0);
    want(port_in(PM1_EN, 2) == 0, "PM1 enable clears", port_in(PM1_EN, 2));
    want((port_in(PM1_STS, 4) >> 16) == 0, "a 4-byte read of 0x600 is status then enable",
         port_in(PM1_STS, 4));

    wait_timer_msb_flip(v); /* the next flip is 2.3 s away: no race below */
    want(port_in(PM1_STS, 2) & STS_TMR, "TMR_STS set after bit 23 flipped", port_in(PM1_STS, 2));
    port_out(PM1_STS, 2, 0);
    want(port_in(PM1_STS, 2) & STS_TMR, "writing 0 leaves TMR_STS", port_in(PM1_STS, 2));
    port_out(PM1_STS + 1, 1, 0xff); /* the high byte: PWRBTN_STS and others, not TMR_STS */
    want(port_in(PM1_STS, 2) & STS_TMR, "a write to the high byte leaves TMR_STS",
         port_in(PM1_STS, 2));
    port_out(PM1_STS, 2, STS_TMR);
    want(!(port_in(PM1_STS, 2) & STS_TMR), "writing 1 clears TMR_STS", port_in(PM1_STS, 2));
}

static void check_absent(void)
{
    static uint8_t buf[ABSENT_READS];
    uint64_t rcx = ABSENT_READS;
    uint8_t *rdi = buf;

    for (unsigned i = 0; i < ABSENT_READS; i++) {
        unsigned size = 1u << (i % 3);
        uint32_t all = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
        if (port_in(ABSENT_PORT, size) != all)
            guest_fail("absent port read %u bytes as %#x", size, port_in(ABSENT_PORT, size));
        port_out(ABSENT_PORT, size, 0);
    }
    __asm__ volatile("rep insb" : "+c"(rcx), "+D"(rdi) : "d"(ABSENT_PORT) : "memory");
    for (unsigned i = 0; i < ABSENT_READS; i++)
        if (buf[i] != 0xff)
            guest_fail("REP INSB from an absent port gave %#x", buf[i]);
    checks += 2;

    for (unsigned i = 0; i < 3; i++) {
        uint32_t lo = 0, hi = 0;
        __asm__ volatile(TRAP_PROBE_BEGIN "rdmsr\n" TRAP_PROBE_END
                         : "+a"(lo), "+d"(hi) : "c"(ABSENT_MSR) : "r11", "memory");
        want(trap_vector == TRAP_GP && trap_error == 0, "RDMSR of an unknown MSR: #GP(0)",
             trap_vector);
        __asm__ volatile(TRAP_PROBE_BEGIN "wrmsr\n" TRAP_PROBE_END
                         : : "c"(ABSENT_MSR), "a"(0), "d"(0) : "r11", "memory");
        want(trap_vector == TRAP_GP && trap_error == 0, "WRMSR of an unknown MSR: #GP(0)",
             trap_vector);
    }
    for (uint16_t port = ABSENT_MANY; port < ABSENT_MANY + 40; port++)
        want(port_in(port, 1) == 0xff, "another absent port reads all ones", port);
}

static _Noreturn void sleep_s5(void)
{
    port_out(PM1_CNT, 2, CNT_S5);
    guest_fail("still running after S5");
}

static void wait_power_button(struct guest_vcpu *v)
{
    port_out(PM1_EN, 2, EN_PWRBTN);
    guest_printf("platform power: waiting for the power button\n");
    while (!(port_in(PM1_STS, 2) & STS_PWRBTN))
        time_sleep_ms(v, 20);
    port_out(PM1_STS, 2, STS_PWRBTN);
    want(!(port_in(PM1_STS, 2) & STS_PWRBTN), "writing 1 clears PWRBTN_STS",
         port_in(PM1_STS, 2));
    guest_printf("platform power: power button pressed, entering S5\n");
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t mode = cmdline_u64(v->start, "mode", 0);

    trap_install();
    switch (mode) {
    case 0:
        check_timer_rate(v);
        check_registers(v);
        check_absent();
        guest_printf("platform power: %u checks passed, entering S5\n", checks);
        sleep_s5();
    case 1:
        port_out(RESET_REG, 1, 0x02);
        if (cmdline_u64(v->start, "absent", 0)) {
            want(port_in(RESET_REG, 1) == 0xff, "0xcf9 without the platform reads all ones",
                 port_in(RESET_REG, 1));
            port_out(RESET_REG, 1, 0x06);
            guest_printf("platform power: no reset register here\n");
            return;
        }
        want(port_in(RESET_REG, 1) == 0x02, "0xcf9 keeps 0x02", port_in(RESET_REG, 1));
        guest_printf("platform power: writing 0x06 to 0xcf9\n");
        port_out(RESET_REG, 1, 0x06);
        guest_fail("still running after the reset register");
    case 2:
        guest_printf("platform power: keyboard controller reset\n");
        port_out(KBC_CMD, 1, 0xfe);
        guest_fail("still running after the keyboard controller reset");
    case 3:
        wait_power_button(v);
        sleep_s5();
    }
    guest_fail("unknown mode %llu", (unsigned long long)mode);
}
