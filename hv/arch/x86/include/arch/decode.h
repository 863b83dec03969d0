/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction decoder for the instructions hv emulates: moves to and from trapped
 * MMIO, string port I/O (INS/OUTS), and control-register writes (MOV to CRn, CLTS,
 * LMSW). QEMU's SVM has no decode assists and no NRIP save, so an exit tells hv little
 * more than its reason: hv decodes the instruction itself for its length, operands and
 * access size. Pure code: no hv globals, no memory access beyond the bytes it is given.
 */
#ifndef HV_ARCH_DECODE_H
#define HV_ARCH_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The architectural limit: a longer instruction raises #GP(0). */
#define INSN_MAX_LEN 15

/* Code segment kinds the decoder handles. */
enum cpu_mode {
    CPU_MODE_32 = 1, /* protected or compatibility mode with CS.D = 1 */
    CPU_MODE_64 = 2, /* long mode with CS.L = 1 */
    CPU_MODE_16 = 3, /* real mode or CS.D = 0: only instructions with no memory operand
                      * (MOV to CRn, CLTS, LMSW from a register), as an AP's start-up
                      * code uses them; its 16-bit addressing forms are not decoded */
};

/* insn_decode() returns the length, or minus one of these. */
enum insn_error {
    INSN_E_TRUNCATED = 1, /* the bytes end before the instruction does: fetch more */
    INSN_E_TOO_LONG,      /* more than 15 bytes: the CPU raises #GP(0) */
    INSN_E_UNDEFINED,     /* the CPU raises #UD (LOCK on an instruction that takes none) */
    INSN_E_REGISTER_ONLY, /* ModRM names a register: this cannot have touched memory */
    INSN_E_UNSUPPORTED,   /* not an instruction this decoder knows (or 16-bit addressing) */
};

/* General-purpose register numbers, as ModRM, SIB and REX encode them. */
enum insn_gpr {
    GPR_RAX,
    GPR_RCX,
    GPR_RDX,
    GPR_RBX,
    GPR_RSP,
    GPR_RBP,
    GPR_RSI,
    GPR_RDI,
    GPR_R8,
    GPR_R9,
    GPR_R10,
    GPR_R11,
    GPR_R12,
    GPR_R13,
    GPR_R14,
    GPR_R15,
};
#define INSN_NO_REG 0xff

/* Segment registers, in their encoding order. */
enum insn_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* What the instruction does with its memory operand. */
enum insn_kind {
    INSN_LOAD = 1, /* reg <- [mem], widened by `ext` (MOV, MOVZX, MOVSX, MOV from moffs) */
    INSN_STORE,    /* [mem] <- reg or imm (MOV, MOV to moffs) */
    INSN_ALU_MEM,  /* [mem] <- [mem] op (reg or imm); CMP and TEST only set flags */
    INSN_ALU_REG,  /* reg <- reg op [mem]; CMP only sets flags */
    INSN_XCHG,     /* [mem] <-> reg, atomically (LOCK implied) */
    INSN_STOS,     /* ES:[rDI] <- rAX, then rDI moves by mem_size; rCX times with REP */
    INSN_MOVS,     /* ES:[rDI] <- str_src_seg:[rSI], then both move; rCX times with REP */
    INSN_INS,      /* ES:[rDI] <- port DX, then rDI moves by mem_size; rCX times with REP */
    INSN_OUTS,     /* port DX <- seg:[rSI], then rSI moves by mem_size; rCX times with REP */
    INSN_MOV_TO_CR, /* CR `cr` <- reg (reg_size: 8 in 64-bit mode, else 4) */
    INSN_CLTS,     /* CR0.TS <- 0 */
    INSN_LMSW,     /* CR0[3:0] <- reg, or [mem] when reg is INSN_NO_REG (mem_size 2) */
};

/* The operation of ALU kinds; the first eight are in their x86 encoding order. */
enum insn_op {
    INSN_OP_ADD,
    INSN_OP_OR,
    INSN_OP_ADC,
    INSN_OP_SBB,
    INSN_OP_AND,
    INSN_OP_SUB,
    INSN_OP_XOR,
    INSN_OP_CMP,
    INSN_OP_TEST,
    INSN_OP_MOV, /* every kind that is not ALU */
};

/* How a LOAD widens mem_size bytes into reg_size bytes. */
enum insn_ext { INSN_EXT_NONE, INSN_EXT_ZERO, INSN_EXT_SIGN };

