/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_hypercall: round trip of the cheapest hypercall (ABI_VERSION) in guest TSC
 * cycles next to the floor of every exit: RDMSR of MTRRcap, which hv intercepts and
 * answers with a constant (its shortest handler: VMRUN -> #VMEXIT -> VMRUN with next to
 * no work; INVD would be shorter still, but QEMU never intercepts it), and one iteration
 * of an empty loop for scale. Each is the median of batches=<n> batches of count=<n>, the
 * three measured in turn within every batch so host load hits them alike.
 */
#include "guest.h"
#include "stats.h"

#define MSR_MTRR_CAP 0xfeu

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 200);
    unsigned batches = (unsigned)cmdline_u64(v->start, "batches", 5);
    uint64_t per_call[BENCH_MAX_BATCHES], per_loop[BENCH_MAX_BATCHES];
    uint64_t per_exit[BENCH_MAX_BATCHES];

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
        for (uint64_t i = 0; i < count; i++) {
            uint32_t lo, hi;
            __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_MTRR_CAP) : "memory");
            if (lo | hi) /* QEMU's own MTRRcap is not 0: hv did not answer */
                guest_fail("RDMSR of MTRRcap did not exit to hv");
        }
        uint64_t t3 = rdtsc();
        per_loop[b] = (t1 - t0) / count;
        per_call[b] = (t2 - t1) / count;
        per_exit[b] = (t3 - t2) / count;
    }
    guest_printf("bench: null_hypercall_cycles=%llu empty_loop_cycles=%llu calls=%llu "
                 "empty_exit_cycles=%llu\n",
                 (unsigned long long)bench_median(per_call, batches),
                 (unsigned long long)bench_median(per_loop, batches),
                 (unsigned long long)(count * batches),
                 (unsigned long long)bench_median(per_exit, batches));
}
