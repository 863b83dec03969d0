/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's hypercalls: domain control for dom0. dom0 is trusted with other
 * domains but not with hv: every id, size and pointer is still checked, and dom0 may not
 * aim these calls at itself.
 */
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypercall_priv.h"
#include "hv/log_dirty.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/time.h"
#include "arch/vplat_power.h"

#define LIST_MAX 256u

/* Any domain that exists, dom0 included, with a reference taken; NULL for a free or
 * out-of-range id. Calls that only read a domain take it this way. */
static struct domain *readable(uint64_t id)
{
    return id <= VIREO_DOMID_MAX ? domain_get((uint32_t)id) : NULL;
}

/* Looks up a domU by id for the call; fails for dom0 itself and for dying domains. */
static struct domain *target(uint64_t id, int64_t *err)
{
    struct domain *d = readable(id);
    if (!d) {
        *err = -VIREO_ESRCH;
        return NULL;
    }
    if (d->privileged || d->dying) {
        *err = d->privileged ? -VIREO_EPERM : -VIREO_ESRCH;
        domain_put(d);
        return NULL;
    }
    return d;
}

static int64_t hc_domain_create(struct vcpu *v, const uint64_t *a)
{
    struct vireo_domain_config cfg;
    int err;

    int rc = guest_read(v->dom, &cfg, a[0], sizeof(cfg));
    if (rc)
        return rc;
    struct domain *d = domain_create(&cfg, false, &err);
    if (!d)
        return err;
    hv_log("d%u (%s) created by dom0: vcpus=%u max_pages=%lu weight=%u cap=%u", d->id, d->name,
           d->nr_vcpus, (unsigned long)d->max_pages, d->weight, d->cap);
    return d->id;
}

static int64_t hc_domain_destroy(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    return domain_destroy(d);
}

static int64_t hc_domain_pause(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    sched_pause_domain(d);
    return 0;
}

static int64_t hc_domain_unpause(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    sched_lock();
    bool paused = d->pause_count > 0;
    sched_unlock();
    if (paused)
        sched_unpause_domain(d);
    return paused ? 0 : -VIREO_EINVAL;
}

static int64_t hc_domain_get_info(struct vcpu *v, const uint64_t *a)
{
    struct vireo_domain_info info;
    struct domain *d = readable(a[0]);

    if (!d)
        return -VIREO_ESRCH;
    domain_fill_info(d, &info);
    domain_put(d);
    return guest_write(v->dom, a[1], &info, sizeof(info));
}

static int64_t hc_domain_get_exit_stats(struct vcpu *v, const uint64_t *a)
{
    struct vireo_exit_stats st;
    struct domain *d = readable(a[0]);

    if (!d)
        return -VIREO_ESRCH;
    domain_fill_exit_stats(d, &st);
    domain_put(d);
    return guest_write(v->dom, a[1], &st, sizeof(st));
}

struct list_ctx {
    struct domain *caller;
    uint64_t gpa;
    uint32_t max, n;
    int rc;
};

static int list_one(struct domain *d, void *arg)
{
    struct list_ctx *lc = arg;
    struct vireo_domain_info info;

    if (lc->n == lc->max)
        return 1;
    domain_fill_info(d, &info);
    lc->rc = guest_write(lc->caller, lc->gpa + (uint64_t)lc->n * sizeof(info), &info, sizeof(info));
    lc->n++;
    return lc->rc != 0;
}

static int64_t hc_domain_list(struct vcpu *v, const uint64_t *a)
{
    struct list_ctx lc = {v->dom, a[1], (uint32_t)a[2], 0, 0};

    if (a[2] > LIST_MAX)
        return -VIREO_E2BIG;
    int rc = guest_check(v->dom, a[1], a[2] * sizeof(struct vireo_domain_info), true);
    if (rc)
        return rc;
    domain_for_each(a[0] > VIREO_DOMID_MAX ? VIREO_DOMID_MAX + 1 : (uint32_t)a[0], list_one, &lc);
    return lc.rc ? lc.rc : (int64_t)lc.n;
}

