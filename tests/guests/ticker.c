/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ticker: the well-behaved neighbour. Prints ticks=<n> ticks every period_ms=<n>
 * milliseconds, sleeping with SCHED_BLOCK in between, then powers off (ticks=0: ticks for
 * ever). A test that sees "ticker done" knows hv kept scheduling it while something else
 * misbehaved; "worst gap" is the longest time between two ticks, the period included,
 * which tells how long a neighbour could keep it from its CPU.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t ticks = cmdline_u64(v->start, "ticks", 10);
    uint64_t period_ms = cmdline_u64(v->start, "period_ms", 100);
    uint64_t last = time_now_ns(v), worst = 0;

    for (uint64_t i = 1; !ticks || i <= ticks; i++) {
        time_sleep_ms(v, period_ms);
        uint64_t now = time_now_ns(v);
        worst = now - last > worst ? now - last : worst;
        last = now;
        guest_printf("tick %llu worst gap %llu us\n", (unsigned long long)i,
                     (unsigned long long)(worst / 1000));
    }
    guest_printf("ticker done: %llu ticks, worst gap %llu us\n", (unsigned long long)ticks,
                 (unsigned long long)(worst / 1000));
}
