/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The execution side of hv's decoder (arch/insn_exec.h): what an instruction does to
 * registers, RFLAGS, its memory operand and its port, once, for every caller that
 * completes instructions by emulation (MMIO, string port I/O). Flags follow the APM's definitions
 * for each operation; AF is left 0 by the logical ones, as QEMU and recent CPUs do (the APM leaves
 * it undefined).
 */
#include "arch/insn_exec.h"

static bool parity_even(uint64_t v)
{
    uint8_t b = (uint8_t)v; /* PF looks at the low byte only */

    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

uint64_t insn_alu_result(unsigned op, uint64_t a, uint64_t b, bool carry_in, unsigned size)
{
    uint64_t c = carry_in ? 1 : 0, res;

    switch (op) {
    case INSN_OP_ADD:
        res = a + b;
        break;
    case INSN_OP_ADC:
        res = a + b + c;
        break;
    case INSN_OP_SUB:
    case INSN_OP_CMP:
        res = a - b;
        break;
    case INSN_OP_SBB:
        res = a - b - c;
        break;
    case INSN_OP_AND:
    case INSN_OP_TEST:
        res = a & b;
        break;
    case INSN_OP_OR:
        res = a | b;
        break;
    default: /* INSN_OP_XOR */
        res = a ^ b;
        break;
    }
    return res & insn_size_mask(size);
}

uint64_t insn_alu_flags(unsigned op, uint64_t a, uint64_t b, uint64_t res, bool carry_in,
                        unsigned size)
{
    uint64_t mask = insn_size_mask(size), sign = 1ull << (8 * size - 1), f = 0;

    a &= mask, b &= mask, res &= mask;
    if (!res)
        f |= RFLAGS_ZF;
    if (res & sign)
        f |= RFLAGS_SF;
    if (parity_even(res))
        f |= RFLAGS_PF;
    switch (op) {
    case INSN_OP_ADD:
    case INSN_OP_ADC:
        if (res < a || (carry_in && op == INSN_OP_ADC && res == a))
            f |= RFLAGS_CF;
        if (~(a ^ b) & (a ^ res) & sign)
            f |= RFLAGS_OF;
        f |= (a ^ b ^ res) & RFLAGS_AF;
        break;
    case INSN_OP_SUB:
    case INSN_OP_CMP:
    case INSN_OP_SBB:
        if (a < b || (carry_in && op == INSN_OP_SBB && a == b))
            f |= RFLAGS_CF;
        if ((a ^ b) & (a ^ res) & sign)
            f |= RFLAGS_OF;
        f |= (a ^ b ^ res) & RFLAGS_AF;
        break;
    }
    return f; /* logical operations: CF = OF = AF = 0 */
}

/* [mem] op src, or reg op [mem]: flags always, the result unless CMP/TEST. */
static int alu(const struct insn *in, struct insn_regs *r, uint64_t *rflags,
               const struct insn_exec_mem *m, uint64_t offset)
{
    uint64_t memval, a, b;
    bool carry = *rflags & RFLAGS_CF;
    int rc = m->read(m->ctx, in->seg, offset, in->mem_size, &memval);

    if (rc)
        return rc;
    if (in->kind == INSN_ALU_MEM)
        a = memval, b = insn_source_value(in, r);
    else
        a = insn_source_value(in, r), b = memval;
    uint64_t res = insn_alu_result(in->op, a, b, carry, in->mem_size);
    bool keep = in->op != INSN_OP_CMP && in->op != INSN_OP_TEST;
    if (keep && in->kind == INSN_ALU_MEM &&
        (rc = m->write(m->ctx, in->seg, offset, in->mem_size, res)))
        return rc; /* a store that faults leaves RFLAGS alone, as the CPU does */
    if (keep && in->kind == INSN_ALU_REG)
        insn_reg_write(r, in->reg, in->reg_high8, in->mem_size, res);
    *rflags = (*rflags & ~RFLAGS_ARITH) | insn_alu_flags(in->op, a, b, res, carry, in->mem_size);
    return 0;
}

/* One string element's value: rAX (STOS), the port (INS), or the source in memory. */
static int string_source(const struct insn *in, const struct insn_regs *r,
                         const struct insn_exec_mem *m, uint64_t src, uint64_t *val)
{
    switch (in->kind) {
    case INSN_STOS:
        *val = insn_reg_read(r, GPR_RAX, false, in->mem_size);
        return 0;
    case INSN_INS:
        return m->port_in(m->ctx, in->mem_size, val);
    case INSN_OUTS: /* seg:[rSI], the segment overridable */
        return m->read(m->ctx, in->seg, src, in->mem_size, val);
    default: /* MOVS */
        return m->read(m->ctx, in->str_src_seg, src, in->mem_size, val);
    }
}

/* STOS, MOVS, INS and OUTS, element by element: rDI and/or rSI move by mem_size (back
 * with DF), rCX counts down with REP. */
static int string(const struct insn *in, struct insn_regs *r, uint64_t rflags,
                  const struct insn_exec_mem *m, unsigned budget)
{
    unsigned asize = in->addr_size;
    uint64_t amask = insn_size_mask(asize);
    uint64_t count = in->rep_prefix ? r->gpr[GPR_RCX] & amask : 1;
    int64_t step = rflags & RFLAGS_DF ? -(int64_t)in->mem_size : in->mem_size;
    bool moves_rdi = in->kind != INSN_OUTS,
         moves_rsi = in->kind == INSN_MOVS || in->kind == INSN_OUTS;

    if ((in->kind == INSN_INS && !m->port_in) || (in->kind == INSN_OUTS && !m->port_out))
        return INSN_EXEC_UNSUPPORTED;
    for (unsigned done = 0; count; done++) {
        if (done == budget)
            return INSN_EXEC_MORE;
        uint64_t dst = r->gpr[GPR_RDI] & amask, src = r->gpr[GPR_RSI] & amask, val;
        int rc = string_source(in, r, m, src, &val);
        if (!rc)
            rc = in->kind == INSN_OUTS ? m->port_out(m->ctx, in->mem_size, val)
                                       : m->write(m->ctx, in->seg, dst, in->mem_size, val);
        if (rc)
            return rc; /* the elements done so far stay done */
        if (moves_rdi)
            insn_reg_write(r, GPR_RDI, false, asize, dst + (uint64_t)step);
        if (moves_rsi)
            insn_reg_write(r, GPR_RSI, false, asize, src + (uint64_t)step);
        count--;
        if (in->rep_prefix)
            insn_reg_write(r, GPR_RCX, false, asize, count);
    }
    return INSN_EXEC_DONE;
}

int insn_execute(const struct insn *in, struct insn_regs *r, uint64_t *rflags,
                 const struct insn_exec_mem *m, unsigned budget)
{
    uint64_t offset = insn_mem_offset(in, r), val;
    int rc;

    switch (in->kind) {
    case INSN_LOAD:
        if ((rc = m->read(m->ctx, in->seg, offset, in->mem_size, &val)))
            return rc;
        insn_complete_load(in, r, val);
        return INSN_EXEC_DONE;
    case INSN_STORE:
        return m->write(m->ctx, in->seg, offset, in->mem_size, insn_source_value(in, r));
    case INSN_ALU_MEM:
    case INSN_ALU_REG:
        return alu(in, r, rflags, m, offset);
    case INSN_XCHG:
        /* The CPU reads, then writes the register's value; the register gets the old. */
        if ((rc = m->read(m->ctx, in->seg, offset, in->mem_size, &val)) ||
            (rc = m->write(m->ctx, in->seg, offset, in->mem_size, insn_source_value(in, r))))
            return rc;
        insn_reg_write(r, in->reg, in->reg_high8, in->mem_size, val);
        return INSN_EXEC_DONE;
    case INSN_STOS:
    case INSN_MOVS:
    case INSN_INS:
    case INSN_OUTS:
        return string(in, r, *rflags, m, budget);
    }
    return INSN_EXEC_UNSUPPORTED;
}
