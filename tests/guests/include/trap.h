/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Faults a test guest provokes on purpose (rt/trap.c): its own IDT catches #UD, #GP and
 * #PF, records what the CPU pushed, and resumes at the end of the probe. Use as
 *   __asm__ volatile(TRAP_PROBE_BEGIN "rdmsr\n" TRAP_PROBE_END ... : "r11", "memory");
 * then trap_vector is the vector taken (TRAP_NONE if none) and trap_error its error code.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

#define TRAP_NONE 0
#define TRAP_UD 6
#define TRAP_GP 13
#define TRAP_PF 14

/* What the last fault pushed; the handler resumes at trap_recover_rip. */
extern uint64_t trap_vector, trap_error, trap_rip, trap_recover_rip;

/* Loads the IDT with the three handlers (once, before the first probe). */
void trap_install(void);

/* A fault in the instructions up to TRAP_PROBE_END resumes there. Clobbers r11. */
#define TRAP_PROBE_BEGIN                                                                    \
    "leaq 1f(%%rip), %%r11\n movq %%r11, trap_recover_rip(%%rip)\n"                         \
    "movq $0, trap_vector(%%rip)\n"
#define TRAP_PROBE_END "1:\n"

#endif
