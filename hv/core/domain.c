/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain lifecycle: creation, the domain table and references, stop (shutdown/crash),
 * and teardown once no CPU runs the domain any more.
 *
 * Reference rules: the table holds one reference until domain_destroy(); lookups take
 * one (domain_get/put); the scheduler holds one while any of the domain's vCPUs is on a
 * CPU. The last domain_put() frees the domain, so memory is never freed under a vCPU.
 */
#include <stdarg.h>
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/domain.h"
#include "hv/log_dirty.h"
#include "hv/event.h"
#include "hv/mm.h"
#include "hv/sched.h"
#include "hv/time.h"
#include "arch/npt.h"

static spinlock_t table_lock = SPINLOCK_INIT;
static struct domain *table[HV_MAX_DOMAINS];
static uint32_t next_domid = 1;
bool hv_have_dom0;
unsigned boot_domains_left;

#define DOMAIN_PAGES ((sizeof(struct domain) + PAGE_SIZE - 1) / PAGE_SIZE)

static bool name_valid(const char *name)
{
    size_t len = strnlen(name, VIREO_NAME_MAX);
    if (len == 0 || len == VIREO_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static struct domain *find_locked(uint32_t id)
{
    for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
        if (table[i] && table[i]->id == id)
            return table[i];
    return NULL;
}

/* Picks an id and a slot; table_lock held. Returns the slot or -1. */
static int allocate_id_locked(bool privileged, uint32_t *id)
{
    int slot = -1;
    for (unsigned i = 0; i < HV_MAX_DOMAINS && slot < 0; i++)
        if (!table[i])
            slot = (int)i;
    if (slot < 0)
        return -1;
    if (privileged) {
        *id = VIREO_DOMID_DOM0;
        return find_locked(0) ? -1 : slot;
    }
    for (uint32_t tries = 0; tries < VIREO_DOMID_MAX; tries++) {
        uint32_t cand = next_domid;
        next_domid = next_domid >= VIREO_DOMID_MAX ? 1 : next_domid + 1;
        if (!find_locked(cand)) {
            *id = cand;
            return slot;
        }
    }
    return -1;
}

static void free_vcpus(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        if (!d->vcpus[i])
            continue;
        arch_vcpu_destroy(d->vcpus[i]);
        page_free(d->vcpus[i], 1);
        d->vcpus[i] = NULL;
    }
}

static void free_leaf(uint64_t hpa, uint64_t size, uint64_t flags, void *arg)
{
    struct domain *d = arg;
    if (!(flags & NPT_OWNED))
        return;
    uint64_t n = size >> PAGE_SHIFT;
    frame_release_owned(hpa >> PAGE_SHIFT, n);
    d->tot_pages -= n;
}

static void domain_free(struct domain *d)
{
    spin_lock(&table_lock);
    for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
        if (table[i] == d)
            table[i] = NULL;
    spin_unlock(&table_lock);

    for (unsigned i = 0; i < d->nr_vcpus && !d->privileged; i++)
        if (d->vcpus[i])
            sched_remove_vcpu(d->vcpus[i]);
    uint64_t peak = d->npt.table_peak, limit = d->npt.table_limit;
    npt_destroy(&d->npt, free_leaf, d);
    log_dirty_free(d);
    HV_ASSERT(d->tot_pages == 0 || d->privileged);
    free_vcpus(d);
    arch_domain_destroy(d);
    hv_log("d%u (%s) destroyed: nested tables peaked at %lu of %lu pages", d->id, d->name,
           (unsigned long)peak, (unsigned long)limit);
    bool last_boot = d->boot_domain && __atomic_sub_fetch(&boot_domains_left, 1, __ATOMIC_ACQ_REL) == 0;
    page_free(d, DOMAIN_PAGES);
    if (last_boot)
        hv_log("all boot domains finished");
    event_raise(VIREO_EVENT_DOMAIN_STATE);
}

struct domain *domain_create(const struct vireo_domain_config *cfg, bool privileged, int *err)
{
    if (!name_valid(cfg->name) || (cfg->flags & ~VIREO_DOMCFG_ALL) ||
        (privileged && cfg->flags) || cfg->weight > 65535 ||
        cfg->cap > 100 * HV_MAX_CPUS) {
        *err = -VIREO_EINVAL;
        return NULL;
    }
    if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > VIREO_MAX_VCPUS) {
        *err = -VIREO_ERANGE;
        return NULL;
    }
    struct domain *d = page_alloc(DOMAIN_PAGES);
    if (!d) {
        *err = -VIREO_ENOMEM;
        return NULL;
    }
    memcpy(d->name, cfg->name, VIREO_NAME_MAX);
    memcpy(d->uuid, cfg->uuid, sizeof(d->uuid));
    d->privileged = privileged;
    d->platform = cfg->flags & VIREO_DOMCFG_PLATFORM;
    d->refs = 1;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    console_init(d);
    d->max_pages = cfg->max_pages;
    d->target_pages = cfg->max_pages;
    d->weight = cfg->weight ? cfg->weight : SCHED_DEFAULT_WEIGHT;
    d->cap = cfg->cap;
    d->state = DOM_RUNNING;
    d->pause_count = 1; /* built paused; the builder unpauses */
    d->nr_vcpus = cfg->nr_vcpus;
    d->nr_online = cfg->nr_vcpus;
    /* dom0's identity table maps the whole machine: it is hv's to bound, not dom0's. */
    *err = npt_init(&d->npt, privileged ? 0 : domain_table_budget(cfg->max_pages));
    if (!*err)
        *err = arch_domain_init(d, cfg); /* the platform, before the vCPUs that use it */

    for (unsigned i = 0; i < d->nr_vcpus && !*err; i++) {
        struct vcpu *v = page_alloc(1);
        if (!v) {
            *err = -VIREO_ENOMEM;
            break;
        }
        v->dom = d;
        v->id = i;
        v->state = VCPU_OFFLINE;
        d->vcpus[i] = v;
        *err = arch_vcpu_init(v);
    }
    if (!*err && !privileged)
        *err = sched_add_vcpus(d->vcpus, d->nr_vcpus); /* dom0 owns CPU 0, never scheduled */
    bool scheduled = !*err && !privileged;
    if (!*err) {
        spin_lock(&table_lock);
        bool dup = false;
        for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
            if (table[i] && !table[i]->dying && !strcmp(table[i]->name, d->name))
                dup = true;
        int slot = dup ? -1 : allocate_id_locked(privileged, &d->id);
        if (slot >= 0)
            table[slot] = d;
        spin_unlock(&table_lock);
        *err = dup ? -VIREO_EEXIST : slot < 0 ? -VIREO_ENOSPC : 0;
    }
    if (*err) {
        for (unsigned i = 0; scheduled && i < d->nr_vcpus; i++)
            sched_remove_vcpu(d->vcpus[i]);
        npt_destroy(&d->npt, free_leaf, d);
        free_vcpus(d);
        arch_domain_destroy(d);
        page_free(d, DOMAIN_PAGES);
        return NULL;
    }
    return d;
}

