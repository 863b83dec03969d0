/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the domain builder for dom0-created domains. Tells an ELF test guest from
 * a Linux bzImage, creates the domain paused under a build marker, gives it memory, lays
 * the guest out through foreign mappings, sets the start state and the balloon target,
 * and destroys the domain on any failure.
 * The layouts themselves are shared or pure: ELF guests are hv's builder
 * (hv/lib/guest_build, vctl_guest_layout.c), so boot-time and dom0-built domains start
 * alike; Linux domUs are vctl_linux.c over hv's boot-protocol loader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "vctl_build_guard.h"
#include "vctl_guest_memory.h"
#include "vctl_linux.h"
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

static int populate_range(vctl_t *h, uint32_t domid, uint64_t first, uint64_t pages)
{
    for (uint64_t done = 0; done < pages; done += POPULATE_MAX) {
        uint64_t nr = pages - done < POPULATE_MAX ? pages - done : POPULATE_MAX;
        int ret = vctl_memory_populate(h, domid, first + done, nr);
        if (ret < 0)
            return ret;
    }
    return 0;
}

static int build_elf(vctl_t *h, uint32_t domid, const struct vctl_build_config *cfg)
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

/* RAM per the platform contract, then the layout; only vCPU 0 gets a context; the others
 * wait for the guest's INIT/SIPI. */
static int build_linux(vctl_t *h, uint32_t domid, const struct vctl_build_config *cfg,
                       const struct vctl_linux_plan *plan)
{
    struct vctl_guest_memory mem;
    struct vireo_vcpu_context ctx;
    uint64_t four_gib_gfn = (4ull << 30) / VIREO_PAGE_SIZE;

    int ret = populate_range(h, domid, 0, plan->low_ram / VIREO_PAGE_SIZE);
    if (ret == 0)
        ret = populate_range(h, domid, four_gib_gfn, plan->high_ram / VIREO_PAGE_SIZE);
    if (ret < 0)
        return ret;
    /* Everything the builder writes lies in low RAM. */
    vctl_guest_memory_init(&mem, h, domid, plan->low_ram);
    if (vctl_linux_load(plan, cfg->kernel, cfg->kernel_size, cfg->initrd, cfg->cmdline,
                        cfg->nr_vcpus, vctl_guest_memory_writer, &mem, &ctx, h->build_error,
                        sizeof(h->build_error)))
        ret = mem.last_error ? mem.last_error : -EIO;
    vctl_guest_memory_fini(&mem);
    if (ret == 0)
        ret = vctl_vcpu_set_context(h, domid, 0, &ctx);
    return ret;
}

static const char *name_or(const char *path, const char *fallback)
{
    return path ? path : fallback;
}

/* What kind of guest the config asks for; -ENOEXEC with a message when none. */
static int check_image(vctl_t *h, const struct vctl_build_config *cfg,
                       struct vctl_linux_plan *plan, bool *linux_guest)
{
    const char *kname = name_or(cfg->kernel_path, "kernel");
    const char *iname = name_or(cfg->initrd_path, "initrd");

    switch (vctl_image_kind(cfg->kernel, cfg->kernel_size)) {
    case VCTL_IMAGE_ELF:
        *linux_guest = false;
        if (!cfg->initrd)
            return 0;
        snprintf(h->build_error, sizeof(h->build_error),
                 "%s: an initrd needs a Linux bzImage kernel, and %s is an ELF test guest",
                 iname, kname);
        return -EINVAL;
    case VCTL_IMAGE_BZIMAGE:
        *linux_guest = true;
        return vctl_linux_plan(cfg->kernel, cfg->kernel_size, kname, cfg->initrd_size, iname,
                               cfg->cmdline, cfg->memory_bytes, plan, h->build_error,
                               sizeof(h->build_error));
    default:
        snprintf(h->build_error, sizeof(h->build_error),
                 "%s: neither an ELF test guest nor a Linux bzImage", kname);
        return -ENOEXEC;
    }
}

/* The caller's uuid is opaque and kept bit for bit: it is how virtvireod finds its domain
 * again after a restart. Only one made up here (all zero asked for it) is a version 4. */
