/* hv's instruction execution (hv/arch/x86/insn_exec.c) does what the CPU does: ALU
 * results and RFLAGS against this host CPU executing the same operation, and decoded
 * instructions (moves, MOVZX/MOVSX, ALU forms, XCHG, STOS/MOVS/INS/OUTS with REP, either
 * direction) against a memory and a port that log every access, with the per-exit budget and a
 * fault mid-string leaving the registers as the CPU would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/insn_exec.h"
#include "check.h"
#include "decode_hex.h"

/* ---- ALU results and flags against the host CPU ---------------------------------- */

#define NATIVE(mnem, T)                                                                    \
    do {                                                                                   \
        T x = (T)a, y = (T)b;                                                              \
        uint64_t c = carry;                                                                \
        __asm__("btq $0, %[c]\n\t" mnem " %[y], %[x]\n\tpushfq\n\tpopq %[fl]"             \
                : [x] "+r"(x), [fl] "=r"(fl)                                               \
                : [y] "r"(y), [c] "r"(c)                                                   \
                : "cc");                                                                   \
        *res = (uint64_t)x;                                                                \
    } while (0)
#define NATIVE_SIZED(mnem)                                                                 \
    switch (size) {                                                                        \
    case 1:                                                                                \
        NATIVE(mnem, uint8_t);                                                             \
        break;                                                                             \
    case 2:                                                                                \
        NATIVE(mnem, uint16_t);                                                            \
        break;                                                                             \
    case 4:                                                                                \
        NATIVE(mnem, uint32_t);                                                            \
        break;                                                                             \
    default:                                                                               \
        NATIVE(mnem, uint64_t);                                                            \
    }

/* The host CPU's RFLAGS and result for x = x op y (CMP/TEST leave x). */
static uint64_t native(unsigned op, unsigned size, uint64_t a, uint64_t b, bool carry,
                       uint64_t *res)
{
    uint64_t fl = 0;

    switch (op) {
    case INSN_OP_ADD: NATIVE_SIZED("add"); break;
    case INSN_OP_OR: NATIVE_SIZED("or"); break;
    case INSN_OP_ADC: NATIVE_SIZED("adc"); break;
    case INSN_OP_SBB: NATIVE_SIZED("sbb"); break;
    case INSN_OP_AND: NATIVE_SIZED("and"); break;
    case INSN_OP_SUB: NATIVE_SIZED("sub"); break;
    case INSN_OP_XOR: NATIVE_SIZED("xor"); break;
    case INSN_OP_CMP: NATIVE_SIZED("cmp"); break;
    default: NATIVE_SIZED("test"); break;
    }
    return fl;
}

static uint64_t interesting(unsigned size)
{
    uint64_t mask = insn_size_mask(size), sign = 1ull << (8 * size - 1);
    uint64_t picks[] = {0, 1, mask, sign, sign - 1, sign + 1, 0x0f, 0x10, 0x80, 0x7f};
    uint64_t r = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();

    return (rand() % 3 ? r : picks[rand() % 10]) & mask;
}

static void alu_matches_the_cpu(void)
{
    static const unsigned sizes[] = {1, 2, 4, 8};

    srand(1);
    for (unsigned op = INSN_OP_ADD; op <= INSN_OP_TEST; op++)
        for (unsigned s = 0; s < 4; s++)
            for (unsigned i = 0; i < 20000; i++) {
                unsigned size = sizes[s];
                uint64_t a = interesting(size), b = interesting(size), res;
                bool carry = rand() & 1;
                uint64_t fl = native(op, size, a, b, carry, &res);
                uint64_t ours = insn_alu_result(op, a, b, carry, size);
                uint64_t flags = insn_alu_flags(op, a, b, ours, carry, size);
                bool logic = op == INSN_OP_AND || op == INSN_OP_OR || op == INSN_OP_XOR ||
                             op == INSN_OP_TEST;
                uint64_t mask = RFLAGS_ARITH & ~(logic ? RFLAGS_AF : 0); /* AF undefined */
                bool kept = op == INSN_OP_CMP || op == INSN_OP_TEST;
                if ((flags & mask) != (fl & mask) ||
                    (!kept && ours != (res & insn_size_mask(size)))) {
                    printf("FAIL op %u size %u a %#llx b %#llx cf %d: ours %#llx flags %#llx, "
                           "cpu %#llx flags %#llx\n",
                           op, size, (unsigned long long)a, (unsigned long long)b, carry,
                           (unsigned long long)ours, (unsigned long long)flags,
                           (unsigned long long)res, (unsigned long long)fl);
                    check_failures++;
                    return;
                }
            }
}

/* ---- decoded instructions on a logging memory ------------------------------------ */

