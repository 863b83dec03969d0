/* SPDX-License-Identifier: GPL-2.0-only */
/* Domain procedures: each decodes its shape, calls one driver function, encodes back. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include "rpc-convert.h"

/* VIR_TYPED_PARAM_STRING_OKAY: clients add it to typed-parameter getters once feature 9
 * (TYPED_PARAM_STRING) is negotiated: it says string values may come back. It is a wire
 * matter, not the driver's: taken off here, and string values dropped for clients that
 * did not set it. */

#define D(call) ((call)->client->daemon)

/* ---- lookups and lists ---------------------------------------------------------------- */

static bool dom_reply(vd_domain_ref *ref, void *ret)
{
    vd_wire_dom_ret *r = ret;

    if (!ref)
        return false;
    vd_rpc_dom_to_wire(ref, &r->dom);
    vd_domain_ref_free(ref);
    return true;
}

bool vd_rpc_domain_lookup_by_name(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return dom_reply(vd_domain_lookup_by_name(D(call), ((vd_wire_string_arg *)args)->value, err),
                     ret);
}

bool vd_rpc_domain_lookup_by_uuid(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_uuid_arg *a = args;

    return dom_reply(vd_domain_lookup_by_uuid(D(call), (const unsigned char *)a->uuid, err), ret);
}

bool vd_rpc_domain_lookup_by_id(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return dom_reply(vd_domain_lookup_by_id(D(call), ((vd_wire_int_arg *)args)->value, err), ret);
}

bool vd_rpc_connect_list_all_domains(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_all_args *a = args;
    vd_wire_list_all_domains_ret *r = ret;
    g_autoptr(GPtrArray) doms = vd_domain_list_all(D(call), a->flags, err);

    if (!doms)
        return false;
    if (doms->len > VD_WIRE_DOMAIN_LIST_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "too many domains '%u' for limit '%d'",
                     doms->len, VD_WIRE_DOMAIN_LIST_MAX);
        return false;
    }
    r->count = doms->len;
    if (!a->need_results || !doms->len)
        return true;
    r->domains.domains_len = doms->len;
    r->domains.domains_val = g_new0(vd_wire_nonnull_domain, doms->len);
    for (unsigned i = 0; i < doms->len; i++)
        vd_rpc_dom_to_wire(g_ptr_array_index(doms, i), &r->domains.domains_val[i]);
    return true;
}

/* The pre-0.9.13 listing calls, still used by python's listDomainsID() and friends. */
static GPtrArray *list_by_state(vd_rpc_call *call, unsigned flags, int max, vd_error **err)
{
    GPtrArray *doms;

    if (max < 0 || max > VD_WIRE_DOMAIN_LIST_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maximum %d out of range 0..%d", max,
                     VD_WIRE_DOMAIN_LIST_MAX);
        return NULL;
    }
    doms = vd_domain_list_all(D(call), flags, err);
    if (doms && (int)doms->len > max)
        g_ptr_array_set_size(doms, max);
    return doms;
}

bool vd_rpc_connect_num_of_domains(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(GPtrArray) doms = vd_domain_list_all(D(call), VIR_CONNECT_LIST_DOMAINS_ACTIVE, err);

    (void)args;
    if (!doms)
        return false;
    ((vd_wire_int_ret *)ret)->value = doms->len;
    return true;
}

bool vd_rpc_connect_num_of_defined_domains(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(GPtrArray) doms = vd_domain_list_all(D(call), VIR_CONNECT_LIST_DOMAINS_INACTIVE, err);

    (void)args;
    if (!doms)
        return false;
    ((vd_wire_int_ret *)ret)->value = doms->len;
    return true;
}

bool vd_rpc_connect_list_domains(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_ids_ret *r = ret;
    g_autoptr(GPtrArray) doms =
        list_by_state(call, VIR_CONNECT_LIST_DOMAINS_ACTIVE, ((vd_wire_int_arg *)args)->value, err);

    if (!doms)
        return false;
    r->ids.ids_len = doms->len;
    r->ids.ids_val = g_new0(int, MAX(doms->len, 1));
    for (unsigned i = 0; i < doms->len; i++)
        r->ids.ids_val[i] = ((vd_domain_ref *)g_ptr_array_index(doms, i))->id;
    return true;
}

