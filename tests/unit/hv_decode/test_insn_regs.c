/* The register helpers follow x86 semantics (32-bit writes zero-extend, narrower ones
 * merge, AH..BH are bits 15:8), loads widen as MOVZX/MOVSX do, and effective addresses
 * come out as the CPU computes them, wrapping at the address size. */
#include <stdio.h>
#include <stdlib.h>
#include "arch/decode.h"
#include "check.h"
#include "decode_hex.h"

#define FILL 0x1122334455667788ull

static void writes_zero_extend_or_merge_by_size(void)
{
    struct insn_regs r = {0};

    r.gpr[GPR_RCX] = FILL;
    insn_reg_write(&r, GPR_RCX, false, 4, 0xdeadbeefcafef00dull);
    CHECK(r.gpr[GPR_RCX] == 0xcafef00dull);
    r.gpr[GPR_RCX] = FILL;
    insn_reg_write(&r, GPR_RCX, false, 2, 0xabcd);
    CHECK(r.gpr[GPR_RCX] == 0x112233445566abcdull);
    r.gpr[GPR_RCX] = FILL;
    insn_reg_write(&r, GPR_RCX, false, 1, 0x1ff);
    CHECK(r.gpr[GPR_RCX] == 0x11223344556677ffull);
    r.gpr[GPR_RCX] = FILL;
    insn_reg_write(&r, GPR_RCX, true, 1, 0xab); /* %ch */
    CHECK(r.gpr[GPR_RCX] == 0x112233445566ab88ull);
    insn_reg_write(&r, GPR_R15, false, 8, FILL);
    CHECK(r.gpr[GPR_R15] == FILL);
    CHECK(r.gpr[GPR_RAX] == 0 && r.gpr[GPR_RDX] == 0); /* neighbours untouched */
}

static void reads_take_the_named_part(void)
{
    struct insn_regs r = {0};

    r.gpr[GPR_RBX] = FILL;
    CHECK(insn_reg_read(&r, GPR_RBX, false, 1) == 0x88);
    CHECK(insn_reg_read(&r, GPR_RBX, true, 1) == 0x77); /* %bh */
    CHECK(insn_reg_read(&r, GPR_RBX, false, 2) == 0x7788);
    CHECK(insn_reg_read(&r, GPR_RBX, false, 4) == 0x55667788);
    CHECK(insn_reg_read(&r, GPR_RBX, false, 8) == FILL);
}

static void loads_widen_like_movzx_and_movsx(void)
{
    struct insn_regs r = {0};
    struct insn in;

    in = decode("0f b6 03", CPU_MODE_64); /* movzbl (%rbx), %eax */
    r.gpr[GPR_RAX] = FILL;
    insn_complete_load(&in, &r, 0xfff0);
    CHECK(r.gpr[GPR_RAX] == 0xf0);
    in = decode("66 0f be 0b", CPU_MODE_64); /* movsbw (%rbx), %cx */
    r.gpr[GPR_RCX] = FILL;
    insn_complete_load(&in, &r, 0x80);
    CHECK(r.gpr[GPR_RCX] == 0x112233445566ff80ull);
    in = decode("48 0f bf 13", CPU_MODE_64); /* movswq (%rbx), %rdx */
    insn_complete_load(&in, &r, 0x8001);
    CHECK(r.gpr[GPR_RDX] == 0xffffffffffff8001ull);
    in = decode("0f bf 33", CPU_MODE_64); /* movswl (%rbx), %esi: upper half zeroed */
    r.gpr[GPR_RSI] = FILL;
    insn_complete_load(&in, &r, 0x8001);
    CHECK(r.gpr[GPR_RSI] == 0xffff8001ull);
    in = decode("8a 23", CPU_MODE_64); /* mov (%rbx), %ah */
    r.gpr[GPR_RAX] = FILL;
    insn_complete_load(&in, &r, 0x5a);
    CHECK(r.gpr[GPR_RAX] == 0x1122334455665a88ull);
    in = decode("4c 8b 03", CPU_MODE_64); /* mov (%rbx), %r8 */
    insn_complete_load(&in, &r, FILL);
    CHECK(r.gpr[GPR_R8] == FILL);
    in = decode("66 8b 3b", CPU_MODE_32); /* mov (%ebx), %di */
    r.gpr[GPR_RDI] = FILL;
    insn_complete_load(&in, &r, 0x12345);
    CHECK(r.gpr[GPR_RDI] == 0x1122334455662345ull);
}

