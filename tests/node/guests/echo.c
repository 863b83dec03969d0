/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * echo: a node-test guest for console input. Prints "echo ready", then echoes every
 * line of console input as "echo: <line>", sleeping in SCHED_BLOCK until input arrives;
 * the line "quit" powers it off.
 */
#include "guest.h"

static char line[256];
static size_t line_len;

/* Returns 1 when the line was "quit". */
static int finish_line(void)
{
    line[line_len] = '\0';
    guest_printf("echo: %s\n", line);
    int quit = line_len == 4 && !memcmp(line, "quit", 4);
    line_len = 0;
    return quit;
}

void guest_main(struct guest_vcpu *v)
{
    static char buf[128];

    (void)v;
    guest_printf("echo ready\n");
    for (;;) {
        /* The guest is identity mapped: a pointer is its guest-physical address. */
        int64_t n = hypercall2(VIREO_HC_CONSOLE_READ, (uint64_t)(uintptr_t)buf, sizeof(buf));
        if (n < 0)
            guest_fail("CONSOLE_READ failed: %lld", (long long)n);
        if (n == 0) {
            hc_block(0);
            continue;
        }
        for (int64_t i = 0; i < n; i++) {
            char c = buf[i];
            if (c == '\n' || c == '\r') {
                if (line_len && finish_line())
                    return;
            } else if (line_len < sizeof(line) - 1) {
                line[line_len++] = c;
            }
        }
    }
}