/*
 * The memory operand. Its offset in segment `seg` is
 * disp + gpr[base] + gpr[index] * scale (+ the next instruction's RIP if rip_relative),
 * truncated to addr_size bytes: see insn_mem_offset().
 */
struct insn_mem {
    uint8_t base;      /* enum insn_gpr, or INSN_NO_REG */
    uint8_t index;     /* enum insn_gpr, or INSN_NO_REG (scale is then meaningless) */
    uint8_t scale;     /* 1, 2, 4 or 8 */
    bool rip_relative; /* disp counts from the end of this instruction */
    int64_t disp;      /* sign-extended displacement, or the moffs absolute offset */
};

/* A decoded instruction. Fields that do not apply to its kind are zero. */
struct insn {
    uint8_t len;         /* total length in bytes, prefixes included (1..15) */
    uint8_t kind;        /* enum insn_kind */
    uint8_t op;          /* enum insn_op */
    uint8_t mem_size;    /* bytes of memory accessed per iteration: 1, 2, 4 or 8 */
    uint8_t reg_size;    /* bytes of the register operand; differs from mem_size only for
                          * MOVZX/MOVSX (2, 4 or 8) */
    uint8_t ext;         /* enum insn_ext, for LOAD */
    uint8_t reg;         /* register operand (enum insn_gpr; rAX for moffs and STOS), or
                          * INSN_NO_REG when the source is an immediate and for MOVS */
    bool reg_high8;      /* reg (0..3) stands for AH, CH, DH or BH: bits 15:8 */
    bool has_imm;        /* the source operand is `imm` */
    int64_t imm;         /* immediate, sign-extended from its encoded width as the CPU
                          * does; only its low mem_size bytes matter */
    uint8_t addr_size;   /* 4 or 8 (2 in 16-bit code): width of the address and of
                          * rSI/rDI/rCX for strings */
    uint8_t seg;         /* enum insn_seg of `mem`: the last override given (as QEMU's and
                          * Xen's emulators take it), else SS for an rBP or rSP base, else
                          * DS; in 64-bit mode ES/CS/SS/DS overrides fold to the default,
                          * since only FS and GS have a base there */
    uint8_t str_src_seg; /* MOVS: enum insn_seg of the source (DS unless overridden) */
    uint8_t rep_prefix;  /* 0, 0xf3 or 0xf2: the last REP prefix (either repeats STOS/MOVS) */
    bool lock;           /* a LOCK prefix was given (XCHG is atomic without it) */
    uint8_t cr;          /* MOV_TO_CR: the control register (LOCK MOV CR0 is AMD's CR8) */
    struct insn_mem mem; /* the memory operand; STOS, MOVS and INS: the destination
                          * ES:[rDI]; OUTS: the source seg:[rSI] */
};

/*
 * Decodes the instruction at `bytes`, of which `avail` are readable (the decoder never
 * reads further). Returns its length (1..15) with *out filled, or -enum insn_error.
 */
int insn_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode, struct insn *out);

/* A vCPU's general-purpose registers, as the helpers below read and write them. */
struct insn_regs {
    uint64_t gpr[16]; /* indexed by enum insn_gpr */
    uint64_t rip;     /* address of the decoded instruction */
};

/* Reads `size` bytes of a register (bits 15:8 of reg 0..3 when high8), zero-extended. */
uint64_t insn_reg_read(const struct insn_regs *r, unsigned reg, bool high8, unsigned size);

/* Writes a register as the CPU does: 4-byte writes zero bits 63:32, 1- and 2-byte writes
 * (and high8) leave the other bits alone. */
void insn_reg_write(struct insn_regs *r, unsigned reg, bool high8, unsigned size, uint64_t val);

/* The source operand of STORE, ALU_MEM, XCHG and STOS (immediate or register), masked to
 * mem_size bytes; for ALU_REG, the register operand. */
uint64_t insn_source_value(const struct insn *in, const struct insn_regs *r);

/* Completes a LOAD with the `mem_size` bytes read from memory: widens them per `ext` and
 * writes the destination register. */
void insn_complete_load(const struct insn *in, struct insn_regs *r, uint64_t val);

/* The offset of the memory operand within its segment (add the segment base for the
 * linear address). For MOVS the source offset is rSI truncated to addr_size. */
uint64_t insn_mem_offset(const struct insn *in, const struct insn_regs *r);

/* All ones in the low `size` bytes (size 1..8). */
static inline uint64_t insn_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

#endif
