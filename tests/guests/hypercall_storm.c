/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: count=<n> (default 10 000) hypercalls back to back, each answer checked.
 * hv must keep serving them and keep its neighbours running; then the guest powers off.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 10000);
    uint64_t t0 = rdtsc();

    for (uint64_t i = 0; i < count; i++) {
        int64_t rc = hypercall0(i & 1 ? VIREO_HC_VCPU_ID : VIREO_HC_ABI_VERSION);
        int64_t want = i & 1 ? 0 : VIREO_ABI_VERSION;

        if (rc != want)
            guest_fail("hypercall %llu returned %lld, want %lld", (unsigned long long)i,
                       (long long)rc, (long long)want);
    }
    guest_printf("storm done: %llu hypercalls, %llu TSC cycles each\n",
                 (unsigned long long)count,
                 (unsigned long long)(count ? (rdtsc() - t0) / count : 0));
}
