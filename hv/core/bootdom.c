/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot-time domains (what Xen calls dom0less): every multiboot2 module whose command
 * line starts with `vireo.domain` becomes a running domain at boot:
 *   module2 /guests/x.elf vireo.domain name=x memory=16M vcpus=2 weight=256 cap=0 -- args
 * hv builds it with the shared ELF builder and reaps it when it stops. platform=1 gives it
 * the guest platform (VIREO_DOMCFG_PLATFORM): only vCPU 0 starts, the others wait for the
 * guest's INIT/SIPI, as the platform tests need.
 */
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/boot.h"
#include "hv/cmdline.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/sched.h"
#include "guest_build.h"

#define BOOTDOM_TAG "vireo.domain"

static int write_guest(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    static const char zeros[256];
    struct domain *d = ctx;

    if (src)
        return guest_write(d, gpa, src, len) ? -1 : 0;
    for (uint64_t off = 0; off < len; off += sizeof(zeros))
        if (guest_write(d, gpa + off, zeros, MIN(len - off, sizeof(zeros))))
            return -1;
    return 0;
}

static bool get_number(const char *cmd, const char *key, uint64_t *out, bool suffix)
{
    char val[32];
    const char *end;
    if (!cmdline_get(cmd, key, val, sizeof(val)))
        return true; /* absent: keep the default */
    return parse_u64(val, out, &end, suffix) == 0 && *end == '\0';
}

/* Builds one domain, paused; returns it with a reference held, or NULL. */
static struct domain *start_one(const struct boot_module *m, unsigned index)
{
    struct vireo_domain_config cfg = {.nr_vcpus = 1};
    uint64_t mem = MiB(16), vcpus = 1, weight = 0, cap = 0, platform = 0;
    const char *cmd = m->cmdline, *err = NULL;
    int rc;

    if (!cmdline_get(cmd, "name", cfg.name, sizeof(cfg.name)))
        snprintf(cfg.name, sizeof(cfg.name), "boot%u", index);
    if (!get_number(cmd, "memory", &mem, true) || !get_number(cmd, "vcpus", &vcpus, false) ||
        !get_number(cmd, "weight", &weight, false) || !get_number(cmd, "cap", &cap, false) ||
        !get_number(cmd, "platform", &platform, false) || platform > 1 ||
        vcpus > VIREO_MAX_VCPUS || weight > 65535 || cap > 100ull * HV_MAX_CPUS) {
        hv_log("boot module %u (%s): bad memory/vcpus/weight/cap/platform", index, cfg.name);
        return NULL;
    }
    mem = ALIGN_UP(mem, LARGE_PAGE_SIZE);
    cfg.nr_vcpus = (uint32_t)vcpus;
    cfg.weight = (uint32_t)weight;
    cfg.cap = (uint32_t)cap;
    cfg.max_pages = mem >> PAGE_SHIFT;
    cfg.flags = platform ? VIREO_DOMCFG_PLATFORM : 0;

    struct domain *d = domain_create(&cfg, false, &rc);
    if (!d) {
        hv_log("boot module %u (%s): cannot create domain (error %d)", index, cfg.name, rc);
        return NULL;
    }
    d->mem_bytes = mem;
    struct gb_layout layout = {mem, d->nr_vcpus, d->id, cmdline_tail(cmd)};
    struct gb_image img;
    if ((rc = domain_populate(d, 0, mem >> PAGE_SHIFT))) {
        err = "out of memory";
    } else if (gb_build(phys_to_virt(m->start), m->end - m->start, &layout, write_guest, d, &img,
                        &err)) {
        rc = -1;
    }
    for (unsigned i = 0; !rc && i < d->nr_vcpus; i++) {
        struct vireo_vcpu_context ctx;
        if (!arch_vcpu_starts_at_boot(d->vcpus[i]))
            continue;
        gb_vcpu_context(&layout, img.entry, i, &ctx);
        if ((rc = arch_vcpu_set_context(d->vcpus[i], &ctx)))
            err = "invalid start context";
        else
            sched_wake(d->vcpus[i]);
    }
    if (rc) {
        hv_log("boot module %u (%s): %s", index, cfg.name, err);
        domain_destroy(d);
        return NULL;
    }
    d->boot_domain = true; /* only now: hv reaps it and counts it as a boot domain */
    hv_log("d%u (%s) created: memory=%luM vcpus=%u weight=%u cap=%u%s", d->id, d->name,
           (unsigned long)(mem >> 20), d->nr_vcpus, d->weight, d->cap,
           d->platform ? " platform" : "");
    __atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQUIRE);
    return d;
}

void bootdom_start_all(const struct boot_info *bi)
{
    struct domain *built[BOOT_MAX_MODULES];
    unsigned n = 0;

    for (unsigned i = 0; i < bi->nr_modules; i++)
        if (cmdline_first_word_is(bi->modules[i].cmdline, BOOTDOM_TAG) &&
            (built[n] = start_one(&bi->modules[i], i)))
            n++;
    __atomic_store_n(&boot_domains_left, n, __ATOMIC_RELEASE);
    /* Unpause together so that no domain gets a head start on the others. */
    for (unsigned i = 0; i < n; i++) {
        sched_unpause_domain(built[i]);
        domain_put(built[i]);
    }
}
