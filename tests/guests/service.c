/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * service: the well-behaved long-running guest the lifecycle tests drive. It prints
 * "tick <n>" every period_ms=<n> (default 1000) for ticks=<n> ticks (default 0: for
 * ever), burning work_ms=<n> of CPU at each tick (default 0), and sleeps in SCHED_BLOCK
 * in between. Woken early it obeys the toolstack (power off, reboot, balloon to the
 * memory target) and answers each line of console input with "service: got <line>".
 * Every vCPU brought online says so once.
 */
#include "guest.h"

static char line[128];
static unsigned line_len;

static void read_console(void)
{
    static char buf[128];
    int64_t n;

    /* The guest is identity mapped: a pointer is its guest-physical address. */
    while ((n = hypercall2(VIREO_HC_CONSOLE_READ, (uintptr_t)buf, sizeof(buf))) > 0) {
        for (int64_t i = 0; i < n; i++) {
            char c = buf[i];
            if (c != '\n' && c != '\r') {
                if (line_len < sizeof(line) - 1)
                    line[line_len++] = c;
                continue;
            }
            if (!line_len)
                continue;
            line[line_len] = '\0';
            guest_printf("service: got %s\n", line);
            line_len = 0;
        }
    }
    if (n < 0)
        guest_fail("CONSOLE_READ returned %lld", (long long)n);
}

static void burn(struct guest_vcpu *v, uint64_t ms)
{
    uint64_t end = time_now_ns(v) + ms * 1000000;
    while (time_now_ns(v) < end)
        cpu_relax();
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t period_ns = cmdline_u64(v->start, "period_ms", 1000) * 1000000;
    uint64_t ticks = cmdline_u64(v->start, "ticks", 0);
    uint64_t work_ms = cmdline_u64(v->start, "work_ms", 0);

    guest_printf("service up: d%lld, %u vCPUs, %llu KiB, cmdline '%s'\n", (long long)hc_domain_id(),
                 v->start->nr_vcpus, (unsigned long long)(v->start->mem_bytes >> 10),
                 cmdline(v->start));
    uint64_t next = time_now_ns(v) + period_ns;
    for (uint64_t tick = 1; !ticks || tick <= ticks;) {
        guest_control_service(v);
        read_console();
        if (time_now_ns(v) < next) {
            hc_block(next);
            continue;
        }
        burn(v, work_ms);
        guest_printf("tick %llu\n", (unsigned long long)tick++);
        next = time_now_ns(v) + period_ns; /* no burst of ticks after a pause */
    }
    guest_printf("service done\n");
}

void guest_secondary(struct guest_vcpu *v)
{
    guest_printf("service: vCPU %u online\n", v->index);
}
