/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: a paused domain's state as hv holds it, read for a save and put back into a
 * new domain for a restore. What hv keeps is the domain's shape (vCPUs, scheduler, memory
 * limit and target), every vCPU's architectural context, the guest platform's context
 * (public/vireo.h: vLAPICs, vIOAPIC, UART, clock, PM) and the guest's RAM; the caller
 * keeps them in whatever file it likes. RAM is handed over in runs of backed frames, so a
 * ballooned-out hole stays a hole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vctl_build_guard.h"
#include "vctl_guest_memory.h"
#include "vctl_private.h"

static int platform_context_call(vctl_t *h, uint64_t nr, uint32_t domid, void *buf, uint32_t len,
                                 uint32_t flags)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = {domid, 0, len};
    struct vctl_buf b = {buf, len, flags, 1, 0, 0};
    return (int)vctl_hypercall(h, nr, args, len ? &b : NULL, len ? 1 : 0);
}

int vctl_domain_get_state(vctl_t *h, uint32_t domid, struct vctl_domain_state *out)
{
    struct vireo_domain_info info;
    memset(out, 0, sizeof(*out));
    int ret = vctl_domain_info(h, domid, &info);
    if (ret < 0)
        return ret;
    if (info.pause_count == 0)
        return -EBUSY; /* contexts of a running domain would not hold still */
    out->nr_vcpus = info.nr_vcpus;
    out->nr_online_vcpus = info.nr_online_vcpus;
    out->weight = info.weight;
    out->cap = info.cap;
    out->max_pages = info.max_pages;
    out->target_pages = info.target_pages;
    for (uint32_t v = 0; v < info.nr_vcpus; v++) {
        ret = vctl_vcpu_get_context(h, domid, v, &out->vcpu[v]);
        if (ret < 0)
            return ret;
    }
    /* A domain without the guest platform answers -EINVAL: it has no such context. */
    ret = platform_context_call(h, VIREO_HC_PLATFORM_GET_CONTEXT, domid, NULL, 0, 0);
    if (ret == -EINVAL)
        return 0;
    if (ret < 0)
        return ret;
    if ((uint32_t)ret > sizeof(out->platform))
        return -E2BIG;
    ret = platform_context_call(h, VIREO_HC_PLATFORM_GET_CONTEXT, domid, out->platform,
                                (uint32_t)ret, VIREO_DEV_BUF_OUT);
    if (ret < 0)
        return ret;
    out->platform_len = (uint32_t)ret;
    return 0;
}

int vctl_domain_read_frames(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr,
                            vctl_frames_fn fn, void *ctx)
{
    for (uint64_t done = 0; done < nr;) {
        uint64_t chunk = nr - done < VCTL_GUEST_CHUNK_FRAMES ? nr - done : VCTL_GUEST_CHUNK_FRAMES;
        uint64_t gfn = first_gfn + done;
        void *map = vctl_map_foreign(h, domid, gfn, chunk);
        if (!map && errno != EFAULT)
            return -errno;
        if (map) {
            int ret = fn(ctx, gfn, chunk, map);
            vctl_unmap_foreign(map, chunk);
            if (ret < 0)
                return ret;
            done += chunk;
            continue;
        }
        /* Some frame of the chunk is not backed: go frame by frame, runs of backed ones
         * handed over together. */
        uint64_t end = done + chunk;
        while (done < end) {
            void *one = vctl_map_foreign(h, domid, first_gfn + done, 1);
            if (!one && errno != EFAULT)
                return -errno;
            if (one) {
                int ret = fn(ctx, first_gfn + done, 1, one);
                vctl_unmap_foreign(one, 1);
                if (ret < 0)
                    return ret;
            }
            done++;
        }
    }
    return 0;
}

/* Writes one frame, backing it first if it is not (given back by a balloon). */
static int write_one(vctl_t *h, uint32_t domid, uint64_t gfn, const uint8_t *src)
{
    void *map = vctl_map_foreign(h, domid, gfn, 1);
    if (!map && errno == EFAULT) {
        int ret = vctl_memory_populate(h, domid, gfn, 1);
        if (ret < 0)
            return ret;
        map = vctl_map_foreign(h, domid, gfn, 1);
    }
    if (!map)
        return -errno;
    memcpy(map, src, VIREO_PAGE_SIZE);
    vctl_unmap_foreign(map, 1);
    return 0;
}

