/* SPDX-License-Identifier: GPL-2.0-only */
/* A test guest's own IDT for the faults it provokes (include/trap.h). */
#include "guest.h"
#include "trap.h"

uint64_t trap_vector, trap_error, trap_rip, trap_recover_rip;

__asm__(".text\n"
        "trap_entry_gp: movq $13, trap_vector(%rip); popq trap_error(%rip); jmp 1f\n"
        "trap_entry_pf: movq $14, trap_vector(%rip); popq trap_error(%rip); jmp 1f\n"
        "trap_entry_ud: movq $6, trap_vector(%rip); movq $0, trap_error(%rip)\n"
        "1: popq trap_rip(%rip)\n"
        "   pushq trap_recover_rip(%rip)\n"
        "   iretq\n");
extern char trap_entry_gp[], trap_entry_pf[], trap_entry_ud[];

static struct idt_gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} idt[32] __attribute__((aligned(16)));

static void set_gate(unsigned vector, void *handler)
{
    uintptr_t a = (uintptr_t)handler;
    uint16_t cs;

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    idt[vector] = (struct idt_gate){ .off0 = (uint16_t)a, .sel = cs, .type = 0x8e,
                                     .off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32) };
}

void trap_install(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
        sizeof(idt) - 1, (uintptr_t)idt };

    set_gate(TRAP_UD, trap_entry_ud);
    set_gate(TRAP_GP, trap_entry_gp);
    set_gate(TRAP_PF, trap_entry_pf);
    __asm__ volatile("lidt %0" : : "m"(d));
}
