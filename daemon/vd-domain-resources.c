/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State and resources: info, state, memory (balloon target and ceiling), vCPUs, the
 * credit scheduler's weight and cap, and the statistics virsh domstats and virt-manager
 * poll. Live changes go to hv; config changes to the stored definition.
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"

#include <string.h>

/* hv's view of a running domain, or false (state unknown) if it cannot be read. */
static bool live_info(vd_daemon *d, vd_domain *dom, vd_hv_info *info)
{
    g_autoptr(vd_error) err = NULL;
    return dom->id >= 0 && d->hv->ops->domain_info(d->hv, dom->id, info, &err) > 0;
}

bool vd_domain_get_info(vd_daemon *d, const vd_domain_ref *ref, vd_domain_info *out, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom) {
        vd_domain_def *def = vd_domain_current_def(dom);
        vd_hv_info info;
        memset(out, 0, sizeof(*out));
        out->state = dom->state;
        out->max_mem_kib = def->memory_kib;
        out->memory_kib = def->current_kib;
        out->nr_virt_cpu = def->vcpus_current;
        if (live_info(d, dom, &info)) {
            out->memory_kib = info.memory_kib;
            out->nr_virt_cpu = info.nr_online_vcpus;
            out->cpu_time_ns = info.cpu_time_ns;
        }
    }
    vd_read_unlock(d);
    return dom != NULL;
}

bool vd_domain_get_state(vd_daemon *d, const vd_domain_ref *ref, int *state, int *reason,
                         vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom) {
        *state = dom->state;
        *reason = dom->reason;
    }
    vd_read_unlock(d);
    return dom != NULL;
}

bool vd_domain_apply_change(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, const char *api,
                            vd_def_change_fn change, const void *arg, vd_error **err)
{
    bool live, config, ok = false;
    g_autoptr(vd_domain_def) new_config = NULL;
    g_autoptr(vd_domain_def) new_live = NULL;
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_MODIFY, api, err);
    if (!dom)
        return false;
    if (!vd_affect(dom, flags, &live, &config, err))
        goto out;
    /* Readers see the old definitions until the changed copies replace them. */
    new_config = config ? vd_domain_def_copy(dom->def) : NULL;
    if (config && !change(d, dom, new_config, false, arg, err))
        goto out;
    if (live) {
        new_live = vd_domain_def_copy(dom->live);
        if (!change(d, dom, new_live, true, arg, err))
            goto out;
        g_autoptr(vd_error) status_err = NULL;
        if (!vd_store_save_status(d->cfg, new_live, dom->id, &status_err))
            g_warning("domain '%s': %s", new_live->name, status_err->message);
    }
    bool stored = !config || vd_store_save_def(d->cfg, new_config, err);
    if (!stored && !live)
        goto out;
    if (!stored)
        g_clear_pointer(&new_config, vd_domain_def_free); /* hv did change: publish that */
    vd_write_lock(d);
    if (new_live) {
        vd_domain_def_free(dom->live);
        dom->live = g_steal_pointer(&new_live);
    }
    if (new_config) {
        vd_domain_def_free(dom->def);
        dom->def = g_steal_pointer(&new_config);
    }
    vd_write_unlock(d);
    ok = stored;
out:
    vd_job_end(d, dom);
    return ok;
}

typedef struct size_change {
    uint64_t value;
    bool maximum;
} size_change;

static bool change_memory(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                          const void *arg, vd_error **err)
{
    const size_change *c = arg;
    uint64_t kib = c->value, max = def->memory_kib, current = def->current_kib;
    if (c->maximum) {
        if (def->max_memory_kib && kib > def->max_memory_kib) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                    "cannot set max memory above <maxMemory> (%" G_GUINT64_FORMAT " KiB)",
                    def->max_memory_kib);
            return false;
        }
        if (live && kib > max && !def->max_memory_kib) {
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "cannot raise the maximum memory of a running domain without <maxMemory>");
            return false;
        }
        max = kib;
        current = MIN(current, kib);
    } else {
        if (kib > max) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                    "cannot set memory higher than max memory");
            return false;
        }
        current = kib;
    }
    if (kib < 4096) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "memory below Vireo's 4096 KiB");
        return false;
    }
    if (live && !d->hv->ops->domain_set_memory(d->hv, dom->id, max, current, err))
        return false;
    def->memory_kib = max;
    def->current_kib = current;
    return true;
}