bool vd_rpc_connect_list_defined_domains(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_names_ret *r = ret;
    g_autoptr(GPtrArray) doms = list_by_state(call, VIR_CONNECT_LIST_DOMAINS_INACTIVE,
                                              ((vd_wire_int_arg *)args)->value, err);

    if (!doms)
        return false;
    r->names.names_len = doms->len;
    r->names.names_val = g_new0(vd_wire_nonnull_string, MAX(doms->len, 1));
    for (unsigned i = 0; i < doms->len; i++)
        r->names.names_val[i] = g_strdup(((vd_domain_ref *)g_ptr_array_index(doms, i))->name);
    return true;
}

/* ---- configuration ---------------------------------------------------------------------- */

bool vd_rpc_domain_define_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return dom_reply(vd_domain_define_xml(D(call), ((vd_wire_string_arg *)args)->value, 0, err),
                     ret);
}

bool vd_rpc_domain_define_xml_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_xml_flags_arg *a = args;

    return dom_reply(vd_domain_define_xml(D(call), a->xml, a->flags, err), ret);
}

bool vd_rpc_domain_create_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_xml_flags_arg *a = args;

    return dom_reply(vd_domain_create_xml(D(call), a->xml, a->flags, call->client->daemon_id, err),
                     ret);
}

bool vd_rpc_domain_undefine(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    (void)ret;
    return vd_domain_undefine(D(call), dom, 0, err);
}

bool vd_rpc_domain_undefine_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_undefine(D(call), dom, a->flags, err);
}

bool vd_rpc_domain_rename(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_rename_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    if (!vd_domain_rename(D(call), dom, vd_rpc_opt_string(a->new_name), a->flags, err))
        return false;
    ((vd_wire_int_ret *)ret)->value = 0;
    return true;
}

bool vd_rpc_domain_get_xml_desc(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    vd_wire_string_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    bool readonly;

    g_mutex_lock(&call->client->lock);
    readonly = call->client->readonly;
    g_mutex_unlock(&call->client->lock);
    if (readonly && (a->flags & VIR_DOMAIN_XML_SECURE)) {
        vd_error_set(err, VIR_ERR_OPERATION_DENIED, VIR_FROM_DOMAIN,
                     "operation forbidden: virDomainGetXMLDesc with secure flag");
        return false;
    }
    r->value = vd_domain_get_xml_desc(D(call), dom, a->flags, err);
    return r->value != NULL;
}

bool vd_rpc_domain_get_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    bool on = false;

    if (!vd_domain_get_autostart(D(call), dom, &on, err))
        return false;
    ((vd_wire_int_ret *)ret)->value = on;
    return true;
}

bool vd_rpc_domain_set_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_int_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_autostart(D(call), dom, a->value != 0, err);
}

static bool int_result(int v, void *ret)
{
    if (v < 0)
        return false;
    ((vd_wire_int_ret *)ret)->value = v;
    return true;
}

bool vd_rpc_domain_is_active(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    return int_result(vd_domain_is_active(D(call), dom, err), ret);
}

bool vd_rpc_domain_is_persistent(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    return int_result(vd_domain_is_persistent(D(call), dom, err), ret);
}

bool vd_rpc_domain_get_os_type(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    vd_wire_string_ret *r = ret;

    r->value = vd_domain_get_os_type(D(call), dom, err);
    return r->value != NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

typedef bool (*dom_flags_fn)(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                             vd_error **err);

static bool dom_call(vd_rpc_call *call, const vd_wire_nonnull_domain *w, dom_flags_fn fn,
                     unsigned flags, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(w);

    return fn(D(call), dom, flags, err);
}

#define DOM_ONLY(name, fn)                                                                         \
    bool name(vd_rpc_call *call, void *args, void *ret, vd_error **err)                            \
    {                                                                                              \
        (void)ret;                                                                                 \
        return dom_call(call, &((vd_wire_dom_arg *)args)->dom, fn, 0, err);                        \
    }
#define DOM_FLAGS(name, fn)                                                                        \
    bool name(vd_rpc_call *call, void *args, void *ret, vd_error **err)                            \
    {                                                                                              \
        vd_wire_dom_flags_arg *a = args;                                                           \
        (void)ret;                                                                                 \
        return dom_call(call, &a->dom, fn, a->flags, err);                                         \
    }

bool vd_rpc_domain_create(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    (void)ret;
    return vd_domain_create(D(call), dom, 0, 0, err);
}

DOM_ONLY(vd_rpc_domain_destroy, vd_domain_destroy)
DOM_FLAGS(vd_rpc_domain_destroy_flags, vd_domain_destroy)
DOM_ONLY(vd_rpc_domain_shutdown, vd_domain_shutdown)
DOM_FLAGS(vd_rpc_domain_shutdown_flags, vd_domain_shutdown)
DOM_FLAGS(vd_rpc_domain_reboot, vd_domain_reboot)
DOM_FLAGS(vd_rpc_domain_reset, vd_domain_reset)

bool vd_rpc_domain_create_with_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    if (!vd_domain_create(D(call), dom, a->flags, call->client->daemon_id, err))
        return false;
    /* The reply carries the domain with its new id. */
    return dom_reply(vd_domain_lookup_by_uuid(D(call), dom->uuid, err), ret);
}