struct domain *domain_get(uint32_t id)
{
    spin_lock(&table_lock);
    struct domain *d = find_locked(id);
    if (d)
        __atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQUIRE);
    spin_unlock(&table_lock);
    return d;
}

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0)
        domain_free(d);
}

int domain_destroy(struct domain *d)
{
    sched_lock();
    bool already = d->dying;
    d->dying = true;
    sched_unlock();
    if (already)
        return -VIREO_EBUSY;
    sched_domain_changed(d);
    domain_put(d); /* the table's reference */
    return 0;
}

void domain_for_each(uint32_t first, int (*fn)(struct domain *d, void *arg), void *arg)
{
    for (;;) {
        /* Smallest id >= first, taken with a reference so fn may block or destroy. */
        struct domain *best = NULL;
        spin_lock(&table_lock);
        for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
            if (table[i] && table[i]->id >= first && (!best || table[i]->id < best->id))
                best = table[i];
        if (best)
            __atomic_add_fetch(&best->refs, 1, __ATOMIC_ACQUIRE);
        spin_unlock(&table_lock);
        if (!best)
            return;
        int stop = fn(best, arg);
        first = best->id + 1;
        domain_put(best);
        if (stop)
            return;
    }
}

unsigned domain_count(void)
{
    unsigned n = 0;
    spin_lock(&table_lock);
    for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
        n += table[i] != NULL;
    spin_unlock(&table_lock);
    return n;
}