bool vd_domain_set_memory(vd_daemon *d, const vd_domain_ref *ref, uint64_t kib, unsigned flags,
                          vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM, err,
                   false);
    size_change c = {kib, flags & VIR_DOMAIN_MEM_MAXIMUM};
    return vd_domain_apply_change(d, ref, flags, "virDomainSetMemoryFlags", change_memory, &c, err);
}

static bool change_stats_period(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                                const void *arg, vd_error **err)
{
    int period = *(const int *)arg;
    if (period < 0) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "invalid statistics period %d: it must be 0 (off) or more seconds", period);
        return false;
    }
    if (def->balloon != VD_BALLOON_VIRTIO) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "domain '%s' has no virtio memory balloon to collect statistics", def->name);
        return false;
    }
    if (live && !vd_dm_balloon_set_period(d->cfg, dom->id, def, period, err))
        return false;
    def->balloon_period = period;
    return true;
}

bool vd_domain_set_memory_stats_period(vd_daemon *d, const vd_domain_ref *ref, int period,
                                       unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, false);
    return vd_domain_apply_change(d, ref, flags, "virDomainSetMemoryStatsPeriod",
                                  change_stats_period, &period, err);
}

static bool change_vcpus(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                         const void *arg, vd_error **err)
{
    const size_change *c = arg;
    unsigned n = c->value;
    if (n == 0 || n > VD_MAX_VCPUS) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "vcpu count must be 1..%d",
                VD_MAX_VCPUS);
        return false;
    }
    if (c->maximum) {
        if (live) {
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "cannot change the maximum vcpu count of a running domain");
            return false;
        }
        def->vcpus = n;
        def->vcpus_current = MIN(def->vcpus_current, n);
        return true;
    }
    if (n > def->vcpus) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "requested vcpus is greater than max allowable vcpus for the domain: %u > %u", n,
                def->vcpus);
        return false;
    }
    if (live && !d->hv->ops->domain_set_vcpus(d->hv, dom->id, n, err))
        return false;
    def->vcpus_current = n;
    return true;
}

bool vd_domain_set_vcpus(vd_daemon *d, const vd_domain_ref *ref, unsigned nvcpus, unsigned flags,
                         vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM, err,
                   false);
    size_change c = {nvcpus, flags & VIR_DOMAIN_VCPU_MAXIMUM};
    return vd_domain_apply_change(d, ref, flags, "virDomainSetVcpusFlags", change_vcpus, &c, err);
}

int vd_domain_get_vcpus_flags(vd_daemon *d, const vd_domain_ref *ref, unsigned flags,
                              vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM, err,
                   -1);
    bool live, config;
    int n = -1;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && (flags & (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)) ==
                   (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG))
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "flags 'affect live' and 'affect config' are mutually exclusive");
    else if (dom && vd_affect(dom, flags, &live, &config, err)) {
        vd_domain_def *def = live ? dom->live : dom->def;
        n = flags & VIR_DOMAIN_VCPU_MAXIMUM ? def->vcpus : def->vcpus_current;
    }
    vd_read_unlock(d);
    return n;
}

char *vd_domain_get_scheduler_type(vd_daemon *d, const vd_domain_ref *ref, int *nparams,
                                   vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    vd_read_unlock(d);
    if (!dom)
        return NULL;
    if (nparams)
        *nparams = 2;
    return g_strdup("credit");
}

static vd_typed_param *uint_param(const char *field, unsigned v)
{
    vd_typed_param *p = g_new0(vd_typed_param, 1);
    p->field = g_strdup(field);
    p->type = VIR_TYPED_PARAM_UINT;
    p->value.ui = v;
    return p;
}