bool vd_rpc_domain_suspend(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    (void)ret;
    return vd_domain_suspend(D(call), dom, err);
}

bool vd_rpc_domain_resume(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    (void)ret;
    return vd_domain_resume(D(call), dom, err);
}

/* ---- state and resources ---------------------------------------------------------------- */

bool vd_rpc_domain_get_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    vd_wire_domain_get_info_ret *r = ret;
    vd_domain_info info = {0};

    if (!vd_domain_get_info(D(call), dom, &info, err))
        return false;
    r->state = info.state;
    r->max_mem = info.max_mem_kib;
    r->memory = info.memory_kib;
    r->nr_virt_cpu = info.nr_virt_cpu;
    r->cpu_time = info.cpu_time_ns;
    return true;
}

bool vd_rpc_domain_get_max_memory(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    vd_domain_info info = {0};

    if (!vd_domain_get_info(D(call), dom, &info, err))
        return false;
    ((vd_wire_uhyper_ret *)ret)->value = info.max_mem_kib;
    return true;
}

bool vd_rpc_domain_get_state(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    vd_wire_domain_get_state_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    return vd_domain_get_state(D(call), dom, &r->state, &r->reason, err);
}

static bool set_memory(vd_rpc_call *call, const vd_wire_nonnull_domain *w, uint64_t kib,
                       unsigned flags, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(w);

    return vd_domain_set_memory(D(call), dom, kib, flags, err);
}

bool vd_rpc_domain_set_max_memory(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uhyper_arg *a = args;

    (void)ret;
    return set_memory(call, &a->dom, a->value, VIR_DOMAIN_MEM_MAXIMUM, err);
}

bool vd_rpc_domain_set_memory(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uhyper_arg *a = args;

    (void)ret;
    return set_memory(call, &a->dom, a->value, 0, err);
}

bool vd_rpc_domain_set_memory_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uhyper_flags_arg *a = args;

    (void)ret;
    return set_memory(call, &a->dom, a->value, a->flags, err);
}

bool vd_rpc_domain_attach_device_flags(vd_rpc_call *call, void *args, void *ret,
                                       vd_error **err)
{
    vd_wire_dom_xml_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_attach_device(D(call), dom, a->xml, a->flags, err);
}

bool vd_rpc_domain_detach_device_flags(vd_rpc_call *call, void *args, void *ret,
                                       vd_error **err)
{
    vd_wire_dom_xml_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_detach_device(D(call), dom, a->xml, a->flags, err);
}

bool vd_rpc_domain_set_memory_stats_period(vd_rpc_call *call, void *args, void *ret,
                                           vd_error **err)
{
    vd_wire_domain_set_memory_stats_period_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_memory_stats_period(D(call), dom, a->period, a->flags, err);
}

bool vd_rpc_domain_set_vcpus(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uint_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_vcpus(D(call), dom, a->value, 0, err);
}

bool vd_rpc_domain_set_vcpus_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uint_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_vcpus(D(call), dom, a->value, a->flags, err);
}

bool vd_rpc_domain_get_vcpus_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    return int_result(vd_domain_get_vcpus_flags(D(call), dom, a->flags, err), ret);
}

/* ---- scheduler ------------------------------------------------------------------------ */

bool vd_rpc_domain_get_scheduler_type(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    vd_wire_domain_get_scheduler_type_ret *r = ret;

    r->type = vd_domain_get_scheduler_type(D(call), dom, &r->nparams, err);
    return r->type != NULL;
}

