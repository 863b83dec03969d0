/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoder for the x86 instructions hv emulates (see arch/decode.h): a table of the
 * supported opcodes, then prefixes, ModRM/SIB, displacement and immediate in turn.
 */
#include "arch/decode.h"
#include "fmt.h"

/* Operand shape of a supported opcode. */
#define OP_BYTE 0x001   /* every operand is 8-bit */
#define OP_MODRM 0x002  /* a ModRM byte names the memory operand */
#define OP_GROUP 0x004  /* ModRM.reg selects the ALU operation */
#define OP_REG0 0x008   /* only ModRM.reg = 0 is this instruction */
#define OP_IMM8 0x010   /* an 8-bit immediate follows */
#define OP_IMMZ 0x020   /* a 16-bit (with 66) or 32-bit immediate follows */
#define OP_MOFFS 0x040  /* an address-size absolute offset follows; the register is rAX */
#define OP_STRING 0x080 /* STOS or MOVS */
#define OP_SRC8 0x100   /* MOVZX/MOVSX of a byte */
#define OP_SRC16 0x200  /* MOVZX/MOVSX of a word */
#define OP_IO 0x400     /* port I/O: REX.W does not widen past 32 bits */
#define OP_CTRL 0x800   /* MOV to CRn: ModRM.reg is the CR, ModRM.rm a register (any mod) */
#define OP_REG6 0x1000  /* only ModRM.reg = 6 is this instruction (LMSW in group 7) */
#define OP_NONE 0x2000  /* no operands at all */

struct opcode {
    uint8_t kind; /* enum insn_kind; 0: not supported */
    uint8_t op;   /* enum insn_op */
    uint8_t ext;  /* enum insn_ext */
    uint16_t flags;
};

/* The four forms of an ALU operation: r/m8,r8  r/m,r  r8,r/m8  r,r/m. */
#define ALU_FORMS(first, alu)                                                                      \
    [first] = {INSN_ALU_MEM, alu, 0, OP_BYTE | OP_MODRM},                                          \
    [first + 1] = {INSN_ALU_MEM, alu, 0, OP_MODRM},                                                \
    [first + 2] = {INSN_ALU_REG, alu, 0, OP_BYTE | OP_MODRM},                                      \
    [first + 3] = {INSN_ALU_REG, alu, 0, OP_MODRM}

static const struct opcode one_byte_map[256] = {
    ALU_FORMS(0x00, INSN_OP_ADD),
    ALU_FORMS(0x08, INSN_OP_OR),
    ALU_FORMS(0x10, INSN_OP_ADC),
    ALU_FORMS(0x18, INSN_OP_SBB),
    ALU_FORMS(0x20, INSN_OP_AND),
    ALU_FORMS(0x28, INSN_OP_SUB),
    ALU_FORMS(0x30, INSN_OP_XOR),
    ALU_FORMS(0x38, INSN_OP_CMP),
    [0x6c] = {INSN_INS, INSN_OP_MOV, 0, OP_BYTE | OP_STRING | OP_IO},
    [0x6d] = {INSN_INS, INSN_OP_MOV, 0, OP_STRING | OP_IO},
    [0x6e] = {INSN_OUTS, INSN_OP_MOV, 0, OP_BYTE | OP_STRING | OP_IO},
    [0x6f] = {INSN_OUTS, INSN_OP_MOV, 0, OP_STRING | OP_IO},
    [0x80] = {INSN_ALU_MEM, 0, 0, OP_BYTE | OP_MODRM | OP_GROUP | OP_IMM8},
    [0x81] = {INSN_ALU_MEM, 0, 0, OP_MODRM | OP_GROUP | OP_IMMZ},
    [0x83] = {INSN_ALU_MEM, 0, 0, OP_MODRM | OP_GROUP | OP_IMM8},
    [0x84] = {INSN_ALU_MEM, INSN_OP_TEST, 0, OP_BYTE | OP_MODRM},
    [0x85] = {INSN_ALU_MEM, INSN_OP_TEST, 0, OP_MODRM},
    [0x86] = {INSN_XCHG, INSN_OP_MOV, 0, OP_BYTE | OP_MODRM},
    [0x87] = {INSN_XCHG, INSN_OP_MOV, 0, OP_MODRM},
    [0x88] = {INSN_STORE, INSN_OP_MOV, 0, OP_BYTE | OP_MODRM},
    [0x89] = {INSN_STORE, INSN_OP_MOV, 0, OP_MODRM},
    [0x8a] = {INSN_LOAD, INSN_OP_MOV, 0, OP_BYTE | OP_MODRM},
    [0x8b] = {INSN_LOAD, INSN_OP_MOV, 0, OP_MODRM},
    [0xa0] = {INSN_LOAD, INSN_OP_MOV, 0, OP_BYTE | OP_MOFFS},
    [0xa1] = {INSN_LOAD, INSN_OP_MOV, 0, OP_MOFFS},
    [0xa2] = {INSN_STORE, INSN_OP_MOV, 0, OP_BYTE | OP_MOFFS},
    [0xa3] = {INSN_STORE, INSN_OP_MOV, 0, OP_MOFFS},
    [0xa4] = {INSN_MOVS, INSN_OP_MOV, 0, OP_BYTE | OP_STRING},
    [0xa5] = {INSN_MOVS, INSN_OP_MOV, 0, OP_STRING},
    [0xaa] = {INSN_STOS, INSN_OP_MOV, 0, OP_BYTE | OP_STRING},
    [0xab] = {INSN_STOS, INSN_OP_MOV, 0, OP_STRING},
    [0xc6] = {INSN_STORE, INSN_OP_MOV, 0, OP_BYTE | OP_MODRM | OP_REG0 | OP_IMM8},
    [0xc7] = {INSN_STORE, INSN_OP_MOV, 0, OP_MODRM | OP_REG0 | OP_IMMZ},
    [0xf6] = {INSN_ALU_MEM, INSN_OP_TEST, 0, OP_BYTE | OP_MODRM | OP_REG0 | OP_IMM8},
    [0xf7] = {INSN_ALU_MEM, INSN_OP_TEST, 0, OP_MODRM | OP_REG0 | OP_IMMZ},
};

