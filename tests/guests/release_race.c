/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: every vCPU gives memory back at the same time. Each loops count=<n> times on
 * VIREO_HC_MEMORY_RELEASE_SELF of a range beyond its RAM (nothing to release, but the call
 * still changes the nested tables' generation) and of one frame of its own in a 2 MiB
 * page it shares with the others, which it then takes back, writes and checks while the
 * others keep checking theirs. hv once made each such call wait, with interrupts off,
 * for every other vCPU of the domain to leave its CPU: two vCPUs calling at once waited
 * on each other for ever.
 */
#include "guest.h"

#define FRAME 4096ull
#define AREA (8ull << 20) /* one 2 MiB page, frame i for vCPU i */

static unsigned finished;

static void race(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 2000);
    volatile uint64_t *mine = (volatile uint64_t *)(uintptr_t)(AREA + v->index * FRAME);

    for (uint64_t i = 0; i < count; i++) {
        int64_t rc = hypercall2(VIREO_HC_MEMORY_RELEASE_SELF, 0x1000000, 16);
        if (rc != 0)
            guest_fail("vCPU %u: release beyond RAM returned %lld", v->index, (long long)rc);
        if (i % 8)
            continue;
        rc = hypercall2(VIREO_HC_MEMORY_RELEASE_SELF, (uintptr_t)mine / FRAME, 1);
        if (rc != 1)
            guest_fail("vCPU %u: release of its frame returned %lld", v->index, (long long)rc);
        rc = hypercall2(VIREO_HC_MEMORY_POPULATE_SELF, (uintptr_t)mine / FRAME, 1);
        if (rc != 0)
            guest_fail("vCPU %u: populate of its frame returned %lld", v->index, (long long)rc);
        if (*mine != 0)
            guest_fail("vCPU %u: its new frame is not zeroed", v->index);
        *mine = i | ((uint64_t)v->index << 48);
        if (*mine != (i | ((uint64_t)v->index << 48)))
            guest_fail("vCPU %u: its frame lost a write", v->index);
    }
    __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
}

void guest_secondary(struct guest_vcpu *v)
{
    race(v);
}

void guest_main(struct guest_vcpu *v)
{
    unsigned want = v->start->nr_vcpus;

    if (want > 512 || v->start->mem_bytes < AREA + (2ull << 20) + (2ull << 20))
        guest_fail("needs at least 12 MiB of RAM and at most 512 vCPUs");
    race(v);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < want)
        hc_yield();
    guest_printf("release race: %u vCPUs released at once %llu times each\n", want,
                 (unsigned long long)cmdline_u64(v->start, "count", 2000));
}
