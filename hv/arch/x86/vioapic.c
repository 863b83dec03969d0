/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform's IOAPIC: 24 pins at VIREO_PLAT_IOAPIC_BASE (IOREGSEL at +0, IOWIN at
 * +0x10, version 0x11 like the 82093AA: no EOI register, the vLAPICs broadcast EOIs of
 * level-triggered vectors instead). Devices drive pin levels with vioapic_set_level();
 * an edge pin delivers on its rising edge, a level pin while asserted and its remote IRR
 * is clear. Destinations are 8-bit APIC IDs (physical) or a flat mask of IDs 0-7
 * (logical), as the guest has no interrupt remapping and no extended destination IDs.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/mmio.h"
#include "vplat.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10
#define IOAPIC_VERSION (0x11u | ((VIREO_PLAT_IOAPIC_PINS - 1u) << 16))

#define RTE_DM_SHIFT 8
#define RTE_LOGICAL (1ull << 11)
#define RTE_ACTIVE_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
/* The guest writes vector, delivery mode, destination mode, polarity, trigger, mask and
 * the destination; delivery status and remote IRR are the IOAPIC's. */
#define RTE_WRITABLE (0x7ffull | RTE_ACTIVE_LOW | RTE_LEVEL | RTE_MASKED | (0xffull << 56))

void vioapic_reset(struct vioapic *io)
{
    io->lock = (spinlock_t)SPINLOCK_INIT;
    io->regsel = 0;
    io->id = VIREO_PLAT_IOAPIC_ID;
    io->lines = 0;
    for (unsigned i = 0; i < VIREO_PLAT_IOAPIC_PINS; i++)
        io->redir[i] = RTE_MASKED;
}

static bool asserted(const struct vioapic *io, unsigned pin)
{
    bool level = io->lines & (1u << pin);
    return io->redir[pin] & RTE_ACTIVE_LOW ? !level : level;
}

static bool dest_matches(const struct vcpu *t, uint8_t dest, bool logical)
{
    if (!logical)
        return dest == 0xff || dest == t->id;
    return t->id < 8 && (dest & (1u << t->id));
}

/* Sends pin's message to the vLAPICs it names; lock held. */
static void deliver(struct domain *d, struct vioapic *io, unsigned pin)
{
    uint64_t rte = io->redir[pin];
    unsigned mode = (rte >> RTE_DM_SHIFT) & 7;
    bool level = rte & RTE_LEVEL;

    if (rte & RTE_MASKED || (level && (rte & RTE_REMOTE_IRR)))
        return;
    if (mode != 0 && mode != 1 && mode != 4)
        return; /* SMI, INIT, ExtINT from an IOAPIC pin: nothing on this platform */
    if (level)
        io->redir[pin] |= RTE_REMOTE_IRR;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        if (!dest_matches(t, (uint8_t)(rte >> 56), rte & RTE_LOGICAL))
            continue;
        if (mode == 4)
            vlapic_deliver_nmi(t);
        else
            vlapic_deliver(t, (uint8_t)rte, level);
        if (mode == 1)
            break; /* lowest priority: one destination */
    }
}

/*
 * Drives GSI gsi of d's IOAPIC to `level` (true: high). Callable from any CPU, by any
 * platform device model (UART, ACPI PM's SCI on GSI 9, vireo-dm's virtio devices); a
 * domain without the platform or a GSI beyond the pins is ignored.
 */
void vioapic_set_level(struct domain *d, unsigned gsi, bool level)
{
    struct vplat *p = d->arch.plat;
    if (!p || gsi >= VIREO_PLAT_IOAPIC_PINS)
        return;
    struct vioapic *io = &p->ioapic;

    spin_lock(&io->lock);
    bool was = asserted(io, gsi);
    io->lines = level ? io->lines | (1u << gsi) : io->lines & ~(1u << gsi);
    bool now = asserted(io, gsi);
    if (now && (!was || (io->redir[gsi] & RTE_LEVEL)))
        deliver(d, io, gsi);
    spin_unlock(&io->lock);
}

