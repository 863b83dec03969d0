/* SPDX-License-Identifier: GPL-2.0-only */
/* The paravirtual clock: one vireo_time_info per vCPU, read without hypercalls. */
#include "guest.h"

/* The ABI wants each structure 32-byte aligned. */
static struct vireo_time_info time_infos[VIREO_MAX_VCPUS] __attribute__((aligned(32)));

static uint64_t pvclock_read(const volatile struct vireo_time_info *ti)
{
    uint32_t version, mul;
    uint64_t tsc, stamp, system_time, delta;
    int8_t shift;

    do {
        version = ti->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        tsc = rdtsc();
        stamp = ti->tsc_timestamp;
        system_time = ti->system_time;
        mul = ti->tsc_to_system_mul;
        shift = ti->tsc_shift;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != ti->version);

    delta = tsc > stamp ? tsc - stamp : 0;
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t time_now_ns(struct guest_vcpu *v)
{
    if (!v->time) {
        struct vireo_time_info *ti = &time_infos[v->index % VIREO_MAX_VCPUS];
        int64_t rc = hypercall1(VIREO_HC_TIME_REGISTER, (uintptr_t)ti);

        if (rc < 0)
            guest_fail("VIREO_HC_TIME_REGISTER(%p) returned %lld", (void *)ti, (long long)rc);
        v->time = ti;
    }
    return pvclock_read(v->time);
}

void time_sleep_ms(struct guest_vcpu *v, uint64_t ms)
{
    uint64_t deadline = time_now_ns(v) + ms * 1000000;

    /* SCHED_BLOCK may return early (an event for the domain): block again. */
    while (time_now_ns(v) < deadline)
        hc_block(deadline);
}
