/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A platform vCPU's local APIC, in x2APIC mode only (MSRs 0x800-0x8ff), as firmware that
 * turned x2APIC on leaves it: the guest never looks for the xAPIC page. Registers behave
 * as the Intel SDM (vol. 3, "x2APIC") says, #GP for reserved registers and bits
 * included. The timer runs on hv time with a 1 GHz bus (one tick per ns before the
 * divider); it fires from the entry path (virq.c), which also arms the physical timer.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/time.h"
#include "arch/x86.h"
#include "vplat.h"

#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_TPR 0x808
#define X2APIC_PPR 0x80a
#define X2APIC_EOI 0x80b
#define X2APIC_LDR 0x80d
#define X2APIC_SVR 0x80f
#define X2APIC_ISR 0x810
#define X2APIC_TMR 0x818
#define X2APIC_IRR 0x820
#define X2APIC_ESR 0x828
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832 /* the six LVTs follow in order */
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_TDCR 0x83e
#define X2APIC_SELF_IPI 0x83f
#define MSR_TSC_DEADLINE 0x6e0

#define LVT_TIMER 0
#define LVT_LINT0 3
#define LVT_MASKED (1u << 16)
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2
#define SVR_ENABLED (1u << 8)
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)
/* Version 0x14 (integrated APIC), six LVT entries; no directed EOI. */
#define APIC_VERSION (0x14u | ((VLAPIC_NR_LVT - 1u) << 16))
/* A periodic timer faster than this would keep a CPU in exits: bounded work. */
#define TIMER_MIN_PERIOD_NS 50000ull

enum icr_mode { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_STARTUP = 6 };
enum icr_shorthand { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };
#define ICR_LOGICAL (1ull << 11)
#define ICR_ASSERT (1ull << 14)
#define ICR_LEVEL (1ull << 15)
#define ICR_VALID (0xffull | (7ull << 8) | ICR_LOGICAL | ICR_ASSERT | ICR_LEVEL | (3ull << 18) | \
                   (0xffffffffull << 32))

/* Bits of each LVT a guest may write (delivery status and remote IRR are read-only). */
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
    0xff | LVT_MASKED | (3u << 17),                             /* timer: vector, mode */
    0x7ff | LVT_MASKED,                                         /* thermal */
    0x7ff | LVT_MASKED,                                         /* performance counters */
    0x7ff | (1u << 13) | (1u << 15) | LVT_MASKED,               /* LINT0 */
    0x7ff | (1u << 13) | (1u << 15) | LVT_MASKED,               /* LINT1 */
    0xff | LVT_MASKED,                                          /* error */
};

static bool test_vec(const uint32_t *bits, unsigned vec)
{
    return __atomic_load_n(&bits[vec / 32], __ATOMIC_ACQUIRE) & (1u << (vec % 32));
}

static void set_vec(uint32_t *bits, unsigned vec)
{
    __atomic_fetch_or(&bits[vec / 32], 1u << (vec % 32), __ATOMIC_ACQ_REL);
}

static void clear_vec(uint32_t *bits, unsigned vec)
{
    __atomic_fetch_and(&bits[vec / 32], ~(1u << (vec % 32)), __ATOMIC_ACQ_REL);
}

/* Highest set vector, or -1. */
static int highest(const uint32_t *bits)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t w = __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE);
        if (w)
            return i * 32 + 31 - __builtin_clz(w);
    }
    return -1;
}

