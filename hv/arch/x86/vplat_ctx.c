/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform context: every guest-visible register and timer of a platform domain's
 * devices as one versioned list of typed sections (struct vireo_plat_ctx), for save,
 * restore and migration. Each device saves, checks and loads its own section; this file
 * owns the container. SET input comes from dom0 and is treated as hostile: the whole
 * context is checked before any of it is loaded, so a bad one changes nothing.
 * Timers travel as time left, relative to hv time at the save.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/sched.h"
#include "hv/time.h"
#include "arch/guest_fpu.h"
#include "arch/vacpi_pm.h"
#include "arch/vplat_power.h"
#include "vplat.h"

/* What a section of each type holds, and how many of them GET writes. */
struct ctx_part {
    uint32_t type;
    uint32_t size;
    unsigned (*count)(struct domain *d);
    void (*save)(struct domain *d, unsigned i, void *out, uint64_t now);
    bool (*valid)(struct domain *d, const void *in);
    void (*load)(struct domain *d, const void *in, uint64_t now);
};

static unsigned one(struct domain *d)
{
    return 1;
}

static unsigned per_vcpu(struct domain *d)
{
    return d->nr_vcpus;
}

static void lapic_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    struct vireo_plat_lapic *l = out;
    vlapic_save(d->vcpus[i], l, now);
    l->kvm_system_time = d->arch.plat->system_time_msr[i];
}

static bool lapic_valid(struct domain *d, const void *in)
{
    const struct vireo_plat_lapic *l = in;
    return l->vcpu < d->nr_vcpus && vlapic_ctx_valid(l) &&
           kvmclock_system_time_valid(d, l->kvm_system_time);
}

static void lapic_load(struct domain *d, const void *in, uint64_t now)
{
    const struct vireo_plat_lapic *l = in;
    struct vcpu *v = d->vcpus[l->vcpu];
    vlapic_load(v, l, now);
    kvmclock_system_time_load(v, l->kvm_system_time);
}

static void ioapic_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    vioapic_save(&d->arch.plat->ioapic, out);
}

static bool ioapic_valid(struct domain *d, const void *in)
{
    return vioapic_ctx_valid(in);
}

static void ioapic_load(struct domain *d, const void *in, uint64_t now)
{
    vioapic_load(&d->arch.plat->ioapic, in);
}

static void uart_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    vuart_save(&d->arch.plat->uart, out);
}

static bool uart_valid(struct domain *d, const void *in)
{
    return vuart_ctx_valid(in);
}

static void uart_load(struct domain *d, const void *in, uint64_t now)
{
    vuart_load(d, &d->arch.plat->uart, in);
}

static void clock_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    kvmclock_save(d->arch.plat, out);
}

static bool clock_valid(struct domain *d, const void *in)
{
    return kvmclock_ctx_valid(d, in);
}

static void clock_load(struct domain *d, const void *in, uint64_t now)
{
    kvmclock_load(d->vcpus[0], in);
}

static void pm_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    vacpi_pm_ctx_save(d, out, sizeof(struct vireo_plat_pm));
}

static bool pm_valid(struct domain *d, const void *in)
{
    return vacpi_pm_ctx_valid(in);
}

static void pm_load(struct domain *d, const void *in, uint64_t now)
{
    vacpi_pm_ctx_load(d, in, sizeof(struct vireo_plat_pm)); /* checked by pm_valid */
}

static void fpu_save(struct domain *d, unsigned i, void *out, uint64_t now)
{
    guest_fpu_save(d->vcpus[i], out);
}

static bool fpu_valid(struct domain *d, const void *in)
{
    const struct vireo_plat_fpu *f = in;
    return f->vcpu < d->nr_vcpus && guest_fpu_valid(f);
}

static void fpu_load(struct domain *d, const void *in, uint64_t now)
{
    const struct vireo_plat_fpu *f = in;
    guest_fpu_load(d->vcpus[f->vcpu], f);
}

/* The IOAPIC loads before the UART and the ACPI PM device, whose loads drive their
 * interrupt lines into it. */
