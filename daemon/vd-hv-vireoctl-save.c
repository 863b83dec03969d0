/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save, restore and migration in the libvireoctl backend: a domain's hv state as the save
 * image's VD_SAVE_HV_* records (vd-save-image.h), all at once from a paused domain for a
 * save, or its memory first and again as the guest dirties it for a live migration; and a
 * new paused domain made from such records.
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
#define RECORD_FRAMES 512 /* frames in one memory record at most: what read_frames hands over */

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
    int64_t data_frames; /* sent with their contents (not as HV_ZERO) */
} frames_out;

static bool frame_is_zero(const uint8_t *frame)
{
    const uint64_t *w = (const uint64_t *)frame;
    for (size_t i = 0; i < VIREO_PAGE_SIZE / sizeof(*w); i++)
        if (w[i])
            return false;
    return true;
}

/* A run of frames as HV_ZERO records for its all-zero stretches and HV_MEMORY for the
 * rest: what a guest never wrote costs 24 bytes a run, not 4 KiB a frame. */
static int write_frames(void *ctx, uint64_t gfn, uint64_t nr, const void *data)
{
    frames_out *o = ctx;
    const uint8_t *bytes = data;
    for (uint64_t i = 0; i < nr;) {
        bool zero = frame_is_zero(bytes + i * VIREO_PAGE_SIZE);
        uint64_t n = 1;
        while (i + n < nr && frame_is_zero(bytes + (i + n) * VIREO_PAGE_SIZE) == zero)
            n++;
        uint64_t head[2] = {gfn + i, n};
        if (!vd_save_write_record(o->w, zero ? VD_SAVE_HV_ZERO : VD_SAVE_HV_MEMORY, head,
                                  sizeof(head), zero ? NULL : bytes + i * VIREO_PAGE_SIZE,
                                  zero ? 0 : n * VIREO_PAGE_SIZE, o->err))
            return -EIO;
        o->data_frames += zero ? 0 : (int64_t)n;
        i += n;
    }
    return 0;
}

/* HV_VCPU records, then HV_PLATFORM when the guest has the platform. */
static bool write_contexts(const struct vctl_domain_state *s, vd_save_writer *w, vd_error **err)
{
    for (uint32_t v = 0; v < s->nr_vcpus; v++) {
        uint32_t head[2] = {v, 0};
        if (!vd_save_write_record(w, VD_SAVE_HV_VCPU, head, sizeof(head), &s->vcpu[v],
                                  sizeof(s->vcpu[v]), err))
            return false;
    }
    return !s->platform_len ||
           vd_save_write_record(w, VD_SAVE_HV_PLATFORM, NULL, 0, s->platform, s->platform_len, err);
}

bool vd_hv_vireoctl_save(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                         vd_error **err)
{
    (void)hv;
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
    if (!vd_save_write_record(w, VD_SAVE_HV_DOMAIN, &dom, sizeof(dom), NULL, 0, err) ||
        !write_contexts(s, w, err))
        goto out;
    ram_range ranges[2];
    unsigned n = ram_ranges(dom.ram_bytes, s->platform_len, ranges);
    frames_out o = {w, err, 0};
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

/* ---- migration: the same records, memory first and again as it is dirtied ------------- */

bool vd_hv_vireoctl_migrate_shape(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                  vd_save_writer *w, vd_error **err)
{
    (void)hv;
    vctl_t *h = open_handle(err);
    if (!h)
        return false;
    struct vireo_domain_info info;
    int rc = vctl_domain_info(h, (uint32_t)domid, &info);
    vctl_close(h);
    if (rc < 0)
        return hv_failed(rc, "reading the shape", def->name, err);
    struct vd_save_hv_domain dom = {
        .nr_vcpus = info.nr_vcpus,
        .nr_online_vcpus = info.nr_online_vcpus,
        .weight = info.weight,
        .cap = info.cap,
        .flags = platform ? VD_SAVE_HV_PLATFORM_GUEST : 0,
        .max_pages = info.max_pages,
        .target_pages = info.target_pages,
        .ram_bytes = def->memory_kib * 1024,
    };
    return vd_save_write_record(w, VD_SAVE_HV_DOMAIN, &dom, sizeof(dom), NULL, 0, err);
}

static bool bit_set(const uint64_t *bits, uint64_t i)
{
    return bits[i / 64] >> (i % 64) & 1;
}

int64_t vd_hv_vireoctl_migrate_memory(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                      const uint64_t *dirty, vd_save_writer *w, vd_error **err)
{
    (void)hv;
    vctl_t *h = open_handle(err);
    if (!h)
        return -1;
    ram_range ranges[2];
    unsigned n = ram_ranges(def->memory_kib * 1024, platform, ranges);
    frames_out o = {w, err, 0};
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        uint64_t end = ranges[i].first + ranges[i].nr;
        if (!dirty) {
            rc = vctl_domain_read_frames(h, (uint32_t)domid, ranges[i].first, ranges[i].nr,
                                         write_frames, &o);
            continue;
        }
        /* Runs of dirty frames, at most a record's worth each. */
        for (uint64_t gfn = ranges[i].first; rc == 0 && gfn < end;) {
            if (!bit_set(dirty, gfn)) {
                gfn++;
                continue;
            }
            uint64_t run = 1;
            while (gfn + run < end && run < RECORD_FRAMES && bit_set(dirty, gfn + run))
                run++;
            rc = vctl_domain_read_frames(h, (uint32_t)domid, gfn, run, write_frames, &o);
            gfn += run;
        }
    }
    vctl_close(h);
    if (rc == -EIO)
        return -1; /* the writer said why */
    if (rc < 0) {
        hv_failed(rc, "reading the memory", def->name, err);
        return -1;
    }
    return o.data_frames;
}

