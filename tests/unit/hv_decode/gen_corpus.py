#!/usr/bin/env python3
"""Writes the decoder's test corpus: corpus.S (instructions for GNU as, one label each, so
the assembler's own encoding fixes every length) and corpus.h (what each one means: the
operands this script asked for, which the decoder must recover from the bytes).

Every supported opcode is crossed with every operand size and every addressing form
(ModRM, SIB, disp8/disp32, RIP-relative, absolute, 32-bit addresses, REX registers) in
64-bit and 32-bit mode; registers, immediates, LOCK and segment overrides rotate through
their interesting values across the cases.

usage: gen_corpus.py OUT.S OUT.h
"""
import sys

RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = range(8)
NONE = None
SEG = {"es": 0, "cs": 1, "ss": 2, "ds": 3, "fs": 4, "gs": 5}
ALU_OPS = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
OP_TEST, OP_MOV = 8, 9
LOAD, STORE, ALU_MEM, ALU_REG, XCHG, STOS, MOVS = range(1, 8)
KIND_NAMES = ["0", "INSN_LOAD", "INSN_STORE", "INSN_ALU_MEM", "INSN_ALU_REG", "INSN_XCHG",
              "INSN_STOS", "INSN_MOVS"]
SUFFIX = {1: "b", 2: "w", 4: "l", 8: "q"}

LEGACY = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]


def reg_name(num, size, high8=False):
    """AT&T name of register `num` with `size` bytes (high8: AH..BH)."""
    if high8:
        return "%" + "acdb"[num] + "h"
    if num >= 8:
        return "%%r%d%s" % (num, {1: "b", 2: "w", 4: "d", 8: ""}[size])
    base = LEGACY[num]
    if size == 1:
        return "%" + (base[0] + "l" if num < 4 else base + "l")
    return "%" + {2: "", 4: "e", 8: "r"}[size] + base


def registers(mode, size):
    """(number, high8) pairs a register operand of `size` can name in `mode`."""
    count = 16 if mode == 64 else 8
    regs = [(n, False) for n in range(count)]
    if size == 1:
        if mode == 32:
            regs = [(n, False) for n in range(4)] + [(n, True) for n in range(4)]
        else:
            regs += [(n, True) for n in range(4)]
    return regs


class Mem:
    """A memory operand: its AT&T text and what the decoder must report."""

    def __init__(self, text, base=NONE, index=NONE, scale=1, disp=0, rip=False, asize=8,
                 pseudo=""):
        self.text, self.base, self.index, self.scale = text, base, index, scale
        self.disp, self.rip, self.asize, self.pseudo = disp, rip, asize, pseudo

    def needs_rex(self):
        return any(r is not None and r >= 8 for r in (self.base, self.index))

    def default_seg(self):
        return SEG["ss"] if self.base in (RSP, RBP) else SEG["ds"]


MEM64 = [
    Mem("(%rax)", RAX), Mem("(%rsp)", RSP), Mem("(%rbp)", RBP), Mem("(%r12)", 12),
    Mem("(%r13)", 13), Mem("0x7f(%rcx)", RCX, disp=0x7f), Mem("-0x80(%rdx)", RDX, disp=-0x80),
    Mem("0x80(%rbx)", RBX, disp=0x80), Mem("0x12345678(%rsi)", RSI, disp=0x12345678),
    Mem("-0x1000(%r9)", 9, disp=-0x1000), Mem("-0x7fffffff(%rdi)", RDI, disp=-0x7fffffff),
    Mem("(%rax)", RAX, pseudo="{disp32} "), Mem("(%rax,%rbx)", RAX, RBX, 1),
    Mem("(%rcx,%rdx,2)", RCX, RDX, 2), Mem("0x10(%r8,%r15,4)", 8, 15, 4, 0x10),
    Mem("-8(%rsp,%rbp,8)", RSP, RBP, 8, -8), Mem("(%rbp,%r12,2)", RBP, 12, 2),
    Mem("0x12345678(%r13,%rax,1)", 13, RAX, 1, 0x12345678),
    Mem("0x1234(,%rdx,4)", NONE, RDX, 4, 0x1234), Mem("(,%r13,2)", NONE, 13, 2),
    Mem("0x12345678", disp=0x12345678), Mem("0x1234(%rip)", disp=0x1234, rip=True),
    Mem("-0x10(%rip)", disp=-0x10, rip=True),
    Mem("(%eax)", RAX, asize=4), Mem("0x10(%r8d)", 8, disp=0x10, asize=4),
    Mem("(%esp)", RSP, asize=4), Mem("-4(%ebp,%ecx,4)", RBP, RCX, 4, -4, asize=4),
    Mem("0x10(%eip)", disp=0x10, rip=True, asize=4),
]