static uint32_t ppr(const struct vlapic *l)
{
    int isrv = highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

void vlapic_reset(struct vcpu *v)
{
    struct vlapic *l = vlapic_of(v);

    memset(l, 0, sizeof(*l));
    l->svr = 0xff;
    for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
        l->lvt[i] = LVT_MASKED;
}

bool vlapic_match_dest(const struct vcpu *v, uint32_t dest, bool logical)
{
    if (dest == 0xffffffffu)
        return true; /* broadcast, in both modes */
    if (!logical)
        return dest == v->id;
    /* x2APIC logical: cluster in 31:16, one bit per APIC of the cluster in 15:0 (the LDR). */
    return (dest >> 16) == (v->id >> 4) && (dest & (1u << (v->id & 0xf)));
}

static void kick(struct vcpu *t)
{
    /* The running vCPU looks at its vLAPIC before it enters again. */
    if (this_cpu()->current != t)
        sched_kick_vcpu(t);
}

void vlapic_deliver(struct vcpu *t, uint8_t vector, bool level)
{
    struct vlapic *l = vlapic_of(t);

    if (vector < 16) {
        __atomic_fetch_or(&l->esr_latched, ESR_RECEIVE_ILLEGAL_VECTOR, __ATOMIC_RELAXED);
        return;
    }
    if (!(READ_ONCE(l->svr) & SVR_ENABLED))
        return; /* a software-disabled APIC takes no fixed interrupts */
    if (level)
        set_vec(l->tmr, vector);
    else
        clear_vec(l->tmr, vector);
    set_vec(l->irr, vector);
    kick(t);
}

void vlapic_deliver_nmi(struct vcpu *t)
{
    __atomic_store_n(&vlapic_of(t)->nmi_pending, true, __ATOMIC_RELEASE);
    kick(t);
}

int vlapic_pending_vector(struct vcpu *v)
{
    struct vlapic *l = vlapic_of(v);
    int vec = highest(l->irr);

    if (vec < 0 || (uint32_t)(vec & 0xf0) <= (ppr(l) & 0xf0))
        return -1;
    return vec;
}

void vlapic_accept(struct vcpu *v, uint8_t vector)
{
    struct vlapic *l = vlapic_of(v);
    clear_vec(l->irr, vector);
    set_vec(l->isr, vector);
}

bool vlapic_nmi_take(struct vcpu *v)
{
    return __atomic_exchange_n(&vlapic_of(v)->nmi_pending, false, __ATOMIC_ACQ_REL);
}

static void eoi(struct vcpu *v)
{
    struct vlapic *l = vlapic_of(v);
    int vec = highest(l->isr);

    if (vec < 0)
        return;
    clear_vec(l->isr, (unsigned)vec);
    if (test_vec(l->tmr, (unsigned)vec)) {
        clear_vec(l->tmr, (unsigned)vec);
        vioapic_eoi(v->dom, (uint8_t)vec);
    }
}

/* ---- timer ---- */

static unsigned timer_mode(const struct vlapic *l)
{
    return (l->lvt[LVT_TIMER] >> 17) & 3;
}

static unsigned timer_shift(const struct vlapic *l)
{
    unsigned d = ((l->tdcr >> 1) & 4) | (l->tdcr & 3); /* 0..7: divide by 2^(d+1), 7: by 1 */
    return (d + 1) & 7;
}

static uint64_t timer_period_ns(const struct vlapic *l)
{
    return (uint64_t)l->tmict << timer_shift(l);
}

static void timer_start_count(struct vlapic *l, uint64_t now)
{
    uint64_t period = timer_period_ns(l);

    if (timer_mode(l) == TIMER_PERIODIC)
        period = MAX(period, TIMER_MIN_PERIOD_NS);
    l->timer_start_ns = now;
    l->timer_deadline_ns = l->tmict ? now + period : 0;
}

static uint32_t timer_current_count(const struct vlapic *l, uint64_t now)
{
    if (timer_mode(l) == TIMER_TSC_DEADLINE || !l->timer_deadline_ns || now >= l->timer_deadline_ns)
        return 0;
    return (uint32_t)MIN((l->timer_deadline_ns - now) >> timer_shift(l), (uint64_t)l->tmict);
}

/* The hv time a host TSC value stands for. */
static uint64_t tsc_to_hv_ns(uint64_t tsc)
{
    if (tsc <= hv_time.tsc_base)
        return 1; /* already past: fires at once */
    uint64_t delta = tsc - hv_time.tsc_base;
    if (delta >> 56)
        return ~0ull >> 1; /* centuries away: never, in practice */
    return MAX(time_scale_apply(&hv_time, delta), 1ull);
}

uint64_t vlapic_timer_update(struct vcpu *v, uint64_t now)
{
    struct vlapic *l = vlapic_of(v);

    if (!l->timer_deadline_ns)
        return ~0ull;
    if (now < l->timer_deadline_ns)
        return l->timer_deadline_ns;
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (!(lvt & LVT_MASKED))
        vlapic_deliver(v, lvt & 0xff, false);
    if (timer_mode(l) == TIMER_PERIODIC && l->tmict) {
        uint64_t period = MAX(timer_period_ns(l), TIMER_MIN_PERIOD_NS);
        l->timer_deadline_ns += period;
        if (l->timer_deadline_ns <= now) /* missed periods collapse into one interrupt */
            l->timer_deadline_ns = now + period;
        l->timer_start_ns = l->timer_deadline_ns - period;
        return l->timer_deadline_ns;
    }
    l->timer_deadline_ns = 0;
    l->tsc_deadline = 0;
    return ~0ull;
}

static void write_lvt_timer(struct vlapic *l, uint32_t val)
{
    unsigned old_mode = timer_mode(l);

    l->lvt[LVT_TIMER] = val;
    if (timer_mode(l) != old_mode) { /* a mode change stops the timer */
        l->timer_deadline_ns = 0;
        l->tsc_deadline = 0;
    }
}

/* val is the guest's TSC, host_tsc the host's it stands for. */
static int write_tsc_deadline(struct vlapic *l, uint64_t val, uint64_t host_tsc)
{
    if (timer_mode(l) != TIMER_TSC_DEADLINE)
        return 0; /* ignored in the other modes */
    l->tsc_deadline = val;
    l->timer_deadline_ns = val ? tsc_to_hv_ns(host_tsc) : 0;
    return 0;
}

/* ---- interrupt command ---- */

/* INIT puts a vCPU that has not started into wait-for-SIPI. Re-initialising a running
 * vCPU (Linux does not) is not offered: it is ignored. */
static void send_init(struct vcpu *src, struct vcpu *t)
{
    if (t->arch.initialised) {
        static bool told;
        if (!told) {
            told = true;
            hv_log("d%u: INIT to running vCPU %u ignored", t->dom->id, t->id);
        }
        return;
    }
    vlapic_reset(t);
    __atomic_store_n(&vlapic_of(t)->wait_sipi, true, __ATOMIC_RELEASE);
}

static void send_startup(struct vcpu *t, uint8_t vector)
{
    if (!__atomic_exchange_n(&vlapic_of(t)->wait_sipi, false, __ATOMIC_ACQ_REL))
        return; /* only a vCPU waiting for it starts: the second SIPI is ignored */
    svm_vcpu_start_real_mode(t, vector);
    sched_wake(t);
}

static void send_one(struct vcpu *src, struct vcpu *t, uint64_t icr)
{
    uint8_t vector = icr & 0xff;

    switch ((icr >> 8) & 7) {
    case DM_FIXED:
    case DM_LOWEST:
        vlapic_deliver(t, vector, false);
        break;
    case DM_NMI:
        vlapic_deliver_nmi(t);
        break;
    case DM_INIT:
        if (icr & ICR_ASSERT) /* the de-assert of the old INIT level protocol does nothing */
            send_init(src, t);
        break;
    case DM_STARTUP:
        send_startup(t, vector);
        break;
    default:
        break; /* SMI, ExtINT: the platform has neither */
    }
}

static int write_icr(struct vcpu *v, uint64_t icr)
{
    struct vlapic *l = vlapic_of(v);
    unsigned mode = (icr >> 8) & 7, shorthand = (icr >> 18) & 3;
    bool logical = icr & ICR_LOGICAL;
    uint32_t dest = icr >> 32;

    if (icr & ~ICR_VALID)
        return -1;
    l->icr = icr;
    if ((mode == DM_FIXED || mode == DM_LOWEST) && (icr & 0xff) < 16) {
        l->esr_latched |= ESR_SEND_ILLEGAL_VECTOR;
        return 0;
    }
    for (unsigned i = 0; i < v->dom->nr_vcpus; i++) {
        struct vcpu *t = v->dom->vcpus[i];
        bool hit = shorthand == SH_SELF     ? t == v
                   : shorthand == SH_ALL    ? true
                   : shorthand == SH_OTHERS ? t != v
                                            : vlapic_match_dest(t, dest, logical);
        if (!hit)
            continue;
        send_one(v, t, icr);
        if (mode == DM_LOWEST && shorthand == SH_NONE)
            break; /* one of the destinations, the first is as good as any */
    }
    return 0;
}

/* ---- MSR interface ---- */

int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = vlapic_of(v);

    if (msr == MSR_TSC_DEADLINE) {
        *val = timer_mode(l) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
        return 0;
    }
    if (msr >= X2APIC_ISR && msr < X2APIC_ISR + 8) {
        *val = __atomic_load_n(&l->isr[msr - X2APIC_ISR], __ATOMIC_ACQUIRE);
        return 0;
    }
    if (msr >= X2APIC_TMR && msr < X2APIC_TMR + 8) {
        *val = __atomic_load_n(&l->tmr[msr - X2APIC_TMR], __ATOMIC_ACQUIRE);
        return 0;
    }
    if (msr >= X2APIC_IRR && msr < X2APIC_IRR + 8) {
        *val = __atomic_load_n(&l->irr[msr - X2APIC_IRR], __ATOMIC_ACQUIRE);
        return 0;
    }
    if (msr >= X2APIC_LVT_TIMER && msr < X2APIC_LVT_TIMER + VLAPIC_NR_LVT) {
        *val = l->lvt[msr - X2APIC_LVT_TIMER];
        return 0;
    }
    switch (msr) {
    case X2APIC_ID:
        *val = v->id;
        return 0;
    case X2APIC_VERSION:
        *val = APIC_VERSION;
        return 0;
    case X2APIC_TPR:
        *val = l->tpr;
        return 0;
    case X2APIC_PPR:
        *val = ppr(l);
        return 0;
    case X2APIC_LDR:
        *val = ((v->id >> 4) << 16) | (1u << (v->id & 0xf));
        return 0;
    case X2APIC_SVR:
        *val = l->svr;
        return 0;
    case X2APIC_ESR:
        *val = l->esr;
        return 0;
    case X2APIC_ICR:
        *val = l->icr;
        return 0;
    case X2APIC_TMICT:
        *val = l->tmict;
        return 0;
    case X2APIC_TMCCT:
        *val = timer_current_count(l, hv_now_ns());
        return 0;
    case X2APIC_TDCR:
        *val = l->tdcr;
        return 0;
    }
    return -1; /* EOI and SELF IPI are write-only; the rest does not exist */
}

