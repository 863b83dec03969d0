/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_vmrun(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa)
 * Enters the guest once and returns after its #VMEXIT. VMRUN switches only RAX/RSP/RIP,
 * so the other guest registers are loaded from and saved to *regs here. VMLOAD/VMSAVE
 * switch FS/GS/TR/LDTR and the syscall MSRs, which #VMEXIT does not restore for hv.
 * Physical interrupts are masked by GIF=0 around the switch; host IF=1 at VMRUN so that
 * with V_INTR_MASKING they cause #VMEXIT(INTR) instead of waiting for the guest.
 */
#define R_RBX 0
#define R_RCX 8
#define R_RDX 16
#define R_RSI 24
#define R_RDI 32
#define R_RBP 40
#define R_R8 48
#define R_R9 56
#define R_R10 64
#define R_R11 72
#define R_R12 80
#define R_R13 88
#define R_R14 96
#define R_R15 104

    .text
    .global svm_vmrun
svm_vmrun:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdx                 /* host save area */
    push %rdi                 /* regs */

    clgi
    sti                       /* not adjacent to VMRUN: AMD leaks the STI shadow */
    mov %rsi, %rax
    mov R_RBX(%rdi), %rbx
    mov R_RCX(%rdi), %rcx
    mov R_RDX(%rdi), %rdx
    mov R_RSI(%rdi), %rsi
    mov R_RBP(%rdi), %rbp
    mov R_R8(%rdi), %r8
    mov R_R9(%rdi), %r9
    mov R_R10(%rdi), %r10
    mov R_R11(%rdi), %r11
    mov R_R12(%rdi), %r12
    mov R_R13(%rdi), %r13
    mov R_R14(%rdi), %r14
    mov R_R15(%rdi), %r15
    mov R_RDI(%rdi), %rdi
    vmload %rax
    vmrun %rax
    .global svm_vmrun_resume
svm_vmrun_resume:             /* where #VMEXIT returns: svm.c recognises it (reentry) */
    vmsave %rax

    push %rdi                 /* guest rdi */
    mov 8(%rsp), %rdi         /* regs */
    mov %rbx, R_RBX(%rdi)
    mov %rcx, R_RCX(%rdi)
    mov %rdx, R_RDX(%rdi)
    mov %rsi, R_RSI(%rdi)
    mov %rbp, R_RBP(%rdi)
    mov %r8, R_R8(%rdi)
    mov %r9, R_R9(%rdi)
    mov %r10, R_R10(%rdi)
    mov %r11, R_R11(%rdi)
    mov %r12, R_R12(%rdi)
    mov %r13, R_R13(%rdi)
    mov %r14, R_R14(%rdi)
    mov %r15, R_R15(%rdi)
    popq R_RDI(%rdi)
    add $8, %rsp
    pop %rax                  /* host save area */
    vmload %rax
    cli
    stgi

    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .section .note.GNU-stack, "", @progbits
