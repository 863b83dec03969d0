/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_hypercall: round trip of the cheapest hypercall (ABI_VERSION) in guest TSC
 * cycles, as the median of batches=<n> batches of count=<n> calls, beside the cost of
 * one iteration of an empty loop for scale.
 */
#include "guest.h"
#include "stats.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 200);
    unsigned batches = (unsigned)cmdline_u64(v->start, "batches", 5);
    uint64_t per_call[BENCH_MAX_BATCHES], per_loop[BENCH_MAX_BATCHES];

    if (batches == 0 || batches > BENCH_MAX_BATCHES || count == 0)
        guest_fail("batches must be 1..%u and count > 0", BENCH_MAX_BATCHES);
    for (unsigned b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();
        for (uint64_t i = 0; i < count; i++)
            __asm__ volatile("" : : "r"(i) : "memory");
        uint64_t t1 = rdtsc();
        for (uint64_t i = 0; i < count; i++)
            if (hypercall0(VIREO_HC_ABI_VERSION) != VIREO_ABI_VERSION)
                guest_fail("ABI_VERSION answered wrongly");
        uint64_t t2 = rdtsc();
        per_loop[b] = (t1 - t0) / count;
        per_call[b] = (t2 - t1) / count;
    }
    guest_printf("bench: null_hypercall_cycles=%llu empty_loop_cycles=%llu calls=%llu\n",
                 (unsigned long long)bench_median(per_call, batches),
                 (unsigned long long)bench_median(per_loop, batches),
                 (unsigned long long)(count * batches));
}