/* Opcodes after 0x0f. */
static const struct opcode two_byte_map[256] = {
    [0x01] = {INSN_LMSW, INSN_OP_MOV, 0, OP_MODRM | OP_REG6},
    [0x06] = {INSN_CLTS, INSN_OP_MOV, 0, OP_NONE},
    [0x22] = {INSN_MOV_TO_CR, INSN_OP_MOV, 0, OP_CTRL},
    [0xb6] = {INSN_LOAD, INSN_OP_MOV, INSN_EXT_ZERO, OP_MODRM | OP_SRC8},
    [0xb7] = {INSN_LOAD, INSN_OP_MOV, INSN_EXT_ZERO, OP_MODRM | OP_SRC16},
    [0xbe] = {INSN_LOAD, INSN_OP_MOV, INSN_EXT_SIGN, OP_MODRM | OP_SRC8},
    [0xbf] = {INSN_LOAD, INSN_OP_MOV, INSN_EXT_SIGN, OP_MODRM | OP_SRC16},
};

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* The bytes being decoded: `pos` never passes `avail` nor the 15-byte limit. */
struct cursor {
    const uint8_t *bytes;
    size_t avail;
    size_t pos;
};

struct prefixes {
    bool opsize16;      /* 66 */
    bool addr_override; /* 67 */
    bool lock;
    uint8_t rep; /* 0, 0xf2 or 0xf3 */
    int seg;     /* enum insn_seg, or -1 */
    uint8_t rex; /* 0, or 0x40..0x4f directly before the opcode */
};

/* Takes `n` bytes as a little-endian number, sign-extended to 64 bits. */
static int take_signed(struct cursor *c, unsigned n, int64_t *val)
{
    uint64_t v = 0;

    if (c->pos + n > INSN_MAX_LEN)
        return -INSN_E_TOO_LONG;
    if (c->pos + n > c->avail)
        return -INSN_E_TRUNCATED;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
    c->pos += n;
    if (n < 8 && (v >> (8 * n - 1)) & 1)
        v |= ~insn_size_mask(n);
    *val = (int64_t)v;
    return 0;
}

static int take_byte(struct cursor *c, uint8_t *b)
{
    int64_t v = 0;
    int err = take_signed(c, 1, &v);

    *b = (uint8_t)v;
    return err;
}

/* Records a legacy prefix; false if `b` is none. */
static bool legacy_prefix(uint8_t b, struct prefixes *p)
{
    switch (b) {
    case 0x66:
        p->opsize16 = true;
        return true;
    case 0x67:
        p->addr_override = true;
        return true;
    case 0xf0:
        p->lock = true;
        return true;
    case 0xf2:
    case 0xf3:
        p->rep = b;
        return true;
    case 0x26:
    case 0x2e:
    case 0x36:
    case 0x3e:
        p->seg = (b >> 3) & 3; /* ES CS SS DS */
        return true;
    case 0x64:
    case 0x65:
        p->seg = SEG_FS + (b & 1);
        return true;
    default:
        return false;
    }
}