static bool get_sched_params(vd_rpc_call *call, const vd_wire_nonnull_domain *w, int nparams,
                             unsigned flags, void *ret, vd_error **err)
{
    vd_wire_sched_params_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(w);
    g_autoptr(GPtrArray) params = NULL;

    if (nparams < 0 || nparams > VD_WIRE_SCHED_PARAMS_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "nparams %d out of range 0..%d", nparams,
                     VD_WIRE_SCHED_PARAMS_MAX);
        return false;
    }
    params =
        vd_domain_get_scheduler_params(D(call), dom, flags & ~VIR_TYPED_PARAM_STRING_OKAY, err);
    if (!params)
        return false;
    if (!(flags & VIR_TYPED_PARAM_STRING_OKAY))
        for (unsigned i = params->len; i-- > 0;)
            if (((vd_typed_param *)g_ptr_array_index(params, i))->type == VIR_TYPED_PARAM_STRING)
                g_ptr_array_remove_index(params, i);
    /* The caller sized its array from GET_SCHEDULER_TYPE; never return more. */
    vd_rpc_params_to_wire(params, nparams, &r->params.params_val, &r->params.params_len);
    return true;
}

bool vd_rpc_domain_get_scheduler_parameters(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    vd_wire_domain_get_scheduler_parameters_args *a = args;

    return get_sched_params(call, &a->dom, a->nparams, 0, ret, err);
}

bool vd_rpc_domain_get_scheduler_parameters_flags(vd_rpc_call *call, void *args, void *ret,
                                                  vd_error **err)
{
    vd_wire_domain_get_scheduler_parameters_flags_args *a = args;

    return get_sched_params(call, &a->dom, a->nparams, a->flags, ret, err);
}

static bool set_sched_params(vd_rpc_call *call, const vd_wire_nonnull_domain *w,
                             const vd_wire_typed_param *wp, unsigned n, unsigned flags,
                             vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(w);
    vd_typed_param *params = vd_rpc_params_from_wire(wp, n, err);
    bool ok;

    if (!params)
        return false;
    ok = vd_domain_set_scheduler_params(D(call), dom, params, n, flags, err);
    vd_rpc_params_free(params, n);
    return ok;
}

bool vd_rpc_domain_set_scheduler_parameters(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    vd_wire_domain_set_scheduler_parameters_args *a = args;

    (void)ret;
    return set_sched_params(call, &a->dom, a->params.params_val, a->params.params_len, 0, err);
}

bool vd_rpc_domain_set_scheduler_parameters_flags(vd_rpc_call *call, void *args, void *ret,
                                                  vd_error **err)
{
    vd_wire_domain_set_scheduler_parameters_flags_args *a = args;

    (void)ret;
    return set_sched_params(call, &a->dom, a->params.params_val, a->params.params_len, a->flags,
                            err);
}

/* ---- bulk stats ----------------------------------------------------------------------- */

bool vd_rpc_connect_get_all_domain_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_get_all_domain_stats_args *a = args;
    vd_wire_get_all_domain_stats_ret *r = ret;
    unsigned n = a->doms.doms_len;
    g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_ref_free);
    g_autoptr(GPtrArray) stats = NULL;

    for (unsigned i = 0; i < n; i++)
        g_ptr_array_add(refs, vd_rpc_dom_from_wire(&a->doms.doms_val[i]));
    stats = vd_domain_get_all_stats(D(call), n ? (vd_domain_ref *const *)refs->pdata : NULL, n,
                                    a->stats, a->flags, err);
    if (!stats)
        return false;
    if (stats->len > VD_WIRE_DOMAIN_LIST_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "too many domains '%u' for limit '%d'",
                     stats->len, VD_WIRE_DOMAIN_LIST_MAX);
        return false;
    }
    r->stats.stats_len = stats->len;
    r->stats.stats_val = g_new0(vd_wire_domain_stats_record, MAX(stats->len, 1));
    for (unsigned i = 0; i < stats->len; i++) {
        vd_domain_stats *s = g_ptr_array_index(stats, i);
        vd_wire_domain_stats_record *w = &r->stats.stats_val[i];

        vd_rpc_dom_to_wire(s->dom, &w->dom);
        vd_rpc_params_to_wire(s->params, VD_WIRE_STATS_PARAMS_MAX, &w->params.params_val,
                              &w->params.params_len);
    }
    return true;
}