bool vd_hv_vireoctl_migrate_contexts(vd_hv *hv, int domid, const vd_domain_def *def,
                                     vd_save_writer *w, vd_error **err)
{
    (void)hv;
    g_autofree struct vctl_domain_state *s = g_new0(struct vctl_domain_state, 1);
    vctl_t *h = open_handle(err);
    if (!h)
        return false;
    int rc = vctl_domain_get_state(h, (uint32_t)domid, s);
    vctl_close(h);
    if (rc < 0)
        return hv_failed(rc, "reading the state", def->name, err);
    return write_contexts(s, w, err);
}

bool vd_hv_vireoctl_migrate_log_dirty(vd_hv *hv, int domid, bool on, vd_error **err)
{
    (void)hv;
    vctl_t *h = open_handle(err);
    if (!h)
        return false;
    int rc = on ? vctl_domain_log_dirty_enable(h, (uint32_t)domid)
                : vctl_domain_log_dirty_disable(h, (uint32_t)domid);
    vctl_close(h);
    if (rc < 0) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot %s the dirty-page log of domain %d: %s", on ? "start" : "stop", domid,
                g_strerror(-rc));
        return false;
    }
    return true;
}

int64_t vd_hv_vireoctl_migrate_fetch_dirty(vd_hv *hv, int domid, const vd_domain_def *def,
                                           bool platform, uint64_t *dirty, vd_error **err)
{
    (void)hv;
    vctl_t *h = open_handle(err);
    if (!h)
        return -1;
    ram_range ranges[2];
    unsigned n = ram_ranges(def->memory_kib * 1024, platform, ranges);
    int64_t found = 0;
    for (unsigned i = 0; i < n; i++) {
        /* Both ranges start on a multiple of 64 frames: words line up. */
        uint64_t words = (ranges[i].nr + 63) / 64;
        g_autofree uint64_t *got = g_new0(uint64_t, words);
        int64_t rc =
            vctl_domain_log_dirty_fetch(h, (uint32_t)domid, ranges[i].first, ranges[i].nr, got);
        if (rc < 0) {
            vctl_close(h);
            hv_failed((int)rc, "reading the dirty-page log", def->name, err);
            return -1;
        }
        for (uint64_t k = 0; k < words; k++)
            dirty[ranges[i].first / 64 + k] |= got[k];
        found += rc;
    }
    vctl_close(h);
    return found;
}

/* ---- restore (and a migration's receiving end) ------------------------------------------ */

static bool damaged(vd_error **err, const char *what)
{
    if (err && !*err)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "save image is damaged: %s", what);
    return false;
}

static bool read_shape(vd_save_reader *r, uint64_t len, struct vctl_domain_state *s,
                       struct vd_save_hv_domain *dom, vd_error **err)
{
    if (len != sizeof(*dom))
        return damaged(err, "its domain record has the wrong size");
    if (!vd_save_read(r, dom, sizeof(*dom), err))
        return false;
    if (dom->nr_vcpus < 1 || dom->nr_vcpus > VIREO_MAX_VCPUS || dom->nr_online_vcpus < 1 ||
        dom->nr_online_vcpus > dom->nr_vcpus || dom->flags & ~VD_SAVE_HV_PLATFORM_GUEST ||
        dom->ram_bytes / VIREO_PAGE_SIZE > dom->max_pages || dom->target_pages > dom->max_pages)
        return damaged(err, "its domain record is inconsistent");
    s->nr_vcpus = dom->nr_vcpus;
    s->nr_online_vcpus = dom->nr_online_vcpus;
    s->weight = dom->weight;
    s->cap = dom->cap;
    s->max_pages = dom->max_pages;
    s->target_pages = dom->target_pages;
    return true;
}

/* What a restore has taken in so far. */
typedef struct incoming {
    vctl_t *h;
    uint32_t domid; /* valid once `created` */
    bool created;
    struct vctl_domain_state *s;
    struct vd_save_hv_domain dom;
    ram_range ranges[2];
    unsigned nr_ranges;
    uint64_t vcpus_seen; /* bit per vCPU */
    bool platform_seen;
    uint8_t *buf;
} incoming;