/* Reads prefixes up to and including the first opcode byte. */
static int read_prefixes(struct cursor *c, enum cpu_mode mode, struct prefixes *p, uint8_t *opcode)
{
    *p = (struct prefixes){.seg = -1};
    for (;;) {
        uint8_t b;
        int err = take_byte(c, &b);

        if (err)
            return err;
        if (mode == CPU_MODE_64 && (b & 0xf0) == 0x40) {
            p->rex = b; /* the last one counts */
            continue;
        }
        if (!legacy_prefix(b, p)) {
            *opcode = b;
            return 0;
        }
        p->rex = 0; /* a REX followed by a legacy prefix is ignored */
    }
}

static int lookup_opcode(struct cursor *c, uint8_t opcode, const struct opcode **entry)
{
    const struct opcode *map = one_byte_map;

    if (opcode == 0x0f) {
        int err = take_byte(c, &opcode);
        if (err)
            return err;
        map = two_byte_map;
    }
    *entry = &map[opcode];
    return (*entry)->kind ? 0 : -INSN_E_UNSUPPORTED;
}

static unsigned operand_size(const struct prefixes *p, uint16_t flags)
{
    if (flags & OP_BYTE)
        return 1;
    if ((p->rex & REX_W) && !(flags & OP_IO))
        return 8;
    return p->opsize16 ? 2 : 4;
}

static int address_size(const struct prefixes *p, enum cpu_mode mode)
{
    if (mode == CPU_MODE_64)
        return p->addr_override ? 4 : 8;
    /* 67 in 32-bit code selects 16-bit addressing (BX+SI...): no kernel uses it on MMIO. */
    return p->addr_override ? -INSN_E_UNSUPPORTED : 4;
}

static uint8_t sib_index(uint8_t sib, uint8_t rex)
{
    uint8_t index = ((sib >> 3) & 7) | (rex & REX_X ? 8 : 0);

    return index == GPR_RSP ? INSN_NO_REG : index; /* 100b without REX.X: no index */
}

/* Reads ModRM, SIB and displacement into out->mem; *reg_field gets ModRM.reg (3 bits). */
static int read_modrm(struct cursor *c, enum cpu_mode mode, uint8_t rex, struct insn *out,
                      uint8_t *reg_field, uint16_t flags)
{
    struct insn_mem *m = &out->mem;
    uint8_t modrm, mod, rm, sib;
    unsigned disp_size;
    int err = take_byte(c, &modrm);

    if (err)
        return err;
    mod = modrm >> 6;
    rm = modrm & 7;
    *reg_field = (modrm >> 3) & 7;
    if ((flags & OP_REG0) && *reg_field != 0)
        return -INSN_E_UNSUPPORTED; /* another member of the group (or XBEGIN/XABORT) */
    if ((flags & OP_REG6) && *reg_field != 6)
        return -INSN_E_UNSUPPORTED; /* group 7 holds SGDT, VMMCALL, ... besides LMSW */
    if (mod == 3 && (flags & OP_REG6)) {
        out->reg = rm | (rex & REX_B ? 8 : 0); /* LMSW from a register */
        return 0;
    }
    if (mod == 3)
        return -INSN_E_REGISTER_ONLY;

    m->index = INSN_NO_REG;
    m->scale = 1;
    m->base = rm | (rex & REX_B ? 8 : 0);
    disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        if ((err = take_byte(c, &sib)))
            return err;
        m->scale = (uint8_t)(1 << (sib >> 6));
        m->index = sib_index(sib, rex);
        m->base = (sib & 7) | (rex & REX_B ? 8 : 0);
        if ((sib & 7) == 5 && mod == 0) { /* no base: disp32 */
            m->base = INSN_NO_REG;
            disp_size = 4;
        }
    } else if (rm == 5 && mod == 0) { /* disp32: RIP-relative in 64-bit mode */
        m->base = INSN_NO_REG;
        m->rip_relative = mode == CPU_MODE_64;
        disp_size = 4;
    }
    return disp_size ? take_signed(c, disp_size, &m->disp) : 0;
}

/* rBP and rSP as base default to SS, everything else to DS. */
static uint8_t default_segment(const struct insn_mem *m)
{
    return m->base == GPR_RSP || m->base == GPR_RBP ? SEG_SS : SEG_DS;
}

