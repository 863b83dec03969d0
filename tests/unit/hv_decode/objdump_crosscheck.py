#!/usr/bin/env python3
"""Cross-checks hv's decoder against objdump on random encodings that no assembler would
emit (stacked and repeated prefixes, every ModRM/SIB/REX combination, random
displacements and immediates), in 64-bit and 32-bit mode.

Each random instruction sits at the start of a 64-byte slot padded with NOPs, so objdump
falls back into step at every slot whatever it made of the one before. For every slot the
decoder accepts, objdump must agree on the length, the memory operand (base, index, scale,
displacement), the immediate and the register operand.

usage: objdump_crosscheck.py DECODE_SLOTS OBJDUMP WORKDIR
"""
import os
import random
import re
import subprocess
import sys

SLOT = 64
CASES = 6000
PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0xf0]
ONE_BYTE = [0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x18,
            0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31,
            0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87,
            0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0xc6,
            0xc7, 0xf6, 0xf7]
TWO_BYTE = [0xb6, 0xb7, 0xbe, 0xbf]
GROUP_REG0 = {0xc6, 0xc7, 0xf6, 0xf7}
NO_REG = 0xff
STOS, MOVS = 6, 7

REGS = {}
for n, name in enumerate(["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]):
    REGS["r" + name] = REGS["e" + name] = REGS[name] = (n, False)
    REGS[name[0] + "l" if n < 4 else name + "l"] = (n, False)
    if n < 4:
        REGS[name[0] + "h"] = (n, True)
for n in range(8, 16):
    for suffix in ["", "d", "w", "b"]:
        REGS["r%d%s" % (n, suffix)] = (n, False)
SEGMENTS = ["es", "cs", "ss", "ds", "fs", "gs"]
SEG_PREFIXES = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65}


def random_instruction(rng, mode):
    """Random prefixes, a REX right before the opcode (64-bit), a supported opcode, a
    memory ModRM, then random bytes for SIB, displacement and immediate. Returns the bytes
    and how many segment overrides they carry."""
    out = [rng.choice(PREFIXES) for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5]))]
    out = [p for p in out if p != 0xf0 or rng.random() < 0.3]
    seg_overrides = sum(p in SEG_PREFIXES for p in out)
    if mode == 64 and rng.random() < 0.6:
        out.append(0x40 | rng.randrange(16))
    if rng.random() < 0.1:
        out += [0x0f, rng.choice(TWO_BYTE)]
        opcode = None
    else:
        opcode = rng.choice(ONE_BYTE)
        out.append(opcode)
    reg = 0 if opcode in GROUP_REG0 and rng.random() < 0.9 else rng.randrange(8)
    out.append(rng.randrange(3) << 6 | reg << 3 | rng.randrange(8))
    out += [rng.randrange(256) for _ in range(14)]
    return bytes(out[:15]), seg_overrides


def objdump_lines(objdump, path, mode):
    """{offset: (length, text)} for every instruction objdump decoded."""
    machine = "i386:x86-64" if mode == 64 else "i386"
    res = subprocess.run([objdump, "-D", "-w", "-b", "binary", "-m", machine, path],
                         capture_output=True, text=True, check=True)
    starts = []
    for line in res.stdout.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$", line)
        if m:
            starts.append((int(m.group(1), 16), len(m.group(2).split()), m.group(3)))
    return {off: (length, text.split("#")[0].strip()) for off, length, text in starts}


def split_operands(text):
    """Mnemonic words dropped; operands split on commas outside parentheses."""
    m = re.search(r"(\$|%|-?0x|\(|\b\d)", text)
    if not m:
        return []
    ops, depth, cur = [], 0, ""
    for ch in text[m.start():]:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            ops.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return ops + [cur.strip()]


def parse_number(s):
    return -int(s[1:], 16) if s.startswith("-") else int(s, 16)


