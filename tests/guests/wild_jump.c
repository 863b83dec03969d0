/* SPDX-License-Identifier: GPL-2.0-only */
/* Hostile: jumps to a guest-physical address outside its RAM (gpa=<addr>). */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t gpa = cmdline_u64(v->start, "gpa", 0x40002000);
    void (*target)(void) = (void (*)(void))(uintptr_t)gpa;

    time_sleep_ms(v, cmdline_u64(v->start, "delay_ms", 300));
    guest_printf("jumping to gpa 0x%llx\n", (unsigned long long)gpa);
    target();
    guest_fail("came back from gpa 0x%llx", (unsigned long long)gpa);
}
