/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of every test guest. The builder starts each vCPU here in 64-bit mode with
 * RDI = start info GPA, RSI = vCPU index, RSP = top of that vCPU's own stack (see
 * "Start state" in public/vireo.h). BSS needs no clearing: the builder hands out zeroed
 * memory, and with all vCPUs starting at once clearing it here would race.
 */
    .section .text.entry, "ax"
    .globl _start
    .type _start, @function
_start:
    andq $-16, %rsp         /* SysV alignment before the call below */
    xorl %ebp, %ebp         /* ends frame-pointer backtraces here */
    call rt_start           /* never returns */
1:  hlt
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
