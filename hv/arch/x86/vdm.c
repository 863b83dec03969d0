/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's side of a platform domain: guest accesses to the DM window become
 * I/O requests in the page dom0's device model shares with hv (public/vireo.h,
 * docs/device-model.md). The vCPU waits for an answer outside guest mode and then executes
 * its instruction again, finding the answers it already got; a doorbell write only sets a
 * bit, so the vCPU goes on at once.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/mm.h"
#include "hv/sched.h"
#include "arch/decode.h"
#include "arch/svm.h"
#include "vplat.h"

static struct vdm_vcpu *dm_vcpu(struct vcpu *v)
{
    return &vplat_of(v)->dm_vcpu[v->id];
}

bool vdm_window(const struct vcpu *v, uint64_t gpa)
{
    return gpa - VIREO_PLAT_DM_BASE < VIREO_PLAT_DM_SIZE && READ_ONCE(vplat_of(v)->dm_page);
}

/* Tells dom0 the page has work: one interrupt per burst (event_raise). */
static void notify(struct vireo_ioreq_page *pg)
{
    __atomic_store_n(&pg->pending, 1, __ATOMIC_RELEASE);
    event_raise(VIREO_EVENT_IOREQ);
}

/* The table is dom0's and changes under us: each entry is read once, and a torn entry
 * can only make a write a request instead of a doorbell or the other way round. */
static bool ring_doorbell(struct vireo_ioreq_page *pg, uint64_t gpa, unsigned size, uint64_t val)
{
    for (unsigned i = 0; i < VIREO_IOREQ_DOORBELLS; i++) {
        const struct vireo_doorbell *db = &pg->doorbell[i];
        uint16_t flags = __atomic_load_n(&db->flags, __ATOMIC_ACQUIRE);
        if (!(flags & VIREO_DOORBELL_VALID) || READ_ONCE(db->addr) != gpa ||
            READ_ONCE(db->size) != size)
            continue;
        if ((flags & VIREO_DOORBELL_MATCH_VALUE) && READ_ONCE(db->value) != (uint32_t)val)
            continue;
        __atomic_fetch_or(&pg->doorbells_rung, 1ull << i, __ATOMIC_ACQ_REL);
        __atomic_fetch_add(&pg->doorbell_writes, 1, __ATOMIC_RELAXED);
        notify(pg);
        return true;
    }
    return false;
}

static int request(struct vcpu *v, struct vireo_ioreq_page *pg, const struct vdm_access *a)
{
    struct vireo_ioreq *slot = &pg->slot[v->id];

    slot->addr = a->addr;
    slot->size = a->size;
    slot->dir = a->dir;
    slot->data = a->data;
    slot->pad0 = 0;
    slot->seq = __atomic_add_fetch(&pg->requests, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->state, VIREO_IOREQ_READY, __ATOMIC_RELEASE);
    dm_vcpu(v)->waiting = true;
    notify(pg);
    return MMIO_RETRY;
}

/* One access of the instruction: answered before (it runs again after a wait), a
 * doorbell, or a new request the vCPU waits for. */
static int dm_access(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val, uint8_t dir)
{
    struct vplat *p = vplat_of(v);
    struct vdm_vcpu *w = dm_vcpu(v);

    if (w->next < w->nr_done) {
        const struct vdm_access *a = &w->done[w->next];
        if (a->addr == gpa && a->size == size && a->dir == dir) {
            w->next++;
            if (dir == VIREO_IOREQ_READ)
                *val = a->data;
            return 0;
        }
        w->nr_done = 0; /* another vCPU rewrote the instruction meanwhile: start afresh */
    }
    if (w->nr_done == VDM_DONE_MAX)
        return -1; /* no instruction hv emulates makes more */

    w->pending = (struct vdm_access){.addr = gpa,
                                     .data = dir == VIREO_IOREQ_WRITE ? *val : 0,
                                     .size = (uint8_t)size,
                                     .dir = dir};
    int rc = 0;
    spin_lock(&p->dm_lock);
    struct vireo_ioreq_page *pg = p->dm_page;
    if (!pg) { /* detached since the exit began: the domain is being crashed */
        if (dir == VIREO_IOREQ_READ)
            *val = insn_size_mask(size);
    } else if (dir == VIREO_IOREQ_READ || !ring_doorbell(pg, gpa, size, *val)) {
        rc = request(v, pg, &w->pending);
    }
    spin_unlock(&p->dm_lock);
    return rc;
}

static int dm_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    return dm_access(v, gpa, size, val, VIREO_IOREQ_READ);
}

static int dm_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    return dm_access(v, gpa, size, &val, VIREO_IOREQ_WRITE);
}