#define MEM_SIZE 0x10000
static uint8_t mem[MEM_SIZE];
static unsigned nr_reads, nr_writes;
static uint64_t fault_at = ~0ull; /* an access here fails with -1 */
static unsigned last_seg;

static int mem_read(void *ctx, unsigned seg, uint64_t off, unsigned size, uint64_t *val)
{
    (void)ctx;
    last_seg = seg;
    if (off == fault_at || off + size > MEM_SIZE)
        return -1;
    *val = 0;
    memcpy(val, mem + off, size);
    nr_reads++;
    return 0;
}

static int mem_write(void *ctx, unsigned seg, uint64_t off, unsigned size, uint64_t val)
{
    (void)ctx;
    last_seg = seg;
    if (off == fault_at || off + size > MEM_SIZE)
        return -1;
    memcpy(mem + off, &val, size);
    nr_writes++;
    return 0;
}

/* The port: reads count up from 0x40, writes are recorded in order. */
static uint8_t port_next = 0x40, port_seen[64];
static unsigned nr_port_out;

static int port_in(void *ctx, unsigned size, uint64_t *val)
{
    (void)ctx;
    *val = port_next++ & insn_size_mask(size);
    return 0;
}

static int port_out(void *ctx, unsigned size, uint64_t val)
{
    (void)ctx, (void)size;
    if (nr_port_out < sizeof(port_seen))
        port_seen[nr_port_out] = (uint8_t)val;
    nr_port_out++;
    return 0;
}

static const struct insn_exec_mem logged = {mem_read, mem_write, port_in, port_out, NULL};
static const struct insn_exec_mem no_ports = {mem_read, mem_write, NULL, NULL, NULL};

static int run(const char *hex, struct insn_regs *r, uint64_t *rflags, unsigned budget)
{
    struct insn in = decode(hex, CPU_MODE_64);

    nr_reads = nr_writes = 0;
    return insn_execute(&in, r, rflags, &logged, budget);
}

static void put(uint64_t off, uint64_t val, unsigned size)
{
    memcpy(mem + off, &val, size);
}

static uint64_t get(uint64_t off, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, mem + off, size);
    return v;
}

static void moves_and_extensions(void)
{
    struct insn_regs r = {0};
    uint64_t fl = 2;

    r.gpr[GPR_RAX] = 0x100;
    put(0x100, 0xfedcba98, 4);
    r.gpr[GPR_RCX] = ~0ull;
    CHECK(run("8b 08", &r, &fl, 1) == INSN_EXEC_DONE); /* mov ecx, [rax] */
    CHECK(r.gpr[GPR_RCX] == 0xfedcba98 && nr_reads == 1 && nr_writes == 0);
    CHECK(run("0f b6 08", &r, &fl, 1) == INSN_EXEC_DONE); /* movzx ecx, byte [rax] */
    CHECK(r.gpr[GPR_RCX] == 0x98);
    CHECK(run("48 0f be 08", &r, &fl, 1) == INSN_EXEC_DONE); /* movsx rcx, byte [rax] */
    CHECK(r.gpr[GPR_RCX] == 0xffffffffffffff98ull);
    CHECK(run("0f bf 08", &r, &fl, 1) == INSN_EXEC_DONE); /* movsx ecx, word [rax] */
    CHECK(r.gpr[GPR_RCX] == 0xffffba98ull);
    r.gpr[GPR_RDX] = 0x1122334455667788ull;
    CHECK(run("48 89 50 08", &r, &fl, 1) == INSN_EXEC_DONE); /* mov [rax+8], rdx */
    CHECK(get(0x108, 8) == 0x1122334455667788ull && nr_writes == 1 && nr_reads == 0);
    CHECK(run("66 c7 40 10 34 12", &r, &fl, 1) == INSN_EXEC_DONE); /* mov word [rax+16], 0x1234 */
    CHECK(get(0x110, 2) == 0x1234);
    CHECK(fl == 2); /* moves leave RFLAGS */
}

