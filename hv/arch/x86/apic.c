/* SPDX-License-Identifier: GPL-2.0-only */
/* Local APIC (xAPIC MMIO): hv's scheduler timer and inter-processor interrupts. */
#include "hv/hv.h"
#include "hv/time.h"
#include "arch/apic.h"
#include "arch/x86.h"

#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define APIC_LVT_MASKED (1u << 16)
#define APIC_ICR_BUSY (1u << 12)

static volatile uint32_t *const apic = (volatile uint32_t *)APIC_DEFAULT_BASE;
static uint64_t timer_ticks_per_ms;

static inline uint32_t rd(unsigned reg)
{
    return apic[reg / 4];
}

static inline void wr(unsigned reg, uint32_t v)
{
    apic[reg / 4] = v;
}

void apic_init_cpu(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1ul << 11)); /* xAPIC enable */
    wr(APIC_SVR, 0x100 | HV_VECTOR_SPURIOUS);
    wr(APIC_TPR, 0);
    wr(APIC_LVT_TIMER, APIC_LVT_MASKED | HV_VECTOR_TIMER);
    wr(APIC_LVT_ERROR, APIC_LVT_MASKED);
    wr(APIC_TIMER_DIV, 0x3); /* divide by 16 */
}

uint32_t apic_id(void)
{
    return rd(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    wr(APIC_EOI, 0);
}

void apic_calibrate_timer(void)
{
    wr(APIC_LVT_TIMER, APIC_LVT_MASKED | HV_VECTOR_TIMER);
    wr(APIC_TIMER_INIT, 0xffffffff);
    time_udelay(10000);
    uint32_t elapsed = 0xffffffff - rd(APIC_TIMER_CUR);
    wr(APIC_TIMER_INIT, 0);
    timer_ticks_per_ms = elapsed / 10 ? elapsed / 10 : 1;
    hv_log("APIC timer: %lu ticks/ms", (unsigned long)timer_ticks_per_ms);
}

void apic_timer_oneshot(uint64_t ns)
{
    if (!ns) {
        wr(APIC_TIMER_INIT, 0);
        return;
    }
    uint64_t ticks = ns / 1000 * timer_ticks_per_ms / 1000;
    ticks = ticks ? ticks : 1;
    wr(APIC_LVT_TIMER, HV_VECTOR_TIMER); /* one-shot, unmasked */
    wr(APIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

static void icr_send(uint32_t dest, uint32_t lo)
{
    while (rd(APIC_ICR_LO) & APIC_ICR_BUSY)
        cpu_relax();
    wr(APIC_ICR_HI, dest << 24);
    wr(APIC_ICR_LO, lo);
}

void apic_send_raw(uint32_t dest, uint32_t lo)
{
    icr_send(dest, lo);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
    icr_send(dest, vector); /* fixed, physical, edge */
}

void apic_send_init(uint32_t dest)
{
    icr_send(dest, 0x4500);
}

void apic_send_sipi(uint32_t dest, uint8_t page)
{
    icr_send(dest, 0x4600 | page);
}
