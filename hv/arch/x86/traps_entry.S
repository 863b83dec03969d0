/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry stubs. Each stub pushes an error code (a dummy one when
 * the CPU does not) and its vector, then the common path saves every register into a
 * struct trap_frame (arch/traps.h) and calls trap_dispatch(frame).
 */
    .text

.macro STUB_NOERR vec
    .global trap_stub_\vec
trap_stub_\vec:
    pushq $0
    pushq $\vec
    jmp trap_common
.endm

.macro STUB_ERR vec
    .global trap_stub_\vec
trap_stub_\vec:
    pushq $\vec
    jmp trap_common
.endm

STUB_NOERR 0
STUB_NOERR 1
STUB_NOERR 2
STUB_NOERR 3
STUB_NOERR 4
STUB_NOERR 5
STUB_NOERR 6
STUB_NOERR 7
STUB_ERR 8
STUB_NOERR 9
STUB_ERR 10
STUB_ERR 11
STUB_ERR 12
STUB_ERR 13
STUB_ERR 14
STUB_NOERR 15
STUB_NOERR 16
STUB_ERR 17
STUB_NOERR 18
STUB_NOERR 19
STUB_NOERR 20
STUB_ERR 21
STUB_NOERR 22
STUB_NOERR 23
STUB_NOERR 24
STUB_NOERR 25
STUB_NOERR 26
STUB_NOERR 27
STUB_NOERR 28
STUB_ERR 29
STUB_ERR 30
STUB_NOERR 31
STUB_NOERR 240
STUB_NOERR 241
STUB_NOERR 242
STUB_NOERR 243
STUB_NOERR 255

trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    /* Keep a frame-pointer chain through the trap for the backtrace. */
    mov 0x88(%rsp), %rax      /* interrupted RIP */
    push %rax
    push %rbp
    mov %rsp, %rbp
    call trap_dispatch
    add $16, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp             /* vector and error code */
    iretq

    .section .note.GNU-stack, "", @progbits
