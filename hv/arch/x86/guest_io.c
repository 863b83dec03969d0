/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest port I/O exits: IN/OUT and the string forms INS/OUTS, with REP, completed as the
 * CPU completes them. String forms go through the guest's own page tables, move rDI/rSI
 * and count rCX down per element, and raise #PF/#GP where hardware would, with the
 * registers showing the elements done and RIP still on the instruction. One exit does at
 * most IO_STRING_BUDGET elements; the guest re-executes the instruction for the rest, as
 * after an interrupt. Ports nothing emulates are an empty bus: reads give all ones,
 * writes vanish.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

#define IO_STRING_BUDGET 1024u /* elements per exit: bounds the work of one exit */

/* IOIO exit_info_1 (APM vol. 2, 15.10.2). */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SIZE(i) (((i) >> 4) & 7u)   /* 1, 2 or 4 bytes */
#define IOIO_ASIZE(i) (((i) >> 7) & 7u)  /* 1: 16-bit, 2: 32-bit, 4: 64-bit addresses */
#define IOIO_PORT(i) ((uint16_t)((i) >> 16))
#define RFLAGS_DF (1ull << 10)

static uint64_t port_read(struct vcpu *v, uint16_t port, unsigned size)
{
    uint32_t val;

    if (!v->dom->arch.plat)
        return insn_size_mask(size); /* nothing answers: an empty bus */
    if (vplat_io_read(v, port, size, &val))
        return val & insn_size_mask(size);
    vplat_note_absent(v, VPLAT_ABSENT_PORT, port);
    return insn_size_mask(size);
}

static void port_write(struct vcpu *v, uint16_t port, unsigned size, uint64_t val)
{
    if (v->dom->arch.plat && !vplat_io_write(v, port, size, (uint32_t)val))
        vplat_note_absent(v, VPLAT_ABSENT_PORT, port);
}

/* One string element: INS stores the port's value at ES:[rDI], OUTS sends seg:[rSI]. */
static int string_element(struct vcpu *v, const struct insn *in, uint16_t port, uint64_t linear,
                          struct guest_fault *fault)
{
    struct guest_paging pg;
    struct guest_mem mem;
    bool user = v->arch.vmcb->save.cpl == 3;
    uint64_t val = 0;
    size_t copied;

    guest_insn_paging(v, &pg, &mem);
    if (in->kind == INSN_INS) {
        val = port_read(v, port, in->mem_size);
        return guest_write_linear(&pg, &mem, linear, user, &val, in->mem_size, fault);
    }
    int rc = guest_read_linear(&pg, &mem, linear, user ? GUEST_ACCESS_USER : 0, &val,
                               in->mem_size, &copied, fault);
    if (!rc)
        port_write(v, port, in->mem_size, val);
    return rc;
}

/* INS/OUTS: the decoder gives the segment (overrides) and element size; the exit gives
 * the port and the next RIP. */
static int string_io(struct vcpu *v, uint64_t info, const char **why)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct insn in;
    struct insn_regs regs;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    if (in.kind != INSN_INS && in.kind != INSN_OUTS) {
        *why = "string I/O exit for an instruction that is not INS/OUTS";
        return -1;
    }
    guest_insn_load_regs(v, &regs);
    unsigned asize = in.addr_size, index = in.kind == INSN_INS ? GPR_RDI : GPR_RSI;
    uint64_t mask = insn_size_mask(asize), base = guest_insn_seg_base(v, in.seg);
    uint64_t count = in.rep_prefix ? regs.gpr[GPR_RCX] & mask : 1;
    int64_t step = vmcb->save.rflags & RFLAGS_DF ? -(int64_t)in.mem_size : in.mem_size;
    uint16_t port = IOIO_PORT(info);

    for (unsigned done = 0; count; done++) {
        if (done == IO_STRING_BUDGET) {
            guest_insn_store_regs(v, &regs); /* RIP stays: the guest re-executes */
            return 0;
        }
        struct guest_fault fault;
        uint64_t off = regs.gpr[index] & mask;
        int rc = string_element(v, &in, port, base + off, &fault);
        if (rc) {
            guest_insn_store_regs(v, &regs); /* the elements done so far stay done */
            return guest_insn_raise(v, rc, &fault, in.seg, why);
        }
        insn_reg_write(&regs, index, false, asize, off + (uint64_t)step);
        count--;
        if (in.rep_prefix)
            insn_reg_write(&regs, GPR_RCX, false, asize, count);
    }
    guest_insn_store_regs(v, &regs);
    vmcb->save.rip = vmcb->control.exit_info_2;
    vmcb->control.int_state &= ~1ull;
    return 0;
}

void guest_io_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t info = vmcb->control.exit_info_1;
    unsigned size = IOIO_SIZE(info);
    const char *why = NULL;

    if (info & IOIO_STR) {
        if (string_io(v, info, &why))
            domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at rip 0x%lx", why,
                         (unsigned long)vmcb->save.rip);
        return;
    }
    if (info & IOIO_IN) {
        uint64_t mask = insn_size_mask(size), val = port_read(v, IOIO_PORT(info), size);
        /* 8- and 16-bit INs leave the rest of RAX; 32-bit ones zero its top half. */
        vmcb->save.rax = size == 4 ? (uint32_t)val : (vmcb->save.rax & ~mask) | (val & mask);
    } else {
        port_write(v, IOIO_PORT(info), size, vmcb->save.rax & insn_size_mask(size));
    }
    vmcb->save.rip = vmcb->control.exit_info_2; /* IOIO exits always carry the next RIP */
    vmcb->control.int_state &= ~1ull;
}
