/* SPDX-License-Identifier: GPL-2.0-only */
/* Fault probes for the faults a test guest provokes (include/trap.h), in its own IDT
 * (rt/idt.c). */
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

void trap_install(void)
{
    idt_set_gate(TRAP_UD, trap_entry_ud);
    idt_set_gate(TRAP_GP, trap_entry_gp);
    idt_set_gate(TRAP_PF, trap_entry_pf);
    idt_load();
}
