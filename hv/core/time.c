/* SPDX-License-Identifier: GPL-2.0-only */
/* TSC calibration against the PIT and the TSC -> nanoseconds scale shared with guests. */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/time.h"
#include "arch/x86.h"

struct time_scale hv_time;
uint64_t hv_tsc_khz;

void time_scale_for(uint64_t tsc_hz, struct time_scale *ts)
{
    /* ns = delta * (1e9 * 2^32 / hz) >> 32; a positive shift keeps the factor in 32 bits
     * for TSCs slower than 1 GHz (1e9 * 2^32 itself fits in 64 bits). */
    uint64_t q32 = (1000000000ull << 32) / tsc_hz;
    int shift = 0;

    while (q32 >> shift >= (1ull << 32))
        shift++;
    ts->shift = (int8_t)shift;
    ts->mul = (uint32_t)(q32 >> shift);
}

uint64_t time_scale_apply(const struct time_scale *ts, uint64_t delta)
{
    delta = ts->shift >= 0 ? delta << ts->shift : delta >> -ts->shift;
    return (uint64_t)(((unsigned __int128)delta * ts->mul) >> 32);
}

uint64_t hv_now_ns(void)
{
    return time_scale_apply(&hv_time, rdtsc() - hv_time.tsc_base);
}

/* Counts TSC ticks while PIT channel 2 counts down `pit_ticks` (1.193182 MHz). */
static uint64_t tsc_over_pit(uint16_t pit_ticks)
{
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xb0);                      /* channel 2, lo/hi, mode 0 */
    outb(0x42, pit_ticks & 0xff);
    outb(0x42, pit_ticks >> 8);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    return rdtsc() - t0;
}

void time_init(void)
{
    const uint16_t pit_ticks = 59659; /* 50 ms */
    uint64_t best = ~0ull;

    /* The shortest of three runs is the one least stretched by emulation noise. */
    for (int i = 0; i < 3; i++) {
        uint64_t t = tsc_over_pit(pit_ticks);
        best = t < best ? t : best;
    }
    uint64_t hz = best * 1193182ull / pit_ticks;
    hv_tsc_khz = hz / 1000;
    hv_time.tsc_base = rdtsc();
    time_scale_for(hz, &hv_time);
    hv_log("TSC: %lu kHz (mul %u shift %d)", (unsigned long)hv_tsc_khz, hv_time.mul,
           hv_time.shift);
}

void time_udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * (hv_tsc_khz ? hv_tsc_khz : 3000000) / 1000;
    while (rdtsc() < end)
        cpu_relax();
}

int time_info_publish(struct domain *d, uint64_t gpa, uint64_t tsc, uint64_t system_ns)
{
    /* One linear TSC -> ns scale for hv's lifetime: written once, valid forever. */
    struct vireo_time_info ti = {
        .version = 2,
        .tsc_timestamp = tsc,
        .system_time = system_ns,
        .tsc_to_system_mul = hv_time.mul,
        .tsc_shift = hv_time.shift,
        .flags = VIREO_TIME_TSC_STABLE,
    };
    return guest_write(d, gpa, &ti, sizeof(ti));
}