int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = vlapic_of(v);

    if (msr == MSR_TSC_DEADLINE)
        return write_tsc_deadline(l, val, kvmclock_guest_tsc_to_host(vplat_of(v), val));
    if (msr >= X2APIC_LVT_TIMER && msr < X2APIC_LVT_TIMER + VLAPIC_NR_LVT) {
        unsigned i = msr - X2APIC_LVT_TIMER;
        uint32_t lvt = (uint32_t)val & lvt_writable[i];
        if (val >> 32 || (i == LVT_TIMER && ((lvt >> 17) & 3) == 3)) /* mode 3 is reserved */
            return -1;
        if (!(l->svr & SVR_ENABLED))
            lvt |= LVT_MASKED; /* a software-disabled APIC keeps its LVTs masked */
        if (i == LVT_TIMER)
            write_lvt_timer(l, lvt);
        else
            l->lvt[i] = lvt;
        return 0;
    }
    switch (msr) {
    case X2APIC_TPR:
        if (val & ~0xffull)
            return -1;
        l->tpr = (uint32_t)val;
        return 0;
    case X2APIC_EOI:
        if (val)
            return -1; /* x2APIC: EOI takes only 0 */
        eoi(v);
        return 0;
    case X2APIC_SVR:
        if (val & ~0x1ffull)
            return -1;
        l->svr = (uint32_t)val;
        if (!(val & SVR_ENABLED))
            for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
                l->lvt[i] |= LVT_MASKED;
        return 0;
    case X2APIC_ESR:
        if (val)
            return -1;
        l->esr = __atomic_exchange_n(&l->esr_latched, 0, __ATOMIC_ACQ_REL);
        return 0;
    case X2APIC_ICR:
        return write_icr(v, val);
    case X2APIC_TMICT:
        if (val >> 32)
            return -1;
        if (timer_mode(l) == TIMER_TSC_DEADLINE)
            return 0; /* ignored in TSC-deadline mode */
        l->tmict = (uint32_t)val;
        timer_start_count(l, hv_now_ns());
        return 0;
    case X2APIC_TDCR:
        if (val & ~0xbull)
            return -1;
        l->tdcr = (uint32_t)val;
        return 0;
    case X2APIC_SELF_IPI:
        if (val & ~0xffull)
            return -1;
        vlapic_deliver(v, (uint8_t)val, false);
        return 0;
    }
    return -1; /* read-only registers and holes */
}

