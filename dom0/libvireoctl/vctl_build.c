/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the domain builder for dom0-created domains. Creates the domain paused
 * under a build marker, gives it memory, loads the ELF kernel through foreign mappings,
 * sets every vCPU's start state and the balloon target, and destroys the domain on any
 * failure.
 * The guest layout itself (ELF segments, page tables, GDT, start info, vCPU state) is
 * hv's shared builder (hv/lib/guest_build), so boot-time and dom0-built domains start
 * alike (vctl_guest_layout.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vctl_build_guard.h"
#include "vctl_guest_memory.h"
#include "vctl_private.h"

#define MiB (1024ull * 1024ull)
#define POPULATE_MAX (1ull << 20) /* frames per VIREO_HC_MEMORY_POPULATE */

static bool valid_name(const char *name)
{
    size_t len = strnlen(name, VIREO_NAME_MAX);
    if (len == 0 || len >= VIREO_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok)
            return false;
    }
    /* A name that is all digits would read as a domid in vctl_domain_lookup. */
    return strspn(name, "0123456789") != len;
}

static int check_config(const struct vctl_build_config *cfg)
{
    if (!cfg->name || !valid_name(cfg->name))
        return -EINVAL;
    if (!cfg->memory_bytes || cfg->memory_bytes % (2 * MiB))
        return -EINVAL;
    if (cfg->maxmem_bytes && (cfg->maxmem_bytes < cfg->memory_bytes ||
                              cfg->maxmem_bytes % VIREO_PAGE_SIZE))
        return -EINVAL;
    uint64_t limit = cfg->maxmem_bytes ? cfg->maxmem_bytes : cfg->memory_bytes;
    if (cfg->target_bytes > limit || cfg->target_bytes % VIREO_PAGE_SIZE)
        return -EINVAL;
    if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > VIREO_MAX_VCPUS)
        return -ERANGE;
    if (cfg->weight > 65535)
        return -ERANGE;
    if (cfg->cmdline && strlen(cfg->cmdline) >= VIREO_CMDLINE_MAX)
        return -E2BIG;
    if (!cfg->kernel || !cfg->kernel_size)
        return -EINVAL;
    return 0;
}

static int populate_all(vctl_t *h, uint32_t domid, uint64_t pages)
{
    for (uint64_t gfn = 0; gfn < pages; gfn += POPULATE_MAX) {
        uint64_t nr = pages - gfn < POPULATE_MAX ? pages - gfn : POPULATE_MAX;
        int ret = vctl_memory_populate(h, domid, gfn, nr);
        if (ret < 0)
            return ret;
    }
    return 0;
}

static int build_contents(vctl_t *h, uint32_t domid, const struct vctl_build_config *cfg)
{
    struct vctl_guest_memory mem;
    struct vireo_vcpu_context *ctx = calloc(cfg->nr_vcpus, sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    const char *err = NULL;
    vctl_guest_memory_init(&mem, h, domid, cfg->memory_bytes);
    int ret = vctl_guest_layout(&mem, domid, cfg, ctx, &err);
    vctl_guest_memory_fini(&mem);
    if (err)
        snprintf(h->build_error, sizeof(h->build_error), "%s", err);
    for (uint32_t v = 0; ret == 0 && v < cfg->nr_vcpus; v++)
        ret = vctl_vcpu_set_context(h, domid, v, &ctx[v]);
    free(ctx);
    return ret;
}

int vctl_domain_build(vctl_t *h, const struct vctl_build_config *cfg, uint32_t *domid_out)
{
    struct vireo_domain_config dc = { 0 };
    uint32_t domid;
    h->build_error[0] = '\0';
    int ret = check_config(cfg);
    if (ret < 0)
        return ret;

    strncpy(dc.name, cfg->name, sizeof(dc.name) - 1);
    memcpy(dc.uuid, cfg->uuid, sizeof(dc.uuid));
    static const uint8_t zero[16];
    if (!memcmp(dc.uuid, zero, sizeof(zero)) &&
        getrandom(dc.uuid, sizeof(dc.uuid), 0) != sizeof(dc.uuid))
        return -EIO;
    dc.uuid[6] = (dc.uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
    dc.uuid[8] = (dc.uuid[8] & 0x3f) | 0x80;
    dc.nr_vcpus = cfg->nr_vcpus;
    dc.weight = cfg->weight;
    dc.cap = cfg->cap;
    dc.max_pages = (cfg->maxmem_bytes ? cfg->maxmem_bytes : cfg->memory_bytes) /
                   VIREO_PAGE_SIZE;

    /* Clear what dead builders left, then claim the name before hv knows the domain. */
    vctl_build_reap(h);
    ret = vctl_build_marker_create(cfg->name);
    if (ret < 0)
        return ret == -EEXIST ? -EBUSY : ret;
    ret = vctl_domain_create(h, &dc, &domid);
    if (ret < 0)
        goto out_marker;

    ret = populate_all(h, domid, cfg->memory_bytes / VIREO_PAGE_SIZE);
    if (ret == 0)
        ret = build_contents(h, domid, cfg);
    /* hv starts a domain's balloon target at max_pages: a ballooning guest would grow
     * to its maxmem at once. It starts at its memory unless asked otherwise. */
    uint64_t target = cfg->target_bytes ? cfg->target_bytes : cfg->memory_bytes;
    if (ret == 0)
        ret = vctl_domain_set_target(h, domid, target / VIREO_PAGE_SIZE);
    if (ret < 0) {
        vctl_domain_destroy(h, domid);
        goto out_marker;
    }
    *domid_out = domid;
out_marker:
    /* From here a dead builder leaves a complete paused domain: listed and destroyable. */
    vctl_build_marker_remove(cfg->name);
    return ret;
}

const char *vctl_build_error(const vctl_t *h)
{
    return h->build_error;
}
