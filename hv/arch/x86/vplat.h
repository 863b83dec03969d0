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

/* The accesses a vCPU's current instruction made to the device model and got answered
 * (vdm.c): executed again, the instruction finds them here in order. */
#define VDM_DONE_MAX 2

struct vdm_vcpu {
    bool waiting;          /* its slot is READY: the vCPU does not run until it is DONE */
    uint8_t nr_done, next; /* answers kept; the next one the re-executed instruction takes */
    struct vdm_access {
        uint64_t addr, data;
        uint8_t size, dir;
    } done[VDM_DONE_MAX], pending; /* pending: the request in the slot */
    uint64_t npf_gpa;              /* the exit's address, for executing it again */
};

struct vplat {
    struct domain *d;
    spinlock_t dm_lock;                /* dm_page against VIREO_HC_IOREQ_DETACH */
    struct vireo_ioreq_page *dm_page;  /* dom0's shared page, NULL: no device model */
    struct vdm_vcpu dm_vcpu[VIREO_MAX_VCPUS];
    int64_t host_wallclock_ns;   /* Unix time at hv time 0 (vireo_domain_config) */
    int64_t wallclock_ns;        /* Unix time at the guest's system time 0 */
    uint64_t wall_clock_msr;     /* MSR_KVM_WALL_CLOCK_NEW as last written */
    /* The guest's clock (struct vireo_plat_clock): its TSC is the host's plus tsc_offset;
     * at guest TSC anchor_tsc its system time was anchor_ns. New: hv's TSC and time. */
    int64_t tsc_offset;
    uint64_t anchor_tsc, anchor_ns;
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

/* vdm.c: the device model's window. */
/* Is gpa in the window of a domain whose device model is attached? */
bool vdm_window(const struct vcpu *v, uint64_t gpa);
/* The NPF on gpa there: the instruction runs, or the vCPU now waits (vdm_waiting). */
void vdm_mmio(struct vcpu *v, uint64_t gpa);
bool vdm_waiting(const struct vcpu *v);
/* Before entering a waiting vCPU: false while its answer is not in (block it); true once
 * its instruction was executed again and it may run. */
bool vdm_resume(struct vcpu *v);

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
/* The host TSC a guest TSC value stands for (the domain's TSC offset taken off). */
uint64_t kvmclock_guest_tsc_to_host(const struct vplat *p, uint64_t guest_tsc);
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
