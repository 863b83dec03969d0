/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spin: burns CPU for ms=<n> milliseconds of wall time, watching the pvclock with no
 * hypercall in the loop (so only hv's timer takes the CPU away), then powers off.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t ms = cmdline_u64(v->start, "ms", 1000);
    uint64_t start = time_now_ns(v);
    uint64_t end = start + ms * 1000000;
    uint64_t now, loops = 0;

    guest_printf("spinning for %llu ms\n", (unsigned long long)ms);
    while ((now = time_now_ns(v)) < end)
        loops++;
    guest_printf("spun wall_ns=%llu loops=%llu\n", (unsigned long long)(now - start),
                 (unsigned long long)loops);
}
