/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The glue between vireo-dm's bus and libvireoctl's device-model calls.
 */
#include "vdm_hv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "vdm_device.h"
#include "vireoctl.h"

static int hv_set_irq(void *ctx, unsigned gsi, bool level)
{
    struct vdm_hv *hv = ctx;
    int ret = vctl_ioreq_set_irq(hv->h, gsi, level);

    if (ret < 0)
        g_message("GSI %u %s: %s", gsi, level ? "assert" : "deassert", g_strerror(-ret));
    return ret;
}

static int hv_set_doorbell(void *ctx, unsigned index, uint64_t gpa, unsigned size,
                           uint32_t value)
{
    struct vdm_hv *hv = ctx;

    return vctl_ioreq_set_doorbell(hv->h, index, gpa, size, true, value);
}

static int hv_share_memory(void *ctx, bool shared)
{
    struct vdm_hv *hv = ctx;

    return vctl_ioreq_share_memory(hv->h, shared);
}

const struct vdm_bus_host vdm_hv_bus_host = {
    .set_irq = hv_set_irq,
    .set_doorbell = hv_set_doorbell,
    .share_memory = hv_share_memory,
};

static int64_t hv_target(void *ctx)
{
    struct vdm_hv *hv = ctx;
    struct vireo_domain_info info;
    int ret = vctl_domain_info(hv->h, hv->domid, &info);

    return ret < 0 ? ret : (int64_t)info.target_pages;
}

/* Our mapping of frames [gfn, gfn + nr): they lie in one RAM region (the balloon checked). */
static void *host_frames(struct vdm_hv *hv, uint64_t gfn, uint64_t nr)
{
    return vdm_guest_mem_ptr(hv->mem, gfn * VIREO_PAGE_SIZE, nr * VIREO_PAGE_SIZE);
}

/* The domain lets go of the frames first; dropping our mapping then frees them in hv
 * (a foreign mapping holds a reference). */
static int hv_give(void *ctx, uint64_t gfn, uint64_t nr)
{
    struct vdm_hv *hv = ctx;
    void *host = host_frames(hv, gfn, nr);
    int64_t released;

    if (host == NULL)
        return -EINVAL;
    released = vctl_memory_release(hv->h, hv->domid, gfn, nr);
    if (released < 0)
        return (int)released;
    return vctl_foreign_drop(hv->h, host, nr);
}

static int hv_take(void *ctx, uint64_t gfn, uint64_t nr)
{
    struct vdm_hv *hv = ctx;
    void *host = host_frames(hv, gfn, nr);
    int ret;

    if (host == NULL)
        return -EINVAL;
    ret = vctl_memory_populate(hv->h, hv->domid, gfn, nr);
    if (ret < 0)
        return ret;
    return vctl_foreign_restore(hv->h, host, nr);
}

static gboolean look_at_target(gpointer data)
{
    struct vdm_hv *hv = data;

    hv->target_watcher(hv->target_watcher_data);
    return G_SOURCE_CONTINUE;
}

/*
 * hv has no event for a changed target: the ones it raises while dom0 makes a hypercall
 * are self-IPIs on CPU 0 taken at the next VMRUN into dom0, which is where QEMU's TCG
 * fault (docs/hv.md) strikes, and both node runs made with such an event hit it as a
 * domain started and lost dom0.
 * One DOMAIN_GET_INFO a second costs next to nothing and covers every caller of
 * DOMAIN_SET_TARGET (virtvireod's setmem, vireo-ctl mem-set).
 */
static void hv_watch_target(void *ctx, void (*fn)(void *data), void *data)
{
    struct vdm_hv *hv = ctx;

    hv->target_watcher = fn;
    hv->target_watcher_data = data;
    if (hv->target_timer == 0)
        hv->target_timer = g_timeout_add_seconds(VDM_HV_TARGET_POLL_S, look_at_target, hv);
}

const struct vdm_memory_host vdm_hv_memory_host = {
    .target = hv_target,
    .give = hv_give,
    .take = hv_take,
    .watch_target = hv_watch_target,
};

