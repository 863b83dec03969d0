/* The decoder follows the CPU on encodings an assembler never emits (stacked and
 * misplaced prefixes, the 15-byte limit, REX corner cases), refuses malformed and
 * unsupported input with the right error, and never reads past the bytes it is given,
 * even on random input. */
#include <stdio.h>
#include <stdlib.h>
#include "arch/decode.h"
#include "check.h"
#include "guard.h"

static size_t parse_hex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;

    while (*hex && n < max) {
        char *end;
        unsigned long b = strtoul(hex, &end, 16);
        if (end == hex)
            break;
        out[n++] = (uint8_t)b;
        hex = end;
    }
    return n;
}

/* Decodes the hex bytes with nothing readable after them. */
static int decode64(const char *hex, struct insn *in)
{
    uint8_t bytes[32];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));

    return insn_decode(guarded_copy(bytes, n), n, CPU_MODE_64, in);
}

static int decode32(const char *hex, struct insn *in)
{
    uint8_t bytes[32];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));

    return insn_decode(guarded_copy(bytes, n), n, CPU_MODE_32, in);
}

static void rex_before_a_legacy_prefix_is_ignored(void)
{
    struct insn in;

    CHECK(decode64("48 66 89 03", &in) == 4); /* the 66 wins: mov %ax, (%rbx) */
    CHECK(in.mem_size == 2 && in.reg == GPR_RAX && in.mem.base == GPR_RBX);
    CHECK(decode64("41 48 89 03", &in) == 4); /* only the last REX counts */
    CHECK(in.mem_size == 8 && in.mem.base == GPR_RBX);
    CHECK(decode64("4c 89 03", &in) == 3); /* REX.R */
    CHECK(in.reg == GPR_R8 && in.mem.base == GPR_RBX);
}

static void immediates_take_the_operand_size_and_sign_extend(void)
{
    struct insn in;

    CHECK(decode64("66 48 c7 00 ff ff ff ff", &in) == 8); /* REX.W beats 66: imm32 */
    CHECK(in.mem_size == 8 && in.imm == -1);
    CHECK(decode64("66 c7 00 34 12", &in) == 5);
    CHECK(in.mem_size == 2 && in.imm == 0x1234);
    CHECK(decode64("48 83 00 80", &in) == 4 && in.imm == -128 && in.op == INSN_OP_ADD);
    CHECK(decode64("83 08 7f", &in) == 3 && in.imm == 127 && in.op == INSN_OP_OR);
    CHECK(decode64("80 20 ff", &in) == 3 && in.imm == -1 && in.op == INSN_OP_AND);
    CHECK(decode64("48 81 30 00 00 00 80", &in) == 7 && in.op == INSN_OP_XOR);
    CHECK((uint64_t)in.imm == 0xffffffff80000000ull);
    CHECK(decode64("f7 00 78 56 34 12", &in) == 6 && in.op == INSN_OP_TEST);
    CHECK(in.imm == 0x12345678 && in.reg == INSN_NO_REG);
}

static void fifteen_bytes_is_the_limit(void)
{
    uint8_t bytes[32];
    struct insn in;
    size_t n;

    /* movq $imm32, disp32(%rbx,%rax,8) with three 66 prefixes: exactly 15 bytes. */
    CHECK(decode64("66 66 66 48 c7 84 c3 78 56 34 12 ef be ad de", &in) == 15);
    CHECK(in.mem_size == 8 && in.mem.index == GPR_RAX && in.mem.scale == 8);
    CHECK(decode64("66 66 66 66 48 c7 84 c3 78 56 34 12 ef be ad de", &in) == -INSN_E_TOO_LONG);
    /* Too long is too long even when more bytes are readable, and before they end. */
    n = parse_hex("66 66 66 66 48 c7 84 c3 78 56 34 12 ef be ad de 90 90 90", bytes, 32);
    CHECK(insn_decode(bytes, n, CPU_MODE_64, &in) == -INSN_E_TOO_LONG);
    CHECK(insn_decode(guarded_copy(bytes, 15), 15, CPU_MODE_64, &in) == -INSN_E_TOO_LONG);
    CHECK(decode64("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", &in) == -INSN_E_TOO_LONG);
    CHECK(decode64("66 66 66 66 66 66 66 66 66 66 66 66 66 66", &in) == -INSN_E_TRUNCATED);
    CHECK(decode64("66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", &in) == 15);
}