/*
 * Frames already backed are overwritten: a migration sends a page again once the guest
 * dirtied it. hv populates all or nothing, and a domain at its max_pages answers a range
 * with backed frames -ENOMEM rather than -EEXIST, so after a failed populate a chunk that
 * cannot be mapped whole goes frame by frame: the mapping tells which frames are backed.
 */
int vctl_domain_write_frames(vctl_t *h, uint32_t domid, uint64_t gfn, uint64_t nr, const void *data)
{
    int ret = vctl_memory_populate(h, domid, gfn, nr); /* a restore: none backed yet */
    if (ret < 0 && ret != -EEXIST && ret != -ENOMEM)
        return ret;
    bool fresh = ret == 0;
    const uint8_t *src = data;
    for (uint64_t done = 0; done < nr;) {
        uint64_t chunk = nr - done < VCTL_GUEST_CHUNK_FRAMES ? nr - done : VCTL_GUEST_CHUNK_FRAMES;
        void *map = vctl_map_foreign(h, domid, gfn + done, chunk);
        if (!map && errno == EFAULT && !fresh) {
            for (uint64_t i = 0; i < chunk; i++)
                if ((ret = write_one(h, domid, gfn + done + i,
                                     src + (done + i) * VIREO_PAGE_SIZE)) < 0)
                    return ret;
            done += chunk;
            continue;
        }
        if (!map)
            return -errno;
        memcpy(map, src + done * VIREO_PAGE_SIZE, chunk * VIREO_PAGE_SIZE);
        vctl_unmap_foreign(map, chunk);
        done += chunk;
    }
    return 0;
}

int vctl_domain_create_for_restore(vctl_t *h, const char *name, const uint8_t uuid[16],
                                   const struct vctl_domain_state *s, uint32_t *domid)
{
    struct vireo_domain_config dc = {0};
    if (!name || strlen(name) >= sizeof(dc.name) || s->nr_vcpus < 1 ||
        s->nr_vcpus > VIREO_MAX_VCPUS || s->nr_online_vcpus < 1 ||
        s->nr_online_vcpus > s->nr_vcpus || s->platform_len > sizeof(s->platform))
        return -EINVAL;
    strncpy(dc.name, name, sizeof(dc.name) - 1);
    memcpy(dc.uuid, uuid, sizeof(dc.uuid));
    dc.nr_vcpus = s->nr_vcpus;
    dc.weight = s->weight;
    dc.cap = s->cap;
    dc.max_pages = s->max_pages;
    /* The guest's own wall clock comes back with the platform context's clock section;
     * this host's tells hv how long the guest stood still (struct vireo_plat_clock). */
    dc.flags = s->platform_len ? VIREO_DOMCFG_PLATFORM : 0;
    if (s->platform_len) {
        int ret = vctl_wallclock_offset(h, &dc.wallclock_ns);
        if (ret < 0)
            return ret;
    }
    /* Claimed like a build: a restorer that dies leaves a domain vctl_build_reap ends. */
    vctl_build_reap(h);
    int ret = vctl_build_marker_create(name);
    if (ret < 0)
        return ret == -EEXIST ? -EBUSY : ret;
    ret = vctl_domain_create(h, &dc, domid);
    if (ret < 0)
        vctl_build_marker_remove(name);
    return ret;
}

int vctl_domain_finish_restore(vctl_t *h, uint32_t domid, const char *name,
                               const struct vctl_domain_state *s)
{
    int ret = 0;
    for (uint32_t v = 0; ret == 0 && v < s->nr_vcpus; v++)
        ret = vctl_vcpu_set_context(h, domid, v, &s->vcpu[v]);
    if (ret == 0 && s->platform_len) {
        ret = platform_context_call(h, VIREO_HC_PLATFORM_SET_CONTEXT, domid, (void *)s->platform,
                                    s->platform_len, VIREO_DEV_BUF_IN);
        ret = ret < 0 ? ret : 0; /* hv answers with the context's size */
    }
    if (ret == 0)
        ret = vctl_domain_set_online_vcpus(h, domid, s->nr_online_vcpus);
    if (ret == 0)
        ret = vctl_domain_set_target(h, domid, s->target_pages);
    if (ret < 0)
        vctl_domain_destroy(h, domid);
    vctl_build_marker_remove(name);
    return ret;
}

void vctl_domain_abort_restore(vctl_t *h, uint32_t domid, const char *name)
{
    vctl_domain_destroy(h, domid);
    vctl_build_marker_remove(name);
}
