/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest control-register writes, checked as the CPU checks them. hv intercepts writes to
 * CR0 and CR4, so their reserved bits follow the CPUID the guest sees and a bad value
 * gives the guest #GP; it emulates the write otherwise, including what it does to
 * EFER.LMA. CR3 writes run natively; QEMU turns one with reserved bits into an error
 * exit (where hardware raises #GP), which hv recognises and answers with that #GP.
 * A domain is never crashed for what a CPU would refuse with #GP.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"

#define CR0_KNOWN (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | \
                   X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define CR4_LA57 (1ull << 12)
#define CR4_PCIDE (1ull << 17)
#define CS_L (1u << 9)

static bool bit(uint32_t reg, unsigned n)
{
    return (reg >> n) & 1;
}

/* The CR4 bits the guest's CPUID offers; every other bit is reserved. */
static uint64_t cr4_allowed(struct vcpu *v)
{
    uint32_t l1[4], l7[4];
    uint64_t ok = (1ull << 2) | (1ull << 8); /* TSD, PCE */

    guest_cpuid(v, 1, 0, l1);
    guest_cpuid(v, 7, 0, l7);
    const struct {
        uint32_t reg;
        unsigned feature, cr4;
    } map[] = {
        {l1[3], 1, 0},   {l1[3], 1, 1},   {l1[3], 2, 3},   {l1[3], 3, 4},   {l1[3], 6, 5},
        {l1[3], 7, 6},   {l1[3], 13, 7},  {l1[3], 24, 9},  {l1[3], 25, 10}, {l7[2], 2, 11},
        {l7[2], 16, 12}, {l7[1], 0, 16},  {l1[2], 17, 17}, {l1[2], 26, 18}, {l7[1], 7, 20},
        {l7[1], 20, 21}, {l7[2], 3, 22},  {l7[2], 7, 23},
    }; /* VME PVI DE PSE PAE MCE PGE OSFXSR OSXMMEXCPT UMIP LA57 FSGSBASE PCIDE OSXSAVE
        * SMEP SMAP PKE CET */
    for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
        if (bit(map[i].reg, map[i].feature))
            ok |= 1ull << map[i].cr4;
    return ok;
}

/* The vCPU's next VMRUN flushes its TLB, as a CR0/CR4 paging change does on a CPU. */
static void flush_on_entry(struct vcpu *v)
{
    v->arch.npt_gen = ~0ull;
}

/* Returns 0, or -1 when the CPU would raise #GP. */
static int guest_write_cr0(struct vcpu *v, uint64_t val)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    uint64_t old = s->cr0;

    if ((val & ~CR0_KNOWN) || ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
        ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
        return -1;
    if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (s->efer & EFER_LME)) {
        if (!(s->cr4 & X86_CR4_PAE) || (s->cs.attrib & CS_L))
            return -1;
        s->efer |= EFER_LMA; /* long mode becomes active */
    }
    if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) && (s->efer & EFER_LMA)) {
        if (s->cs.attrib & CS_L)
            return -1; /* paging cannot go off in 64-bit code */
        s->efer &= ~EFER_LMA;
    }
    s->cr0 = val | X86_CR0_ET; /* ET is hardwired on every CPU since the 486 */
    if ((old ^ s->cr0) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_CD | X86_CR0_NW | X86_CR0_PE))
        flush_on_entry(v);
    return 0;
}

static int guest_write_cr4(struct vcpu *v, uint64_t val)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    uint64_t old = s->cr4;
    bool long_mode = s->efer & EFER_LMA;

    if (val & ~cr4_allowed(v))
        return -1;
    if (long_mode && (!(val & X86_CR4_PAE) || ((old ^ val) & CR4_LA57)))
        return -1;
    if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (!long_mode || (s->cr3 & 0xfff)))
        return -1;
    s->cr4 = val;
    if (old != val)
        flush_on_entry(v);
    return 0;
}

/* CR3 reserved bits in long mode: above the guest's physical address width, except
 * bit 63 (no-invalidate) with PCIDE, which the write does not keep. */
static bool cr3_reserved(const struct vcpu *v, uint64_t val)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    uint32_t r[4];

    if (!(s->efer & EFER_LMA))
        return false;
    if (s->cr4 & CR4_PCIDE)
        val &= ~(1ull << 63);
    cpuid_count(0x80000008, 0, r);
    return val >> (r[0] & 0xff);
}

/* Emulates the instruction that wrote a control register; 0 or -1 (crash, why set). */
static int emulate_cr_write(struct vcpu *v, const char **why)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct insn in;
    struct insn_regs regs;
    int rc;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    if (s->cpl != 0) {
        svm_inject_exception(v, X86_EXC_GP, true, 0);
        return 0;
    }
    guest_insn_load_regs(v, &regs);
    if (in.kind == INSN_CLTS) {
        rc = guest_write_cr0(v, s->cr0 & ~X86_CR0_TS);
    } else if (in.kind == INSN_LMSW && in.reg != INSN_NO_REG) {
        /* LMSW sets PE but never clears it, and touches MP, EM, TS. */
        uint64_t low = insn_reg_read(&regs, in.reg, false, 2) & 0xf;
        rc = guest_write_cr0(v, (s->cr0 & ~0xeull) | low | (s->cr0 & X86_CR0_PE));
    } else if (in.kind == INSN_MOV_TO_CR && (in.cr == 0 || in.cr == 4)) {
        uint64_t val = insn_reg_read(&regs, in.reg, false, in.reg_size);
        rc = in.cr == 0 ? guest_write_cr0(v, val) : guest_write_cr4(v, val);
    } else {
        *why = "control-register write by an instruction hv does not emulate";
        return -1;
    }
    if (rc)
        svm_inject_exception(v, X86_EXC_GP, true, 0);
    else
        svm_skip_instruction(v, in.len);
    return 0;
}

void guest_cr_write_exit(struct vcpu *v)
{
    const char *why = NULL;

    if (emulate_cr_write(v, &why))
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at rip 0x%lx", why,
                     (unsigned long)v->arch.vmcb->save.rip);
}

bool guest_cr_invalid_exit(struct vcpu *v)
{
    struct insn in;
    struct insn_regs regs;
    const char *why;

    /* Only a MOV to CR3 that the CPU would refuse, from a state VMRUN accepts: anything
     * else is a bad vCPU state, and #GP would not cure it. */
    if (cr3_reserved(v, v->arch.vmcb->save.cr3) ||
        guest_insn_fetch(v, &in, &why) != GUEST_INSN_OK || in.kind != INSN_MOV_TO_CR ||
        in.cr != 3)
        return false;
    guest_insn_load_regs(v, &regs);
    if (!cr3_reserved(v, insn_reg_read(&regs, in.reg, false, in.reg_size)))
        return false;
    svm_inject_exception(v, X86_EXC_GP, true, 0);
    return true;
}