static bool take_record(incoming *in, const vd_domain_def *def, vd_save_reader *r, uint32_t type,
                        uint64_t len, GBytes **dm_state, vd_error **err)
{
    struct vctl_domain_state *s = in->s;
    if (type == VD_SAVE_DM_STATE) {
        if (!dm_state || *dm_state)
            return damaged(err, "a device-state record is out of place");
        g_autofree uint8_t *bytes = g_malloc(len ? len : 1);
        if (!vd_save_read(r, bytes, len, err))
            return false;
        *dm_state = g_bytes_new_take(g_steal_pointer(&bytes), len);
        return true;
    }
    if (type == VD_SAVE_HV_DOMAIN) {
        if (in->created)
            return damaged(err, "a second domain record");
        if (!read_shape(r, len, s, &in->dom, err))
            return false;
        bool platform = in->dom.flags & VD_SAVE_HV_PLATFORM_GUEST;
        s->platform_len = platform ? 1 : 0; /* the real length comes with its record */
        in->nr_ranges = ram_ranges(in->dom.ram_bytes, platform, in->ranges);
        int rc = vctl_domain_create_for_restore(in->h, def->name, def->uuid, s, &in->domid);
        s->platform_len = 0;
        if (rc < 0)
            return hv_failed(rc, "creating the restored domain", def->name, err);
        in->created = true;
        return true;
    }
    if (!in->created)
        return damaged(err, "a record comes before the domain record");
    if (type == VD_SAVE_HV_VCPU) {
        uint32_t head[2];
        if (len != sizeof(head) + sizeof(s->vcpu[0]) || !vd_save_read(r, head, sizeof(head), err))
            return damaged(err, "a vCPU record is malformed");
        if (head[0] >= s->nr_vcpus || head[1] || in->vcpus_seen >> head[0] & 1)
            return damaged(err, "a vCPU record is out of place");
        in->vcpus_seen |= 1ull << head[0];
        return vd_save_read(r, &s->vcpu[head[0]], sizeof(s->vcpu[0]), err);
    }
    if (type == VD_SAVE_HV_PLATFORM) {
        if (!(in->dom.flags & VD_SAVE_HV_PLATFORM_GUEST) || in->platform_seen || !len ||
            len > sizeof(s->platform))
            return damaged(err, "the platform record is out of place or malformed");
        in->platform_seen = true;
        s->platform_len = (uint32_t)len;
        return vd_save_read(r, s->platform, len, err);
    }
    /* HV_MEMORY and HV_ZERO: a run of frames, backed and filled (again, when it was
     * dirtied since it came). */
    uint64_t head[2];
    bool zero = type == VD_SAVE_HV_ZERO;
    if (len < sizeof(head) || !vd_save_read(r, head, sizeof(head), err))
        return damaged(err, "a memory record is malformed");
    if (!head[1] || head[1] > RECORD_FRAMES ||
        len != sizeof(head) + (zero ? 0 : head[1] * VIREO_PAGE_SIZE) ||
        !in_ranges(in->ranges, in->nr_ranges, head[0], head[1]))
        return damaged(err, "a memory record is malformed or out of the guest's RAM");
    if (zero)
        memset(in->buf, 0, head[1] * VIREO_PAGE_SIZE);
    else if (!vd_save_read(r, in->buf, head[1] * VIREO_PAGE_SIZE, err))
        return false;
    int rc = vctl_domain_write_frames(in->h, in->domid, head[0], head[1], in->buf);
    return rc < 0 ? hv_failed(rc, "restoring the memory", def->name, err) : true;
}

int vd_hv_vireoctl_restore(vd_hv *hv, const vd_domain_def *def, vd_save_reader *r, bool *platform,
                           GBytes **dm_state, vd_error **err)
{
    (void)hv;
    g_autofree struct vctl_domain_state *s = g_new0(struct vctl_domain_state, 1);
    g_autofree uint8_t *buf = g_malloc(RECORD_FRAMES * VIREO_PAGE_SIZE);
    incoming in = {.s = s, .buf = buf};
    if (!(in.h = open_handle(err)))
        return -1;
    bool ok = false;
    for (;;) {
        uint32_t type;
        uint64_t len;
        if (!vd_save_next(r, &type, &len, err))
            break;
        if (type == VD_SAVE_END) {
            uint64_t all = s->nr_vcpus < 64 ? (1ull << s->nr_vcpus) - 1 : ~0ull;
            ok = in.created && in.vcpus_seen == all &&
                 in.platform_seen == !!(in.dom.flags & VD_SAVE_HV_PLATFORM_GUEST);
            if (!ok)
                damaged(err, "it ends before every vCPU and platform record came");
            break;
        }
        if (!take_record(&in, def, r, type, len, dm_state, err))
            break;
    }
    int domid = -1;
    if (ok) {
        /* END was read and its digest checked: the whole image is what was saved. */
        int rc = vctl_domain_finish_restore(in.h, in.domid, def->name, s);
        if (rc < 0)
            hv_failed(rc, "loading the saved contexts", def->name, err);
        else
            domid = (int)in.domid;
    } else if (in.created) {
        vctl_domain_abort_restore(in.h, in.domid, def->name);
    }
    vctl_close(in.h);
    if (domid >= 0)
        *platform = in.dom.flags & VD_SAVE_HV_PLATFORM_GUEST;
    return domid;
}
