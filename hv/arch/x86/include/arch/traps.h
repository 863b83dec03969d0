/* SPDX-License-Identifier: GPL-2.0-only */
/* IDT, the register frame of a trap, and hv's fatal-exception report. */
#ifndef HV_ARCH_TRAPS_H
#define HV_ARCH_TRAPS_H

#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void idt_init(void);  /* builds the shared IDT once */
void idt_load(void);  /* on every CPU */
void trap_dispatch(struct trap_frame *f);
/* Prints a backtrace by walking the frame-pointer chain from rbp. */
void print_backtrace(uint64_t rbp);
/* Stops every other CPU (fixed IPI HV_VECTOR_HALT). */
void stop_other_cpus(void);

#endif
