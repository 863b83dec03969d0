/* Every instruction of the generated corpus, encoded by GNU as in 64-bit and 32-bit mode,
 * decodes to the length the assembler gave it and to the operands the generator asked
 * for; cut short at any byte it reports INSN_E_TRUNCATED and reads nothing past the end. */
#include <stdbool.h>
#include <stdio.h>
#include "arch/decode.h"
#include "check.h"
#include "guard.h"

struct corpus_case {
    int mode; /* 64 or 32 */
    const char *text;
    uint8_t kind, op, mem_size, reg_size, ext, reg;
    bool high8, has_imm;
    int64_t imm;
    uint8_t asize, seg, src_seg, rep;
    bool lock;
    uint8_t base, index, scale;
    bool rip;
    int64_t disp;
};
#include "corpus.h"

extern const uint8_t corpus_bytes[];
extern const uint32_t corpus_offsets[CORPUS_CASES + 1];

#define EXPECT_FIELD(c, got, want)                                                                 \
    do {                                                                                           \
        if ((uint64_t)(got) != (uint64_t)(want)) {                                                 \
            printf("FAIL '%s' (%d-bit): %s = %#llx, expected %#llx\n", (c)->text, (c)->mode, #got, \
                   (unsigned long long)(got), (unsigned long long)(want));                         \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static void check_operands(const struct corpus_case *c, const struct insn *in)
{
    uint64_t amask = insn_size_mask(c->asize);

    EXPECT_FIELD(c, in->kind, c->kind);
    EXPECT_FIELD(c, in->op, c->op);
    EXPECT_FIELD(c, in->mem_size, c->mem_size);
    EXPECT_FIELD(c, in->reg_size, c->reg_size);
    EXPECT_FIELD(c, in->ext, c->ext);
    EXPECT_FIELD(c, in->reg, c->reg);
    EXPECT_FIELD(c, in->reg_high8, c->high8);
    EXPECT_FIELD(c, in->has_imm, c->has_imm);
    EXPECT_FIELD(c, (uint64_t)in->imm & insn_size_mask(c->mem_size),
                 (uint64_t)c->imm & insn_size_mask(c->mem_size));
    EXPECT_FIELD(c, in->addr_size, c->asize);
    EXPECT_FIELD(c, in->seg, c->seg);
    if (c->kind == INSN_MOVS)
        EXPECT_FIELD(c, in->str_src_seg, c->src_seg);
    EXPECT_FIELD(c, in->rep_prefix, c->rep);
    EXPECT_FIELD(c, in->lock, c->lock);
    EXPECT_FIELD(c, in->mem.base, c->base);
    EXPECT_FIELD(c, in->mem.index, c->index);
    if (c->index != INSN_NO_REG)
        EXPECT_FIELD(c, in->mem.scale, c->scale);
    EXPECT_FIELD(c, in->mem.rip_relative, c->rip);
    EXPECT_FIELD(c, (uint64_t)in->mem.disp & amask, (uint64_t)c->disp & amask);
}

/* With every byte the decoder may want (and trailing bytes it must not take). */
static void check_full_decode(const struct corpus_case *c, const uint8_t *bytes, size_t len)
{
    enum cpu_mode mode = c->mode == 64 ? CPU_MODE_64 : CPU_MODE_32;
    uint8_t padded[INSN_MAX_LEN + 8];
    struct insn in;
    int n;

    memset(padded, 0x90, sizeof(padded));
    memcpy(padded, bytes, len);
    n = insn_decode(padded, sizeof(padded), mode, &in);
    EXPECT_FIELD(c, n, len);
    if (n > 0) {
        EXPECT_FIELD(c, in.len, len);
        check_operands(c, &in);
    }
    n = insn_decode(guarded_copy(bytes, len), len, mode, &in);
    EXPECT_FIELD(c, n, len);
}

static void check_truncations(const struct corpus_case *c, const uint8_t *bytes, size_t len)
{
    enum cpu_mode mode = c->mode == 64 ? CPU_MODE_64 : CPU_MODE_32;
    struct insn in;

    for (size_t avail = 0; avail < len; avail++) {
        int n = insn_decode(guarded_copy(bytes, avail), avail, mode, &in);
        EXPECT_FIELD(c, n, -INSN_E_TRUNCATED);
    }
}

int main(void)
{
    unsigned counted[2] = {0, 0};

    for (unsigned i = 0; i < CORPUS_CASES; i++) {
        const struct corpus_case *c = &corpus[i];
        const uint8_t *bytes = corpus_bytes + corpus_offsets[i];
        size_t len = corpus_offsets[i + 1] - corpus_offsets[i];

        check_full_decode(c, bytes, len);
        check_truncations(c, bytes, len);
        counted[c->mode == 64]++;
    }
    printf("%u 64-bit and %u 32-bit instructions checked\n", counted[1], counted[0]);
    CHECK(counted[0] > 1000 && counted[1] > 2000);
    return check_done("decoder_matches_gnu_as_on_every_supported_form");
}
