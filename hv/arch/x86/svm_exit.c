/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * #VMEXIT handling for domU vCPUs. A guest can only ever hurt itself: anything hv cannot
 * emulate crashes the domain (never hv), and every event in flight at the exit is
 * re-injected so that no interrupt or exception is lost.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/hypercall.h"
#include "hv/log_dirty.h"
#include "hv/mm.h"
#include "hv/sched.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/mmio.h"
#include "arch/npt.h"
#include "arch/svm.h"
#include "arch/svm_exit_kind.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

void svm_skip_instruction(struct vcpu *v, unsigned len)
{
    struct vmcb *vmcb = v->arch.vmcb;

    if (cpu_features.nrips && vmcb->control.next_rip)
        vmcb->save.rip = vmcb->control.next_rip;
    else
        vmcb->save.rip += len;
    vmcb->control.int_state &= ~1ull; /* the instruction retired: no STI/MOV SS shadow */
}

void svm_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
    uint64_t ev = vector | SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_VALID;
    if (has_error)
        ev |= SVM_EVTINJ_VALID_ERR | ((uint64_t)error << 32);
    v->arch.vmcb->control.event_inj = ev;
}

static void handle_vmmcall(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct guest_regs *r = &v->arch.regs;
    const uint64_t args[5] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8};

    /* Skip first: a call that blocks resumes after VMMCALL. */
    svm_skip_instruction(v, 3);
    if (vmcb->save.cpl != 0) {
        vmcb->save.rax = (uint64_t)-VIREO_EPERM;
        return;
    }
    vmcb->save.rax = (uint64_t)hypercall_dispatch(v, vmcb->save.rax, args);
}

static void handle_cpuid(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint32_t out[4];

    guest_cpuid(v, (uint32_t)vmcb->save.rax, (uint32_t)v->arch.regs.rcx, out);
    vmcb->save.rax = out[0];
    v->arch.regs.rbx = out[1];
    v->arch.regs.rcx = out[2];
    v->arch.regs.rdx = out[3];
    svm_skip_instruction(v, 2);
}

static void handle_msr(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint32_t msr = (uint32_t)v->arch.regs.rcx;
    uint64_t val;

    if (vmcb->control.exit_info_1 == 0) {
        if (guest_rdmsr(v, msr, &val)) {
            svm_inject_exception(v, X86_EXC_GP, true, 0);
            return;
        }
        vmcb->save.rax = (uint32_t)val;
        v->arch.regs.rdx = val >> 32;
    } else {
        val = (uint32_t)vmcb->save.rax | (v->arch.regs.rdx << 32);
        if (guest_wrmsr(v, msr, val)) {
            svm_inject_exception(v, X86_EXC_GP, true, 0);
            return;
        }
    }
    svm_skip_instruction(v, 2);
}

static void handle_xsetbv(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t val = (uint32_t)vmcb->save.rax | (v->arch.regs.rdx << 32);
    uint64_t ok = cpu_features.xcr0_supported;

    /* XCR0: x87 always on, nothing hv does not manage, AVX only with SSE. */
    if ((uint32_t)v->arch.regs.rcx != 0 || vmcb->save.cpl != 0 || !(val & 1) || (val & ~ok) ||
        ((val & 4) && !(val & 2))) {
        svm_inject_exception(v, X86_EXC_GP, true, 0);
        return;
    }
    v->arch.xcr0 = val;
    xsetbv(0, val);
    svm_skip_instruction(v, 3);
}

/*
 * EXITINTINFO as an EVENTINJ that VMRUN accepts. QEMU's TCG records an external interrupt
 * whose delivery a guest exit interrupted as an exception (type 3) with its vector, 32 or
 * above, which no exception has: injected back as such, VMRUN fails and the guest would be
 * crashed for a state it never had. It was an interrupt; it goes back as one.
 */
uint64_t svm_event_to_reinject(uint64_t exit_int_info)
{
    if (!(exit_int_info & SVM_EVTINJ_VALID))
        return 0;
    if ((exit_int_info & SVM_EVTINJ_TYPE_MASK) == SVM_EVTINJ_TYPE_EXC &&
        (exit_int_info & SVM_EVTINJ_VECTOR_MASK) >= 32)
        return SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR | (exit_int_info & SVM_EVTINJ_VECTOR_MASK);
    return exit_int_info;
}

static void handle_npf(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t gpa = vmcb->control.exit_info_2, err = vmcb->control.exit_info_1;
    const char *kind = err & NPF_FETCH ? "exec" : err & NPF_WRITE ? "write" : "read";
    const char *why = NULL;

    /* dom0's NPT maps all it may touch: a fault is its APIC page or memory hv hid. A
     * platform domain's fault outside RAM is one of its devices (vplat_mmio). */
    const struct mmio_ops *ops = NULL;
    if (v->dom->privileged)
        ops = ALIGN_DOWN(gpa, PAGE_SIZE) == APIC_DEFAULT_BASE ? &dom0_apic_ops : &dom0_open_bus_ops;
    if (ops && !(err & NPF_FETCH)) {
        if (!mmio_emulate(v, gpa, ops, &why))
            return;
        /* The exit's whole state in hv's log (the crash text is short): a dom0 that dies
         * here takes the node's toolstack along, and the next one must be explained. */
        hv_log("d%u npf: gpa 0x%lx error 0x%lx rip 0x%lx cpl %u cr0 0x%lx cr3 0x%lx efer 0x%lx "
               "exit_int_info 0x%lx",
               v->dom->id, (unsigned long)gpa, (unsigned long)err, (unsigned long)vmcb->save.rip,
               vmcb->save.cpl, (unsigned long)vmcb->save.cr0, (unsigned long)vmcb->save.cr3,
               (unsigned long)vmcb->save.efer, (unsigned long)vmcb->control.exit_int_info);
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at gpa 0x%lx rip 0x%lx", why,
                     (unsigned long)gpa, (unsigned long)vmcb->save.rip);
        return;
    }

    /* A write to a page the dirty log protected: logged, writable again, retried. */
    if ((err & NPF_WRITE) && log_dirty_write_fault(v->dom, gpa))
        return;
    if (v->dom->arch.plat && !(err & NPF_FETCH) && vplat_mmio(v, gpa))
        return;
    domain_crash(v->dom, VIREO_CRASH_BAD_MEMORY, "bad memory access at gpa 0x%lx (%s) rip 0x%lx",
                 (unsigned long)gpa, kind, (unsigned long)vmcb->save.rip);
}

void svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_control *c = &vmcb->control;
    uint32_t code = (uint32_t)c->exit_code;
    uint64_t *count = &v->exits[svm_exit_kind(code, c->exit_info_1)];

    __atomic_store_n(count, *count + 1, __ATOMIC_RELAXED); /* only this CPU writes it */

    /* hv's own page tables in dom0's saved state: the emulator took a second exit in hv,
     * right after a real one, and wrote hv's state over dom0's (seen rarely under QEMU's
     * TCG, at the VMSAVE after VMRUN). dom0's state is gone; say what the exit was rather
     * than run hv's state as dom0. */
    if (v->dom->privileged && vmcb->save.cr3 == hv_cr3) {
        hv_log("d0: hv's state in dom0's VMCB after exit 0x%x (info1 0x%lx info2 0x%lx "
               "intinfo 0x%lx rip 0x%lx): the emulator lost dom0's state",
               code, (unsigned long)c->exit_info_1, (unsigned long)c->exit_info_2,
               (unsigned long)c->exit_int_info, (unsigned long)vmcb->save.rip);
        domain_crash(v->dom, VIREO_CRASH_INVALID_STATE, "dom0's state lost after exit 0x%x",
                     code);
        return;
    }

    /* An event whose delivery the exit interrupted must be delivered again. */
    c->event_inj = svm_event_to_reinject(c->exit_int_info);

    switch (code) {
    case SVM_EXIT_INTR:
    case SVM_EXIT_NMI:
    case SVM_EXIT_SMI:
    case SVM_EXIT_INIT:
        return; /* taken by hv once GIF is set again */
    case SVM_EXIT_VMMCALL:
        handle_vmmcall(v);
        return;
    case SVM_EXIT_CPUID:
        handle_cpuid(v);
        return;
    case SVM_EXIT_MSR:
        handle_msr(v);
        return;
    case SVM_EXIT_IOIO:
        guest_io_exit(v);
        return;
    case SVM_EXIT_WRITE_CR0:
    case SVM_EXIT_WRITE_CR4:
        guest_cr_write_exit(v);
        return;
    case SVM_EXIT_HLT:
        if (v->dom->arch.plat) {
            virq_halt(v);
            return;
        }
        svm_skip_instruction(v, 1);
        sched_block(v, 0);
        return;
    case SVM_EXIT_VINTR:
        virq_window_exit(v);
        return;
    case SVM_EXIT_INVD:
        svm_skip_instruction(v, 2); /* dropping caches would break coherence: treat as WBINVD */
        return;
    case SVM_EXIT_XSETBV:
        handle_xsetbv(v);
        return;
    case SVM_EXIT_NPF:
        handle_npf(v);
        return;
    case SVM_EXIT_SHUTDOWN:
        hv_log("d%u vCPU %u triple fault: cs=%x:%lx cr0=%lx cr3=%lx cr4=%lx efer=%lx rsp=%lx "
               "exitintinfo=%lx", v->dom->id, v->id, vmcb->save.cs.selector,
               (unsigned long)vmcb->save.rip, (unsigned long)vmcb->save.cr0,
               (unsigned long)vmcb->save.cr3, (unsigned long)vmcb->save.cr4,
               (unsigned long)vmcb->save.efer, (unsigned long)vmcb->save.rsp,
               (unsigned long)c->exit_int_info);
        domain_crash(v->dom, VIREO_CRASH_TRIPLE_FAULT, "triple fault rip 0x%lx",
                     (unsigned long)vmcb->save.rip);
        return;
    case SVM_EXIT_EXCP_BASE + X86_EXC_DB:
    case SVM_EXIT_EXCP_BASE + X86_EXC_AC:
        /* Intercepted only so a guest cannot wedge the CPU in a delivery loop. */
        svm_inject_exception(v, code - SVM_EXIT_EXCP_BASE, code == SVM_EXIT_EXCP_BASE + X86_EXC_AC,
                             0);
        return;
    case SVM_EXIT_VMRUN:
    case SVM_EXIT_VMLOAD:
    case SVM_EXIT_VMSAVE:
    case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI:
    case SVM_EXIT_SKINIT:
    case SVM_EXIT_MONITOR:
    case SVM_EXIT_MWAIT:
    case SVM_EXIT_MWAIT_COND:
    case SVM_EXIT_RDPRU:
        /* CPUID tells the guest these do not exist. */
        svm_inject_exception(v, X86_EXC_UD, false, 0);
        return;
    case SVM_EXIT_INVALID:
        /* QEMU's answer to a MOV to CR3 with reserved bits, where a CPU raises #GP. */
        if (guest_cr_invalid_exit(v))
            return;
        domain_crash(v->dom, VIREO_CRASH_INVALID_STATE, "VMRUN refused the vCPU state (vcpu %u)",
                     v->id);
        return;
    default:
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "unhandled exit 0x%x rip 0x%lx", code,
                     (unsigned long)vmcb->save.rip);
        return;
    }
}
