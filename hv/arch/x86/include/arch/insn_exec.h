/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Execution of a decoded instruction hv must complete by emulation (trapped MMIO, string
 * port I/O): every kind decode.h knows that touches data memory — moves (with zero or
 * sign extension), stores, the ALU forms with RFLAGS as the CPU computes them, XCHG, and
 * the strings STOS/MOVS/INS/OUTS with REP. Pure code: memory and ports are reached
 * through the caller's callbacks, which decide what is RAM and what is a device.
 */
#ifndef HV_ARCH_INSN_EXEC_H
#define HV_ARCH_INSN_EXEC_H

#include "arch/decode.h"

/* The arithmetic flags an ALU instruction defines. */
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* The memory the instruction reaches: `size` bytes at `offset` in segment `seg` (enum
 * insn_seg). A callback returns 0, or a negative code that stops the instruction and is
 * returned by insn_execute() (a fault to inject, or a refusal). */
struct insn_exec_mem {
    int (*read)(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t *val);
    int (*write)(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t val);
    /* INS and OUTS: the port the exit names (NULL when the caller has none). */
    int (*port_in)(void *ctx, unsigned size, uint64_t *val);
    int (*port_out)(void *ctx, unsigned size, uint64_t val);
    void *ctx;
};

/* insn_execute() results besides a callback's negative code. */
#define INSN_EXEC_DONE 0 /* completed: the caller moves RIP past the instruction */
#define INSN_EXEC_MORE                                                                             \
    1 /* a string stopped after `budget` elements: RIP stays, the guest                            \
       * executes the instruction again for the rest */
#define INSN_EXEC_UNSUPPORTED                                                                      \
    (-1000) /* a kind with no data operand (MOV to CR...), or a                                    \
             * port string with no port callbacks */

/*
 * Executes `in` on the registers and RFLAGS: memory operands through `mem`, each read
 * and write exactly once in the order the CPU makes them (a device sees what hardware
 * would send it). String forms do at most `budget` (> 0) elements. On a callback's error
 * the registers show the elements done so far, as after a fault mid-string.
 */
int insn_execute(const struct insn *in, struct insn_regs *r, uint64_t *rflags,
                 const struct insn_exec_mem *mem, unsigned budget);

/* RFLAGS' arithmetic bits after `op` (enum insn_op) computed res from a and b (and the
 * carry in, for ADC/SBB) in `size` bytes. */
uint64_t insn_alu_flags(unsigned op, uint64_t a, uint64_t b, uint64_t res, bool carry_in,
                        unsigned size);
/* The result of `op` on a and b, masked to size bytes. */
uint64_t insn_alu_result(unsigned op, uint64_t a, uint64_t b, bool carry_in, unsigned size);

#endif
