/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ticker: the well-behaved neighbour. Prints ticks=<n> ticks every period_ms=<n>
 * milliseconds, sleeping with SCHED_BLOCK in between, then powers off. A test that
 * sees "ticker done" knows hv kept scheduling it while something else misbehaved.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t ticks = cmdline_u64(v->start, "ticks", 10);
    uint64_t period_ms = cmdline_u64(v->start, "period_ms", 100);

    for (uint64_t i = 1; i <= ticks; i++) {
        time_sleep_ms(v, period_ms);
        guest_printf("tick %llu\n", (unsigned long long)i);
    }
    guest_printf("ticker done: %llu ticks\n", (unsigned long long)ticks);
}
