/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application processor start-up. The BSP copies this blob to TRAMPOLINE_BASE (below
 * 1 MiB), fills in the variables at its end and sends INIT-SIPI-SIPI. The AP walks from
 * real mode through protected mode into long mode and jumps to hv_start_ap(index).
 * Everything is addressed as TRAMPOLINE_BASE + offset because the blob is copied.
 */
#include "arch/trampoline.h"

#define T(x) (TRAMPOLINE_BASE + ((x) - trampoline_start))

    .section .rodata
    .global trampoline_start, trampoline_end
    .code16
trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl (tramp_gdt_desc - trampoline_start)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $T(tramp32)

    .code32
tramp32:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov T(tramp_cr3), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010000, %eax
    mov %eax, %cr0
    ljmp $0x18, $T(tramp64)

    .code64
tramp64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov T(tramp_stack), %rsp
    mov T(tramp_cpu), %edi
    xor %ebp, %ebp
    mov T(tramp_entry), %rax
    jmp *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff  /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff  /* 0x10: data */
    .quad 0x00af9a000000ffff  /* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_desc:
    .word tramp_gdt_end - tramp_gdt - 1
    .long T(tramp_gdt)

    .balign 8
    .global tramp_vars
tramp_vars:
tramp_cr3:   .quad 0
tramp_stack: .quad 0
tramp_entry: .quad 0
tramp_cpu:   .quad 0
trampoline_end:

    .section .note.GNU-stack, "", @progbits