static const struct ctx_part parts[] = {
    {VIREO_PLAT_CTX_CLOCK, sizeof(struct vireo_plat_clock), one, clock_save, clock_valid,
     clock_load},
    {VIREO_PLAT_CTX_IOAPIC, sizeof(struct vireo_plat_ioapic), one, ioapic_save, ioapic_valid,
     ioapic_load},
    {VIREO_PLAT_CTX_UART, sizeof(struct vireo_plat_uart), one, uart_save, uart_valid, uart_load},
    {VIREO_PLAT_CTX_LAPIC, sizeof(struct vireo_plat_lapic), per_vcpu, lapic_save, lapic_valid,
     lapic_load},
    {VIREO_PLAT_CTX_PM, sizeof(struct vireo_plat_pm), one, pm_save, pm_valid, pm_load},
    {VIREO_PLAT_CTX_FPU, sizeof(struct vireo_plat_fpu), per_vcpu, fpu_save, fpu_valid, fpu_load},
};

static const struct ctx_part *part_of(uint32_t type)
{
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        if (parts[i].type == type)
            return &parts[i];
    return NULL;
}

int64_t arch_platform_context_size(struct domain *d)
{
    if (!d->arch.plat)
        return -VIREO_EINVAL;
    uint64_t size = sizeof(struct vireo_plat_ctx);
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        size += parts[i].count(d) * (sizeof(struct vireo_plat_ctx_section) + parts[i].size);
    return (int64_t)size;
}

void arch_platform_context_get(struct domain *d, void *buf)
{
    struct vireo_plat_ctx *h = buf;
    char *p = (char *)buf + sizeof(*h);
    uint64_t now = hv_now_ns();

    *h = (struct vireo_plat_ctx){VIREO_PLAT_CTX_MAGIC, VIREO_PLAT_CTX_VERSION, 0,
                                 (uint32_t)arch_platform_context_size(d)};
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
        for (unsigned n = 0; n < parts[i].count(d); n++) {
            struct vireo_plat_ctx_section *s = (void *)p;
            *s = (struct vireo_plat_ctx_section){parts[i].type, parts[i].size};
            parts[i].save(d, n, p + sizeof(*s), now);
            p += sizeof(*s) + parts[i].size;
            h->nr_sections++;
        }
}

/* Walks the sections; with load false only checks them. 0 or -VIREO_EINVAL. */
static int walk(struct domain *d, const void *buf, size_t len, bool load, uint64_t now)
{
    const struct vireo_plat_ctx *h = buf;
    const char *p = (const char *)buf + sizeof(*h), *end = (const char *)buf + len;

    if (len < sizeof(*h) || h->magic != VIREO_PLAT_CTX_MAGIC ||
        h->version != VIREO_PLAT_CTX_VERSION || h->size != len)
        return -VIREO_EINVAL;
    for (uint32_t n = 0; n < h->nr_sections; n++) {
        struct vireo_plat_ctx_section s;
        if ((size_t)(end - p) < sizeof(s))
            return -VIREO_EINVAL;
        memcpy(&s, p, sizeof(s));
        p += sizeof(s);
        const struct ctx_part *part = part_of(s.type);
        if (!part || s.length != part->size || (size_t)(end - p) < s.length)
            return -VIREO_EINVAL;
        uint64_t payload[112]; /* aligned copy: sections are packed in dom0's buffer */
        _Static_assert(sizeof(struct vireo_plat_lapic) <= sizeof(payload), "payload copy");
        _Static_assert(sizeof(struct vireo_plat_fpu) <= sizeof(payload), "payload copy");
        _Static_assert(sizeof(struct vireo_plat_ioapic) <= sizeof(payload), "payload copy");
        memcpy(payload, p, s.length);
        if (!load && !part->valid(d, payload))
            return -VIREO_EINVAL;
        if (load)
            part->load(d, payload, now);
        p += s.length;
    }
    return p == end ? 0 : -VIREO_EINVAL;
}

int arch_platform_context_set(struct domain *d, const void *buf, size_t len)
{
    if (!d->arch.plat)
        return -VIREO_EINVAL;
    uint64_t now = hv_now_ns();
    int rc = walk(d, buf, len, false, now);
    if (rc)
        return rc;
    walk(d, buf, len, true, now);
    /* Blocked vCPUs look at their restored interrupts and timers again. */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        sched_kick_vcpu(d->vcpus[i]);
    return 0;
}
