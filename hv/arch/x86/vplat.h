/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domU guest platform (docs/guest-platform.md): the state of each device and the
 * calls between them. Shared by vplat.c, vlapic.c, virq.c, vioapic.c, vuart.c,
 * kvmclock.c, vplat_io.c and vplat_ctx.c only; hv/core sees the platform through
 * hv/arch.h.
 */
#ifndef HV_ARCH_VPLAT_H
#define HV_ARCH_VPLAT_H

#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/spinlock.h"
#include "public/vireo.h"
#include "arch/mmio.h"

#define VLAPIC_NR_LVT 6 /* timer, thermal, performance counters, LINT0, LINT1, error */

/* One vCPU's local APIC. IRR and TMR are set by any CPU (atomically); everything else
 * is the owning vCPU's, changed only while it runs (or with the domain paused). */
struct vlapic {
    uint32_t irr[8], tmr[8], isr[8];
    uint32_t tpr, svr, esr, esr_latched;
    uint32_t lvt[VLAPIC_NR_LVT];
    uint64_t icr;
    uint32_t tmict, tdcr;
    uint64_t timer_start_ns;    /* hv time TMICT was written or the period restarted */
    uint64_t timer_deadline_ns; /* hv time the timer fires next; 0: stopped */
    uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE while armed, else 0 */
    uint64_t injected_rip;      /* RIP at the last interrupt injection (virq_halt) */
    bool wait_sipi;             /* INIT received, not yet started */
    bool nmi_pending;
};

struct vioapic {
    spinlock_t lock;
    uint32_t regsel;
    uint32_t id;
    uint32_t lines; /* input levels of the pins (bit per GSI), as the devices drive them */
    uint64_t redir[VIREO_PLAT_IOAPIC_PINS];
};

#define VUART_FIFO 16

struct vuart {
    spinlock_t lock;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool thre_pending;        /* THR-empty interrupt raised and not yet acknowledged */
    uint8_t rx[VUART_FIFO];   /* received bytes (or looped back ones) */
    uint8_t rx_head, rx_count;
    bool line;                /* what the UART drives on its GSI */
};

struct vplat {
    struct domain *d;
    int64_t wallclock_ns;        /* Unix time at hv time 0 (vireo_domain_config) */
    uint64_t wall_clock_msr;     /* MSR_KVM_WALL_CLOCK_NEW as last written */
    uint64_t system_time_msr[VIREO_MAX_VCPUS]; /* MSR_KVM_SYSTEM_TIME_NEW per vCPU */
    struct vioapic ioapic;
    struct vuart uart;
    struct vlapic lapic[VIREO_MAX_VCPUS];
};

static inline struct vplat *vplat_of(const struct vcpu *v)
{
    return v->dom->arch.plat;
}
static inline struct vlapic *vlapic_of(const struct vcpu *v)
{
    return &v->dom->arch.plat->lapic[v->id];
}

/* vlapic.c */
void vlapic_reset(struct vcpu *v);
/* x2APIC MSRs (0x800-0x8ff) and IA32_TSC_DEADLINE: 0, or -1 for #GP. */
int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* Delivers a fixed interrupt from the IOAPIC or an IPI; level-triggered sets TMR. */
void vlapic_deliver(struct vcpu *target, uint8_t vector, bool level);
void vlapic_deliver_nmi(struct vcpu *target);
/* Does an APIC with this ID match a (physical or x2APIC logical) destination? */
bool vlapic_match_dest(const struct vcpu *v, uint32_t dest, bool logical);
/* The highest pending vector above the processor priority, or -1. */
int vlapic_pending_vector(struct vcpu *v);
/* The CPU takes the vector: IRR -> ISR. */
void vlapic_accept(struct vcpu *v, uint8_t vector);
/* Fires the timer if its time came; returns its next deadline (hv time) or ~0. */
uint64_t vlapic_timer_update(struct vcpu *v, uint64_t now);
bool vlapic_nmi_take(struct vcpu *v);

/* virq.c: what happens around each VMRUN of a platform vCPU. */
void virq_before_entry(struct vcpu *v);
void virq_window_exit(struct vcpu *v);
/* HLT: sleep until an interrupt can be taken (or the vLAPIC timer fires). */
void virq_halt(struct vcpu *v);

/* vioapic.c */
void vioapic_reset(struct vioapic *io);
/* Exported for the other platform devices (ACPI PM's SCI, vireo-dm): see vioapic.c. */
void vioapic_set_level(struct domain *d, unsigned gsi, bool level);
/* A vLAPIC EOI of a level-triggered vector: clears remote IRR of pins using it. */
void vioapic_eoi(struct domain *d, uint8_t vector);
extern const struct mmio_ops vioapic_mmio_ops;

/* vuart.c */
void vuart_reset(struct vuart *u);
uint32_t vuart_read(struct vcpu *v, uint16_t port, unsigned size);
void vuart_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
/* Takes console input into the receive FIFO if there is room (before each entry). */
void vuart_poll_input(struct domain *d);

/* kvmclock.c */
bool kvmclock_msr(uint32_t msr);
int kvmclock_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int kvmclock_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* CPUID 0x40000000/0x40000001 for platform domains. */
void kvmclock_cpuid(uint32_t leaf, uint32_t out[4]);

/* Platform context pieces (vplat_ctx.c): save, check hostile input, load. */
void vlapic_save(struct vcpu *v, struct vireo_plat_lapic *out, uint64_t now);
bool vlapic_ctx_valid(const struct vireo_plat_lapic *in);
void vlapic_load(struct vcpu *v, const struct vireo_plat_lapic *in, uint64_t now);
void vioapic_save(struct vioapic *io, struct vireo_plat_ioapic *out);
bool vioapic_ctx_valid(const struct vireo_plat_ioapic *in);
void vioapic_load(struct vioapic *io, const struct vireo_plat_ioapic *in);
void vuart_save(struct vuart *u, struct vireo_plat_uart *out);
bool vuart_ctx_valid(const struct vireo_plat_uart *in);
void vuart_load(struct domain *d, struct vuart *u, const struct vireo_plat_uart *in);
void kvmclock_save(struct vplat *p, struct vireo_plat_clock *out);
bool kvmclock_ctx_valid(struct domain *d, const struct vireo_plat_clock *in);
void kvmclock_load(struct vcpu *v0, const struct vireo_plat_clock *in);
bool kvmclock_system_time_valid(struct domain *d, uint64_t msr_val);
void kvmclock_system_time_load(struct vcpu *v, uint64_t msr_val);


/* vplat.c */
void vplat_vcpu_init(struct vcpu *v);
/* An NPF outside RAM: the IOAPIC, or the empty bus of the platform's MMIO holes.
 * Returns false if the access is not to platform MMIO (then it is a bad access). */
bool vplat_mmio(struct vcpu *v, uint64_t gpa);
/* Real-mode start of an AP on a start-up IPI (svm.c). */
void svm_vcpu_start_real_mode(struct vcpu *v, uint8_t vector);

#endif
