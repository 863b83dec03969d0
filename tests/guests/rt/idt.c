/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's own IDT, for the tests that take exceptions or interrupts themselves. */
#include "guest.h"

static struct idt_gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} idt[256] __attribute__((aligned(16)));

void idt_set_gate(unsigned vector, void *handler)
{
    uintptr_t a = (uintptr_t)handler;
    uint16_t cs;

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    idt[vector & 0xff] = (struct idt_gate){.off0 = (uint16_t)a, .sel = cs, .type = 0x8e,
                                           .off1 = (uint16_t)(a >> 16),
                                           .off2 = (uint32_t)(a >> 32)};
}

void idt_load(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } d = {sizeof(idt) - 1, (uintptr_t)idt};

    __asm__ volatile("lidt %0" : : "m"(d));
}