static int64_t hc_set_max_pages(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    spin_lock(&d->lock);
    int64_t err = a[1] < d->tot_pages ? -VIREO_EBUSY : 0;
    /* Tables already held stay: a lower budget only stops the tree from growing. */
    if (!err) {
        d->max_pages = a[1];
        d->npt.table_limit = domain_table_budget(a[1]);
    }
    spin_unlock(&d->lock);
    return err;
}

static int64_t hc_memory_populate(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    return domain_populate(d, a[1], a[2]);
}

static int64_t hc_memory_release(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    return (int64_t)domain_release(d, a[1], a[2]);
}

/* Context calls need every vCPU off every CPU: the domain must be paused. */
static bool paused(struct domain *d)
{
    sched_lock();
    bool ok = d->pause_count > 0 && d->nr_running == 0;
    sched_unlock();
    return ok;
}

static struct vcpu *paused_vcpu(struct domain *d, uint64_t idx, int64_t *err)
{
    if (!paused(d)) {
        *err = -VIREO_EBUSY;
        return NULL;
    }
    if (idx >= d->nr_vcpus) {
        *err = -VIREO_ENOENT;
        return NULL;
    }
    return d->vcpus[idx];
}

static int64_t hc_vcpu_set_context(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    struct vireo_vcpu_context ctx;
    int64_t err = 0;
    struct vcpu *t = paused_vcpu(d, a[1], &err);
    if (t && !(err = guest_read(v->dom, &ctx, a[2], sizeof(ctx))) &&
        !(err = arch_vcpu_set_context(t, &ctx)))
        sched_wake(t);
    return err;
}

static int64_t hc_vcpu_get_context(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    struct vireo_vcpu_context ctx;
    int64_t err = 0;
    struct vcpu *t = paused_vcpu(d, a[1], &err);
    if (t) {
        arch_vcpu_get_context(t, &ctx);
        err = guest_write(v->dom, a[2], &ctx, sizeof(ctx));
    }
    return err;
}

static int64_t hc_platform_get_context(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (a[2] > VIREO_PLAT_CTX_MAX)
        return -VIREO_E2BIG;
    if (!paused(d))
        return -VIREO_EBUSY;
    int64_t size = arch_platform_context_size(d);
    if (size < 0 || (a[1] == 0 && a[2] == 0))
        return size; /* an error, or the size asked for */
    if (a[2] < (uint64_t)size)
        return -VIREO_ENOSPC;
    int64_t err = guest_check(v->dom, a[1], (uint64_t)size, true);
    uint64_t pages = ((uint64_t)size + PAGE_SIZE - 1) / PAGE_SIZE;
    void *buf = err ? NULL : page_alloc(pages);
    if (err || !buf)
        return err ? err : -VIREO_ENOMEM;
    arch_platform_context_get(d, buf);
    err = guest_write(v->dom, a[1], buf, (uint64_t)size);
    page_free(buf, pages);
    return err ? err : size;
}

static int64_t hc_platform_set_context(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (a[2] > VIREO_PLAT_CTX_MAX)
        return -VIREO_E2BIG;
    if (!paused(d))
        return -VIREO_EBUSY;
    uint64_t pages = (a[2] + PAGE_SIZE - 1) / PAGE_SIZE;
    void *buf = page_alloc(pages ? pages : 1);
    if (!buf)
        return -VIREO_ENOMEM;
    int64_t err = guest_read(v->dom, buf, a[1], a[2]);
    if (!err)
        err = arch_platform_context_set(d, buf, a[2]);
    page_free(buf, pages ? pages : 1);
    return err;
}

