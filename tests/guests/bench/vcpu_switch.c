/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_switch: vCPU switch cost. Run with 2 vCPUs on one domU CPU (-smp 2).
 * Phase 1: vCPU 1 sleeps while vCPU 0 yields alone: a yield that finds nobody else.
 * Phase 2: both vCPUs yield to each other count=<n> times: every yield is a switch.
 * Reports cycles per solo yield and per switching yield (hypercall + scheduler + the
 * state switch), and how many of vCPU 0's yields really let vCPU 1 run in between.
 */
#include "guest.h"

static volatile uint64_t progress[2]; /* yields done by each vCPU in phase 2 */
static volatile int phase2_start, phase2_stop;

void guest_secondary(struct guest_vcpu *v)
{
    if (v->index != 1)
        return;
    /* Sleeping, not runnable, through phase 1; checks in every 10 ms. */
    while (!phase2_start)
        time_sleep_ms(v, 10);
    /* Keep yielding until vCPU 0 has finished measuring, so it always has a partner. */
    for (uint64_t i = 0; !phase2_stop; i++) {
        hc_yield();
        progress[1] = i + 1;
    }
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 300);
    uint64_t switched = 0, t0, t1, t2;

    if (v->start->nr_vcpus != 2)
        guest_fail("needs exactly 2 vCPUs, has %u", v->start->nr_vcpus);
    time_now_ns(v); /* register the clock outside the measurement */
    t0 = rdtsc();
    for (uint64_t i = 0; i < count; i++)
        hc_yield();
    t1 = rdtsc();

    phase2_start = 1;
    while (!progress[1]) /* vCPU 1 wakes within 10 ms */
        hc_yield();
    t2 = rdtsc();
    for (uint64_t i = 0; i < count; i++) {
        uint64_t seen = progress[1];

        hc_yield();
        switched += progress[1] != seen;
    }
    uint64_t t3 = rdtsc();
    phase2_stop = 1;

    guest_printf("bench: yield_solo_cycles=%llu yield_switch_cycles=%llu switched=%llu/%llu\n",
                 (unsigned long long)((t1 - t0) / count),
                 (unsigned long long)((t3 - t2) / count / 2), (unsigned long long)switched,
                 (unsigned long long)count);
}