/* Moves a running domain to a stopped state; false if it was already stopped. */
static bool stop_domain(struct domain *d, enum domain_state state)
{
    sched_lock();
    bool changed = d->state == DOM_RUNNING;
    if (changed)
        d->state = state;
    sched_unlock();
    return changed;
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
    d->shutdown_reason = reason;
    if (stop_domain(d, DOM_SHUTDOWN))
        sched_domain_changed(d);
}

void domain_crash(struct domain *d, uint32_t reason, const char *fmt, ...)
{
    char text[sizeof(d->crash_text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sched_lock();
    bool changed = d->state == DOM_RUNNING;
    if (changed) {
        d->state = DOM_CRASHED;
        d->crash_reason = reason;
        memcpy(d->crash_text, text, sizeof(text));
    }
    sched_unlock();
    if (changed)
        sched_domain_changed(d);
}

static uint64_t domain_cpu_time(const struct domain *d)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        t += d->vcpus[i]->cpu_time_ns;
    return t;
}

void domain_stopped(struct domain *d)
{
    static const char *const reasons[] = {"poweroff", "reboot", "crash"};
    unsigned long cpu = (unsigned long)domain_cpu_time(d);

    if (d->state == DOM_SHUTDOWN)
        hv_log("d%u (%s) shut down: %s cpu_time_ns=%lu", d->id, d->name,
               d->shutdown_reason <= VIREO_SHUTDOWN_MAX ? reasons[d->shutdown_reason] : "?", cpu);
    else if (d->state == DOM_CRASHED)
        hv_log("d%u (%s) crashed: %s cpu_time_ns=%lu", d->id, d->name, d->crash_text, cpu);
    event_raise(VIREO_EVENT_DOMAIN_STATE);
    if (d->boot_domain && d->state != DOM_RUNNING)
        domain_destroy(d);
}

void domain_fill_info(struct domain *d, struct vireo_domain_info *info)
{
    memset(info, 0, sizeof(*info));
    sched_lock();
    info->domid = d->id;
    if (d->dying)
        info->state = VIREO_DOMSTATE_DYING;
    else if (d->state == DOM_SHUTDOWN)
        info->state = VIREO_DOMSTATE_SHUTDOWN;
    else if (d->state == DOM_CRASHED)
        info->state = VIREO_DOMSTATE_CRASHED;
    else if (d->pause_count)
        info->state = VIREO_DOMSTATE_PAUSED;
    else {
        info->state = VIREO_DOMSTATE_BLOCKED;
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i]->state == VCPU_RUNNABLE)
                info->state = VIREO_DOMSTATE_RUNNING;
    }
    info->shutdown_reason = d->shutdown_reason;
    info->crash_reason = d->crash_reason;
    info->nr_vcpus = d->nr_vcpus;
    info->nr_online_vcpus = d->nr_online;
    info->pause_count = d->pause_count;
    info->weight = d->weight;
    info->cap = d->cap;
    info->cpu_time_ns = domain_cpu_time(d);
    sched_unlock();
    memcpy(info->name, d->name, VIREO_NAME_MAX);
    memcpy(info->uuid, d->uuid, 16);
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->console_prod = d->console.out.prod;
    info->target_pages = d->target_pages;
}

void domain_fill_exit_stats(struct domain *d, struct vireo_exit_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->domid = d->id;
    st->nr_vcpus = d->nr_vcpus;
    sched_lock();
    st->cpu_time_ns = domain_cpu_time(d);
    sched_unlock();
    st->now_ns = hv_now_ns();
    /* No lock: each count is one vCPU's own, and a reader wants a recent sum, not a
     * frozen one. */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        for (unsigned k = 0; k < VIREO_EXIT_KINDS; k++)
            st->count[k] += __atomic_load_n(&d->vcpus[i]->exits[k], __ATOMIC_RELAXED);
    for (unsigned k = 0; k < VIREO_EXIT_KINDS; k++)
        st->total += st->count[k];
}