/* The segment named by an override, if it counts in this mode. */
static int override_segment(const struct prefixes *p, enum cpu_mode mode)
{
    if (mode == CPU_MODE_64 && p->seg < SEG_FS)
        return -1; /* ES, CS, SS and DS have no base in 64-bit mode */
    return p->seg;
}

/* LOCK is legal only on read-modify-write of memory (APM 3, "Lock Prefix"). */
static bool lock_allowed(const struct insn *in)
{
    if (in->kind == INSN_XCHG || in->kind == INSN_MOV_TO_CR)
        return true; /* MOV_TO_CR: decode_mov_cr has judged it */
    return in->kind == INSN_ALU_MEM && in->op != INSN_OP_CMP && in->op != INSN_OP_TEST;
}

/* Register operand from ModRM.reg; 8-bit numbers 4..7 without REX are AH, CH, DH, BH. */
static void set_register(struct insn *in, uint8_t reg_field, uint8_t rex)
{
    in->reg = reg_field | (rex & REX_R ? 8 : 0);
    if (in->reg_size == 1 && !rex && reg_field >= 4) {
        in->reg -= 4;
        in->reg_high8 = true;
    }
}

/* MOV between rAX and an absolute address given in the instruction. */
static int decode_moffs(struct cursor *c, struct insn *in)
{
    in->reg = GPR_RAX;
    in->mem.base = INSN_NO_REG;
    in->mem.index = INSN_NO_REG;
    in->mem.scale = 1;
    int err = take_signed(c, in->addr_size, &in->mem.disp);
    in->mem.disp &= (int64_t)insn_size_mask(in->addr_size); /* an offset: no sign */
    return err;
}

static void decode_string(struct insn *in, const struct prefixes *p, enum cpu_mode mode)
{
    int ovr = override_segment(p, mode);

    in->reg = in->kind == INSN_STOS ? GPR_RAX : INSN_NO_REG;
    in->mem.base = GPR_RDI;
    in->mem.index = INSN_NO_REG;
    in->mem.scale = 1;
    in->seg = SEG_ES; /* the destination segment cannot be overridden */
    in->str_src_seg = (uint8_t)(ovr >= 0 ? ovr : SEG_DS);
    if (in->kind == INSN_OUTS) { /* a source only: seg:[rSI] */
        in->mem.base = GPR_RSI;
        in->seg = in->str_src_seg;
    }
}

/* MOV to CRn (0f 22 /r): the mod bits are ignored, rm is always a register. */
static int decode_mov_cr(struct cursor *c, const struct prefixes *p, enum cpu_mode mode,
                         struct insn *in)
{
    uint8_t modrm;
    int err = take_byte(c, &modrm);

    if (err)
        return err;
    in->reg = (modrm & 7) | (p->rex & REX_B ? 8 : 0);
    in->cr = ((modrm >> 3) & 7) | (p->rex & REX_R ? 8 : 0);
    in->reg_size = in->mem_size = mode == CPU_MODE_64 ? 8 : 4;
    if (p->lock) { /* AMD's alternative encoding of CR8, for 32-bit code */
        if (in->cr != 0)
            return -INSN_E_UNDEFINED;
        in->cr = 8;
    }
    /* CR1, CR5-CR7 and CR9-CR15 do not exist. */
    if (in->cr != 0 && in->cr != 2 && in->cr != 3 && in->cr != 4 && in->cr != 8)
        return -INSN_E_UNDEFINED;
    return 0;
}

static int decode_immediate(struct cursor *c, const struct prefixes *p, uint16_t flags,
                            struct insn *in)
{
    unsigned size;

    if (flags & OP_IMM8)
        size = 1;
    else if (flags & OP_IMMZ)
        size = p->opsize16 && !(p->rex & REX_W) ? 2 : 4;
    else
        return 0;
    in->has_imm = true;
    in->reg = INSN_NO_REG;
    return take_signed(c, size, &in->imm);
}

