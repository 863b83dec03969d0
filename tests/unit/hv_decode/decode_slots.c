/* Test helper for objdump_crosscheck.py: decodes the instruction at the start of every
 * SLOT-byte slot of FILE (offering 15 bytes) and prints one line per slot:
 * "offset ok len kind mem_size reg high8 has_imm imm base index scale rip disp asize seg", with
 * imm and disp masked to their operand and address sizes, or "offset err -N". */
#include <stdio.h>
#include <stdlib.h>
#include "arch/decode.h"

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 22];
    enum cpu_mode mode;
    size_t n, slot;
    FILE *f;

    if (argc != 4 || !(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: decode-slots FILE 32|64 SLOT\n");
        return 2;
    }
    mode = atoi(argv[2]) == 64 ? CPU_MODE_64 : CPU_MODE_32;
    slot = (size_t)atoi(argv[3]);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    for (size_t off = 0; off + INSN_MAX_LEN <= n; off += slot) {
        struct insn in;
        int rc = insn_decode(buf + off, INSN_MAX_LEN, mode, &in);

        if (rc < 0) {
            printf("%zu err %d\n", off, rc);
            continue;
        }
        printf("%zu ok %d %u %u %u %u %u %llu %u %u %u %u %llu %u %u\n", off, rc, in.kind,
               in.mem_size, in.reg, in.reg_high8, in.has_imm,
               (unsigned long long)((uint64_t)in.imm & insn_size_mask(in.mem_size)), in.mem.base,
               in.mem.index, in.mem.scale, in.mem.rip_relative,
               (unsigned long long)((uint64_t)in.mem.disp & insn_size_mask(in.addr_size)),
               in.addr_size, in.seg);
    }
    return 0;
}
