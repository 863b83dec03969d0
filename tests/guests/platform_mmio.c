/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * platform_mmio: every instruction form a Linux driver uses on device registers, on the
 * platform's MMIO hole where no device answers (run with platform=1). hv emulates them
 * (decoder + insn_exec.c); this guest runs each one twice, on RAM holding all ones and
 * on the hole (which reads all ones), and wants the same register result and the same
 * RFLAGS as its own CPU produced on RAM. Then string moves with REP long enough for
 * several exits, in both directions and both ways: MMIO to RAM, RAM to MMIO.
 * With dm=1 a dom0 device model answers the window as the empty bus would (the node
 * suite's vireo-dmprobe, mode ones): every form then makes its requests to dom0, and the
 * strings are left out (hv refuses them on a device model's window).
 */
#include "guest.h"

#define HOLE ((volatile uint64_t *)0xd0000000ull) /* VIREO_PLAT_MMIO_BASE */
#define FLAGS_CHECKED 0xcd5ull /* CF PF AF ZF SF DF OF */
#define LONG 3000              /* elements: more than one exit's worth */

static unsigned checks;
static volatile uint64_t ram_cell;
static uint8_t buf[LONG * 8];

/* One instruction on *p with RCX = in: returns RCX after it, and RFLAGS. */
#define MEM_OP(name, text)                                                                  \
    static uint64_t name(volatile uint64_t *p, uint64_t in, uint64_t *flags)                \
    {                                                                                       \
        uint64_t c = in, f;                                                                 \
        __asm__ volatile(text "\n\tpushfq\n\tpopq %[f]"                                     \
                         : [c] "+c"(c), [f] "=r"(f)                                         \
                         : [p] "r"(p)                                                       \
                         : "cc", "memory");                                                 \
        *flags = f;                                                                         \
        return c;                                                                           \
    }
MEM_OP(op_load, "movl (%[p]), %%ecx")
MEM_OP(op_load64, "movq (%[p]), %%rcx")
MEM_OP(op_movzx, "movzbl (%[p]), %%ecx")
MEM_OP(op_movsx, "movswq (%[p]), %%rcx")
MEM_OP(op_store, "movl %%ecx, (%[p])")
MEM_OP(op_add_imm, "addl $1, (%[p])")
MEM_OP(op_add_reg, "addq %%rcx, (%[p])")
MEM_OP(op_sub_from_reg, "subl (%[p]), %%ecx")
MEM_OP(op_cmp_imm, "cmpl $-1, (%[p])")
MEM_OP(op_cmp_byte, "cmpb $0x7f, (%[p])")
MEM_OP(op_test_imm, "testl $0x80000000, (%[p])")
MEM_OP(op_test_reg, "testw %%cx, (%[p])")
MEM_OP(op_and_reg, "andl %%ecx, (%[p])")
MEM_OP(op_or_imm, "orb $1, (%[p])")
MEM_OP(op_xor_reg, "xorq (%[p]), %%rcx")
MEM_OP(op_adc, "stc\n\tadcl $0, (%[p])")
MEM_OP(op_sbb, "stc\n\tsbbw (%[p]), %%cx")
MEM_OP(op_xchg, "xchgl %%ecx, (%[p])")
MEM_OP(op_lock_or, "lock orl $0, (%[p])")

static void same_as_ram(const char *what, uint64_t (*op)(volatile uint64_t *, uint64_t, uint64_t *),
                        uint64_t rcx)
{
    uint64_t ram_flags, mmio_flags;

    ram_cell = ~0ull;
    uint64_t ram = op(&ram_cell, rcx, &ram_flags);
    uint64_t mmio = op(HOLE, rcx, &mmio_flags);
    if (ram != mmio || (ram_flags & FLAGS_CHECKED) != (mmio_flags & FLAGS_CHECKED))
        guest_fail("%s: RAM gives rcx %#llx flags %#llx, MMIO rcx %#llx flags %#llx", what,
                   (unsigned long long)ram, (unsigned long long)ram_flags,
                   (unsigned long long)mmio, (unsigned long long)mmio_flags);
    checks++;
}

static void want(int ok, const char *what, uint64_t got)
{
    if (!ok)
        guest_fail("%s (got %#llx)", what, (unsigned long long)got);
    checks++;
}

static void strings(void)
{
    uint64_t rcx = LONG, rsi = (uint64_t)HOLE, rdi = (uint64_t)buf;

    /* MMIO -> RAM, forwards: RAM fills with the bus's all ones. */
    for (unsigned i = 0; i < LONG; i++)
        buf[i] = 0;
    __asm__ volatile("rep movsb" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
    want(rcx == 0 && rsi == (uint64_t)HOLE + LONG && rdi == (uint64_t)buf + LONG,
         "REP MOVSB from MMIO: registers", rsi);
    for (unsigned i = 0; i < LONG; i++)
        if (buf[i] != 0xff)
            guest_fail("REP MOVSB from MMIO: byte %u is %#x", i, buf[i]);

    /* RAM -> MMIO, backwards, quadwords. */
    rcx = LONG, rsi = (uint64_t)buf + 8 * (LONG - 1), rdi = (uint64_t)HOLE + 8 * (LONG - 1);
    __asm__ volatile("std\n\trep movsq\n\tcld" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
    want(rcx == 0 && rsi == (uint64_t)buf - 8 && rdi == (uint64_t)HOLE - 8,
         "REP MOVSQ to MMIO backwards: registers", rdi);

    /* STOS to MMIO, dwords; and one MOVSW with no REP leaves RCX. */
    rcx = LONG, rdi = (uint64_t)HOLE;
    __asm__ volatile("rep stosl" : "+c"(rcx), "+D"(rdi) : "a"(0x12345678) : "memory");
    want(rcx == 0 && rdi == (uint64_t)HOLE + 4 * LONG, "REP STOSL to MMIO: registers", rdi);
    rcx = 7, rsi = (uint64_t)HOLE, rdi = (uint64_t)buf;
    buf[0] = buf[1] = 0;
    __asm__ volatile("movsw" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
    want(rcx == 7 && rsi == (uint64_t)HOLE + 2 && buf[0] == 0xff && buf[1] == 0xff,
         "MOVSW from MMIO", rsi);
}

/* Every form, with the RCX it starts from. */
static const struct {
    const char *what;
    uint64_t (*op)(volatile uint64_t *p, uint64_t in, uint64_t *flags);
    uint64_t rcx;
} forms[] = {
    {"mov r32, m32", op_load, 0},
    {"mov r64, m64", op_load64, 0},
    {"movzx", op_movzx, 0x1234},
    {"movsx", op_movsx, 0x1234},
    {"add m32, 1", op_add_imm, 0},
    {"add m64, r64", op_add_reg, 0x8000000000000000ull},
    {"sub r32, m32", op_sub_from_reg, 5},
    {"cmp m32, -1", op_cmp_imm, 0},
    {"cmp m8, 0x7f", op_cmp_byte, 0},
    {"test m32, imm", op_test_imm, 0},
    {"test m16, r16", op_test_reg, 0x0100},
    {"and m32, r32", op_and_reg, 0x0f0f},
    {"or m8, 1", op_or_imm, 0},
    {"xor r64, m64", op_xor_reg, 0x5555},
    {"adc m32, 0 with CF", op_adc, 0},
    {"sbb r16, m16 with CF", op_sbb, 3},
    {"xchg m32, r32", op_xchg, 0xabcd},
    {"lock or m32, 0", op_lock_or, 0},
};

void guest_main(struct guest_vcpu *v)
{
    uint64_t dm = cmdline_u64(v->start, "dm", 0);
    for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        same_as_ram(forms[i].what, forms[i].op, forms[i].rcx);
    /* Writes to the hole vanish: it still reads all ones. */
    uint64_t flags;
    op_store(HOLE, 0, &flags);
    want(op_load64(HOLE, 0, &flags) == ~0ull, "the hole after a store", op_load64(HOLE, 0, &flags));
    if (!dm)
        strings();
    guest_printf("platform mmio: %u checks behave as on RAM\n", checks);
}
