/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_switch: vCPU switch cost. Run with 2 vCPUs on one domU CPU (-smp 2).
 * Phase 1: vCPU 1 sleeps while vCPU 0 yields alone: a yield that finds nobody else.
 * Phase 2: both vCPUs yield to each other count=<n> times: every yield is a switch.
 * Reports cycles per solo yield and per switching yield (hypercall + scheduler + the
 * state switch), and how many of vCPU 0's yields really let vCPU 1 run in between.
 */
#include "guest.h"
#include "stats.h"

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
    uint64_t count = cmdline_u64(v->start, "count", 100);
    unsigned batches = (unsigned)cmdline_u64(v->start, "batches", 5);
    uint64_t solo[BENCH_MAX_BATCHES], pair[BENCH_MAX_BATCHES], switched = 0;

    if (v->start->nr_vcpus != 2)
        guest_fail("needs exactly 2 vCPUs, has %u", v->start->nr_vcpus);
    if (batches == 0 || batches > BENCH_MAX_BATCHES || count == 0)
        guest_fail("batches must be 1..%u and count > 0", BENCH_MAX_BATCHES);
    time_now_ns(v); /* register the clock outside the measurement */
    for (unsigned b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();
        for (uint64_t i = 0; i < count; i++)
            hc_yield();
        solo[b] = (rdtsc() - t0) / count;
    }

    phase2_start = 1;
    while (!progress[1]) /* vCPU 1 wakes within 10 ms */
        hc_yield();
    for (unsigned b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();
        for (uint64_t i = 0; i < count; i++) {
            uint64_t seen = progress[1];

            hc_yield();
            switched += progress[1] != seen;
        }
        /* Each iteration is two yields, each switching to the other vCPU. */
        pair[b] = (rdtsc() - t0) / count / 2;
    }
    phase2_stop = 1;

    guest_printf("bench: yield_solo_cycles=%llu yield_switch_cycles=%llu switched=%llu/%llu\n",
                 (unsigned long long)bench_median(solo, batches),
                 (unsigned long long)bench_median(pair, batches), (unsigned long long)switched,
                 (unsigned long long)(count * batches));
}