MEM32 = [
    Mem("(%eax)", RAX, asize=4), Mem("(%esp)", RSP, asize=4), Mem("(%ebp)", RBP, asize=4),
    Mem("0x7f(%ecx)", RCX, disp=0x7f, asize=4), Mem("-0x80(%edx)", RDX, disp=-0x80, asize=4),
    Mem("0x12345678(%esi)", RSI, disp=0x12345678, asize=4),
    Mem("(%ebx)", RBX, asize=4, pseudo="{disp32} "),
    Mem("(%eax,%ebx)", RAX, RBX, 1, asize=4), Mem("0x10(%edi,%ecx,4)", RDI, RCX, 4, 0x10, asize=4),
    Mem("-8(%esp,%ebp,8)", RSP, RBP, 8, -8, asize=4),
    Mem("0x1234(,%edx,4)", NONE, RDX, 4, 0x1234, asize=4),
    Mem("0xfee00300", disp=0xfee00300, asize=4),
]

IMMS = {
    1: [0, 0x7f, -0x80, 0xff, 0x5a],
    2: [0, 0x7f, -0x80, 0x1234, -2, 0xffff, 0x8000],
    4: [0, 1, -1, 0x7f, 0x80, -0x81, 0x12345678, -0x80000000, 0xfee00300],
    8: [0, -1, 0x7fffffff, -0x80000000, 0x80, -0x80],
}
SEG_OVERRIDES = [None, "fs", "gs", "es", "cs", "ss", "ds"]


class Corpus:
    def __init__(self):
        self.asm, self.cases, self.counter = [], [], 0

    def rotate(self, values):
        return values[self.counter % len(values)]

    def add(self, mode, text, **want):
        """One instruction and the fields the decoder must report for it."""
        case = dict(kind=0, op=OP_MOV, mem_size=0, reg_size=0, ext=0, reg=NONE, high8=False,
                    has_imm=False, imm=0, asize=0, seg=0, src_seg=0, rep=0, lock=False,
                    base=NONE, index=NONE, scale=1, rip=False, disp=0)
        case.update(want)
        self.asm.append(".Lc%d: %s" % (len(self.cases), text))
        self.cases.append((mode, text, case))
        self.counter += 1

    def memory_form(self, mode, mem, size, reg_at, template, lockable, **want):
        """Adds `template` (with {m} memory, {r} register, {i} immediate) for one memory
        operand, choosing the register, immediate, LOCK and segment by rotation."""
        needs_rex = mem.needs_rex() or size == 8
        reg, high8 = NONE, False
        if reg_at:
            regs = registers(mode, reg_at)
            for step in range(len(regs)):
                reg, high8 = regs[(self.counter + step) % len(regs)]
                if not (high8 and (needs_rex or reg_at == 8)):
                    break
        seg_prefix = self.rotate(SEG_OVERRIDES)
        seg = mem.default_seg()
        if seg_prefix and (mode == 32 or seg_prefix in ("fs", "gs")):
            seg = SEG[seg_prefix]
        imm = self.rotate(IMMS[size])
        lock = lockable and self.counter % 2 == 1
        text = template.format(m=("%" + seg_prefix + ":" if seg_prefix else "") + mem.text,
                               r=reg_name(reg, reg_at, high8) if reg_at else "",
                               i="$" + hex(imm) if imm >= 0 else "$-" + hex(-imm))
        text = mem.pseudo + ("lock " if lock else "") + text
        fields = dict(mem_size=size, reg_size=size, asize=mem.asize, seg=seg, lock=lock,
                      base=mem.base, index=mem.index, scale=mem.scale, rip=mem.rip,
                      disp=mem.disp)
        if reg_at:
            fields.update(reg=reg, high8=high8)
        if "{i}" in template:
            fields.update(has_imm=True, imm=imm)
        fields.update(want)
        self.add(mode, text, **fields)


def add_modrm_forms(c, mode, mems):
    sizes = [1, 2, 4, 8] if mode == 64 else [1, 2, 4]
    for size in sizes:
        s = SUFFIX[size]
        for mem in mems:
            c.memory_form(mode, mem, size, size, "mov%s {r}, {m}" % s, False, kind=STORE)
            c.memory_form(mode, mem, size, size, "mov%s {m}, {r}" % s, False, kind=LOAD)
            c.memory_form(mode, mem, size, 0, "mov%s {i}, {m}" % s, False, kind=STORE)
            for op, name in enumerate(ALU_OPS):
                lockable = name != "cmp"
                c.memory_form(mode, mem, size, size, name + s + " {r}, {m}", lockable, kind=ALU_MEM,
                              op=op)
                c.memory_form(mode, mem, size, size, name + s + " {m}, {r}", False, kind=ALU_REG,
                              op=op)
                c.memory_form(mode, mem, size, 0, name + s + " {i}, {m}", lockable, kind=ALU_MEM,
                              op=op)
            c.memory_form(mode, mem, size, size, "test%s {r}, {m}" % s, False, kind=ALU_MEM,
                          op=OP_TEST)
            c.memory_form(mode, mem, size, 0, "test%s {i}, {m}" % s, False, kind=ALU_MEM, op=OP_TEST)
            c.memory_form(mode, mem, size, size, "xchg%s {r}, {m}" % s, True, kind=XCHG)