static bool map_range(struct vdm_hv *hv, struct vdm_guest_mem *mem, uint64_t gpa,
                      uint64_t bytes, void **where, GError **error)
{
    uint64_t pages = bytes / VIREO_PAGE_SIZE;

    *where = vctl_map_foreign(hv->h, hv->domid, gpa / VIREO_PAGE_SIZE, pages);
    if (*where == NULL) {
        g_set_error(error, VDM_ERROR, 0, "mapping guest RAM at 0x%" G_GINT64_MODIFIER "x "
                    "(%" G_GUINT64_FORMAT " MiB): %s", gpa, bytes >> 20, g_strerror(errno));
        return false;
    }
    vdm_guest_mem_add(mem, gpa, pages * VIREO_PAGE_SIZE, *where);
    return true;
}

static bool map_ram(struct vdm_hv *hv, uint64_t mem_bytes, struct vdm_guest_mem *mem,
                    GError **error)
{
    uint64_t low, high;

    vdm_guest_mem_layout(mem_bytes, &low, &high);
    hv->low_pages = low / VIREO_PAGE_SIZE;
    hv->high_pages = high / VIREO_PAGE_SIZE;
    if (!map_range(hv, mem, 0, low, &hv->low, error))
        return false;
    return high == 0 || map_range(hv, mem, VDM_HIGH_RAM_BASE, high, &hv->high, error);
}

bool vdm_hv_open(struct vdm_hv *hv, uint32_t domid, uint64_t mem_bytes,
                 struct vdm_guest_mem *mem, GError **error)
{
    int ret;

    memset(hv, 0, sizeof(*hv));
    hv->domid = domid;
    hv->h = vctl_open();
    if (hv->h == NULL) {
        g_set_error(error, VDM_ERROR, 0, "/dev/vireo: %s", g_strerror(errno));
        return false;
    }
    /* Events are read after poll() says so; a wake-up that finds none must not block. */
    fcntl(vctl_fd(hv->h), F_SETFL, fcntl(vctl_fd(hv->h), F_GETFL) | O_NONBLOCK);
    vdm_guest_mem_init(mem);
    hv->mem = mem;
    if (!map_ram(hv, mem_bytes, mem, error))
        return false;
    ret = vctl_ioreq_attach(hv->h, domid, &hv->page);
    if (ret < 0) {
        g_set_error(error, VDM_ERROR, 0, "attaching to domain %u: %s", domid,
                    ret == -EBUSY ? "it already has a device model" : g_strerror(-ret));
        return false;
    }
    return true;
}

int vdm_hv_fd(const struct vdm_hv *hv)
{
    return vctl_fd(hv->h);
}

static uint64_t hv_read(void *ctx, uint64_t gpa, unsigned size)
{
    return vdm_bus_read(ctx, gpa, size);
}

static void hv_write(void *ctx, uint64_t gpa, unsigned size, uint64_t value)
{
    vdm_bus_write(ctx, gpa, size, value);
}

static void hv_doorbell(void *ctx, unsigned index)
{
    vdm_bus_doorbell(ctx, index);
}

static const struct vctl_ioreq_ops hv_ops = {
    .doorbell = hv_doorbell,
    .read = hv_read,
    .write = hv_write,
};

int vdm_hv_serve(struct vdm_hv *hv, struct vdm_bus *bus, bool *domain_changed)
{
    int64_t bits = vctl_events_read(vctl_fd(hv->h));

    if (bits < 0)
        return (int)bits;
    *domain_changed = (bits & VIREO_EVENT_DOMAIN_STATE) != 0;
    /* The bits say there is work; the page says which. Looking costs nothing. */
    return vctl_ioreq_dispatch(hv->h, &hv_ops, bus);
}

bool vdm_hv_domain_ended(struct vdm_hv *hv)
{
    struct vireo_domain_info info;
    int ret;

    ret = vctl_domain_info(hv->h, hv->domid, &info);
    if (ret == -ESRCH)
        return true;
    if (ret < 0)
        return false;
    return info.state == VIREO_DOMSTATE_SHUTDOWN || info.state == VIREO_DOMSTATE_CRASHED ||
           info.state == VIREO_DOMSTATE_DYING;
}

void vdm_hv_close(struct vdm_hv *hv)
{
    if (hv->low != NULL)
        vctl_unmap_foreign(hv->low, hv->low_pages);
    if (hv->high != NULL)
        vctl_unmap_foreign(hv->high, hv->high_pages);
    if (hv->target_timer != 0)
        g_source_remove(hv->target_timer);
    if (hv->h != NULL)
        vctl_close(hv->h); /* detaches */
    memset(hv, 0, sizeof(*hv));
}
