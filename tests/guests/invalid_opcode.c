/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: executes UD2 with no IDT (IDTR limit 0), so the #UD escalates through #GP
 * and #DF to a shutdown: hv must crash this domain alone.
 */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } no_idt = { 0, 0 };

    time_sleep_ms(v, cmdline_u64(v->start, "delay_ms", 300));
    guest_printf("executing ud2 with no IDT\n");
    __asm__ volatile("lidt %0; ud2" : : "m"(no_idt));
    guest_fail("ud2 did not fault");
}