static int64_t hc_vcpu_list(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    static const uint32_t states[] = {
        [VCPU_OFFLINE] = VIREO_VCPUSTATE_OFFLINE,
        [VCPU_RUNNABLE] = VIREO_VCPUSTATE_RUNNING,
        [VCPU_BLOCKED] = VIREO_VCPUSTATE_BLOCKED,
    };
    struct vireo_vcpu_info out[VIREO_MAX_VCPUS];

    if (a[2] > VIREO_MAX_VCPUS)
        return -VIREO_E2BIG;
    unsigned n = MIN(d->nr_vcpus, (unsigned)a[2]);
    /* Read without the scheduler lock: a snapshot a few ns stale is all a reader needs. */
    for (unsigned i = 0; i < n; i++) {
        const struct vcpu *t = d->vcpus[i];
        bool ran = t->running || t->cpu_time_ns;
        out[i] = (struct vireo_vcpu_info){
            .vcpu = i,
            /* Above nr_online a vCPU may still be blocked, but it will not run again. */
            .state = i >= d->nr_online ? VIREO_VCPUSTATE_OFFLINE : states[t->state],
            .cpu = ran ? t->cpu : VIREO_VCPU_NO_CPU,
            .cpu_time_ns = t->cpu_time_ns,
        };
    }
    int64_t err = n ? guest_write(v->dom, a[1], out, n * sizeof(out[0])) : 0;
    return err ? err : (int64_t)n;
}

static int64_t hc_set_online_vcpus(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (a[1] < 1 || a[1] > d->nr_vcpus)
        return -VIREO_ERANGE;
    sched_lock();
    d->nr_online = (unsigned)a[1];
    sched_unlock();
    sched_domain_changed(d);
    return 0;
}

static int64_t hc_sched_set_params(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (a[1] < 1 || a[1] > 65535 || a[2] > 100ull * nr_cpus)
        return -VIREO_EINVAL;
    sched_lock();
    d->weight = (uint32_t)a[1];
    d->cap = (uint32_t)a[2];
    sched_unlock();
    return 0;
}

static int64_t hc_physinfo(struct vcpu *v, const uint64_t *a)
{
    struct vireo_physinfo pi = {
        .nr_cpus = nr_cpus,
        .nr_domu_cpus = nr_cpus ? nr_cpus - 1 : 0,
        .tsc_khz = hv_tsc_khz,
        .total_pages = hv_total_pages,
        .hv_pages = hv_own_pages,
        .free_pages = hv_frames.nr_free,
        .nr_domains = domain_count(),
        .abi_version = VIREO_ABI_VERSION,
    };
    strlcpy(pi.hv_version, HV_VERSION, sizeof(pi.hv_version));
    dom0_fill_physinfo(&pi);
    return guest_write(v->dom, a[0], &pi, sizeof(pi));
}

/* The rings dom0 reads (a domU's console, hv's log) all answer a vireo_console_chunk. */
typedef size_t (*ring_reader_fn)(void *src, uint64_t *pos, char *buf, size_t len,
                                 uint64_t *prod);

static int64_t read_ring_chunk(struct vcpu *v, uint64_t chunk_gpa, ring_reader_fn read,
                               void *src)
{
    struct vireo_console_chunk ch;
    char buf[1024];
    int64_t err;

    if ((err = guest_read(v->dom, &ch, chunk_gpa, sizeof(ch))))
        return err;
    if (ch.len > 65536)
        return -VIREO_E2BIG;
    if ((err = guest_check(v->dom, ch.buf_gpa, MIN(ch.len, sizeof(buf)), true)))
        return err;
    size_t n = read(src, &ch.pos, buf, MIN(ch.len, sizeof(buf)), &ch.prod);
    if (!(err = guest_write(v->dom, ch.buf_gpa, buf, n)) &&
        !(err = guest_write(v->dom, chunk_gpa, &ch, sizeof(ch))))
        err = (int64_t)n;
    return err;
}

static size_t console_reader(void *d, uint64_t *pos, char *buf, size_t len, uint64_t *prod)
{
    return console_ring_read(d, pos, buf, len, prod);
}