/* ---- platform context (vplat_ctx.c) ---- */

void vlapic_save(struct vcpu *v, struct vireo_plat_lapic *out, uint64_t now)
{
    const struct vlapic *l = vlapic_of(v);

    memset(out, 0, sizeof(*out));
    out->vcpu = v->id;
    out->flags = (l->wait_sipi ? VIREO_PLAT_LAPIC_WAIT_SIPI : 0) |
                 (l->nmi_pending ? VIREO_PLAT_LAPIC_NMI_PENDING : 0);
    for (unsigned i = 0; i < 8; i++) {
        out->irr[i] = __atomic_load_n(&l->irr[i], __ATOMIC_ACQUIRE);
        out->isr[i] = l->isr[i];
        out->tmr[i] = __atomic_load_n(&l->tmr[i], __ATOMIC_ACQUIRE);
    }
    out->tpr = l->tpr, out->svr = l->svr, out->esr = l->esr;
    out->esr_pending = l->esr_latched;
    memcpy(out->lvt, l->lvt, sizeof(out->lvt));
    out->tmict = l->tmict, out->tdcr = l->tdcr, out->icr = l->icr;
    if (l->timer_deadline_ns) {
        out->timer_left_ns = l->timer_deadline_ns > now ? l->timer_deadline_ns - now : 1;
        out->timer_elapsed_ns = now > l->timer_start_ns ? now - l->timer_start_ns : 0;
    }
    out->tsc_deadline = l->tsc_deadline;
}

