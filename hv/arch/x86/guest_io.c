/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest port I/O exits: IN/OUT and the string forms INS/OUTS, with REP, completed as the
 * CPU completes them. String forms are executed by guest_insn_execute() (insn_exec.c),
 * as string MMIO is: through the guest's own page tables, rDI/rSI moved and rCX counted
 * down per element, #PF/#GP raised where hardware would with the registers showing the
 * elements done, at most GUEST_INSN_STRING_BUDGET elements per exit with RIP kept for
 * the rest, as after an interrupt. Platform domains reach their devices through
 * vplat_io.c; ports nothing emulates are an empty bus: reads give all ones, writes
 * vanish, and the first access to each is logged (guest_absent.c).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat_io.h"

/* IOIO exit_info_1 (APM vol. 2, 15.10.2). */
#define IOIO_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SIZE(i) (((i) >> 4) & 7u)   /* 1, 2 or 4 bytes */
#define IOIO_ASIZE(i) (((i) >> 7) & 7u)  /* 1: 16-bit, 2: 32-bit, 4: 64-bit addresses */
#define IOIO_PORT(i) ((uint16_t)((i) >> 16))

static uint64_t port_read(struct vcpu *v, uint16_t port, unsigned size)
{
    uint32_t val;

    if (v->dom->platform && vplat_io_read(v, port, size, &val))
        return val & insn_size_mask(size);
    guest_absent_note(v->dom, ABSENT_PORT, port, false);
    return insn_size_mask(size); /* nothing answers: an empty bus */
}

static void port_write(struct vcpu *v, uint16_t port, unsigned size, uint64_t val)
{
    if (v->dom->platform && vplat_io_write(v, port, size, (uint32_t)val))
        return;
    guest_absent_note(v->dom, ABSENT_PORT, port, true);
}

/* INS/OUTS: the decoder gives the segment (overrides) and element size, the exit the
 * port; guest_insn_execute() does the elements, GUEST_INSN_STRING_BUDGET per exit. */
static int string_io(struct vcpu *v, uint64_t info, const char **why)
{
    struct guest_insn_devices dev = {.npf_gpa = ~0ull, .port = IOIO_PORT(info),
                                     .port_read = port_read, .port_write = port_write};
    struct insn in;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    if (in.kind != INSN_INS && in.kind != INSN_OUTS) {
        *why = "string I/O exit for an instruction that is not INS/OUTS";
        return -1;
    }
    return guest_insn_execute(v, &in, &dev, why);
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
