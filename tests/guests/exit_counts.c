/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exit_counts: count=<n> (default 5000) each of VMMCALL (VCPU_ID), CPUID and OUT to an
 * absent port, so dom0 can check hv's per-domain exit counters against a known floor.
 * Then says so and waits, obeying the toolstack, until it is destroyed or powered off.
 */
#include "guest.h"

#define ABSENT_PORT 0x80 /* the POST-code port: nothing answers it in a domain without devices */

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 5000);

    for (uint64_t i = 0; i < count; i++) {
        if (hc_vcpu_id() != 0)
            guest_fail("VCPU_ID on vCPU 0 answered otherwise");
        uint32_t a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        outb(ABSENT_PORT, (uint8_t)i);
    }
    guest_printf("exit_counts: made %llu hypercalls, CPUIDs and port writes\n",
                 (unsigned long long)count);
    for (;;) {
        guest_control_service(v);
        hc_block(0);
    }
}
