/* SPDX-License-Identifier: GPL-2.0-only */
/* Trapped MMIO: decode the guest instruction and complete it through a device model. */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/decode.h"
#include "arch/guest_walk.h"
#include "arch/mmio.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"

static int read_guest_ram(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return guest_read(opaque, buf, gpa, len);
}

static uint8_t guest_maxphyaddr(void)
{
    uint32_t r[4];
    cpuid_count(0x80000008, 0, r);
    return (uint8_t)(r[0] & 0xff);
}

static void load_regs(const struct vcpu *v, struct insn_regs *r)
{
    const struct guest_regs *g = &v->arch.regs;
    const struct vmcb_save *s = &v->arch.vmcb->save;
    const uint64_t gpr[16] = {s->rax, g->rcx, g->rdx, g->rbx, s->rsp, g->rbp, g->rsi, g->rdi,
                              g->r8,  g->r9,  g->r10, g->r11, g->r12, g->r13, g->r14, g->r15};
    memcpy(r->gpr, gpr, sizeof(gpr));
    r->rip = s->rip;
}

static void store_regs(struct vcpu *v, const struct insn_regs *r)
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

static void inject_page_fault(struct vcpu *v, const struct guest_fault *f)
{
    v->arch.vmcb->save.cr2 = f->addr;
    svm_inject_exception(v, X86_EXC_PF, true, f->error);
}

int mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops, const char **why)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_paging pg = {s->cr0, s->cr3, s->cr4, s->efer, s->rflags, guest_maxphyaddr()};
    struct guest_mem mem = {read_guest_ram, v->dom};
    struct guest_fault fault;
    uint8_t bytes[INSN_MAX_LEN];
    size_t n = 0;
    struct insn in;

    if (!(s->cr0 & X86_CR0_PE)) {
        *why = "MMIO access from real mode";
        return -1;
    }
    enum cpu_mode mode = (s->efer & EFER_LMA) && (s->cs.attrib & (1u << 9)) ? CPU_MODE_64
                                                                             : CPU_MODE_32;
    int rc = guest_fetch(&pg, &mem, s->cs.base + s->rip, s->cpl == 3, bytes, &n, &fault);
    if (n == 0) {
        if (rc == GUEST_WALK_PAGE_FAULT) {
            inject_page_fault(v, &fault);
            return 0;
        }
        *why = "cannot fetch the MMIO instruction";
        return -1;
    }
    int len = insn_decode(bytes, n, mode, &in);
    if (len == -INSN_E_TRUNCATED && rc == GUEST_WALK_PAGE_FAULT) {
        inject_page_fault(v, &fault);
        return 0;
    }
    if (len == -INSN_E_TOO_LONG || len == -INSN_E_UNDEFINED) {
        svm_inject_exception(v, len == -INSN_E_TOO_LONG ? X86_EXC_GP : X86_EXC_UD,
                             len == -INSN_E_TOO_LONG, 0);
        return 0;
    }
    if (len < 0 || (in.kind != INSN_LOAD && in.kind != INSN_STORE)) {
        *why = "MMIO access by an instruction hv does not emulate";
        return -1;
    }
    if ((gpa & (PAGE_SIZE - 1)) + in.mem_size > PAGE_SIZE) {
        *why = "MMIO access crossing a page";
        return -1;
    }

    struct insn_regs regs;
    load_regs(v, &regs);
    if (in.kind == INSN_LOAD) {
        uint64_t val;
        if (ops->read(v, gpa, in.mem_size, &val)) {
            *why = "MMIO read refused by the device";
            return -1;
        }
        insn_complete_load(&in, &regs, val);
        store_regs(v, &regs);
    } else if (ops->write(v, gpa, in.mem_size, insn_source_value(&in, &regs))) {
        *why = "MMIO write refused by the device";
        return -1;
    }
    svm_skip_instruction(v, (unsigned)len);
    return 0;
}