GPtrArray *vd_domain_get_scheduler_params(vd_daemon *d, const vd_domain_ref *ref, unsigned flags,
                                          vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                   err, NULL);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    bool live, config;
    GPtrArray *out = NULL;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && vd_affect(dom, flags, &live, &config, err)) {
        vd_domain_def *def = live ? dom->live : dom->def;
        out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);
        g_ptr_array_add(out, uint_param("weight", vd_domain_def_effective_weight(def)));
        g_ptr_array_add(out, uint_param("cap", def->cap));
    }
    vd_read_unlock(d);
    return out;
}

static bool read_sched_params(const vd_typed_param *params, unsigned n, unsigned *weight,
                              unsigned *cap, vd_error **err)
{
    for (unsigned i = 0; i < n; i++) {
        const vd_typed_param *p = &params[i];
        bool is_weight = strcmp(p->field, "weight") == 0;
        if (!is_weight && strcmp(p->field, "cap") != 0) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                    "unsupported scheduler parameter '%s' (Vireo's credit scheduler has "
                    "'weight' and 'cap')",
                    p->field);
            return false;
        }
        if (p->type != VIR_TYPED_PARAM_UINT) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                    "invalid type for param '%s': expected unsigned int", p->field);
            return false;
        }
        unsigned max = is_weight ? 65535 : 100 * VD_MAX_VCPUS;
        if ((is_weight && p->value.ui == 0) || p->value.ui > max) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "%s must be %u..%u", p->field,
                    is_weight ? 1u : 0u, max);
            return false;
        }
        *(is_weight ? weight : cap) = p->value.ui;
    }
    return true;
}

typedef struct sched_change {
    const vd_typed_param *params;
    unsigned n;
} sched_change;

static bool change_sched(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                         const void *arg, vd_error **err)
{
    const sched_change *c = arg;
    unsigned weight = def->weight, cap = def->cap;
    if (!read_sched_params(c->params, c->n, &weight, &cap, err))
        return false;
    if (live && !d->hv->ops->domain_set_sched(d->hv, dom->id, weight ? weight : VD_DEFAULT_WEIGHT,
                                              cap, err))
        return false;
    def->weight = weight;
    def->cap = cap;
    return true;
}

bool vd_domain_set_scheduler_params(vd_daemon *d, const vd_domain_ref *ref,
                                    const vd_typed_param *params, unsigned nparams, unsigned flags,
                                    vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                   err, false);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    sched_change c = {params, nparams};
    return vd_domain_apply_change(d, ref, flags, "virDomainSetSchedulerParametersFlags",
                                  change_sched, &c, err);
}

static void add_param(GPtrArray *params, const char *field, int type, uint64_t v)
{
    g_ptr_array_add(params, vd_typed_param_number(field, type, v));
}

static void add_string_param(GPtrArray *params, char *field, const char *v)
{
    vd_typed_param *p = g_new0(vd_typed_param, 1);
    p->field = field;
    p->type = VIR_TYPED_PARAM_STRING;
    p->value.s = g_strdup(v);
    g_ptr_array_add(params, p);
}

/* vcpu.<n>.state and vcpu.<n>.time of a running domain, as hv reports them. */
static void add_vcpu_params(vd_daemon *d, vd_domain *dom, GPtrArray *params)
{
    vd_hv_vcpu vcpus[VD_MAX_VCPUS];
    g_autoptr(vd_error) err = NULL;
    int n = d->hv->ops->domain_vcpu_list(d->hv, dom->id, vcpus, VD_MAX_VCPUS, &err);
    for (int i = 0; i < n; i++) {
        g_autofree char *state = g_strdup_printf("vcpu.%u.state", vcpus[i].number);
        g_autofree char *time = g_strdup_printf("vcpu.%u.time", vcpus[i].number);
        add_param(params, state, VIR_TYPED_PARAM_INT, vcpus[i].state);
        add_param(params, time, VIR_TYPED_PARAM_ULLONG, vcpus[i].cpu_time_ns);
    }
}

#define VD_STATS_SUPPORTED                                                                         \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |              \
     VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)