static void alu_forms_and_xchg(void)
{
    struct insn_regs r = {0};
    uint64_t fl = 2;

    r.gpr[GPR_RAX] = 0x200;
    r.gpr[GPR_RCX] = 1;
    put(0x200, 0xffffffff, 4);
    CHECK(run("01 08", &r, &fl, 1) == INSN_EXEC_DONE); /* add [rax], ecx */
    CHECK(get(0x200, 4) == 0 && (fl & (RFLAGS_CF | RFLAGS_ZF | RFLAGS_PF | RFLAGS_AF)) ==
                                    (RFLAGS_CF | RFLAGS_ZF | RFLAGS_PF | RFLAGS_AF));
    CHECK(!(fl & (RFLAGS_SF | RFLAGS_OF)) && nr_reads == 1 && nr_writes == 1);
    put(0x200, 5, 4);
    CHECK(run("83 38 05", &r, &fl, 1) == INSN_EXEC_DONE); /* cmp dword [rax], 5 */
    CHECK((fl & RFLAGS_ZF) && !(fl & RFLAGS_CF) && nr_writes == 0); /* CMP writes nothing */
    CHECK(run("83 38 06", &r, &fl, 1) == INSN_EXEC_DONE); /* cmp dword [rax], 6: borrow */
    CHECK((fl & RFLAGS_CF) && (fl & RFLAGS_SF) && !(fl & RFLAGS_ZF));
    r.gpr[GPR_RCX] = 0x10;
    CHECK(run("85 08", &r, &fl, 1) == INSN_EXEC_DONE); /* test [rax], ecx */
    CHECK((fl & RFLAGS_ZF) && !(fl & RFLAGS_CF) && get(0x200, 4) == 5 && nr_writes == 0);
    CHECK(run("2b 08", &r, &fl, 1) == INSN_EXEC_DONE); /* sub ecx, [rax]: 0x10 - 5 */
    CHECK(r.gpr[GPR_RCX] == 0xb && get(0x200, 4) == 5 && (fl & RFLAGS_AF));
    CHECK(run("80 30 ff", &r, &fl, 1) == INSN_EXEC_DONE); /* xor byte [rax], 0xff */
    CHECK(get(0x200, 4) == 0xfa && (fl & RFLAGS_SF) && !(fl & (RFLAGS_CF | RFLAGS_OF)));
    r.gpr[GPR_RCX] = 0xf0f0;
    CHECK(run("48 21 08", &r, &fl, 1) == INSN_EXEC_DONE); /* and [rax], rcx */
    CHECK(get(0x200, 8) == 0xf0);
    fl |= RFLAGS_CF;
    CHECK(run("83 10 01", &r, &fl, 1) == INSN_EXEC_DONE); /* adc dword [rax], 1 (CF=1) */
    CHECK(get(0x200, 4) == 0xf2);
    /* A store that faults leaves memory and RFLAGS alone. */
    uint64_t before = fl;
    fault_at = 0x200;
    CHECK(run("83 00 01", &r, &fl, 1) == -1);
    CHECK(fl == before && get(0x200, 4) == 0xf2);
    fault_at = ~0ull;
    r.gpr[GPR_RCX] = 0xabcd;
    CHECK(run("87 08", &r, &fl, 1) == INSN_EXEC_DONE); /* xchg [rax], ecx */
    CHECK(r.gpr[GPR_RCX] == 0xf2 && get(0x200, 4) == 0xabcd && nr_reads == 1 && nr_writes == 1);
    CHECK(run("86 20", &r, &fl, 1) == INSN_EXEC_DONE); /* xchg [rax], ah */
    CHECK(get(0x200, 1) == 0x02 && ((r.gpr[GPR_RAX] >> 8) & 0xff) == 0xcd);
}

