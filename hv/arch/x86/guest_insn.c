/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's current instruction: fetch, decode, registers, and its execution with
 * operands in RAM, devices and ports (arch/guest_insn.h). */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/insn_exec.h"
#include "arch/mmio.h"
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

enum guest_insn_result guest_insn_raise(struct vcpu *v, int walk_rc, const struct guest_fault *f,
                                        unsigned seg, const char **why)
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

/* ---- executing the instruction: its operands in RAM, devices and ports ------------- */

#define OPERAND_REFUSED (-100) /* an access hv will not do: why says which */
#define OPERAND_RETRY (-101)   /* the device answers later: execute the instruction again */

/* One exit's view of the instruction's operands, for insn_execute()'s callbacks. */
struct operands {
    struct vcpu *v;
    const struct guest_insn_devices *dev;
    bool one_operand; /* not a memory-to-memory string: the NPF was the operand's */
    struct guest_paging pg;
    struct guest_mem mem;
    bool user;
    struct guest_fault fault; /* of the walk that failed */
    unsigned fault_seg;
    const char *why;
};

/* Translates the operand; 0 with *gpa and *ram set, or the walk's error. */
static int translate(struct operands *o, unsigned seg, uint64_t offset, bool write,
                     uint64_t *linear, uint64_t *gpa, bool *ram)
{
    unsigned access = (write ? GUEST_ACCESS_WRITE : 0) | (o->user ? GUEST_ACCESS_USER : 0);

    *linear = guest_insn_seg_base(o->v, seg) + offset;
    o->fault_seg = seg;
    /* The operand of a one-operand instruction is where the NPF was: no walk (dom0's
     * APIC writes come here on every EOI). */
    if (o->one_operand && !((*linear ^ o->dev->npf_gpa) & (PAGE_SIZE - 1))) {
        *gpa = o->dev->npf_gpa;
        *ram = false;
        return 0;
    }
    int rc = guest_walk(&o->pg, &o->mem, *linear, access, gpa, &o->fault);
    *ram = !rc && !guest_check(o->v->dom, *gpa, 1, false);
    return rc;
}

/* A device access: within one page, and the device must accept it. */
static int device_access(struct operands *o, uint64_t gpa, unsigned size, uint64_t *val, bool write)
{
    const struct mmio_ops *ops = o->dev->mmio;

    if (!ops)
        return GUEST_WALK_NOT_RAM;
    if ((gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE) {
        o->why = "MMIO access crossing a page";
        return OPERAND_REFUSED;
    }
    int rc = write ? ops->write(o->v, gpa, size, *val) : ops->read(o->v, gpa, size, val);
    if (rc == MMIO_RETRY)
        return OPERAND_RETRY;
    if (rc) {
        o->why = write ? "MMIO write refused by the device" : "MMIO read refused by the device";
        return OPERAND_REFUSED;
    }
    return 0;
}

static int operand_read(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t *val)
{
    struct operands *o = ctx;
    uint64_t linear, gpa;
    size_t copied;
    bool ram;
    int rc = translate(o, seg, offset, false, &linear, &gpa, &ram);

    if (rc)
        return rc;
    if (!ram)
        return device_access(o, gpa, size, val, false);
    *val = 0;
    return guest_read_linear(&o->pg, &o->mem, linear, o->user ? GUEST_ACCESS_USER : 0, val, size,
                             &copied, &o->fault);
}

static int operand_write(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t val)
{
    struct operands *o = ctx;
    uint64_t linear, gpa;
    bool ram;
    int rc = translate(o, seg, offset, true, &linear, &gpa, &ram);

    if (rc)
        return rc;
    if (!ram)
        return device_access(o, gpa, size, &val, true);
    return guest_write_linear(&o->pg, &o->mem, linear, o->user, &val, size, &o->fault);
}

static int port_in(void *ctx, unsigned size, uint64_t *val)
{
    struct operands *o = ctx;

    *val = o->dev->port_read(o->v, o->dev->port, size);
    return 0;
}

static int port_out(void *ctx, unsigned size, uint64_t val)
{
    struct operands *o = ctx;

    o->dev->port_write(o->v, o->dev->port, size, val);
    return 0;
}

int guest_insn_execute(struct vcpu *v, const struct insn *in, const struct guest_insn_devices *dev,
                       const char **why)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct operands o = {.v = v, .dev = dev, .user = vmcb->save.cpl == 3};
    struct insn_exec_mem mem = {operand_read, operand_write, dev->port_read ? port_in : NULL,
                                dev->port_write ? port_out : NULL, &o};
    struct insn_regs regs;

    bool string = in->kind == INSN_STOS || in->kind == INSN_MOVS;
    if (string && dev->mmio && dev->mmio->no_strings) {
        *why = "a string instruction on device-model MMIO";
        return -1;
    }
    o.one_operand = !string && dev->npf_gpa != ~0ull;
    guest_insn_paging(v, &o.pg, &o.mem);
    guest_insn_load_regs(v, &regs);
    int rc = insn_execute(in, &regs, &vmcb->save.rflags, &mem, GUEST_INSN_STRING_BUDGET);
    guest_insn_store_regs(v, &regs); /* a fault mid-string keeps the elements done */
    if (rc == INSN_EXEC_DONE) {
        svm_skip_instruction(v, in->len);
        return 0;
    }
    if (rc == INSN_EXEC_MORE || rc == OPERAND_RETRY)
        return 0; /* RIP stays: the guest executes it again for the rest */
    if (rc == INSN_EXEC_UNSUPPORTED || rc == OPERAND_REFUSED) {
        *why = rc == OPERAND_REFUSED ? o.why : "an instruction hv does not emulate here";
        return -1;
    }
    return guest_insn_raise(v, rc, &o.fault, o.fault_seg, why);
}
