/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's current instruction: fetch, decode, registers (arch/guest_insn.h). */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"

static int read_guest_ram(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return guest_read(opaque, buf, gpa, len);
}

static int write_guest_ram(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return guest_write(opaque, gpa, buf, len);
}

static uint8_t guest_maxphyaddr(void)
{
    uint32_t r[4];
    cpuid_count(0x80000008, 0, r);
    return (uint8_t)(r[0] & 0xff);
}

void guest_insn_paging(const struct vcpu *v, struct guest_paging *pg, struct guest_mem *mem)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;

    *pg = (struct guest_paging){s->cr0, s->cr3, s->cr4, s->efer, s->rflags, guest_maxphyaddr()};
    *mem = (struct guest_mem){read_guest_ram, write_guest_ram, v->dom};
}

enum cpu_mode guest_insn_mode(const struct vcpu *v)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;

    if (!(s->cr0 & X86_CR0_PE) || (s->rflags & (1ull << 17))) /* real or virtual-8086 */
        return CPU_MODE_16;
    if ((s->efer & EFER_LMA) && (s->cs.attrib & (1u << 9))) /* CS.L */
        return CPU_MODE_64;
    return s->cs.attrib & (1u << 10) ? CPU_MODE_32 : CPU_MODE_16; /* CS.D */
}

uint64_t guest_insn_seg_base(const struct vcpu *v, unsigned seg)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    const struct vmcb_seg *segs[] = {&s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs};

    if (seg > SEG_GS)
        return 0;
    /* In 64-bit mode only FS and GS have a base. */
    if (guest_insn_mode(v) == CPU_MODE_64 && seg < SEG_FS)
        return 0;
    return segs[seg]->base;
}

void guest_insn_load_regs(const struct vcpu *v, struct insn_regs *r)
{
    const struct guest_regs *g = &v->arch.regs;
    const struct vmcb_save *s = &v->arch.vmcb->save;
    const uint64_t gpr[16] = {s->rax, g->rcx, g->rdx, g->rbx, s->rsp, g->rbp, g->rsi, g->rdi,
                              g->r8,  g->r9,  g->r10, g->r11, g->r12, g->r13, g->r14, g->r15};
    memcpy(r->gpr, gpr, sizeof(gpr));
    r->rip = s->rip;
}

void guest_insn_store_regs(struct vcpu *v, const struct insn_regs *r)
{
    struct guest_regs *g = &v->arch.regs;
    struct vmcb_save *s = &v->arch.vmcb->save;
    s->rax = r->gpr[GPR_RAX], g->rcx = r->gpr[GPR_RCX], g->rdx = r->gpr[GPR_RDX];
    g->rbx = r->gpr[GPR_RBX], s->rsp = r->gpr[GPR_RSP], g->rbp = r->gpr[GPR_RBP];
    g->rsi = r->gpr[GPR_RSI], g->rdi = r->gpr[GPR_RDI], g->r8 = r->gpr[GPR_R8];
    g->r9 = r->gpr[GPR_R9], g->r10 = r->gpr[GPR_R10], g->r11 = r->gpr[GPR_R11];
    g->r12 = r->gpr[GPR_R12], g->r13 = r->gpr[GPR_R13], g->r14 = r->gpr[GPR_R14];
    g->r15 = r->gpr[GPR_R15];
}

enum guest_insn_result guest_insn_raise(struct vcpu *v, int walk_rc,
                                        const struct guest_fault *f, unsigned seg,
                                        const char **why)
{
    switch (walk_rc) {
    case GUEST_WALK_PAGE_FAULT:
        v->arch.vmcb->save.cr2 = f->addr;
        svm_inject_exception(v, X86_EXC_PF, true, f->error);
        return GUEST_INSN_FAULTED;
    case GUEST_WALK_NONCANONICAL:
        svm_inject_exception(v, seg == SEG_SS ? X86_EXC_SS : X86_EXC_GP, true, 0);
        return GUEST_INSN_FAULTED;
    default:
        *why = "guest memory operand is not RAM";
        return GUEST_INSN_FAILED;
    }
}

enum guest_insn_result guest_insn_fetch(struct vcpu *v, struct insn *in, const char **why)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_paging pg;
    struct guest_mem mem;
    struct guest_fault fault;
    uint8_t bytes[INSN_MAX_LEN];
    size_t n = 0;
    enum cpu_mode mode = guest_insn_mode(v);

    guest_insn_paging(v, &pg, &mem);
    int rc = guest_fetch(&pg, &mem, s->cs.base + s->rip, s->cpl == 3, bytes, &n, &fault);
    if (n == 0) {
        if (rc == GUEST_WALK_PAGE_FAULT || rc == GUEST_WALK_NONCANONICAL)
            return guest_insn_raise(v, rc, &fault, SEG_CS, why);
        *why = "cannot fetch the instruction";
        return GUEST_INSN_FAILED;
    }
    int len = insn_decode(bytes, n, mode, in);
    if (len == -INSN_E_TRUNCATED && rc != GUEST_WALK_OK && rc != GUEST_WALK_NOT_RAM)
        return guest_insn_raise(v, rc, &fault, SEG_CS, why);
    if (len == -INSN_E_TOO_LONG || len == -INSN_E_UNDEFINED) {
        svm_inject_exception(v, len == -INSN_E_TOO_LONG ? X86_EXC_GP : X86_EXC_UD,
                             len == -INSN_E_TOO_LONG, 0);
        return GUEST_INSN_FAULTED;
    }
    if (len < 0) {
        *why = "an instruction hv does not emulate";
        return GUEST_INSN_FAILED;
    }
    return GUEST_INSN_OK;
}