static void lock_is_undefined_unless_memory_is_modified(void)
{
    static const char *const undefined[] = {
        "f0 89 03",    "f0 8b 03",
        "f0 39 03",    "f0 3b 03",
        "f0 85 03",    "f0 80 38 01",
        "f0 f6 00 01", "f0 aa",
        "f0 a5",       "f0 a3 00 00 00 00 00 00 00 00",
        "f0 0f b6 03", "f0 c7 00 01 00 00 00",
        "f0 03 03",
    };
    static const char *const allowed[] = {"f0 01 03",       "f0 87 03", "f0 80 08 01",
                                          "f0 48 83 28 01", "f0 86 03", "f0 66 11 03"};
    struct insn in;

    for (size_t i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++)
        CHECK(decode64(undefined[i], &in) == -INSN_E_UNDEFINED);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        CHECK(decode64(allowed[i], &in) > 0 && in.lock);
    CHECK(decode64("87 03", &in) == 2 && in.kind == INSN_XCHG && !in.lock);
}

static void register_operands_are_refused(void)
{
    struct insn in;

    CHECK(decode64("89 d8", &in) == -INSN_E_REGISTER_ONLY);
    CHECK(decode64("0f b6 c0", &in) == -INSN_E_REGISTER_ONLY);
    CHECK(decode64("c7 c0 01 00 00 00", &in) == -INSN_E_REGISTER_ONLY);
    CHECK(decode64("80 c0 01", &in) == -INSN_E_REGISTER_ONLY);
    CHECK(decode64("48 87 c3", &in) == -INSN_E_REGISTER_ONLY);
}

static void unsupported_instructions_are_refused(void)
{
    static const char *const unsupported[] = {
        "c7 08 00 00 00 00", /* C7 /1 */
        "f6 10",             /* NOT */
        "f7 18",             /* NEG */
        "c7 f8 00 00 00 00", /* XBEGIN */
        "c6 f8 00",          /* XABORT */
        "ff 00",             /* INC */
        "8d 00",             /* LEA */
        "0f 0b",             /* UD2 */
        "0f a3 03",          /* BT */
        "82 00 01",          /* invalid in 64-bit mode */
        "0f 38 f0 03",       /* MOVBE */
        "c5 f8 10 03",       /* VEX */
        "ac",                /* LODS */
        "a6",                /* CMPS */
    };
    struct insn in;

    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
        CHECK(decode64(unsupported[i], &in) == -INSN_E_UNSUPPORTED);
    CHECK(insn_decode((const uint8_t *)"\x89\x03", 2, 0, &in) == -INSN_E_UNSUPPORTED);
    CHECK(decode64("0f", &in) == -INSN_E_TRUNCATED);
    CHECK(decode64("", &in) == -INSN_E_TRUNCATED);
}

static void protected_mode_differs_where_it_should(void)
{
    struct insn in;

    CHECK(decode32("40", &in) == -INSN_E_UNSUPPORTED);       /* INC %eax, not REX */
    CHECK(decode32("48 89 03", &in) == -INSN_E_UNSUPPORTED); /* DEC %eax */
    CHECK(decode32("67 89 07", &in) == -INSN_E_UNSUPPORTED); /* 16-bit addressing */
    CHECK(decode32("89 05 00 03 e0 fe", &in) == 6);          /* absolute, not RIP-relative */
    CHECK(in.mem.base == INSN_NO_REG && !in.mem.rip_relative && in.addr_size == 4);
    CHECK(decode32("a1 78 56 34 12", &in) == 5 && in.kind == INSN_LOAD);
    CHECK(in.mem.disp == 0x12345678 && in.reg == GPR_RAX && in.mem_size == 4);
    CHECK(decode32("66 c7 05 00 03 e0 fe 34 12", &in) == 9 && in.imm == 0x1234);
}

static void segments_follow_overrides_and_the_base(void)
{
    struct insn in;

    CHECK(decode64("2e 89 03", &in) == 3 && in.seg == SEG_DS); /* no base in 64-bit mode */
    CHECK(decode64("64 89 03", &in) == 3 && in.seg == SEG_FS);
    CHECK(decode64("65 89 03", &in) == 3 && in.seg == SEG_GS);
    CHECK(decode64("65 89 45 00", &in) == 4 && in.seg == SEG_GS);
    CHECK(decode64("26 89 45 00", &in) == 4 && in.seg == SEG_SS);
    CHECK(decode64("64 2e 89 03", &in) == 4 && in.seg == SEG_DS); /* the last one wins */
    CHECK(decode64("2e 64 89 03", &in) == 4 && in.seg == SEG_FS);
    CHECK(decode32("26 89 03", &in) == 3 && in.seg == SEG_ES);
    CHECK(decode32("89 45 00", &in) == 3 && in.seg == SEG_SS);
    CHECK(decode32("3e 89 45 00", &in) == 4 && in.seg == SEG_DS);
    CHECK(decode32("89 04 24", &in) == 3 && in.seg == SEG_SS);
    CHECK(decode32("89 04 2c", &in) == 3 && in.seg == SEG_SS); /* the base decides, */
    CHECK(in.mem.base == GPR_RSP && in.mem.index == GPR_RBP);  /* not the index */
    CHECK(decode32("89 04 29", &in) == 3 && in.seg == SEG_DS);
}