void vioapic_eoi(struct domain *d, uint8_t vector)
{
    struct vioapic *io = &d->arch.plat->ioapic;

    spin_lock(&io->lock);
    for (unsigned pin = 0; pin < VIREO_PLAT_IOAPIC_PINS; pin++) {
        uint64_t rte = io->redir[pin];
        if ((uint8_t)rte != vector || !(rte & RTE_LEVEL) || !(rte & RTE_REMOTE_IRR))
            continue;
        io->redir[pin] &= ~RTE_REMOTE_IRR;
        if (asserted(io, pin))
            deliver(d, io, pin); /* still asserted: the device wants service again */
    }
    spin_unlock(&io->lock);
}

static uint32_t read_reg(struct vioapic *io, uint32_t reg)
{
    if (reg == IOAPIC_REG_ID)
        return io->id << 24;
    if (reg == IOAPIC_REG_VERSION)
        return IOAPIC_VERSION;
    if (reg == IOAPIC_REG_ARB)
        return io->id << 24;
    if (reg >= IOAPIC_REG_REDIR && reg < IOAPIC_REG_REDIR + 2 * VIREO_PLAT_IOAPIC_PINS) {
        uint64_t rte = io->redir[(reg - IOAPIC_REG_REDIR) / 2];
        return reg & 1 ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    return 0xffffffffu; /* no such register */
}

static void write_reg(struct domain *d, struct vioapic *io, uint32_t reg, uint32_t val)
{
    if (reg == IOAPIC_REG_ID) {
        io->id = (val >> 24) & 0xf;
        return;
    }
    if (reg < IOAPIC_REG_REDIR || reg >= IOAPIC_REG_REDIR + 2 * VIREO_PLAT_IOAPIC_PINS)
        return; /* version, arbitration, holes: read-only */
    unsigned pin = (reg - IOAPIC_REG_REDIR) / 2;
    uint64_t rte = io->redir[pin];
    uint64_t v = reg & 1 ? (rte & 0xffffffffull) | ((uint64_t)val << 32)
                         : (rte & ~0xffffffffull) | val;
    v = (v & RTE_WRITABLE) | (rte & RTE_REMOTE_IRR);
    if (!(v & RTE_LEVEL))
        v &= ~RTE_REMOTE_IRR;
    io->redir[pin] = v;
    if (asserted(io, pin) && (v & RTE_LEVEL))
        deliver(d, io, pin); /* unmasked while the device asserts it */
}

static int mmio_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct vioapic *io = &vplat_of(v)->ioapic;
    unsigned off = gpa & 0xfff;

    spin_lock(&io->lock);
    if (off == IOAPIC_REGSEL)
        *val = io->regsel;
    else if (off == IOAPIC_WINDOW)
        *val = read_reg(io, io->regsel);
    else
        *val = 0;
    spin_unlock(&io->lock);
    return 0;
}

static int mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    struct vioapic *io = &vplat_of(v)->ioapic;
    unsigned off = gpa & 0xfff;

    spin_lock(&io->lock);
    if (off == IOAPIC_REGSEL)
        io->regsel = (uint8_t)val;
    else if (off == IOAPIC_WINDOW)
        write_reg(v->dom, io, io->regsel, (uint32_t)val);
    spin_unlock(&io->lock);
    return 0;
}

const struct mmio_ops vioapic_mmio_ops = {.read = mmio_read, .write = mmio_write};

void vioapic_save(struct vioapic *io, struct vireo_plat_ioapic *out)
{
    memset(out, 0, sizeof(*out));
    spin_lock(&io->lock);
    out->regsel = io->regsel, out->id = io->id, out->lines = io->lines;
    memcpy(out->redir, io->redir, sizeof(out->redir));
    spin_unlock(&io->lock);
}

bool vioapic_ctx_valid(const struct vireo_plat_ioapic *in)
{
    if (in->regsel > 0xff || in->id > 0xf || in->lines >> VIREO_PLAT_IOAPIC_PINS || in->pad0)
        return false;
    for (unsigned i = 0; i < VIREO_PLAT_IOAPIC_PINS; i++)
        if (in->redir[i] & ~(RTE_WRITABLE | RTE_REMOTE_IRR))
            return false;
    return true;
}

void vioapic_load(struct vioapic *io, const struct vireo_plat_ioapic *in)
{
    spin_lock(&io->lock);
    io->regsel = in->regsel, io->id = in->id, io->lines = in->lines;
    memcpy(io->redir, in->redir, sizeof(io->redir));
    spin_unlock(&io->lock);
}