def add_extending_loads(c, mode, mems):
    forms = [("z", 1, 2), ("z", 1, 4), ("z", 2, 4), ("s", 1, 2), ("s", 1, 4), ("s", 2, 4)]
    if mode == 64:
        forms += [("z", 1, 8), ("z", 2, 8), ("s", 1, 8), ("s", 2, 8)]
    for ext, src, dst in forms:
        for mem in mems:
            c.memory_form(mode, mem, src, dst, "mov%s%s%s {m}, {r}" % (ext, SUFFIX[src],
                          SUFFIX[dst]), False, kind=LOAD, reg_size=dst,
                          ext=1 if ext == "z" else 2)


def add_moffs(c, mode):
    sizes = [1, 2, 4, 8] if mode == 64 else [1, 2, 4]
    addrs = [(0x1122334455667788, 8, "movabs"), (0x12345678, 4, "addr32 mov")]
    if mode == 32:
        addrs = [(0xfee00300, 4, "mov"), (0x10, 4, "mov")]
    for size in sizes:
        acc = reg_name(RAX, size)
        for addr, asize, mnem in addrs:
            common = dict(mem_size=size, reg_size=size, reg=RAX, asize=asize, seg=SEG["ds"],
                          disp=addr)
            c.add(mode, "%s %s, %s" % (mnem, acc, hex(addr)), kind=STORE, **common)
            c.add(mode, "%s %s, %s" % (mnem, hex(addr), acc), kind=LOAD, **common)


def add_strings(c, mode):
    sizes = [1, 2, 4, 8] if mode == 64 else [1, 2, 4]
    asizes = [(8, ""), (4, "addr32 ")] if mode == 64 else [(4, "")]
    for size in sizes:
        for asize, addr_prefix in asizes:
            for rep, rep_prefix in [(0, ""), (0xf3, "rep "), (0xf2, "repne ")]:
                common = dict(mem_size=size, reg_size=size, asize=asize, seg=SEG["es"],
                              rep=rep, base=RDI)
                c.add(mode, addr_prefix + rep_prefix + "stos" + SUFFIX[size], kind=STOS,
                      reg=RAX, **common)
                for src in [None, "fs", "gs", "es"]:
                    src_seg = SEG["ds"]
                    if src and (mode == 32 or src in ("fs", "gs")):
                        src_seg = SEG[src]
                    text = addr_prefix + rep_prefix + "movs" + SUFFIX[size]
                    if src:  # gas takes an override only as an explicit operand
                        si, di = ("%rsi", "%rdi") if asize == 8 else ("%esi", "%edi")
                        text = "%smovs%s %%%s:(%s), %%es:(%s)" % (rep_prefix, SUFFIX[size], src,
                                                                 si, di)
                    c.add(mode, text, kind=MOVS, src_seg=src_seg, **common)


def c_value(v):
    if v is None:
        return "INSN_NO_REG"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) and (v > 0xffff or v < -0xffff):
        return "(int64_t)%#xull" % (v & 0xffffffffffffffff)
    return str(v)


FIELDS = ["kind", "op", "mem_size", "reg_size", "ext", "reg", "high8", "has_imm", "imm",
          "asize", "seg", "src_seg", "rep", "lock", "base", "index", "scale", "rip", "disp"]


def main():
    out_s, out_h = sys.argv[1], sys.argv[2]
    c = Corpus()
    for mode, mems in ((64, MEM64), (32, MEM32)):
        c.asm.append(".code%d" % mode)
        add_modrm_forms(c, mode, mems)
        add_extending_loads(c, mode, mems)
        add_moffs(c, mode)
        add_strings(c, mode)
    with open(out_s, "w") as f:
        f.write("/* Generated by gen_corpus.py: the decoder's corpus, encoded by GNU as. */\n")
        f.write('\t.section .note.GNU-stack,"",@progbits\n')
        f.write("\t.section .rodata\n\t.globl corpus_bytes\ncorpus_bytes:\n")
        f.write("\n".join(c.asm) + "\n.Lcend:\n\t.code64\n")
        f.write("\t.balign 4\n\t.globl corpus_offsets\ncorpus_offsets:\n")
        for i in range(len(c.cases)):
            f.write("\t.long .Lc%d - corpus_bytes\n" % i)
        f.write("\t.long .Lcend - corpus_bytes\n")
    with open(out_h, "w") as f:
        f.write("/* Generated by gen_corpus.py: what each corpus instruction means. */\n")
        f.write("#define CORPUS_CASES %d\n" % len(c.cases))
        f.write("static const struct corpus_case corpus[CORPUS_CASES] = {\n")
        for mode, text, case in c.cases:
            case["kind"] = KIND_NAMES[case["kind"]]
            values = ", ".join(c_value(case[k]) for k in FIELDS)
            f.write('    {%d, "%s", %s},\n' % (mode, text, values))
        f.write("};\n")


if __name__ == "__main__":
    main()
