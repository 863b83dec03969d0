/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save and restore in the libvireoctl backend: a paused domain's hv state as the save
 * image's VD_SAVE_HV_* records (vd-save-image.h), and a new paused domain made from them.
 * Each call opens a handle of its own, as a build does: it takes seconds, and the shared
 * handle's lock serves every other domain meanwhile.
 */
#include "vd-hv-vireoctl.h"
#include "vd-error.h"
#include "vd-save-image.h"

#include <errno.h>
#include <string.h>

#include "vireoctl.h"

#define FOUR_GIB_GFN ((4ull << 30) / VIREO_PAGE_SIZE)

typedef struct ram_range {
    uint64_t first, nr; /* frames */
} ram_range;

/* Where a guest's RAM lies (public/vireo.h): a platform guest's below 3 GiB and the rest
 * from 4 GiB, a test guest's from 0. Frames in these ranges may still be holes. */
static unsigned ram_ranges(uint64_t ram_bytes, bool platform, ram_range out[2])
{
    uint64_t pages = ram_bytes / VIREO_PAGE_SIZE;
    uint64_t low = platform ? MIN(pages, VIREO_PLAT_LOW_RAM_END / VIREO_PAGE_SIZE) : pages;
    out[0] = (ram_range){0, low};
    if (low == pages)
        return 1;
    out[1] = (ram_range){FOUR_GIB_GFN, pages - low};
    return 2;
}

static bool in_ranges(const ram_range *r, unsigned n, uint64_t gfn, uint64_t nr)
{
    for (unsigned i = 0; i < n; i++)
        if (gfn >= r[i].first && nr <= r[i].nr && gfn - r[i].first <= r[i].nr - nr)
            return true;
    return false;
}

static vctl_t *open_handle(vd_error **err)
{
    vctl_t *h = vctl_open();
    if (!h)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot open the hypervisor: %s",
                g_strerror(errno));
    return h;
}

static bool hv_failed(int rc, const char *what, const char *name, vd_error **err)
{
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "%s of domain '%s': %s", what, name,
            g_strerror(-rc));
    return false;
}

/* ---- save ------------------------------------------------------------------------------ */

typedef struct frames_out {
    vd_save_writer *w;
    vd_error **err;
} frames_out;

static int write_frames(void *ctx, uint64_t gfn, uint64_t nr, const void *data)
{
    frames_out *o = ctx;
    uint64_t head[2] = {gfn, nr};
    return vd_save_write_record(o->w, VD_SAVE_HV_MEMORY, head, sizeof(head), data,
                                nr * VIREO_PAGE_SIZE, o->err)
               ? 0
               : -EIO;
}

bool vd_hv_vireoctl_save(int domid, const vd_domain_def *def, vd_save_writer *w, vd_error **err)
{
    g_autofree struct vctl_domain_state *s = g_new0(struct vctl_domain_state, 1);
    vctl_t *h = open_handle(err);
    if (!h)
        return false;
    bool ok = false;
    int rc = vctl_domain_get_state(h, (uint32_t)domid, s);
    if (rc < 0) {
        hv_failed(rc, "reading the state", def->name, err);
        goto out;
    }
    /* A test guest keeps state in hv that no context holds (its time page, its balloon
     * calls): only guests on the platform travel. */
    if (!s->platform_len) {
        vd_fail(err, VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_DOMAIN,
                "cannot save domain '%s': only Linux domUs on the guest platform can be saved, "
                "not ELF test guests",
                def->name);
        goto out;
    }
    struct vd_save_hv_domain dom = {
        .nr_vcpus = s->nr_vcpus,
        .nr_online_vcpus = s->nr_online_vcpus,
        .weight = s->weight,
        .cap = s->cap,
        .flags = s->platform_len ? VD_SAVE_HV_PLATFORM_GUEST : 0,
        .max_pages = s->max_pages,
        .target_pages = s->target_pages,
        .ram_bytes = def->memory_kib * 1024,
    };
    if (!vd_save_write_record(w, VD_SAVE_HV_DOMAIN, &dom, sizeof(dom), NULL, 0, err))
        goto out;
    for (uint32_t v = 0; v < s->nr_vcpus; v++) {
        uint32_t head[2] = {v, 0};
        if (!vd_save_write_record(w, VD_SAVE_HV_VCPU, head, sizeof(head), &s->vcpu[v],
                                  sizeof(s->vcpu[v]), err))
            goto out;
    }
    if (s->platform_len &&
        !vd_save_write_record(w, VD_SAVE_HV_PLATFORM, NULL, 0, s->platform, s->platform_len, err))
        goto out;
    ram_range ranges[2];
    unsigned n = ram_ranges(dom.ram_bytes, s->platform_len, ranges);
    frames_out o = {w, err};
    for (unsigned i = 0; i < n; i++) {
        rc = vctl_domain_read_frames(h, (uint32_t)domid, ranges[i].first, ranges[i].nr,
                                     write_frames, &o);
        if (rc == -EIO)
            goto out; /* the writer said why */
        if (rc < 0) {
            hv_failed(rc, "reading the memory", def->name, err);
            goto out;
        }
    }
    ok = true;
out:
    vctl_close(h);
    return ok;
}

/* ---- restore --------------------------------------------------------------------------- */

