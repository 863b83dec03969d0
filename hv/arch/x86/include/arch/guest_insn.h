/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's current instruction, for the exits hv completes by emulation (MMIO, string
 * port I/O, control-register writes): fetch and decode it through the guest's own page
 * tables, reach its memory operands, and move its registers to and from the decoder's
 * view. With no decode assists under QEMU, every such exit starts here.
 */
#ifndef HV_ARCH_GUEST_INSN_H
#define HV_ARCH_GUEST_INSN_H

#include "arch/decode.h"
#include "arch/guest_walk.h"

struct vcpu;
struct mmio_ops;

/* String elements one exit does at most (MMIO and port strings): bounds an exit's work. */
#define GUEST_INSN_STRING_BUDGET 1024u

/* The values are the exit handlers' own (0 resume, -1 crash), so a caller can pass any
 * result but OK straight on. */
enum guest_insn_result {
    GUEST_INSN_FAILED = -1, /* hv cannot go on (why says so): crash the domain */
    GUEST_INSN_FAULTED = 0, /* the guest got the exception the CPU would raise: resume it */
    GUEST_INSN_OK = 1,      /* *in holds the decoded instruction */
};

/* Fetches and decodes the instruction at CS:RIP. */
enum guest_insn_result guest_insn_fetch(struct vcpu *v, struct insn *in, const char **why);
/* The guest's paging state and memory, for walks of its linear addresses. */
void guest_insn_paging(const struct vcpu *v, struct guest_paging *pg, struct guest_mem *mem);
/* The decoder's CPU mode for the vCPU's code segment. */
enum cpu_mode guest_insn_mode(const struct vcpu *v);
/* The vCPU's registers in the decoder's layout, and back. */
void guest_insn_load_regs(const struct vcpu *v, struct insn_regs *r);
void guest_insn_store_regs(struct vcpu *v, const struct insn_regs *r);
/* Base of segment register `seg` (enum insn_seg). */
uint64_t guest_insn_seg_base(const struct vcpu *v, unsigned seg);
/* Raises the exception a failed walk of a guest address calls for: #PF with CR2, or #GP
 * (#SS for the stack segment) for a non-canonical address. Returns GUEST_INSN_FAULTED, or
 * GUEST_INSN_FAILED (with why) when the address is not guest RAM. */
enum guest_insn_result guest_insn_raise(struct vcpu *v, int walk_rc, const struct guest_fault *f,
                                        unsigned seg, const char **why);

/* What the current instruction reaches besides guest RAM. */
struct guest_insn_devices {
    const struct mmio_ops *mmio; /* memory that is not RAM; NULL: none (the domain crashes) */
    uint64_t npf_gpa;            /* the NPF's address: the operand of a one-operand
                                  * instruction, reached without a walk; ~0 if no NPF */
    uint16_t port;               /* INS/OUTS: the port the exit names */
    uint64_t (*port_read)(struct vcpu *v, uint16_t port, unsigned size);
    void (*port_write)(struct vcpu *v, uint16_t port, unsigned size, uint64_t val);
};

/*
 * Executes the decoded instruction (insn_exec.c) on the vCPU, its memory operands
 * reached through the guest's page tables: RIP moves past it when it completes and stays
 * when a string needs another exit (GUEST_INSN_STRING_BUDGET elements each); a fault is
 * injected with the registers showing the elements done. Returns 0 to resume the guest,
 * -1 with *why set when the domain must be crashed.
 */
int guest_insn_execute(struct vcpu *v, const struct insn *in, const struct guest_insn_devices *dev,
                       const char **why);

#endif