static void byte_registers_without_rex_are_the_high_halves(void)
{
    struct insn in;

    CHECK(decode64("88 26", &in) == 2 && in.reg == GPR_RAX && in.reg_high8);     /* %ah */
    CHECK(decode64("8a 3e", &in) == 2 && in.reg == GPR_RBX && in.reg_high8);     /* %bh */
    CHECK(decode64("40 88 26", &in) == 3 && in.reg == GPR_RSP && !in.reg_high8); /* %spl */
    CHECK(decode64("44 88 26", &in) == 3 && in.reg == GPR_R12 && !in.reg_high8);
    CHECK(decode64("0f b6 26", &in) == 3 && in.reg == GPR_RSP && !in.reg_high8); /* %esp */
    CHECK(decode32("86 2b", &in) == 2 && in.reg == GPR_RCX && in.reg_high8);     /* %ch */
}

static void sib_and_rex_corner_cases(void)
{
    struct insn in;

    CHECK(decode64("89 04 63", &in) == 3); /* index 100b: none */
    CHECK(in.mem.base == GPR_RBX && in.mem.index == INSN_NO_REG);
    CHECK(decode64("42 89 04 63", &in) == 4); /* with REX.X it is R12 */
    CHECK(in.mem.index == GPR_R12 && in.mem.scale == 2);
    CHECK(decode64("41 89 04 25 78 56 34 12", &in) == 8);           /* base 101b, mod 0: no base */
    CHECK(in.mem.base == INSN_NO_REG && in.mem.disp == 0x12345678); /* even with REX.B */
    CHECK(decode64("41 89 05 10 00 00 00", &in) == 7); /* rm 101b, mod 0: RIP, not R13 */
    CHECK(in.mem.rip_relative && in.mem.base == INSN_NO_REG);
    CHECK(decode64("41 89 45 00", &in) == 4 && in.mem.base == GPR_R13);
    CHECK(decode64("41 89 04 24", &in) == 4 && in.mem.base == GPR_R12);
}

static void moffs_and_string_forms(void)
{
    struct insn in;

    CHECK(decode64("a1 88 77 66 55 44 33 22 11", &in) == 9 && in.kind == INSN_LOAD);
    CHECK((uint64_t)in.mem.disp == 0x1122334455667788ull && in.addr_size == 8);
    CHECK(decode64("67 a2 00 00 00 f0", &in) == 6 && in.kind == INSN_STORE);
    CHECK(in.mem.disp == 0xf0000000 && in.addr_size == 4 && in.mem_size == 1);
    CHECK(decode64("48 a3 00 00 00 00 00 00 00 00", &in) == 10 && in.mem_size == 8);
    CHECK(decode64("66 a3 00 00 00 00 00 00 00 00", &in) == 10 && in.mem_size == 2);
    CHECK(decode64("f3 f2 aa", &in) == 3 && in.rep_prefix == 0xf2 && in.kind == INSN_STOS);
    CHECK(decode64("f2 f3 48 ab", &in) == 4 && in.rep_prefix == 0xf3 && in.mem_size == 8);
    CHECK(in.reg == GPR_RAX && in.mem.base == GPR_RDI && in.seg == SEG_ES);
    CHECK(decode64("64 a4", &in) == 2 && in.str_src_seg == SEG_FS && in.seg == SEG_ES);
    CHECK(decode64("2e a4", &in) == 2 && in.str_src_seg == SEG_DS);
    CHECK(decode32("26 66 a5", &in) == 3 && in.str_src_seg == SEG_ES && in.mem_size == 2);
}

static int decode16(const char *hex, struct insn *in)
{
    uint8_t bytes[32];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));

    return insn_decode(guarded_copy(bytes, n), n, CPU_MODE_16, in);
}

