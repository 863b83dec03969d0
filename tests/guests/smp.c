/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * smp: every vCPU checks VIREO_HC_VCPU_ID against its start index and reports; vCPU 0
 * waits (bounded, yielding so multiplexed vCPUs get to run) until all have arrived.
 */
#include "guest.h"

static unsigned arrived;

static void report(struct guest_vcpu *v)
{
    int64_t id = hc_vcpu_id();

    if (id != (int64_t)v->index)
        guest_fail("vCPU %u: VIREO_HC_VCPU_ID returned %lld", v->index, (long long)id);
    guest_printf("vCPU %u of %u up\n", v->index, v->start->nr_vcpus);
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
}

void guest_secondary(struct guest_vcpu *v)
{
    report(v);
}

void guest_main(struct guest_vcpu *v)
{
    unsigned want = v->start->nr_vcpus;
    uint64_t deadline;

    report(v);
    deadline = time_now_ns(v) + cmdline_u64(v->start, "timeout_ms", 20000) * 1000000;
    while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < want) {
        if (time_now_ns(v) > deadline)
            guest_fail("only %u of %u vCPUs arrived", arrived, want);
        hc_yield();
    }
    guest_printf("all %u vCPUs up\n", want);
}