static int domain_uuid(const struct vctl_build_config *cfg, uint8_t uuid[16])
{
    static const uint8_t zero[16];
    memcpy(uuid, cfg->uuid, 16);
    if (memcmp(uuid, zero, sizeof(zero)))
        return 0;
    if (getrandom(uuid, 16, 0) != 16)
        return -EIO;
    uuid[6] = (uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    return 0;
}

int vctl_domain_build(vctl_t *h, const struct vctl_build_config *cfg, uint32_t *domid_out)
{
    struct vireo_domain_config dc = { 0 };
    uint32_t domid;
    h->build_error[0] = '\0';
    int ret = check_config(cfg);
    if (ret < 0)
        return ret;

    struct vctl_linux_plan *plan = calloc(1, sizeof(*plan));
    bool linux_guest = false;
    if (!plan)
        return -ENOMEM;
    ret = check_image(h, cfg, plan, &linux_guest);
    if (ret < 0)
        goto out_plan;
    plan->dm_slots = cfg->dm_slots;

    strncpy(dc.name, cfg->name, sizeof(dc.name) - 1);
    ret = domain_uuid(cfg, dc.uuid);
    if (ret < 0)
        goto out_plan;
    dc.nr_vcpus = cfg->nr_vcpus;
    dc.weight = cfg->weight;
    dc.cap = cfg->cap;
    dc.max_pages = (cfg->maxmem_bytes ? cfg->maxmem_bytes : cfg->memory_bytes) /
                   VIREO_PAGE_SIZE;
    if (linux_guest || cfg->platform) {
        dc.flags = VIREO_DOMCFG_PLATFORM;
        ret = vctl_wallclock_offset(h, &dc.wallclock_ns);
        if (ret < 0)
            goto out_plan;
    }

    /* Clear what dead builders left, then claim the name before hv knows the domain. */
    vctl_build_reap(h);
    ret = vctl_build_marker_create(cfg->name);
    if (ret < 0) {
        ret = ret == -EEXIST ? -EBUSY : ret;
        goto out_plan;
    }
    ret = vctl_domain_create(h, &dc, &domid);
    if (ret == -EINVAL && linux_guest)
        snprintf(h->build_error, sizeof(h->build_error),
                 "hv refused a domain with the guest platform (VIREO_DOMCFG_PLATFORM), "
                 "which a Linux kernel needs: this hv may predate it");
    if (ret < 0)
        goto out_marker;

    if (linux_guest) {
        ret = build_linux(h, domid, cfg, plan);
    } else {
        ret = populate_range(h, domid, 0, cfg->memory_bytes / VIREO_PAGE_SIZE);
        if (ret == 0)
            ret = build_elf(h, domid, cfg);
    }
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
out_plan:
    free(plan);
    return ret;
}

bool vctl_build_is_linux(const void *kernel, size_t kernel_size)
{
    return vctl_image_kind(kernel, kernel_size) == VCTL_IMAGE_BZIMAGE;
}

const char *vctl_build_error(const vctl_t *h)
{
    return h->build_error;
}

/* Kernels and initrds are read whole: the builder copies them into the guest at once. */
int vctl_build_read_file(vctl_t *h, const char *path, void **data, size_t *size)
{
    int ret = 0;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *f = fopen(path, "rb");

    h->build_error[0] = '\0';
    if (!f) {
        ret = -errno;
        goto out;
    }
    errno = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *bigger = realloc(buf, cap);
            if (!bigger) {
                ret = -ENOMEM;
                goto out;
            }
            buf = bigger;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        ret = errno ? -errno : -EIO; /* a directory opens, then fails with EISDIR */
    else if (len == 0)
        ret = -ENODATA;
out:
    if (f)
        fclose(f);
    if (ret < 0) {
        snprintf(h->build_error, sizeof(h->build_error), "%s: %s", path,
                 ret == -ENODATA ? "empty file" : strerror(-ret));
        free(buf);
        return ret;
    }
    *data = buf;
    *size = len;
    return 0;
}
