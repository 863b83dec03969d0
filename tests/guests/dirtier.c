/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirtier: a guest that keeps writing its memory, for the dirty-page log's tests. Pass p
 * first checks that every word of its area still holds what pass p-1 wrote, then writes
 * pass p's pattern, prints "pass <p>" and sleeps ms=<n> (default 100). The area is mb=<n>
 * MiB (default 8) from 4 MiB up. A word that changed behind its back fails the guest.
 */
#include "guest.h"

#define AREA (4ull << 20)

static uint64_t pattern(uint64_t pass, uint64_t i)
{
    return (pass << 40) ^ (i * 0x9e3779b97f4a7c15ull);
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t bytes = cmdline_u64(v->start, "mb", 8) << 20, ms = cmdline_u64(v->start, "ms", 100);
    volatile uint64_t *area = (volatile uint64_t *)(uintptr_t)AREA;
    uint64_t words = bytes / 8;

    if (AREA + bytes > v->start->reserved_gpa)
        guest_fail("mb=%llu does not fit below 0x%llx", (unsigned long long)(bytes >> 20),
                   (unsigned long long)v->start->reserved_gpa);
    for (uint64_t pass = 1;; pass++) {
        for (uint64_t i = 0; i < words; i++) {
            if (pass > 1 && area[i] != pattern(pass - 1, i))
                guest_fail("pass %llu: word %llu at 0x%llx holds 0x%llx, not 0x%llx",
                           (unsigned long long)pass, (unsigned long long)i,
                           (unsigned long long)(AREA + i * 8), (unsigned long long)area[i],
                           (unsigned long long)pattern(pass - 1, i));
            area[i] = pattern(pass, i);
        }
        guest_printf("pass %llu\n", (unsigned long long)pass);
        time_sleep_ms(v, ms);
    }
}