/* Strings would need answers per element: Linux's virtio drivers never use them here. */
const struct mmio_ops vdm_mmio_ops = {.read = dm_read, .write = dm_write, .no_strings = true};

/* Executes the instruction at RIP with the answers got so far. */
static void execute(struct vcpu *v, uint64_t npf_gpa)
{
    struct vdm_vcpu *w = dm_vcpu(v);
    const char *why = NULL;

    w->next = 0;
    w->npf_gpa = npf_gpa;
    if (mmio_emulate(v, npf_gpa, &vdm_mmio_ops, &why)) {
        w->waiting = false;
        domain_crash(v->dom, VIREO_CRASH_UNHANDLED_EXIT, "%s at gpa 0x%lx rip 0x%lx", why,
                     (unsigned long)npf_gpa, (unsigned long)v->arch.vmcb->save.rip);
    }
    if (!w->waiting)
        w->nr_done = 0; /* the instruction completed (or faulted): its answers are spent */
}

void vdm_mmio(struct vcpu *v, uint64_t gpa)
{
    dm_vcpu(v)->nr_done = 0;
    execute(v, gpa);
}

bool vdm_waiting(const struct vcpu *v)
{
    return v->dom->arch.plat && vplat_of(v)->dm_vcpu[v->id].waiting;
}

bool vdm_resume(struct vcpu *v)
{
    struct vplat *p = vplat_of(v);
    struct vdm_vcpu *w = dm_vcpu(v);

    spin_lock(&p->dm_lock);
    struct vireo_ioreq_page *pg = p->dm_page;
    if (pg) {
        struct vireo_ioreq *slot = &pg->slot[v->id];
        if (__atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != VIREO_IOREQ_DONE) {
            spin_unlock(&p->dm_lock);
            return false;
        }
        struct vdm_access *a = &w->done[w->nr_done++];
        *a = w->pending;
        if (a->dir == VIREO_IOREQ_READ)
            a->data = READ_ONCE(slot->data) & insn_size_mask(a->size);
        __atomic_store_n(&slot->state, VIREO_IOREQ_FREE, __ATOMIC_RELEASE);
    }
    spin_unlock(&p->dm_lock);
    w->waiting = false;
    if (!pg) { /* detached: the domain is crashed and will not run again */
        w->nr_done = 0;
        return true;
    }
    execute(v, w->npf_gpa);
    return !w->waiting;
}

int arch_dm_attach(struct domain *d, struct domain *caller, uint64_t page_gpa)
{
    struct vplat *p = d->arch.plat;

    if (!p)
        return -VIREO_EINVAL;
    if (page_gpa & (PAGE_SIZE - 1) || guest_check(caller, page_gpa, PAGE_SIZE, true))
        return -VIREO_EFAULT;
    spin_lock(&p->dm_lock);
    int rc = p->dm_page ? -VIREO_EBUSY : 0;
    if (!rc)
        p->dm_page = phys_to_virt(page_gpa); /* dom0 is identity mapped */
    spin_unlock(&p->dm_lock);
    return rc;
}

int arch_dm_detach(struct domain *d)
{
    struct vplat *p = d->arch.plat;

    if (!p)
        return -VIREO_ENOENT;
    spin_lock(&p->dm_lock);
    bool had = p->dm_page;
    p->dm_page = NULL;
    spin_unlock(&p->dm_lock);
    if (!had)
        return -VIREO_ENOENT;
    if (d->state == DOM_RUNNING)
        domain_crash(d, VIREO_CRASH_DEVICE_MODEL, "its device model went away");
    return 0;
}

/* Only a kick: the vCPU itself takes the answer once the slot says DONE. It may have
 * taken it already (another wake-up came first), so the slot's state is not checked. */
int arch_dm_complete(struct domain *d, uint32_t vcpu)
{
    struct vplat *p = d->arch.plat;

    if (!p || vcpu >= d->nr_vcpus)
        return -VIREO_EINVAL;
    if (!READ_ONCE(p->dm_page))
        return -VIREO_ENOENT;
    sched_kick_vcpu(d->vcpus[vcpu]); /* wakes it, or its next block returns at once */
    return 0;
}

int arch_dm_set_irq(struct domain *d, uint32_t gsi, uint32_t level)
{
    struct vplat *p = d->arch.plat;

    if (gsi < VIREO_PLAT_DM_GSI_FIRST || gsi > VIREO_PLAT_DM_GSI_LAST)
        return -VIREO_ERANGE;
    if (level > 1)
        return -VIREO_EINVAL;
    if (!p || !READ_ONCE(p->dm_page))
        return -VIREO_ENOENT;
    vioapic_set_level(d, gsi, level);
    return 0;
}