static vd_domain_stats *domain_stats(vd_daemon *d, vd_domain *dom, unsigned stats)
{
    vd_domain_stats *s = g_new0(vd_domain_stats, 1);
    s->dom = vd_domain_make_ref(dom);
    s->params = g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);
    vd_domain_def *def = vd_domain_current_def(dom);
    vd_hv_info info;
    bool have_info = live_info(d, dom, &info);
    if (stats & VIR_DOMAIN_STATS_STATE) {
        add_param(s->params, "state.state", VIR_TYPED_PARAM_INT, dom->state);
        add_param(s->params, "state.reason", VIR_TYPED_PARAM_INT, dom->reason);
    }
    if ((stats & VIR_DOMAIN_STATS_CPU_TOTAL) && have_info)
        add_param(s->params, "cpu.time", VIR_TYPED_PARAM_ULLONG, info.cpu_time_ns);
    if (stats & VIR_DOMAIN_STATS_BALLOON) {
        add_param(s->params, "balloon.current", VIR_TYPED_PARAM_ULLONG,
                  have_info ? info.memory_kib : def->current_kib);
        add_param(s->params, "balloon.maximum", VIR_TYPED_PARAM_ULLONG, def->memory_kib);
    }
    if (stats & VIR_DOMAIN_STATS_VCPU) {
        add_param(s->params, "vcpu.current", VIR_TYPED_PARAM_UINT,
                  have_info ? info.nr_online_vcpus : def->vcpus_current);
        add_param(s->params, "vcpu.maximum", VIR_TYPED_PARAM_UINT, def->vcpus);
        if (have_info)
            add_vcpu_params(d, dom, s->params);
    }
    if (stats & VIR_DOMAIN_STATS_INTERFACE)
        add_param(s->params, "net.count", VIR_TYPED_PARAM_UINT, dom->id >= 0 ? def->nets->len : 0);
    if (stats & VIR_DOMAIN_STATS_BLOCK) {
        add_param(s->params, "block.count", VIR_TYPED_PARAM_UINT, def->disks->len);
        for (unsigned i = 0; i < def->disks->len; i++) {
            vd_disk_def *disk = def->disks->pdata[i];
            add_string_param(s->params, g_strdup_printf("block.%u.name", i), disk->target);
            if (disk->source) /* as libvirt: network disks have no path */
                add_string_param(s->params, g_strdup_printf("block.%u.path", i), disk->source);
        }
    }
    return s;
}

GPtrArray *vd_domain_get_all_stats(vd_daemon *d, vd_domain_ref *const *doms, unsigned ndoms,
                                   unsigned stats, unsigned flags, vd_error **err)
{
    unsigned enforce = flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;
    VD_CHECK_FLAGS(flags, 0xffffu | VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS, err, NULL);
    if (enforce && (stats & ~VD_STATS_SUPPORTED)) {
        vd_fail(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
                "Stats types bits 0x%x are not supported by this daemon",
                stats & ~VD_STATS_SUPPORTED);
        return NULL;
    }
    stats = stats ? stats & VD_STATS_SUPPORTED : VD_STATS_SUPPORTED;
    unsigned filters = flags & 0xffffu;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_stats_free);
    vd_read_lock(d);
    if (ndoms) {
        for (unsigned i = 0; i < ndoms; i++) {
            vd_domain *dom = vd_resolve(d, doms[i], err);
            if (!dom) {
                g_clear_pointer(&out, g_ptr_array_unref);
                break;
            }
            g_ptr_array_add(out, domain_stats(d, dom, stats));
        }
    } else {
        g_autoptr(GPtrArray) refs = NULL;
        vd_read_unlock(d);
        refs = vd_domain_list_all(d, filters, err);
        vd_read_lock(d);
        for (unsigned i = 0; refs && i < refs->len; i++) {
            vd_domain *dom = vd_find_by_uuid(d, ((vd_domain_ref *)refs->pdata[i])->uuid);
            if (dom)
                g_ptr_array_add(out, domain_stats(d, dom, stats));
        }
    }
    vd_read_unlock(d);
    return out;
}