/* The forms the I/O and control-register intercepts decode (hv hardening, issue 11). */
static void string_io_and_control_register_forms(void)
{
    struct insn in;

    CHECK(decode64("6c", &in) == 1 && in.kind == INSN_INS && in.mem_size == 1);
    CHECK(in.mem.base == GPR_RDI && in.seg == SEG_ES && in.addr_size == 8);
    CHECK(decode64("66 6d", &in) == 2 && in.kind == INSN_INS && in.mem_size == 2);
    CHECK(decode64("48 6d", &in) == 2 && in.mem_size == 4); /* no 64-bit port I/O */
    CHECK(decode64("f3 6e", &in) == 2 && in.kind == INSN_OUTS && in.rep_prefix == 0xf3);
    CHECK(in.mem.base == GPR_RSI && in.seg == SEG_DS && in.mem_size == 1);
    CHECK(decode64("64 6f", &in) == 2 && in.kind == INSN_OUTS && in.seg == SEG_FS);
    CHECK(decode64("26 6c", &in) == 2 && in.seg == SEG_ES); /* INS cannot be overridden */
    CHECK(decode64("67 f3 6c", &in) == 3 && in.addr_size == 4 && in.rep_prefix == 0xf3);
    CHECK(decode64("f0 6c", &in) == -INSN_E_UNDEFINED);

    CHECK(decode64("0f 22 e0", &in) == 3 && in.kind == INSN_MOV_TO_CR && in.cr == 4);
    CHECK(in.reg == GPR_RAX && in.reg_size == 8);
    CHECK(decode64("41 0f 22 d9", &in) == 4 && in.cr == 3 && in.reg == GPR_R9);
    CHECK(decode64("44 0f 22 c0", &in) == 4 && in.cr == 8); /* REX.R reaches CR8 */
    CHECK(decode64("f0 0f 22 c0", &in) == 4 && in.cr == 8); /* AMD: LOCK MOV CR0 is CR8 */
    CHECK(decode32("0f 22 c3", &in) == 3 && in.cr == 0 && in.reg == GPR_RBX);
    CHECK(in.reg_size == 4);
    CHECK(decode64("0f 06", &in) == 2 && in.kind == INSN_CLTS);
    CHECK(decode64("0f 01 f0", &in) == 3 && in.kind == INSN_LMSW && in.reg == GPR_RAX);
    CHECK(decode64("0f 01 33", &in) == 3 && in.kind == INSN_LMSW && in.reg == INSN_NO_REG);
    CHECK(in.mem.base == GPR_RBX && in.mem_size == 2);

    /* 16-bit code: only forms without a memory operand, string I/O included. */
    CHECK(decode16("6c", &in) == -INSN_E_UNSUPPORTED);
    CHECK(decode16("0f 22 e0", &in) == 3 && in.cr == 4 && in.reg_size == 4);
    CHECK(decode16("0f 06", &in) == 2 && in.kind == INSN_CLTS);
    CHECK(decode16("89 07", &in) == -INSN_E_UNSUPPORTED);
}

/* A cheap generator: bytes biased toward prefixes and the opcodes the decoder knows. */
static uint32_t rng_state = 12345;
static uint8_t random_byte(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (uint8_t)(rng_state >> 16);
}

static void random_instruction(uint8_t *buf, size_t len)
{
    static const uint8_t likely[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x64, 0x48, 0x41,
                                     0x44, 0x89, 0x8b, 0x88, 0xc7, 0xc6, 0x81, 0x83, 0x0f,
                                     0xb6, 0xa1, 0xa3, 0xab, 0xa5, 0x87, 0xf7, 0x04, 0x05};
    for (size_t i = 0; i < len; i++) {
        uint8_t r = random_byte();
        buf[i] = r < 128 ? likely[r % sizeof(likely)] : random_byte();
    }
}

static void random_bytes_are_decoded_consistently_and_within_bounds(void)
{
    unsigned decoded = 0;

    for (unsigned round = 0; round < 200000; round++) {
        enum cpu_mode mode = round & 1 ? CPU_MODE_64 : CPU_MODE_32;
        uint8_t buf[INSN_MAX_LEN];
        struct insn full, cut;
        int n;

        random_instruction(buf, sizeof(buf));
        n = insn_decode(guarded_copy(buf, sizeof(buf)), sizeof(buf), mode, &full);
        CHECK(n == -INSN_E_TOO_LONG || n == -INSN_E_UNDEFINED || n == -INSN_E_UNSUPPORTED ||
              n == -INSN_E_REGISTER_ONLY || (n > 0 && n <= INSN_MAX_LEN));
        if (n <= 0)
            continue;
        decoded++;
        CHECK(insn_decode(guarded_copy(buf, n), n, mode, &cut) == n);
        CHECK(memcmp(&cut, &full, sizeof(cut)) == 0);
        for (int avail = 0; avail < n; avail++)
            CHECK(insn_decode(guarded_copy(buf, avail), avail, mode, &cut) == -INSN_E_TRUNCATED);
    }
    printf("%u of 200000 random inputs decoded\n", decoded);
    CHECK(decoded > 10000);
}

int main(void)
{
    rex_before_a_legacy_prefix_is_ignored();
    immediates_take_the_operand_size_and_sign_extend();
    fifteen_bytes_is_the_limit();
    lock_is_undefined_unless_memory_is_modified();
    register_operands_are_refused();
    unsupported_instructions_are_refused();
    protected_mode_differs_where_it_should();
    segments_follow_overrides_and_the_base();
    byte_registers_without_rex_are_the_high_halves();
    sib_and_rex_corner_cases();
    moffs_and_string_forms();
    string_io_and_control_register_forms();
    random_bytes_are_decoded_consistently_and_within_bounds();
    return check_done("decoder_prefixes_limits_and_malformed_input");
}
