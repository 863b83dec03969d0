/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: a full IDT whose gates are all not-present, then INT 0x40: #NP, then #NP
 * again while delivering it, #DF, and a triple fault. A different road to shutdown than
 * invalid_opcode's empty IDT.
 */
#include "guest.h"

static uint64_t idt[512] __attribute__((aligned(16))); /* 256 zeroed 16-byte gates */

void guest_main(struct guest_vcpu *v)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = { sizeof(idt) - 1, (uintptr_t)idt };

    time_sleep_ms(v, cmdline_u64(v->start, "delay_ms", 300));
    guest_printf("int 0x40 through an IDT of not-present gates\n");
    __asm__ volatile("lidt %0; int $0x40" : : "m"(idtr));
    guest_fail("int 0x40 came back");
}