static void strings_with_rep_budget_and_faults(void)
{
    struct insn_regs r = {0};
    uint64_t fl = 2;

    /* rep stosb, 3000 bytes, budget 1024: three exits, RIP kept on the first two. */
    memset(mem, 0, sizeof(mem));
    r.gpr[GPR_RAX] = 0x5a;
    r.gpr[GPR_RDI] = 0x1000;
    r.gpr[GPR_RCX] = 3000;
    CHECK(run("f3 aa", &r, &fl, 1024) == INSN_EXEC_MORE);
    CHECK(r.gpr[GPR_RCX] == 3000 - 1024 && r.gpr[GPR_RDI] == 0x1000 + 1024);
    CHECK(run("f3 aa", &r, &fl, 1024) == INSN_EXEC_MORE);
    CHECK(run("f3 aa", &r, &fl, 1024) == INSN_EXEC_DONE);
    CHECK(r.gpr[GPR_RCX] == 0 && r.gpr[GPR_RDI] == 0x1000 + 3000 && nr_writes == 3000 - 2048);
    CHECK(get(0x1000, 1) == 0x5a && get(0x1000 + 2999, 1) == 0x5a && get(0x1000 + 3000, 1) == 0);
    CHECK(last_seg == SEG_ES);
    /* rep movsq backwards (DF=1), 4 quadwords. */
    for (unsigned i = 0; i < 4; i++)
        put(0x2000 + 8 * i, 0x1111111111111111ull * (i + 1), 8);
    fl |= RFLAGS_DF;
    r.gpr[GPR_RSI] = 0x2018;
    r.gpr[GPR_RDI] = 0x3018;
    r.gpr[GPR_RCX] = 4;
    CHECK(run("f3 48 a5", &r, &fl, 1024) == INSN_EXEC_DONE);
    CHECK(r.gpr[GPR_RSI] == 0x1ff8 && r.gpr[GPR_RDI] == 0x2ff8 && r.gpr[GPR_RCX] == 0);
    CHECK(get(0x3000, 8) == 0x1111111111111111ull && get(0x3018, 8) == 0x4444444444444444ull);
    CHECK(nr_reads == 4 && nr_writes == 4);
    fl &= ~RFLAGS_DF;
    /* movsd without REP: one element, RCX untouched; FS override on the source. */
    r.gpr[GPR_RCX] = 77;
    r.gpr[GPR_RSI] = 0x2000;
    r.gpr[GPR_RDI] = 0x4000;
    CHECK(run("64 a5", &r, &fl, 1024) == INSN_EXEC_DONE);
    CHECK(r.gpr[GPR_RCX] == 77 && r.gpr[GPR_RSI] == 0x2004 && r.gpr[GPR_RDI] == 0x4004);
    CHECK(get(0x4000, 4) == 0x11111111 && last_seg == SEG_ES);
    /* A fault on the 3rd element of rep movsw: two done, registers show it. */
    fault_at = 0x5004;
    r.gpr[GPR_RSI] = 0x2000;
    r.gpr[GPR_RDI] = 0x5000;
    r.gpr[GPR_RCX] = 10;
    CHECK(run("f3 66 a5", &r, &fl, 1024) == -1);
    CHECK(r.gpr[GPR_RCX] == 8 && r.gpr[GPR_RDI] == 0x5004 && r.gpr[GPR_RSI] == 0x2004);
    fault_at = ~0ull;
    /* 32-bit address size: rDI wraps at 4 GiB and the top half is cleared. */
    r.gpr[GPR_RDI] = 0xffffffff00000100ull;
    r.gpr[GPR_RCX] = 0xffffffff00000002ull;
    CHECK(run("67 f3 aa", &r, &fl, 1024) == INSN_EXEC_DONE);
    CHECK(r.gpr[GPR_RDI] == 0x102 && (uint32_t)r.gpr[GPR_RCX] == 0);
    /* REP with RCX = 0 touches nothing. */
    r.gpr[GPR_RCX] = 0;
    CHECK(run("f3 a4", &r, &fl, 1024) == INSN_EXEC_DONE && nr_reads + nr_writes == 0);
}

static void port_strings(void)
{
    struct insn_regs r = {0};
    uint64_t fl = 2;

    /* rep insb: the port's values land at ES:[rDI] in order; a fault keeps those done. */
    memset(mem + 0x6000, 0, 16);
    port_next = 0x40;
    r.gpr[GPR_RDI] = 0x6000;
    r.gpr[GPR_RCX] = 5;
    fault_at = 0x6003;
    CHECK(run("f3 6c", &r, &fl, 1024) == -1);
    CHECK(r.gpr[GPR_RCX] == 2 && r.gpr[GPR_RDI] == 0x6003); /* the 4th port read is lost */
    CHECK(get(0x6000, 1) == 0x40 && get(0x6002, 1) == 0x42 && get(0x6003, 1) == 0);
    fault_at = ~0ull;
    /* rep outsw backwards with a GS override: rSI only moves. */
    put(0x7000, 0x2211, 2);
    put(0x7002, 0x4433, 2);
    fl |= RFLAGS_DF;
    nr_port_out = 0;
    r.gpr[GPR_RSI] = 0x7002;
    r.gpr[GPR_RDI] = 0x1234;
    r.gpr[GPR_RCX] = 2;
    CHECK(run("f3 65 66 6f", &r, &fl, 1024) == INSN_EXEC_DONE);
    CHECK(nr_port_out == 2 && port_seen[0] == 0x33 && port_seen[1] == 0x11);
    CHECK(r.gpr[GPR_RSI] == 0x6ffe && r.gpr[GPR_RDI] == 0x1234 && last_seg == SEG_GS);
    fl &= ~RFLAGS_DF;
}

static void kinds_without_data_operands_are_refused(void)
{
    struct insn_regs r = {0};
    uint64_t fl = 2;
    struct insn in = decode("6c", CPU_MODE_64); /* insb, with no port to read */

    CHECK(run("0f 22 c0", &r, &fl, 1) == INSN_EXEC_UNSUPPORTED); /* mov cr0, rax */
    CHECK(insn_execute(&in, &r, &fl, &no_ports, 1) == INSN_EXEC_UNSUPPORTED);
}

int main(void)
{
    alu_matches_the_cpu();
    moves_and_extensions();
    alu_forms_and_xchg();
    strings_with_rep_budget_and_faults();
    port_strings();
    kinds_without_data_operands_are_refused();
    return check_done("insn_exec");
}