static void store_sources_are_masked_to_the_access(void)
{
    struct insn_regs r = {0};
    struct insn in;

    r.gpr[GPR_RAX] = FILL;
    in = decode("88 23", CPU_MODE_64); /* mov %ah, (%rbx) */
    CHECK(insn_source_value(&in, &r) == 0x77);
    in = decode("66 89 03", CPU_MODE_64);
    CHECK(insn_source_value(&in, &r) == 0x7788);
    in = decode("c7 03 ff ff ff ff", CPU_MODE_64); /* movl $-1 */
    CHECK(insn_source_value(&in, &r) == 0xffffffffull);
    in = decode("48 c7 03 ff ff ff ff", CPU_MODE_64); /* movq $-1 */
    CHECK(insn_source_value(&in, &r) == ~0ull);
    in = decode("66 83 03 fe", CPU_MODE_64); /* addw $-2 */
    CHECK(insn_source_value(&in, &r) == 0xfffe);
    in = decode("f3 48 ab", CPU_MODE_64); /* rep stosq */
    CHECK(insn_source_value(&in, &r) == FILL);
}

static void effective_addresses_wrap_at_the_address_size(void)
{
    struct insn_regs r = {0};
    struct insn in;

    r.gpr[GPR_RBX] = 0x1000;
    r.gpr[GPR_RSI] = 0x10;
    r.gpr[GPR_R12] = 3;
    in = decode("89 44 b3 f0", CPU_MODE_64); /* mov %eax, -0x10(%rbx,%rsi,4) */
    CHECK(insn_mem_offset(&in, &r) == 0x1000 + 0x40 - 0x10);
    in = decode("42 89 04 e3", CPU_MODE_64); /* mov %eax, (%rbx,%r12,8) */
    CHECK(insn_mem_offset(&in, &r) == 0x1018);
    r.rip = 0xffffffff81000000ull;
    in = decode("c7 05 10 00 00 00 01 00 00 00", CPU_MODE_64); /* movl $1, 0x10(%rip) */
    CHECK(insn_mem_offset(&in, &r) == 0xffffffff81000000ull + 10 + 0x10);
    r.rip = 0x100000000ull;
    in = decode("67 c7 05 f0 ff ff ff 01 00 00 00", CPU_MODE_64); /* -0x10(%eip) */
    CHECK(insn_mem_offset(&in, &r) == ((0x100000000ull + 11 - 0x10) & 0xffffffffull));
    r.gpr[GPR_RAX] = 0xfffffff0;
    in = decode("67 89 48 20", CPU_MODE_64); /* mov %ecx, 0x20(%eax): wraps at 4 GiB */
    CHECK(insn_mem_offset(&in, &r) == 0x10);
    in = decode("89 48 20", CPU_MODE_64); /* ... but not with 64-bit addresses */
    CHECK(insn_mem_offset(&in, &r) == 0x100000010ull);
    r.gpr[GPR_RAX] = 0xfffffff0;
    in = decode("89 48 20", CPU_MODE_32);
    CHECK(insn_mem_offset(&in, &r) == 0x10);
    in = decode("89 05 00 03 e0 fe", CPU_MODE_32); /* absolute: disp32 is not signed */
    CHECK(insn_mem_offset(&in, &r) == 0xfee00300ull);
    in = decode("a3 88 77 66 55 44 33 22 11", CPU_MODE_64);
    CHECK(insn_mem_offset(&in, &r) == 0x1122334455667788ull);
    r.gpr[GPR_RDI] = 0x1122334455667788ull;
    in = decode("67 aa", CPU_MODE_64); /* stosb with 32-bit addresses uses %edi */
    CHECK(insn_mem_offset(&in, &r) == 0x55667788ull);
}

int main(void)
{
    writes_zero_extend_or_merge_by_size();
    reads_take_the_named_part();
    loads_widen_like_movzx_and_movsx();
    store_sources_are_masked_to_the_access();
    effective_addresses_wrap_at_the_address_size();
    return check_done("decoder_register_and_address_semantics");
}
