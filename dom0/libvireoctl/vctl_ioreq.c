/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: serving a domain's devices (vireo-dm). The handle attaches as the
 * domain's device model and answers the I/O requests hv leaves in the shared page
 * (public/vireo.h, docs/device-model.md).
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vctl_private.h"

int vctl_ioreq_attach(vctl_t *h, uint32_t domid, struct vireo_ioreq_page **page)
{
    if (h->dm_page)
        return -EBUSY;
    if (ioctl(h->fd, VIREO_DEV_IOC_IOREQ_ATTACH, &domid) < 0)
        return -errno;
    void *p = mmap(NULL, VIREO_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd,
                   (off_t)VIREO_DEV_IOREQ_PAGE_OFFSET);
    if (p == MAP_FAILED)
        return -errno; /* attached all the same: closing the handle detaches */
    h->dm_page = p;
    *page = p;
    return 0;
}

int vctl_ioreq_set_doorbell(vctl_t *h, unsigned index, uint64_t gpa, unsigned size,
                            bool match_value, uint32_t value)
{
    if (!h->dm_page)
        return -ENOENT;
    if (index >= VIREO_IOREQ_DOORBELLS || (size != 1 && size != 2 && size != 4 && size != 8))
        return -EINVAL;
    struct vireo_doorbell *db = &h->dm_page->doorbell[index];
    /* hv reads the entry while we write it: invalid first, valid last. */
    __atomic_store_n(&db->flags, 0, __ATOMIC_RELEASE);
    db->addr = gpa;
    db->size = (uint16_t)size;
    db->value = value;
    uint16_t flags = VIREO_DOORBELL_VALID | (match_value ? VIREO_DOORBELL_MATCH_VALUE : 0);
    __atomic_store_n(&db->flags, flags, __ATOMIC_RELEASE);
    return 0;
}

int vctl_ioreq_share_memory(vctl_t *h, bool shared)
{
    uint32_t on = shared;
    if (ioctl(h->fd, VIREO_DEV_IOC_IOREQ_SHARE_MEMORY, &on) < 0)
        return -errno;
    return 0;
}

int vctl_ioreq_set_irq(vctl_t *h, uint32_t gsi, bool asserted)
{
    struct vireo_dev_irq irq = {.gsi = gsi, .level = asserted};
    if (ioctl(h->fd, VIREO_DEV_IOC_IOREQ_SET_IRQ, &irq) < 0)
        return -errno;
    return 0;
}

static int serve(vctl_t *h, struct vireo_ioreq *req, uint32_t vcpu,
                 const struct vctl_ioreq_ops *ops, void *ctx)
{
    unsigned size = req->size;
    if (size == 1 || size == 2 || size == 4 || size == 8) {
        if (req->dir == VIREO_IOREQ_READ)
            req->data = ops->read(ctx, req->addr, size);
        else
            ops->write(ctx, req->addr, size, req->data);
    } /* hv never makes another size: answer without acting */
    __atomic_store_n(&req->state, VIREO_IOREQ_DONE, __ATOMIC_RELEASE);
    return ioctl(h->fd, VIREO_DEV_IOC_IOREQ_COMPLETE, &vcpu) < 0 ? -errno : 0;
}

int vctl_ioreq_dispatch(vctl_t *h, const struct vctl_ioreq_ops *ops, void *ctx)
{
    struct vireo_ioreq_page *pg = h->dm_page;
    int served = 0;

    if (!pg)
        return -ENOENT;
    uint64_t rung = __atomic_exchange_n(&pg->doorbells_rung, 0, __ATOMIC_ACQ_REL);
    for (unsigned i = 0; rung; i++, rung >>= 1)
        if (rung & 1) {
            ops->doorbell(ctx, i);
            served++;
        }
    /* Each waiting vCPU has one request; no order among vCPUs is owed, since every
     * request holds its vCPU until it is completed. */
    for (uint32_t v = 0; v < VIREO_MAX_VCPUS; v++) {
        struct vireo_ioreq *req = &pg->slot[v];
        if (__atomic_load_n(&req->state, __ATOMIC_ACQUIRE) != VIREO_IOREQ_READY)
            continue;
        int rc = serve(h, req, v, ops, ctx);
        if (rc < 0)
            return rc;
        served++;
    }
    return served;
}
