/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: floods its console. rounds=<n> times it asks VIREO_HC_CONSOLE_WRITE to take
 * 64 KiB of newlines in one call (65 536 lines for hv's log), then writes the rest of
 * the buffer the way a guest must, call after call. hv once did all of it inside one
 * call that nothing could preempt. Each call must consume at most the ABI's
 * VIREO_CONSOLE_WRITE_MAX bytes and make progress.
 */
#include "guest.h"

static char buf[65536];

void guest_main(struct guest_vcpu *v)
{
    uint64_t rounds = cmdline_u64(v->start, "rounds", 4), calls = 0, bytes = 0;

    time_sleep_ms(v, cmdline_u64(v->start, "delay_ms", 300));
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = '\n';
    for (uint64_t r = 0; r < rounds; r++) {
        for (size_t off = 0; off < sizeof(buf);) {
            int64_t n = hypercall2(VIREO_HC_CONSOLE_WRITE, (uintptr_t)buf + off, sizeof(buf) - off);
            calls++;
            if (n <= 0 || n > (int64_t)VIREO_CONSOLE_WRITE_MAX || (size_t)n > sizeof(buf) - off)
                guest_fail("CONSOLE_WRITE of %llu bytes returned %lld",
                           (unsigned long long)(sizeof(buf) - off), (long long)n);
            off += (size_t)n;
            bytes += (uint64_t)n;
        }
    }
    time_sleep_ms(v, 300); /* hv's log takes our lines at 20/s: let a few tokens refill */
    guest_printf("console flood: %llu bytes in %llu calls\n", (unsigned long long)bytes,
                 (unsigned long long)calls);
}