static bool expect(vd_save_reader *r, uint32_t want, uint64_t len, vd_error **err)
{
    uint32_t type;
    uint64_t got;
    if (!vd_save_next(r, &type, &got, err))
        return false;
    if (type == want && got == len)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "save image is damaged: record %u of %" G_GUINT64_FORMAT " bytes where record %u "
            "of %" G_GUINT64_FORMAT " bytes belongs",
            type, got, want, len);
    return false;
}

static bool read_shape(vd_save_reader *r, struct vctl_domain_state *s,
                       struct vd_save_hv_domain *dom, vd_error **err)
{
    if (!expect(r, VD_SAVE_HV_DOMAIN, sizeof(*dom), err) ||
        !vd_save_read(r, dom, sizeof(*dom), err))
        return false;
    if (dom->nr_vcpus < 1 || dom->nr_vcpus > VIREO_MAX_VCPUS || dom->nr_online_vcpus < 1 ||
        dom->nr_online_vcpus > dom->nr_vcpus || dom->flags & ~VD_SAVE_HV_PLATFORM_GUEST ||
        dom->ram_bytes / VIREO_PAGE_SIZE > dom->max_pages || dom->target_pages > dom->max_pages) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "save image is damaged: its domain record is inconsistent");
        return false;
    }
    s->nr_vcpus = dom->nr_vcpus;
    s->nr_online_vcpus = dom->nr_online_vcpus;
    s->weight = dom->weight;
    s->cap = dom->cap;
    s->max_pages = dom->max_pages;
    s->target_pages = dom->target_pages;
    for (uint32_t v = 0; v < s->nr_vcpus; v++) {
        uint32_t head[2];
        if (!expect(r, VD_SAVE_HV_VCPU, sizeof(head) + sizeof(s->vcpu[v]), err) ||
            !vd_save_read(r, head, sizeof(head), err) ||
            !vd_save_read(r, &s->vcpu[v], sizeof(s->vcpu[v]), err))
            return false;
        if (head[0] != v || head[1]) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "save image is damaged: vCPU record %u out of order", head[0]);
            return false;
        }
    }
    return true;
}

/* Memory records until END, each backed and filled in the new domain. */
static bool read_memory(vctl_t *h, uint32_t domid, vd_save_reader *r, uint32_t type, uint64_t len,
                        const ram_range *ranges, unsigned n, const char *name, vd_error **err)
{
    g_autofree uint8_t *buf = g_malloc(512 * VIREO_PAGE_SIZE);
    for (;;) {
        if (type == VD_SAVE_END)
            return true;
        uint64_t head[2];
        if (type != VD_SAVE_HV_MEMORY || len < sizeof(head) ||
            !vd_save_read(r, head, sizeof(head), err))
            goto damaged;
        if (!head[1] || head[1] > 512 || len != sizeof(head) + head[1] * VIREO_PAGE_SIZE ||
            !in_ranges(ranges, n, head[0], head[1]))
            goto damaged;
        if (!vd_save_read(r, buf, head[1] * VIREO_PAGE_SIZE, err))
            return false;
        int rc = vctl_domain_write_frames(h, domid, head[0], head[1], buf);
        if (rc < 0)
            return hv_failed(rc, "restoring the memory", name, err);
        if (!vd_save_next(r, &type, &len, err))
            return false;
    }
damaged:
    if (err && !*err)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "save image is damaged: a memory record is malformed or out of the guest's RAM");
    return false;
}

int vd_hv_vireoctl_restore(const vd_domain_def *def, vd_save_reader *r, bool *platform,
                           vd_error **err)
{
    g_autofree struct vctl_domain_state *s = g_new0(struct vctl_domain_state, 1);
    struct vd_save_hv_domain dom;
    if (!read_shape(r, s, &dom, err))
        return -1;
    uint32_t type;
    uint64_t len;
    if (!vd_save_next(r, &type, &len, err))
        return -1;
    bool has_platform = dom.flags & VD_SAVE_HV_PLATFORM_GUEST;
    if (has_platform) {
        if (type != VD_SAVE_HV_PLATFORM || !len || len > sizeof(s->platform)) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "save image is damaged: the platform record is missing or malformed");
            return -1;
        }
        s->platform_len = (uint32_t)len;
        if (!vd_save_read(r, s->platform, len, err) || !vd_save_next(r, &type, &len, err))
            return -1;
    }
    vctl_t *h = open_handle(err);
    if (!h)
        return -1;
    uint32_t domid;
    int rc = vctl_domain_create_for_restore(h, def->name, def->uuid, s, &domid);
    if (rc < 0) {
        hv_failed(rc, "creating the restored domain", def->name, err);
        vctl_close(h);
        return -1;
    }
    ram_range ranges[2];
    unsigned n = ram_ranges(dom.ram_bytes, has_platform, ranges);
    if (!read_memory(h, domid, r, type, len, ranges, n, def->name, err)) {
        vctl_domain_abort_restore(h, domid, def->name);
        vctl_close(h);
        return -1;
    }
    /* END was read and its digest checked: the whole image is what was saved. */
    rc = vctl_domain_finish_restore(h, domid, def->name, s);
    vctl_close(h);
    if (rc < 0) {
        hv_failed(rc, "loading the saved contexts", def->name, err);
        return -1;
    }
    *platform = has_platform;
    return (int)domid;
}
