/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: writes to a guest-physical address outside its RAM (gpa=<addr>, default
 * 1 GiB + 0x1238). Its page tables map it, so only hv's nested paging stops it.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    uint64_t gpa = cmdline_u64(v->start, "gpa", 0x40001238);

    time_sleep_ms(v, cmdline_u64(v->start, "delay_ms", 300));
    guest_printf("writing to gpa 0x%llx, outside my %llu MiB\n", (unsigned long long)gpa,
                 (unsigned long long)(v->start->mem_bytes >> 20));
    *(volatile uint64_t *)(uintptr_t)gpa = 0xbadbadbadbadbad;
    guest_fail("the write to gpa 0x%llx went through", (unsigned long long)gpa);
}
