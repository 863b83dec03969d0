/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmclock for platform domains: the KVM CPUID signature with CLOCKSOURCE2 and the
 * stable bit, the wall-clock MSR and the per-vCPU system-time MSR. A stock kernel then
 * takes its TSC frequency and clocksource from hv and needs no PIT, HPET or PM timer to
 * calibrate. The system-time structure is hv's own struct vireo_time_info (same layout
 * as pvclock_vcpu_time_info), published by the same code as VIREO_HC_TIME_REGISTER.
 * A clock loaded from a save or a migration moves the guest's time base (its TSC offset
 * and kvmclock anchor) so that its time goes on, never back (struct vireo_plat_clock).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/time.h"
#include "arch/svm.h"
#include "vplat.h"

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define KVM_SIG_EBX 0x4b4d564b /* "KVMK" */
#define KVM_SIG_ECX 0x564b4d56 /* "VMKV" */
#define KVM_SIG_EDX 0x0000004d /* "M\0\0\0" */
#define SYSTEM_TIME_ENABLE 1ull

/* KVM's struct pvclock_wall_clock. */
struct pvclock_wall_clock {
    uint32_t version;
    uint32_t sec;
    uint32_t nsec;
};

void kvmclock_cpuid(uint32_t leaf, uint32_t out[4])
{
    if (leaf == 0x40000000) {
        out[0] = 0x40000001;
        out[1] = KVM_SIG_EBX, out[2] = KVM_SIG_ECX, out[3] = KVM_SIG_EDX;
    } else {
        /* Only what hv implements: the new clock MSRs and the stable bit. */
        out[0] = KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
        out[1] = out[2] = out[3] = 0;
    }
}

bool kvmclock_msr(uint32_t msr)
{
    return msr == MSR_KVM_WALL_CLOCK_NEW || msr == MSR_KVM_SYSTEM_TIME_NEW;
}

int kvmclock_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vplat *p = vplat_of(v);
    *val = msr == MSR_KVM_WALL_CLOCK_NEW ? p->wall_clock_msr : p->system_time_msr[v->id];
    return 0;
}

/* The wall clock at hv time 0: the guest adds its system time to it. */
static int publish_wall_clock(struct vcpu *v, uint64_t gpa)
{
    int64_t ns = MAX(vplat_of(v)->wallclock_ns, (int64_t)0);
    struct pvclock_wall_clock wc = {
        .version = 2,
        .sec = (uint32_t)(ns / 1000000000),
        .nsec = (uint32_t)(ns % 1000000000),
    };
    return guest_write(v->dom, gpa, &wc, sizeof(wc));
}

static int publish_system_time(struct vcpu *v, uint64_t gpa)
{
    struct vplat *p = vplat_of(v);
    return time_info_publish(v->dom, gpa, p->anchor_tsc, p->anchor_ns);
}

int kvmclock_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vplat *p = vplat_of(v);

    if (msr == MSR_KVM_WALL_CLOCK_NEW) {
        if (publish_wall_clock(v, val))
            return -1; /* not RAM */
        p->wall_clock_msr = val;
        return 0;
    }
    if ((val & SYSTEM_TIME_ENABLE) && publish_system_time(v, val & ~SYSTEM_TIME_ENABLE))
        return -1;
    p->system_time_msr[v->id] = val;
    return 0;
}

/* The guest's system time at guest TSC tsc (not before its anchor). */
static uint64_t guest_ns_at(const struct vplat *p, uint64_t tsc)
{
    return p->anchor_ns + time_scale_apply(&hv_time, tsc - p->anchor_tsc);
}

void kvmclock_save(struct vplat *p, struct vireo_plat_clock *out)
{
    uint64_t host_tsc = rdtsc();
    out->wallclock_ns = p->wallclock_ns;
    out->kvm_wall_clock = p->wall_clock_msr;
    out->guest_tsc = host_tsc + (uint64_t)p->tsc_offset;
    out->guest_ns = guest_ns_at(p, out->guest_tsc);
    out->unix_ns =
        p->host_wallclock_ns + (int64_t)time_scale_apply(&hv_time, host_tsc - hv_time.tsc_base);
}

bool kvmclock_ctx_valid(struct domain *d, const struct vireo_plat_clock *in)
{
    return !in->kvm_wall_clock ||
           !guest_check(d, in->kvm_wall_clock, sizeof(struct pvclock_wall_clock), true);
}

/* The guest's time goes on from the saved instant plus the Unix time passed since by this
 * hv's wall clock: a new TSC offset for every vCPU and a new kvmclock anchor, and the
 * guest's structures written again. */
void kvmclock_load(struct vcpu *v0, const struct vireo_plat_clock *in)
{
    struct domain *d = v0->dom;
    struct vplat *p = vplat_of(v0);
    uint64_t host_tsc = rdtsc();
    int64_t unix_now =
        p->host_wallclock_ns + (int64_t)time_scale_apply(&hv_time, host_tsc - hv_time.tsc_base);
    /* Unsigned: a hostile unix_ns must not overflow the difference. */
    uint64_t passed_ns = unix_now > in->unix_ns ? (uint64_t)unix_now - (uint64_t)in->unix_ns : 0;
    uint64_t passed_tsc = (uint64_t)((unsigned __int128)passed_ns * hv_tsc_khz / 1000000);

    p->anchor_tsc = in->guest_tsc + passed_tsc;
    p->anchor_ns = in->guest_ns + passed_ns;
    p->tsc_offset = (int64_t)(p->anchor_tsc - host_tsc);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        d->vcpus[i]->arch.vmcb->control.tsc_offset = (uint64_t)p->tsc_offset;
    p->wallclock_ns = in->wallclock_ns;
    p->wall_clock_msr = in->kvm_wall_clock;
    if (in->kvm_wall_clock)
        publish_wall_clock(v0, in->kvm_wall_clock);
    /* System-time structures loaded before this section move to the new anchor too. */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (p->system_time_msr[i] & SYSTEM_TIME_ENABLE)
            publish_system_time(d->vcpus[i], p->system_time_msr[i] & ~SYSTEM_TIME_ENABLE);
}

uint64_t kvmclock_guest_tsc_to_host(const struct vplat *p, uint64_t guest_tsc)
{
    /* Before the host's TSC began: long past (0); beyond its range: never. */
    if (p->tsc_offset >= 0)
        return guest_tsc >= (uint64_t)p->tsc_offset ? guest_tsc - (uint64_t)p->tsc_offset : 0;
    uint64_t back = 0 - (uint64_t)p->tsc_offset;
    return guest_tsc <= UINT64_MAX - back ? guest_tsc + back : UINT64_MAX;
}

bool kvmclock_system_time_valid(struct domain *d, uint64_t msr_val)
{
    return !(msr_val & SYSTEM_TIME_ENABLE) ||
           !guest_check(d, msr_val & ~SYSTEM_TIME_ENABLE, sizeof(struct vireo_time_info), true);
}

void kvmclock_system_time_load(struct vcpu *v, uint64_t msr_val)
{
    vplat_of(v)->system_time_msr[v->id] = msr_val;
    if (msr_val & SYSTEM_TIME_ENABLE)
        publish_system_time(v, msr_val & ~SYSTEM_TIME_ENABLE);
}