def check_memory(op, got, asize_mask, problems, check_seg):
    seg = re.match(r"^%([a-z]s):", op)
    op = op[seg.end():] if seg else op
    m = re.match(r"^(-?0x[0-9a-f]+)?(?:\((%\w+)?(?:,(%\w+)(?:,(\d))?)?\))?$", op)
    if not m:
        problems.append("unparsed memory operand " + op)
        return
    disp = parse_number(m.group(1)) if m.group(1) else 0
    base, index, scale = m.group(2), m.group(3), int(m.group(4) or 1)
    want_rip = base in ("%rip", "%eip")
    want_base = NO_REG if base is None or want_rip else REGS[base[1:]][0]
    want_index = NO_REG if index in (None, "%riz", "%eiz") else REGS[index[1:]][0]
    if got["rip"] != want_rip or got["base"] != want_base or got["index"] != want_index:
        problems.append("base/index/rip")
    if want_index != NO_REG and got["scale"] != scale:
        problems.append("scale")
    if not want_rip and got["disp"] != disp & asize_mask:
        problems.append("disp %#x" % (disp & asize_mask))
    if want_rip and got["disp"] & 0xffffffff != disp & 0xffffffff:
        problems.append("rip disp")
    # Without an override objdump names none; then the base decides (rBP, rSP: SS).
    want_seg = SEGMENTS.index(seg.group(1)) if seg else 2 if want_base in (4, 5) else 3
    if check_seg and got["seg"] != want_seg:
        problems.append("segment " + SEGMENTS[got["seg"]])


def compare(got, length, text, check_seg):
    """Problems between our decode and objdump's line (empty if they agree). With several
    segment overrides the last one counts for us, as for QEMU and Xen, while objdump lets
    an ignored 64-bit ES/CS/SS/DS override keep an earlier FS/GS: segments are compared
    only with at most one override."""
    problems = []
    if "(bad)" in text or length != got["len"]:
        return ["length %d" % length]
    if got["kind"] in (STOS, MOVS):
        return problems
    for op in split_operands(text):
        if op.startswith("$"):
            if not got["has_imm"] or got["imm"] != int(op[1:], 16):
                problems.append("immediate")
        elif op.startswith("%") and op[1:] in REGS:
            if (got["reg"], got["high8"]) != REGS[op[1:]]:
                problems.append("register")
        else:
            asize_mask = (1 << (8 * got["asize"])) - 1
            check_memory(op, got, asize_mask, problems, check_seg)
    return problems


def run_mode(tool, objdump, workdir, mode, rng):
    cases = [random_instruction(rng, mode) for _ in range(CASES)]
    path = os.path.join(workdir, "crosscheck%d.bin" % mode)
    with open(path, "wb") as f:
        for c, _ in cases:
            f.write(c + b"\x90" * (SLOT - len(c)))
    ours = subprocess.run([tool, path, str(mode), str(SLOT)], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    theirs = objdump_lines(objdump, path, mode)
    compared, failures = 0, []
    names = ["len", "kind", "mem_size", "reg", "high8", "has_imm", "imm", "base", "index",
             "scale", "rip", "disp", "asize", "seg"]
    for line in ours:  # slots the decoder refused are not compared
        fields = line.split()
        off = int(fields[0])
        if fields[1] != "ok":
            continue
        got = dict(zip(names, map(int, fields[2:])))
        if off not in theirs:
            failures.append((off, ["objdump has no instruction here"], ""))
            continue
        length, text = theirs[off]
        problems = compare(got, length, text, cases[off // SLOT][1] <= 1)
        compared += 1
        if problems:
            failures.append((off, problems, text))
    for off, problems, text in failures[:20]:
        print("MISMATCH %d-bit %s: objdump '%s': %s" % (
            mode, cases[off // SLOT][0].hex(" "), text, ", ".join(problems)))
    print("%d-bit: %d of %d random encodings decoded and compared, %d mismatches" % (
        mode, compared, CASES, len(failures)))
    return compared, len(failures)


def main():
    tool, objdump, workdir = sys.argv[1:4]
    rng = random.Random(20240611)
    total_failures = 0
    for mode in (64, 32):
        compared, failures = run_mode(tool, objdump, workdir, mode, rng)
        total_failures += failures
        if compared < CASES // 4:
            print("too few encodings decoded (%d): the generator drifted" % compared)
            total_failures += 1
    print("decoder_agrees_with_objdump_on_random_encodings: %s" %
          ("ok" if total_failures == 0 else "FAILED"))
    sys.exit(1 if total_failures else 0)


if __name__ == "__main__":
    main()
