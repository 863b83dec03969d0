/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt delivery to platform vCPUs. Before each VMRUN the vLAPIC timer is brought up
 * to date, the physical timer armed for its next deadline, and the highest deliverable
 * vector injected through EVENTINJ if the guest can take it now (RFLAGS.IF set, no
 * interrupt shadow, no event already being injected). If it cannot, a virtual interrupt
 * (V_IRQ, ignoring V_TPR) with the VINTR intercept makes the CPU exit the moment the
 * guest opens its window; the vector itself still goes through EVENTINJ, so the vLAPIC
 * stays the one place that decides what is pending (priority, TPR, ISR).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/sched.h"
#include "hv/time.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

#define NMI_VECTOR 2

static void request_window(struct vmcb_control *c, bool on)
{
    if (on) {
        c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO(0xf) | SVM_INT_CTL_V_IGN_TPR;
        c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
    } else {
        c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO(0xf) | SVM_INT_CTL_V_IGN_TPR);
        c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
    }
}

void virq_before_entry(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_control *c = &vmcb->control;

    vuart_poll_input(v->dom);
    sched_guest_timer(vlapic_timer_update(v, hv_now_ns()));
    request_window(c, false);
    if (c->event_inj & SVM_EVTINJ_VALID) {
        /* An exception or a re-injected event goes first; come back for the rest. */
        if (vlapic_pending_vector(v) >= 0)
            request_window(c, true);
        return;
    }
    if (vlapic_nmi_take(v)) {
        c->event_inj = NMI_VECTOR | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
        return;
    }
    int vec = vlapic_pending_vector(v);
    if (vec < 0)
        return;
    if ((vmcb->save.rflags & X86_RFLAGS_IF) && !(c->int_state & 1)) {
        vlapic_accept(v, (uint8_t)vec);
        c->event_inj = (uint64_t)vec | SVM_EVTINJ_TYPE_INTR | SVM_EVTINJ_VALID;
        vlapic_of(v)->injected_rip = vmcb->save.rip;
    } else {
        request_window(c, true);
    }
}

void virq_window_exit(struct vcpu *v)
{
    /* The guest can take an interrupt now: the next entry injects it. */
    request_window(&v->arch.vmcb->control, false);
}

void virq_halt(struct vcpu *v)
{
    struct vlapic *l = vlapic_of(v);
    bool woken = l->injected_rip == v->arch.vmcb->save.rip;

    /* TCG's VMRUN drops the STI shadow the VMCB carries, so the interrupt `sti; hlt`
     * waits for can arrive just before the HLT: then it already woke this HLT. */
    l->injected_rip = ~0ull;
    svm_skip_instruction(v, 1);
    if (woken)
        return;
    uint64_t next = vlapic_timer_update(v, hv_now_ns());
    if (vlapic_pending_vector(v) >= 0 || READ_ONCE(l->nmi_pending))
        return; /* something to deliver already: HLT ends at once */
    /* A kick between the look above and the block is caught by sched_block's
     * wake_pending; the timer's deadline wakes it through the scheduler. */
    sched_block(v, next == ~0ull ? 0 : next);
}