#define CTX_TIME_MAX (1ull << 62) /* keeps now + left far from overflowing */

bool vlapic_ctx_valid(const struct vireo_plat_lapic *in)
{
    if (in->flags & ~(VIREO_PLAT_LAPIC_WAIT_SIPI | VIREO_PLAT_LAPIC_NMI_PENDING) ||
        in->tpr > 0xff || in->svr & ~0x1ffu || in->tdcr & ~0xbu || in->icr & ~ICR_VALID ||
        in->esr > 0xff || in->esr_pending > 0xff || ((in->lvt[LVT_TIMER] >> 17) & 3) == 3 ||
        in->timer_left_ns >= CTX_TIME_MAX || in->timer_elapsed_ns >= CTX_TIME_MAX)
        return false;
    /* Vectors 0-15 cannot be pending or in service: they are exceptions. */
    if ((in->irr[0] | in->isr[0] | in->tmr[0]) & 0xffff)
        return false;
    for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
        if (in->lvt[i] & ~lvt_writable[i])
            return false;
    return true;
}

void vlapic_load(struct vcpu *v, const struct vireo_plat_lapic *in, uint64_t now)
{
    struct vlapic *l = vlapic_of(v);

    memcpy(l->irr, in->irr, sizeof(l->irr));
    memcpy(l->isr, in->isr, sizeof(l->isr));
    memcpy(l->tmr, in->tmr, sizeof(l->tmr));
    l->tpr = in->tpr, l->svr = in->svr, l->esr = in->esr, l->esr_latched = in->esr_pending;
    memcpy(l->lvt, in->lvt, sizeof(l->lvt));
    l->tmict = in->tmict, l->tdcr = in->tdcr, l->icr = in->icr;
    l->timer_deadline_ns = in->timer_left_ns ? now + in->timer_left_ns : 0;
    l->timer_start_ns = now > in->timer_elapsed_ns ? now - in->timer_elapsed_ns : 0;
    l->tsc_deadline = in->tsc_deadline;
    l->wait_sipi = in->flags & VIREO_PLAT_LAPIC_WAIT_SIPI;
    l->nmi_pending = in->flags & VIREO_PLAT_LAPIC_NMI_PENDING;
}
