/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's local APIC. dom0 drives CPU 0's xAPIC natively, but its page is read-only in
 * dom0's nested page table so writes trap here: every register is written through except
 * the ICR, where an IPI may only ever reach CPU 0 itself. INIT, SIPI and SMI are dropped
 * (TCG would reset hv's CPUs on INIT even with GIF clear), broadcasts shrink to self.
 * This costs dom0 one exit per EOI, as in Jailhouse.
 */
#include "hv/hv.h"
#include "hv/percpu.h"
#include "arch/apic.h"
#include "arch/mmio.h"
#include "arch/x86.h"

#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_MODE(v) (((v) >> 8) & 7)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define MODE_FIXED 0
#define MODE_LOWEST 1
#define MODE_NMI 4

static uint32_t icr_hi_shadow;
static unsigned dropped;

static int apic_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)v;
    if (size != 4 || gpa % 4)
        return -1;
    *val = *(volatile uint32_t *)(APIC_DEFAULT_BASE + (gpa & 0xfff));
    return 0;
}

static void send_filtered_ipi(uint32_t lo)
{
    unsigned mode = ICR_MODE(lo), shorthand = ICR_SHORTHAND(lo);
    bool to_self = shorthand == 1 || shorthand == 2 || /* self, all including self */
                   (shorthand == 0 && ((lo & (1u << 11)) || /* logical: only CPU 0 exists */
                                       (icr_hi_shadow >> 24) == cpus[0].apic_id));
    if (!to_self || (mode != MODE_FIXED && mode != MODE_LOWEST && mode != MODE_NMI)) {
        if (dropped++ < 8)
            hv_log("dom0 IPI dropped: ICR 0x%08x:%08x (only CPU 0 belongs to dom0)", icr_hi_shadow,
                   lo);
        return;
    }
    /* Physical destination CPU 0, no shorthand; vector, mode, level and trigger kept. */
    uint32_t keep = lo & (0xffu | (7u << 8) | (1u << 14) | (1u << 15));
    if (mode == MODE_LOWEST)
        keep &= ~(7u << 8);
    apic_send_raw(cpus[0].apic_id, keep);
}

static int apic_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    (void)v;
    unsigned off = gpa & 0xfff;
    if (size != 4 || off % 16)
        return 0; /* the APIC ignores such writes */
    if (off == APIC_ICR_HI)
        icr_hi_shadow = (uint32_t)val;
    else if (off == APIC_ICR_LO)
        send_filtered_ipi((uint32_t)val);
    else
        *(volatile uint32_t *)(APIC_DEFAULT_BASE + off) = (uint32_t)val;
    return 0;
}

const struct mmio_ops dom0_apic_ops = {.read = apic_read, .write = apic_write};
