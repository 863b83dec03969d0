/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Native benchmark kernel: multiboot2 header and the climb from the 32-bit protected
 * mode GRUB leaves us in (EAX = magic, EBX = boot information) to 64-bit long mode with
 * the first 1 GiB identity-mapped by 2 MiB pages, then native_main(magic, info).
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_P_W 0x3
#define PTE_PS (1 << 7)

    .section .multiboot, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    .short 0, 0             /* end tag */
    .long 8
mb2_header_end:

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    movl $stack_top, %esp
    movl %eax, %edi         /* multiboot2 magic: 1st argument of native_main */
    movl %ebx, %esi         /* boot information: 2nd argument */

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB. */
    movl $pdpt, %eax
    orl $PTE_P_W, %eax
    movl %eax, pml4
    movl $pd, %eax
    orl $PTE_P_W, %eax
    movl %eax, pdpt
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PTE_P_W | PTE_PS), %eax
    movl %eax, pd(, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl $pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $CR0_PG, %eax
    movl %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movq $stack_top, %rsp
    xorl %ebp, %ebp
    call native_main
2:  hlt
    jmp 2b

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff /* 0x10: flat data */
gdt_ptr:
    .short gdt_ptr - gdt - 1
    .quad gdt

    .section .bss
    .balign 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096
stack: .skip 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