static size_t hv_log_reader(void *unused, uint64_t *pos, char *buf, size_t len, uint64_t *prod)
{
    (void)unused;
    return hv_log_read(pos, buf, len, prod);
}

static int64_t hc_console_ring_read(struct vcpu *v, const uint64_t *a)
{
    struct domain *d = readable(a[0]);
    if (!d)
        return -VIREO_ESRCH;
    int64_t err = read_ring_chunk(v, a[1], console_reader, d);
    domain_put(d);
    return err;
}

static int64_t hc_hv_log_read(struct vcpu *v, const uint64_t *a)
{
    return read_ring_chunk(v, a[0], hv_log_reader, NULL);
}

static int64_t hc_console_input(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    char buf[CONSOLE_IN_SIZE];
    uint64_t len = MIN(a[2], (uint64_t)sizeof(buf));
    int64_t err = guest_read(v->dom, buf, a[1], len);
    return err ? err : (int64_t)console_input_push(d, buf, len);
}

static int64_t hc_domain_control(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (!a[1] || (a[1] & ~(uint64_t)(VIREO_CONTROL_POWEROFF | VIREO_CONTROL_REBOOT)))
        return -VIREO_EINVAL;
    if (d->platform) { /* a PC is asked with its power button */
        vplat_power_button(d, a[1] & VIREO_CONTROL_REBOOT);
        return 0;
    }
    __atomic_or_fetch(&d->control, (uint32_t)a[1], __ATOMIC_ACQ_REL);
    sched_notify_domain(d);
    return 0;
}

static int64_t hc_domain_set_target(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    if (a[1] > d->max_pages)
        return -VIREO_ERANGE;
    d->target_pages = a[1];
    __atomic_or_fetch(&d->control, VIREO_CONTROL_MEMORY_TARGET, __ATOMIC_ACQ_REL);
    sched_notify_domain(d);
    return 0;
}

static int64_t hc_event_set_vector(struct vcpu *v, const uint64_t *a)
{
    (void)v;
    return a[0] > 0xff ? -VIREO_EINVAL : event_set_vector((uint32_t)a[0]);
}

static int64_t hc_event_take(struct vcpu *v, const uint64_t *a)
{
    (void)v, (void)a;
    return event_take();
}

static int64_t hc_ioreq_attach(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    return arch_dm_attach(d, v->dom, a[1]);
}

static int64_t hc_ioreq_detach(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    (void)v, (void)a;
    return arch_dm_detach(d);
}

static int64_t hc_ioreq_complete(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    (void)v;
    return a[1] > UINT32_MAX ? -VIREO_EINVAL : arch_dm_complete(d, (uint32_t)a[1]);
}

static int64_t hc_ioreq_set_irq(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    (void)v;
    if (a[1] > UINT32_MAX || a[2] > UINT32_MAX)
        return -VIREO_EINVAL;
    return arch_dm_set_irq(d, (uint32_t)a[1], (uint32_t)a[2]);
}

static int64_t hc_domain_log_dirty(struct vcpu *v, struct domain *d, const uint64_t *a)
{
    return log_dirty_call(d, v->dom, a[1], a[2], a[3], a[4]);
}

typedef int64_t (*hypercall_fn)(struct vcpu *v, const uint64_t *args);
/* Calls whose first argument names the domU they act on. */
typedef int64_t (*domain_call_fn)(struct vcpu *v, struct domain *d, const uint64_t *args);

struct priv_call {
    hypercall_fn plain;
    domain_call_fn on_domain;
};

