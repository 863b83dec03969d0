/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trapped MMIO: decode the guest instruction and execute it (insn_exec.c), its operands
 * reached through the guest's page tables: guest RAM directly, anything else through the
 * device model. So a string move may have MMIO on either side, and a REP string is done
 * at most MMIO_STRING_BUDGET elements per exit with RIP kept, like string port I/O.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/insn_exec.h"
#include "arch/mmio.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"

#define MMIO_STRING_BUDGET 1024u /* elements per exit: bounds the work of one exit */
#define MMIO_REFUSED (-100)      /* an access hv will not do: why says which */

/* One exit's view of memory, for insn_execute()'s callbacks. */
struct mmio_exit {
    struct vcpu *v;
    const struct mmio_ops *ops;
    uint64_t npf_gpa; /* where the exit says the access faulted */
    bool one_operand; /* not a string: the faulting access is the operand's */
    struct guest_paging pg;
    struct guest_mem mem;
    bool user;
    struct guest_fault fault; /* of the walk that failed */
    unsigned fault_seg;
    const char *why;
};

/* Translates the operand; 0 with *gpa and *ram set, or the walk's error. */
static int translate(struct mmio_exit *x, unsigned seg, uint64_t offset, bool write,
                     uint64_t *linear, uint64_t *gpa, bool *ram)
{
    unsigned access = (write ? GUEST_ACCESS_WRITE : 0) | (x->user ? GUEST_ACCESS_USER : 0);

    *linear = guest_insn_seg_base(x->v, seg) + offset;
    /* The operand of a one-operand instruction is where the exit faulted: no walk (dom0's
     * APIC writes come here on every EOI). */
    if (x->one_operand && !((*linear ^ x->npf_gpa) & (PAGE_SIZE - 1))) {
        *gpa = x->npf_gpa;
        *ram = false;
        return 0;
    }
    int rc = guest_walk(&x->pg, &x->mem, *linear, access, gpa, &x->fault);
    if (rc) {
        x->fault_seg = seg;
        return rc;
    }
    *ram = !guest_check(x->v->dom, *gpa, 1, false);
    return 0;
}

/* A device access: within one page, and the device must accept it. */
static int device_access(struct mmio_exit *x, uint64_t gpa, unsigned size, uint64_t *val,
                         bool write)
{
    if ((gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE) {
        x->why = "MMIO access crossing a page";
        return MMIO_REFUSED;
    }
    if (write ? x->ops->write(x->v, gpa, size, *val) : x->ops->read(x->v, gpa, size, val)) {
        x->why = write ? "MMIO write refused by the device" : "MMIO read refused by the device";
        return MMIO_REFUSED;
    }
    return 0;
}

static int operand_read(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t *val)
{
    struct mmio_exit *x = ctx;
    uint64_t linear, gpa;
    size_t copied;
    bool ram;
    int rc = translate(x, seg, offset, false, &linear, &gpa, &ram);

    if (rc)
        return rc;
    if (!ram)
        return device_access(x, gpa, size, val, false);
    *val = 0;
    rc = guest_read_linear(&x->pg, &x->mem, linear, x->user ? GUEST_ACCESS_USER : 0, val, size,
                           &copied, &x->fault);
    x->fault_seg = seg;
    return rc;
}

static int operand_write(void *ctx, unsigned seg, uint64_t offset, unsigned size, uint64_t val)
{
    struct mmio_exit *x = ctx;
    uint64_t linear, gpa;
    bool ram;
    int rc = translate(x, seg, offset, true, &linear, &gpa, &ram);

    if (rc)
        return rc;
    if (!ram)
        return device_access(x, gpa, size, &val, true);
    x->fault_seg = seg;
    return guest_write_linear(&x->pg, &x->mem, linear, x->user, &val, size, &x->fault);
}

int mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops, const char **why)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct mmio_exit x = {.v = v, .ops = ops, .npf_gpa = gpa, .user = vmcb->save.cpl == 3};
    struct insn_exec_mem mem = {operand_read, operand_write, &x};
    struct insn_regs regs;
    struct insn in;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    x.one_operand = in.kind != INSN_STOS && in.kind != INSN_MOVS;
    guest_insn_paging(v, &x.pg, &x.mem);
    guest_insn_load_regs(v, &regs);
    int rc = insn_execute(&in, &regs, &vmcb->save.rflags, &mem, MMIO_STRING_BUDGET);
    guest_insn_store_regs(v, &regs); /* a fault mid-string keeps the elements done */
    if (rc == INSN_EXEC_DONE) {
        svm_skip_instruction(v, in.len);
        return 0;
    }
    if (rc == INSN_EXEC_MORE)
        return 0; /* RIP stays: the guest executes it again for the rest */
    if (rc == INSN_EXEC_UNSUPPORTED || rc == MMIO_REFUSED) {
        *why = rc == MMIO_REFUSED ? x.why : "MMIO access by an instruction hv does not emulate";
        return -1;
    }
    return guest_insn_raise(v, rc, &x.fault, x.fault_seg, why);
}