int insn_decode(const uint8_t *bytes, size_t avail, enum cpu_mode mode, struct insn *out)
{
    struct cursor c = {.bytes = bytes, .avail = avail};
    const struct opcode *opc;
    struct prefixes p;
    uint8_t opcode, reg_field = 0;
    int err, asize;

    memset(out, 0, sizeof(*out)); /* padding too: callers may compare whole structs */
    if (mode != CPU_MODE_32 && mode != CPU_MODE_64 && mode != CPU_MODE_16)
        return -INSN_E_UNSUPPORTED;
    if ((err = read_prefixes(&c, mode, &p, &opcode)) || (err = lookup_opcode(&c, opcode, &opc)))
        return err;
    if (mode == CPU_MODE_16) {
        /* 16-bit ModRM forms differ: only instructions without a memory operand. */
        if (!(opc->flags & (OP_CTRL | OP_NONE | OP_REG6)))
            return -INSN_E_UNSUPPORTED;
        asize = 2;
    } else if ((asize = address_size(&p, mode)) < 0) {
        return asize;
    }

    out->kind = opc->kind;
    out->op = opc->op;
    out->ext = opc->ext;
    out->addr_size = (uint8_t)asize;
    out->lock = p.lock;
    out->rep_prefix = p.rep;
    out->reg_size = (uint8_t)operand_size(&p, opc->flags);
    out->mem_size = opc->flags & OP_SRC8 ? 1 : opc->flags & OP_SRC16 ? 2 : out->reg_size;

    if (opc->flags & OP_STRING) {
        decode_string(out, &p, mode);
    } else if (opc->flags & OP_CTRL) {
        if ((err = decode_mov_cr(&c, &p, mode, out)))
            return err;
    } else if (opc->flags & OP_REG6) { /* LMSW r/m16 */
        out->reg = INSN_NO_REG;
        if ((err = read_modrm(&c, mode, p.rex, out, &reg_field, opc->flags)))
            return err;
        if (mode == CPU_MODE_16 && out->reg == INSN_NO_REG)
            return -INSN_E_UNSUPPORTED; /* a 16-bit memory operand */
        int ovr = override_segment(&p, mode);
        out->seg = (uint8_t)(ovr >= 0 ? ovr : default_segment(&out->mem));
        out->reg_size = out->mem_size = 2;
    } else if (!(opc->flags & OP_NONE)) {
        if (opc->flags & OP_MOFFS)
            err = decode_moffs(&c, out);
        else
            err = read_modrm(&c, mode, p.rex, out, &reg_field, opc->flags);
        if (err)
            return err;
        int ovr = override_segment(&p, mode);
        out->seg = (uint8_t)(ovr >= 0 ? ovr : default_segment(&out->mem));
        if (opc->flags & OP_GROUP)
            out->op = reg_field;
        else if (opc->flags & OP_MODRM)
            set_register(out, reg_field, p.rex);
        if ((err = decode_immediate(&c, &p, opc->flags, out)))
            return err;
    }
    if (p.lock && !lock_allowed(out))
        return -INSN_E_UNDEFINED;
    out->len = (uint8_t)c.pos;
    return out->len;
}

uint64_t insn_reg_read(const struct insn_regs *r, unsigned reg, bool high8, unsigned size)
{
    uint64_t v = r->gpr[reg & 15];

    return high8 ? (v >> 8) & 0xff : v & insn_size_mask(size);
}

void insn_reg_write(struct insn_regs *r, unsigned reg, bool high8, unsigned size, uint64_t val)
{
    uint64_t *g = &r->gpr[reg & 15];
    uint64_t mask = insn_size_mask(size);

    if (high8)
        *g = (*g & ~0xff00ull) | ((val & 0xff) << 8);
    else if (size == 4)
        *g = (uint32_t)val; /* 32-bit results zero-extend into the full register */
    else
        *g = (*g & ~mask) | (val & mask);
}

uint64_t insn_source_value(const struct insn *in, const struct insn_regs *r)
{
    if (in->has_imm)
        return (uint64_t)in->imm & insn_size_mask(in->mem_size);
    if (in->reg == INSN_NO_REG)
        return 0;
    return insn_reg_read(r, in->reg, in->reg_high8, in->mem_size);
}

void insn_complete_load(const struct insn *in, struct insn_regs *r, uint64_t val)
{
    unsigned bits = 8 * in->mem_size;

    val &= insn_size_mask(in->mem_size);
    if (in->ext == INSN_EXT_SIGN && bits < 64 && (val >> (bits - 1)) & 1)
        val |= ~insn_size_mask(in->mem_size);
    insn_reg_write(r, in->reg, in->reg_high8, in->reg_size, val);
}

uint64_t insn_mem_offset(const struct insn *in, const struct insn_regs *r)
{
    const struct insn_mem *m = &in->mem;
    uint64_t off = (uint64_t)m->disp;

    if (m->base != INSN_NO_REG)
        off += r->gpr[m->base];
    if (m->index != INSN_NO_REG)
        off += r->gpr[m->index] * m->scale;
    if (m->rip_relative)
        off += r->rip + in->len;
    return off & insn_size_mask(in->addr_size);
}