#define P(n) [(n)-VIREO_HC_PRIVILEGED_BASE]
static const struct priv_call calls[] = {
    P(VIREO_HC_DOMAIN_CREATE) = {.plain = hc_domain_create},
    P(VIREO_HC_DOMAIN_DESTROY) = {.on_domain = hc_domain_destroy},
    P(VIREO_HC_DOMAIN_PAUSE) = {.on_domain = hc_domain_pause},
    P(VIREO_HC_DOMAIN_UNPAUSE) = {.on_domain = hc_domain_unpause},
    P(VIREO_HC_DOMAIN_GET_INFO) = {.plain = hc_domain_get_info},
    P(VIREO_HC_DOMAIN_LIST) = {.plain = hc_domain_list},
    P(VIREO_HC_DOMAIN_SET_MAX_PAGES) = {.on_domain = hc_set_max_pages},
    P(VIREO_HC_MEMORY_POPULATE) = {.on_domain = hc_memory_populate},
    P(VIREO_HC_MEMORY_RELEASE) = {.on_domain = hc_memory_release},
    P(VIREO_HC_MEMORY_MAP_FOREIGN) = {.plain = dom0_map_foreign},
    P(VIREO_HC_MEMORY_UNMAP_FOREIGN) = {.plain = dom0_unmap_foreign},
    P(VIREO_HC_VCPU_SET_CONTEXT) = {.on_domain = hc_vcpu_set_context},
    P(VIREO_HC_VCPU_GET_CONTEXT) = {.on_domain = hc_vcpu_get_context},
    P(VIREO_HC_DOMAIN_SET_ONLINE_VCPUS) = {.on_domain = hc_set_online_vcpus},
    P(VIREO_HC_SCHED_SET_PARAMS) = {.on_domain = hc_sched_set_params},
    P(VIREO_HC_PHYSINFO) = {.plain = hc_physinfo},
    P(VIREO_HC_CONSOLE_RING_READ) = {.plain = hc_console_ring_read},
    P(VIREO_HC_CONSOLE_INPUT) = {.on_domain = hc_console_input},
    P(VIREO_HC_EVENT_SET_VECTOR) = {.plain = hc_event_set_vector},
    P(VIREO_HC_EVENT_TAKE) = {.plain = hc_event_take},
    P(VIREO_HC_DOMAIN_CONTROL) = {.on_domain = hc_domain_control},
    P(VIREO_HC_DOMAIN_SET_TARGET) = {.on_domain = hc_domain_set_target},
    P(VIREO_HC_VCPU_LIST) = {.on_domain = hc_vcpu_list},
    P(VIREO_HC_HV_LOG_READ) = {.plain = hc_hv_log_read},
    P(VIREO_HC_PLATFORM_GET_CONTEXT) = {.on_domain = hc_platform_get_context},
    P(VIREO_HC_PLATFORM_SET_CONTEXT) = {.on_domain = hc_platform_set_context},
    P(VIREO_HC_DOMAIN_GET_EXIT_STATS) = {.plain = hc_domain_get_exit_stats},
    P(VIREO_HC_IOREQ_ATTACH) = {.on_domain = hc_ioreq_attach},
    P(VIREO_HC_IOREQ_DETACH) = {.on_domain = hc_ioreq_detach},
    P(VIREO_HC_IOREQ_COMPLETE) = {.on_domain = hc_ioreq_complete},
    P(VIREO_HC_IOREQ_SET_IRQ) = {.on_domain = hc_ioreq_set_irq},
    P(VIREO_HC_DOMAIN_LOG_DIRTY) = {.on_domain = hc_domain_log_dirty},
};
#undef P

int64_t hypercall_privileged(struct vcpu *v, uint64_t nr, const uint64_t args[5])
{
    uint64_t i = nr - VIREO_HC_PRIVILEGED_BASE;
    if (i >= ARRAY_SIZE(calls))
        return -VIREO_ENOSYS;
    if (calls[i].plain)
        return calls[i].plain(v, args);
    if (!calls[i].on_domain)
        return -VIREO_ENOSYS;
    int64_t err = 0;
    struct domain *d = target(args[0], &err);
    if (!d)
        return err;
    err = calls[i].on_domain(v, d, args);
    domain_put(d);
    return err;
}
